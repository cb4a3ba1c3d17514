/**
 * Histogram arithmetic. A histogram holds three doubles per bin — gradient sum, hessian sum, row
 * count — starting at `offset` of one Float64Array that packs every feature of a node; it is
 * built by the WebAssembly kernels (kernels.wat). `range` receives the span of bins with rows, so
 * callers clear, subtract and scan only that span.
 */

/**
 * parent -= child over the parent's bin span [lo, hi] (the child's span lies inside it). Bins
 * left with no rows are zeroed exactly, so rounding never leaks into later subtractions. Returns
 * the span trimmed to non-empty bins in `range`.
 */
export function subtractHistogram(parent: Float64Array, child: Float64Array, offset: number, lo: number, hi: number, range: Int32Array): void {
  let newLo = 0x7fffffff;
  let newHi = -1;
  for (let b = lo; b <= hi; b++) {
    const k = offset + 3 * b;
    const n = parent[k + 2] - child[k + 2];
    if (n === 0) {
      parent[k] = 0;
      parent[k + 1] = 0;
      parent[k + 2] = 0;
    } else {
      parent[k] -= child[k];
      parent[k + 1] -= child[k + 1];
      parent[k + 2] = n;
      if (b < newLo) newLo = b;
      newHi = b;
    }
  }
  range[0] = newLo;
  range[1] = newHi;
}

/** Zero bins [lo, hi] of one feature. */
export function clearHistogram(hist: Float64Array, offset: number, lo: number, hi: number): void {
  if (hi < lo) return;
  hist.fill(0, offset + 3 * lo, offset + 3 * hi + 3);
}

