/**
 * Row partition kernels over the node index array. Both keep the relative order of rows on each
 * side, so a node's rows stay ordered by the primary categorical code all the way down.
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
 * Stable partition of idx[start..end): rows whose bin is <= threshold (or is the missing bin
 * when missingLeft) first. Returns the first position of the right side.
 */
export function partitionByThreshold(
  idx: Int32Array,
  scratch: Int32Array,
  start: number,
  end: number,
  bins: Uint8Array | Int32Array,
  threshold: number,
  missingBin: number,
  missingLeft: boolean,
): number {
  let w = start;
  let r = 0;
  // Branch-free: write the row to both sides, advance the side it belongs to.
  const missing = missingLeft ? missingBin : -1;
  for (let i = start; i < end; i++) {
    const j = idx[i];
    const b = bins[j];
    const left = Number(b <= threshold) | Number(b === missing);
    idx[w] = j;
    scratch[r] = j;
    w += left;
    r += 1 - left;
  }
  copyRun(idx, w, scratch, 0, r);
  return w;
}

/** Stable partition of idx[start..end): rows with bin === code first. Returns the split position. */
export function partitionByCode(idx: Int32Array, scratch: Int32Array, start: number, end: number, bins: Int32Array, code: number): number {
  let w = start;
  let r = 0;
  for (let i = start; i < end; i++) {
    const j = idx[i];
    if (bins[j] === code) idx[w++] = j;
    else scratch[r++] = j;
  }
  copyRun(idx, w, scratch, 0, r);
  return w;
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
