/**
 * Row partition kernels over the node index array. Both keep the relative order of rows on each
 * side, so a node's rows stay ordered by the primary categorical code all the way down.
 */

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
  idx.set(scratch.subarray(0, r), w);
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
  idx.set(scratch.subarray(0, r), w);
  return w;
}

/**
 * Move the contiguous block idx[a..b) to the front (toFront) or the back of idx[start..end),
 * keeping the order of the other rows: a code split on rows ordered by code is a block move.
 */
export function moveBlock(idx: Int32Array, scratch: Int32Array, start: number, end: number, a: number, b: number, toFront: boolean): void {
  const n = b - a;
  scratch.set(idx.subarray(a, b), 0);
  if (toFront) {
    idx.copyWithin(start + n, start, a);
    idx.set(scratch.subarray(0, n), start);
  } else {
    idx.copyWithin(a, b, end);
    idx.set(scratch.subarray(0, n), end - n);
  }
}
