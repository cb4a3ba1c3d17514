import { Rng } from '../../core/rng.js';
import type { BinnedDataset } from '../tree/binning.js';
import { type GrowParams, TreeGrower } from '../tree/grower.js';
import type { TreeArrays } from '../tree/tree.js';

/** Everything a thread needs to grow some of a forest's trees: plain, structured-clone-safe data. */
export interface ForestPlan {
  readonly seed: number;
  readonly bootstrap: boolean;
  /** Bootstrap draws per tree. */
  readonly nSamples: number;
  readonly grow: GrowParams;
}

/**
 * In-bag counts of tree `t` (a function of seed and tree index only), indexed by position in
 * `data.order` (row order[k] was drawn counts[k] times).
 */
export function bootstrapCounts(plan: ForestPlan, nRows: number, t: number, counts: Int32Array): Rng {
  const rng = new Rng(plan.seed).fork(t);
  if (!plan.bootstrap) {
    counts.fill(1);
    return rng;
  }
  counts.fill(0);
  // mulberry32 seeded from the tree's stream, inlined for speed; multiply-shift maps a 32-bit
  // draw to [0, nRows) (bias < nRows / 2^32, far below sampling noise).
  // u * nRows < 2^53 and scale is nRows * 2^-32 exactly, so u * scale is exact: the same draw
  // as (u * nRows) / 2^32 without a division.
  const scale = nRows / 4294967296;
  const total = plan.nSamples;
  let s = rng.nextUint32();
  let k = 0;
  // Four draws per iteration: the draws are independent but for the state's additions.
  for (; k + 3 < total; k += 4) {
    const s0 = (s + 0x6d2b79f5) | 0;
    const s1 = (s0 + 0x6d2b79f5) | 0;
    const s2 = (s1 + 0x6d2b79f5) | 0;
    const s3 = (s2 + 0x6d2b79f5) | 0;
    s = s3;
    const i0 = Math.floor(mulberryOutput(s0) * scale);
    const i1 = Math.floor(mulberryOutput(s1) * scale);
    const i2 = Math.floor(mulberryOutput(s2) * scale);
    const i3 = Math.floor(mulberryOutput(s3) * scale);
    counts[i0]++;
    counts[i1]++;
    counts[i2]++;
    counts[i3]++;
  }
  for (; k < total; k++) {
    s = (s + 0x6d2b79f5) | 0;
    counts[Math.floor(mulberryOutput(s) * scale)]++;
  }
  return rng;
}

/** mulberry32's output function of state s: a uniform 32-bit unsigned integer. */
function mulberryOutput(s: number): number {
  let z = Math.imul(s ^ (s >>> 15), s | 1);
  z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
  return (z ^ (z >>> 14)) >>> 0;
}

/**
 * Grow trees `indices` of a forest (in that order; an iterable, so worker threads can take the
 * next index from a shared counter as they go). Random forest statistics: g = -count * y,
 * h = count, so a leaf's value is the in-bag mean and the gain is the squared-error impurity
 * decrease.
 */
export function growForestTrees(data: BinnedDataset, y: Float64Array, plan: ForestPlan, indices: Iterable<number>): TreeArrays[] {
  const n = data.nRows;
  const counts = new Int32Array(n);
  const order = data.order;
  const yOrdered = new Float64Array(n);
  for (let k = 0; k < n; k++) yOrdered[k] = y[order[k]];
  return TreeGrower.run(data, (grower) => {
    const trees: TreeArrays[] = [];
    for (const t of indices) {
      const rng = bootstrapCounts(plan, n, t, counts);
      // The grower's views are valid until its next tree.
      trees.push(grower.grow(compactInBag(counts, yOrdered, grower.ibPos, grower.ibG, grower.ibH), plan.grow, rng));
    }
    return trees;
  });
}

/**
 * In-bag rows of one tree: positions with a non-zero count, g = -count * y, h = count. Returns
 * their number. Branch-free (every row is written, only in-bag rows advance the cursor) and
 * four rows per iteration (V8 re-checks each typed array once per iteration, not per row).
 */
function compactInBag(counts: Int32Array, y: Float64Array, ibPos: Int32Array, ibG: Float64Array, ibH: Float64Array): number {
  const n = counts.length;
  let m = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const c0 = counts[k];
    const c1 = counts[k + 1];
    const c2 = counts[k + 2];
    const c3 = counts[k + 3];
    const y0 = y[k];
    const y1 = y[k + 1];
    const y2 = y[k + 2];
    const y3 = y[k + 3];
    ibPos[m] = k;
    ibG[m] = -c0 * y0;
    ibH[m] = c0;
    m += Number(c0 !== 0);
    ibPos[m] = k + 1;
    ibG[m] = -c1 * y1;
    ibH[m] = c1;
    m += Number(c1 !== 0);
    ibPos[m] = k + 2;
    ibG[m] = -c2 * y2;
    ibH[m] = c2;
    m += Number(c2 !== 0);
    ibPos[m] = k + 3;
    ibG[m] = -c3 * y3;
    ibH[m] = c3;
    m += Number(c3 !== 0);
  }
  for (; k < n; k++) {
    const c = counts[k];
    ibPos[m] = k;
    ibG[m] = -c * y[k];
    ibH[m] = c;
    m += Number(c !== 0);
  }
  return m;
}
