import { hashSlots } from '../../core/typed.js';

/**
 * The distinct rows of row-major `x` (equal bit patterns; e.g. trips with the same zone pair and
 * distance) and the distinct row of each row. Rows that share features reach the same leaves, so
 * routing the distinct ones is enough. When fewer than a tenth of the rows repeat, `x` is returned
 * as it is (distinctOf undefined).
 */
export function distinctRows(x: Float64Array, nRows: number, F: number): { x: Float64Array; nDistinct: number; distinctOf: Int32Array | undefined } {
  const words = new Uint32Array(x.buffer, x.byteOffset, nRows * F * 2);
  const W = 2 * F;
  // Open addressing: slot -> distinct row + 1 (0 = empty).
  const table = hashSlots(nRows);
  const mask = table.length - 1;
  const distinctOf = new Int32Array(nRows);
  const firstRow = new Int32Array(nRows);
  let nDistinct = 0;
  for (let i = 0; i < nRows; i++) {
    const base = i * W;
    let h = 0x811c9dc5;
    for (let w = 0; w < W; w++) h = Math.imul(h ^ words[base + w], 0x01000193);
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const d = table[slot];
      if (d === 0) {
        table[slot] = nDistinct + 1;
        firstRow[nDistinct] = i;
        distinctOf[i] = nDistinct++;
        break;
      }
      const other = firstRow[d - 1] * W;
      let same = true;
      for (let w = 0; w < W && same; w++) same = words[other + w] === words[base + w];
      if (same) {
        distinctOf[i] = d - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  if (nDistinct > 0.9 * nRows) return { x, nDistinct: nRows, distinctOf: undefined };
  const out = new Float64Array(nDistinct * F);
  for (let d = 0; d < nDistinct; d++) for (let j = 0, from = firstRow[d] * F; j < F; j++) out[d * F + j] = x[from + j];
  return { x: out, nDistinct, distinctOf };
}
