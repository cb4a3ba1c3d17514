/**
 * Histogram kernels. A histogram holds three doubles per bin — gradient sum, hessian sum, row
 * count — starting at `offset` of one Float64Array that packs every feature of a node. `range`
 * receives the lowest and highest bin touched, so callers clear, subtract and scan only that span.
 */

/** Add rows idx[start..end) of one feature to the histogram; writes [minBin, maxBin] to range. */
export function buildHistogram(
  hist: Float64Array,
  offset: number,
  idx: Int32Array,
  start: number,
  end: number,
  bins: Uint8Array | Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  range: Int32Array,
): void {
  let lo = 0x7fffffff;
  let hi = -1;
  for (let i = start; i < end; i++) {
    const j = idx[i];
    const b = bins[j];
    const k = offset + 3 * b;
    hist[k] += grad[j];
    hist[k + 1] += hess[j];
    hist[k + 2] += 1;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  range[0] = lo;
  range[1] = hi;
}

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

/**
 * Per-code statistics of a node whose rows are ordered by code: one entry per code present
 * (code, row count, gradient sum, hessian sum), in code order, written at `at` of the list
 * arrays. O(rows in node), whatever the number of categories. Returns the entry count.
 */
export function buildCodeList(
  idx: Int32Array,
  start: number,
  end: number,
  codes: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  lCode: Int32Array,
  lCount: Int32Array,
  lG: Float64Array,
  lH: Float64Array,
  at: number,
): number {
  // Sums run in locals and are flushed when the code changes (no loop-carried memory dependency).
  let k = at - 1;
  let prev = -1;
  let first = start;
  let g = 0;
  let h = 0;
  for (let i = start; i < end; i++) {
    const j = idx[i];
    const c = codes[j];
    if (c !== prev) {
      if (k >= at) {
        lCount[k] = i - first;
        lG[k] = g;
        lH[k] = h;
      }
      k++;
      prev = c;
      first = i;
      lCode[k] = c;
      g = 0;
      h = 0;
    }
    g += grad[j];
    h += hess[j];
  }
  if (k >= at) {
    lCount[k] = end - first;
    lG[k] = g;
    lH[k] = h;
  }
  return k + 1 - at;
}
