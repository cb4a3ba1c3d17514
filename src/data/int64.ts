/**
 * int64 values (timestamps, ids) handled as two int32 halves of a BigInt64Array's buffer, so hot
 * loops never make a BigInt per value. Exact while |v| < 2^53 (any real timestamp in µs).
 */

/** Writes the integer `v` as element `i` of the int64 array viewed by `halves`. */
export function writeInt64(halves: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  halves[2 * i + 1] = hi;
  halves[2 * i] = (v - hi * 4294967296) | 0;
}
