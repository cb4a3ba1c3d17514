/**
 * Reference kernels, used only by tests to check the fast ones: naive split searches and trees
 * (plain loops over rows, no spans, no subtraction, no ordering tricks), and the JavaScript twins
 * of the WebAssembly kernels (kernels.wat), which must agree with them bit for bit.
 */
import { type SplitRules, leafScore } from './split.js';
import { copyRun } from './partition.js';

export interface NaiveSplit {
  gain: number;
  bin: number;
  missingLeft: boolean;
}

/** Histogram of rows (any order): [G, H, N] per bin. */
export function naiveHistogram(rows: ArrayLike<number>, bins: ArrayLike<number>, g: ArrayLike<number>, h: ArrayLike<number>, nBins: number): Float64Array {
  const out = new Float64Array(3 * nBins);
  for (let i = 0; i < rows.length; i++) {
    const j = rows[i];
    out[3 * bins[j]] += g[j];
    out[3 * bins[j] + 1] += h[j];
    out[3 * bins[j] + 2] += 1;
  }
  return out;
}

function sideOk(n: number, hs: number, rules: SplitRules): boolean {
  return n >= Math.max(1, rules.minSamplesLeaf) && hs >= rules.minChildWeight;
}

function gainOf(rows: ArrayLike<number>, left: (j: number) => boolean, g: ArrayLike<number>, h: ArrayLike<number>, rules: SplitRules): number {
  let gl = 0;
  let hl = 0;
  let nl = 0;
  let gr = 0;
  let hr = 0;
  let nr = 0;
  for (let i = 0; i < rows.length; i++) {
    const j = rows[i];
    if (left(j)) {
      gl += g[j];
      hl += h[j];
      nl++;
    } else {
      gr += g[j];
      hr += h[j];
      nr++;
    }
  }
  if (!sideOk(nl, hl, rules) || !sideOk(nr, hr, rules)) return Number.NEGATIVE_INFINITY;
  const { lambda, alpha } = rules;
  return leafScore(gl, hl, lambda, alpha) + leafScore(gr, hr, lambda, alpha) - leafScore(gl + gr, hl + hr, lambda, alpha);
}

/** Best threshold "bin <= b" over every b, missing bin (nCuts + 1) tried on both sides. */
export function naiveNumericSplit(rows: ArrayLike<number>, bins: ArrayLike<number>, nCuts: number, g: ArrayLike<number>, h: ArrayLike<number>, rules: SplitRules): NaiveSplit {
  const best: NaiveSplit = { gain: Number.NEGATIVE_INFINITY, bin: -1, missingLeft: false };
  const missing = nCuts + 1;
  for (let b = 0; b <= nCuts; b++) {
    for (const missingLeft of [false, true]) {
      const gain = gainOf(rows, (j) => bins[j] <= b || (missingLeft && bins[j] === missing), g, h, rules);
      if (gain > best.gain + 1e-9 * Math.max(1, Math.abs(gain))) Object.assign(best, { gain, bin: b, missingLeft });
    }
  }
  return best;
}

/** Best "code k vs the rest" over every code present (the unseen code never isolated). */
export function naiveCodeSplit(rows: ArrayLike<number>, codes: ArrayLike<number>, unknownCode: number, g: ArrayLike<number>, h: ArrayLike<number>, rules: SplitRules): NaiveSplit {
  const best: NaiveSplit = { gain: Number.NEGATIVE_INFINITY, bin: -1, missingLeft: false };
  const present = [...new Set(Array.from(rows, (j) => codes[j]))].sort((a, b) => a - b);
  for (const k of present) {
    if (k === unknownCode) continue;
    const gain = gainOf(rows, (j) => codes[j] === k, g, h, rules);
    if (gain > best.gain + 1e-9 * Math.max(1, Math.abs(gain))) Object.assign(best, { gain, bin: k, missingLeft: false });
  }
  return best;
}

/**
 * Exact CART regression tree on a dense row-major matrix (scikit-learn's rules: thresholds midway
 * between adjacent distinct values, squared error, first best split wins). Returns predictions.
 */
export function naiveCartPredict(
  x: Float64Array,
  nRows: number,
  nCols: number,
  y: Float64Array,
  maxDepth: number,
  xTest: Float64Array,
  nTest: number,
): Float64Array {
  interface Node {
    leaf: boolean;
    value: number;
    feature: number;
    threshold: number;
    left?: Node;
    right?: Node;
  }
  const build = (rows: number[], depth: number): Node => {
    let sum = 0;
    for (const r of rows) sum += y[r];
    const value = sum / rows.length;
    const node: Node = { leaf: true, value, feature: -1, threshold: 0 };
    if (depth >= maxDepth || rows.length < 2) return node;
    let bestGain = 1e-12 * Math.abs((sum * sum) / rows.length);
    let bestF = -1;
    let bestT = 0;
    for (let f = 0; f < nCols; f++) {
      const sorted = [...rows].sort((a, b) => x[a * nCols + f] - x[b * nCols + f]);
      let ls = 0;
      for (let i = 0; i + 1 < sorted.length; i++) {
        ls += y[sorted[i]];
        const a = x[sorted[i] * nCols + f];
        const b = x[sorted[i + 1] * nCols + f];
        if (a === b) continue;
        const nl = i + 1;
        const nr = sorted.length - nl;
        const gain = (ls * ls) / nl + ((sum - ls) * (sum - ls)) / nr - (sum * sum) / sorted.length;
        if (gain > bestGain * (1 + 1e-9)) {
          bestGain = gain;
          bestF = f;
          bestT = a / 2 + b / 2;
        }
      }
    }
    if (bestF < 0) return node;
    node.leaf = false;
    node.feature = bestF;
    node.threshold = bestT;
    node.left = build(
      rows.filter((r) => x[r * nCols + bestF] <= bestT),
      depth + 1,
    );
    node.right = build(
      rows.filter((r) => x[r * nCols + bestF] > bestT),
      depth + 1,
    );
    return node;
  };
  const root = build(
    Array.from({ length: nRows }, (_, i) => i),
    0,
  );
  const out = new Float64Array(nTest);
  for (let i = 0; i < nTest; i++) {
    let n = root;
    while (!n.leaf) n = xTest[i * nCols + n.feature] <= n.threshold ? n.left! : n.right!;
    out[i] = n.value;
  }
  return out;
}

// JavaScript twins of the WebAssembly kernels: the same loops, the same order of sums.

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

