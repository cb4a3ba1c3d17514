/**
 * Row moves over the node index array that run in JavaScript (the partitions by bin run as
 * WebAssembly, kernels.wat). They keep the relative order of rows on each side, so a node's rows
 * stay ordered by the primary categorical code all the way down.
 */

/**
 * Below this many elements a loop copies without allocating a view (these run once per node and
 * the views were most of a search's young garbage); above it memcpy's speed pays for the view.
 */
const SHORT_COPY = 512;

/** dst[at..at+n) = src[from..from+n) (distinct arrays): a loop for short runs, memcpy otherwise. */
export function copyRun<T extends Int32Array | Float64Array>(dst: T, at: number, src: T, from: number, n: number): void {
  if (n < SHORT_COPY) {
    for (let i = 0; i < n; i++) dst[at + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + n) as never, at);
  }
}

/**
 * Move the contiguous block idx[a..b) to the front (toFront) or the back of idx[start..end),
 * keeping the order of the other rows: a code split on rows ordered by code is a block move.
 */
export function moveBlock(idx: Int32Array, scratch: Int32Array, start: number, end: number, a: number, b: number, toFront: boolean): void {
  const n = b - a;
  copyRun(scratch, 0, idx, a, n);
  if (toFront) {
    idx.copyWithin(start + n, start, a);
    copyRun(idx, start, scratch, 0, n);
  } else {
    idx.copyWithin(a, b, end);
    copyRun(idx, end - n, scratch, 0, n);
  }
}
