import type { TreeKernels } from './arena.js';
import type { CodeLists } from './code-lists.js';

/**
 * Split search kernels. The learner sees gradient and hessian sums only: a side with sums (G, H)
 * scores T(G)^2 / (H + lambda), T the L1 soft threshold; gain = left + right - parent. With
 * g = -w*y, h = w and lambda = alpha = 0 this is exactly the weighted squared-error impurity
 * decrease scikit-learn's trees maximise (times the node weight).
 *
 * Kernels update a best-split record in place when they find a strictly better split:
 * [gain, feature, bin (numeric: last bin of the left side; categorical: the code),
 *  missingLeft (0/1), G_left, H_left, N_left, aux (list entry index for code lists)].
 */
export const BEST_GAIN = 0;
export const BEST_FEATURE = 1;
export const BEST_BIN = 2;
export const BEST_MISSING_LEFT = 3;
export const BEST_G = 4;
export const BEST_H = 5;
export const BEST_N = 6;
export const BEST_AUX = 7;
export const BEST_SIZE = 8;

/**
 * The node being split, as the kernels read it: [G, H, N, parent score]. A Float64Array rather
 * than number arguments: V8 boxes every double passed to a call it does not inline, and the
 * kernels run once per node and feature (a few megabytes of garbage per search otherwise).
 */
export const NODE_G = 0;
export const NODE_H = 1;
export const NODE_N = 2;
export const NODE_SCORE = 3;
export const NODE_SIZE = 4;

export function resetBest(best: Float64Array): void {
  best.fill(0);
  best[BEST_GAIN] = Number.NEGATIVE_INFINITY;
  best[BEST_FEATURE] = -1;
}

/** Score of one side: T(G)^2 / (H + lambda). */
export function leafScore(g: number, h: number, lambda: number, alpha: number): number {
  const t = g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
  return (t * t) / (h + lambda);
}

/** Node output: -T(G) / (H + lambda). */
export function leafValue(g: number, h: number, lambda: number, alpha: number): number {
  const t = g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
  const d = h + lambda;
  return d > 0 ? -t / d : 0;
}

/** Constraints and regularisation shared by the kernels. */
export interface SplitRules {
  readonly minSamplesLeaf: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly alpha: number;
}

/**
 * Numeric feature: thresholds between value bins [lo, min(hi, nCuts)], missing values (bin
 * nCuts + 1) tried on both sides. `onlyBin` >= 0 evaluates that one threshold (random splits).
 */
export function scanNumeric(
  hist: Float64Array,
  offset: number,
  lo: number,
  hi: number,
  nCuts: number,
  onlyBin: number,
  node: Float64Array,
  rules: SplitRules,
  feature: number,
  best: Float64Array,
): void {
  const { minSamplesLeaf, minChildWeight, lambda, alpha } = rules;
  const G = node[NODE_G];
  const H = node[NODE_H];
  const N = node[NODE_N];
  const parentScore = node[NODE_SCORE];
  const minLeaf = Math.max(minSamplesLeaf, 1);
  const mk = offset + 3 * (nCuts + 1);
  const mG = hi > nCuts ? hist[mk] : 0;
  const mH = hi > nCuts ? hist[mk + 1] : 0;
  const mN = hi > nCuts ? hist[mk + 2] : 0;
  const top = Math.min(hi, nCuts);
  const last = onlyBin >= 0 ? onlyBin : top;
  let cG = 0;
  let cH = 0;
  let cN = 0;
  for (let b = lo; b <= last; b++) {
    const k = offset + 3 * b;
    const n = hist[k + 2];
    if (n !== 0) {
      cG += hist[k];
      cH += hist[k + 1];
      cN += n;
    } else if (b !== onlyBin) {
      continue;
    }
    if (b < onlyBin) continue;
    // Missing values to the right.
    let nR = N - cN;
    let hR = H - cH;
    if (cN >= minLeaf && nR >= minLeaf && cH >= minChildWeight && hR >= minChildWeight) {
      const gain = leafScore(cG, cH, lambda, alpha) + leafScore(G - cG, hR, lambda, alpha) - parentScore;
      if (gain > best[BEST_GAIN]) recordBest(best, gain, feature, b, 0, cG, cH, cN, 0);
    }
    if (mN > 0) {
      // Missing values to the left.
      const gL = cG + mG;
      const hL = cH + mH;
      const nL = cN + mN;
      nR = N - nL;
      hR = H - hL;
      if (nL >= minLeaf && nR >= minLeaf && hL >= minChildWeight && hR >= minChildWeight) {
        const gain = leafScore(gL, hL, lambda, alpha) + leafScore(G - gL, hR, lambda, alpha) - parentScore;
        if (gain > best[BEST_GAIN]) recordBest(best, gain, feature, b, 1, gL, hL, nL, 0);
      }
    }
  }
}

/** Categorical feature held as a histogram over codes: "code k vs the rest" for codes in [lo, hi]. */
export function scanCategoricalHistogram(
  hist: Float64Array,
  offset: number,
  lo: number,
  hi: number,
  unknownCode: number,
  node: Float64Array,
  rules: SplitRules,
  feature: number,
  best: Float64Array,
): void {
  const { minSamplesLeaf, minChildWeight, lambda, alpha } = rules;
  const H = node[NODE_H];
  const G = node[NODE_G];
  const N = node[NODE_N];
  const parentScore = node[NODE_SCORE];
  const minLeaf = Math.max(minSamplesLeaf, 1);
  for (let b = lo; b <= hi; b++) {
    const k = offset + 3 * b;
    const nL = hist[k + 2];
    if (nL === 0 || b === unknownCode) continue;
    const gL = hist[k];
    const hL = hist[k + 1];
    const nR = N - nL;
    const hR = H - hL;
    if (nL >= minLeaf && nR >= minLeaf && hL >= minChildWeight && hR >= minChildWeight) {
      const gain = leafScore(gL, hL, lambda, alpha) + leafScore(G - gL, hR, lambda, alpha) - parentScore;
      if (gain > best[BEST_GAIN]) recordBest(best, gain, feature, b, 0, gL, hL, nL, 0);
    }
  }
}

/**
 * Categorical feature held as a per-code list (entries [from, from + len)): "code k vs the rest".
 * The WebAssembly kernel finds the entry that scores best above the best split so far; its gain
 * is then computed here exactly as the other kernels compute theirs.
 */
export function scanCodeList(
  kernels: TreeKernels,
  lists: CodeLists,
  from: number,
  len: number,
  unknownCode: number,
  node: Float64Array,
  rules: SplitRules,
  feature: number,
  best: Float64Array,
): void {
  const { minSamplesLeaf, minChildWeight, lambda, alpha } = rules;
  const G = node[NODE_G];
  const H = node[NODE_H];
  const N = node[NODE_N];
  const parentScore = node[NODE_SCORE];
  const minLeaf = Math.max(minSamplesLeaf, 1);
  // Score sum (left + right) to beat; a split must at least not lose against the parent.
  const target = Math.max(best[BEST_GAIN], 0) + parentScore;
  const pick = kernels.scanCodeList(lists.at.code, lists.at.count, lists.at.g, lists.at.h, from, len, unknownCode, G, H, target, minLeaf, N - minLeaf, minChildWeight, lambda, alpha);
  if (pick < 0) return;
  const gL = lists.g[pick];
  const hL = lists.h[pick];
  const gain = leafScore(gL, hL, lambda, alpha) + leafScore(G - gL, H - hL, lambda, alpha) - parentScore;
  if (gain > best[BEST_GAIN]) recordBest(best, gain, feature, lists.code[pick], 0, gL, hL, lists.count[pick], pick);
}

/** Write a better split into the best-split record. */
function recordBest(best: Float64Array, gain: number, feature: number, bin: number, missingLeft: number, g: number, h: number, n: number, aux: number): void {
  best[BEST_GAIN] = gain;
  best[BEST_FEATURE] = feature;
  best[BEST_BIN] = bin;
  best[BEST_MISSING_LEFT] = missingLeft;
  best[BEST_G] = g;
  best[BEST_H] = h;
  best[BEST_N] = n;
  best[BEST_AUX] = aux;
}
