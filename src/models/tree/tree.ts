import { sharedArray } from '../../core/typed.js';
/**
 * Flat tree arrays and prediction. A split node sends a row to child A (`child[n]`) when its value
 * lies in the closed interval [lo[n], hi[n]], otherwise to child B (`child[n] + 1`). That one test
 * covers "value <= t" ([-inf, t]), "value > t" ([nextUp(t), +inf]) and "code == k" ([k, k]); NaN
 * and the unseen category fail every interval, so they always go to child B, which the learner
 * arranges to be the side missing values were sent to in training. `binLo`/`binHi` hold the same
 * intervals in bin space. Leaves have feature -1.
 */
export interface TreeArrays {
  readonly nNodes: number;
  readonly feature: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly binLo: Float64Array;
  readonly binHi: Float64Array;
  readonly child: Int32Array;
  /** Output of the node (leaf value; for inner nodes the value they would have as a leaf). */
  readonly value: Float64Array;
  /** Gain of the split (0 for leaves). */
  readonly gain: Float64Array;
  /** Training rows (distinct in-bag rows) that reached the node. */
  readonly count: Int32Array;
}

/** Many trees in one set of arrays; tree t's root is `roots[t]`, children are absolute indices. */
export interface ForestArrays extends TreeArrays {
  readonly roots: Int32Array;
}

export const TREE_FIELDS = ['feature', 'lo', 'hi', 'binLo', 'binHi', 'child', 'value', 'gain', 'count'] as const;

/**
 * Concatenate trees into forest arrays (child indices shifted to absolute); with `shared`, in
 * shared memory, so other threads can read the forest without a copy.
 */
export function concatTrees(trees: readonly TreeArrays[], shared = false): ForestArrays {
  let total = 0;
  for (const t of trees) total += t.nNodes;
  const i32 = (n: number) => (shared ? sharedArray(Int32Array, n) : new Int32Array(n));
  const f64 = (n: number) => (shared ? sharedArray(Float64Array, n) : new Float64Array(n));
  const out = {
    nNodes: total,
    feature: i32(total),
    lo: f64(total),
    hi: f64(total),
    binLo: f64(total),
    binHi: f64(total),
    child: i32(total),
    value: f64(total),
    gain: f64(total),
    count: i32(total),
    roots: i32(trees.length),
  };
  let at = 0;
  trees.forEach((t, k) => {
    out.roots[k] = at;
    out.feature.set(t.feature.subarray(0, t.nNodes), at);
    out.lo.set(t.lo.subarray(0, t.nNodes), at);
    out.hi.set(t.hi.subarray(0, t.nNodes), at);
    out.binLo.set(t.binLo.subarray(0, t.nNodes), at);
    out.binHi.set(t.binHi.subarray(0, t.nNodes), at);
    out.value.set(t.value.subarray(0, t.nNodes), at);
    out.gain.set(t.gain.subarray(0, t.nNodes), at);
    out.count.set(t.count.subarray(0, t.nNodes), at);
    for (let n = 0; n < t.nNodes; n++) out.child[at + n] = t.child[n] < 0 ? -1 : t.child[n] + at;
    at += t.nNodes;
  });
  return out;
}

/** One tree (by its root) out of forest arrays, with child indices relative to it. */
export function sliceTree(forest: ForestArrays, t: number): TreeArrays {
  const from = forest.roots[t];
  const to = t + 1 < forest.roots.length ? forest.roots[t + 1] : forest.nNodes;
  const child = forest.child.slice(from, to);
  for (let n = 0; n < child.length; n++) if (child[n] >= 0) child[n] -= from;
  return {
    nNodes: to - from,
    feature: forest.feature.slice(from, to),
    lo: forest.lo.slice(from, to),
    hi: forest.hi.slice(from, to),
    binLo: forest.binLo.slice(from, to),
    binHi: forest.binHi.slice(from, to),
    child,
    value: forest.value.slice(from, to),
    gain: forest.gain.slice(from, to),
    count: forest.count.slice(from, to),
  };
}

/**
 * Add `scale` x (tree output) for trees [from, to) to `out`, rows of `x` (row-major, nFeatures
 * per row). `lo`/`hi` are the value intervals (raw features) or `binLo`/`binHi` (binned rows).
 */
export function predictTrees(
  feature: Int32Array,
  lo: Float64Array,
  hi: Float64Array,
  child: Int32Array,
  value: Float64Array,
  roots: Int32Array,
  from: number,
  to: number,
  x: Float64Array,
  nRows: number,
  nFeatures: number,
  scale: number,
  out: Float64Array,
): void {
  for (let t = from; t < to; t++) {
    const root = roots[t];
    for (let i = 0, base = 0; i < nRows; i++, base += nFeatures) {
      let n = root;
      let f = feature[n];
      while (f >= 0) {
        const v = x[base + f];
        // Arithmetic instead of a branch: the direction is data-dependent and mispredicts.
        n = child[n] + 1 - (Number(lo[n] <= v) & Number(v <= hi[n]));
        f = feature[n];
      }
      out[i] += scale * value[n];
    }
  }
}

const f64 = new Float64Array(1);
/** The double's two 32-bit halves, for a 64-bit step without BigInts (which allocate). */
const u32 = new Uint32Array(f64.buffer);
const LOW = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

/** The smallest double greater than x. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  // One step of the bit pattern away from zero (x > 0) or towards it (x < 0), with the carry.
  if (x > 0) {
    u32[LOW] = (u32[LOW] + 1) >>> 0;
    if (u32[LOW] === 0) u32[HIGH] += 1;
  } else {
    if (u32[LOW] === 0) u32[HIGH] -= 1;
    u32[LOW] = (u32[LOW] - 1) >>> 0;
  }
  return f64[0];
}
