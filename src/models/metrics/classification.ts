import { InvalidInputError } from '../../core/errors.js';
import { type LabelInput, LabelEncoder } from '../labels.js';

/**
 * Classification metrics, with scikit-learn's definitions. Two layers:
 * - kernels on class codes (0..k-1) and a row-major n x k probability matrix, which the metrics
 *   registry, the tuner and the fits use (`yPred` of width 1 holds the positive class's
 *   probability of a binary problem);
 * - label-level functions for users (`accuracyScore(yTrue, yPred)` on labels of any type, scores
 *   of the positive class for `rocAucScore`), which encode labels and call the kernels.
 * No per-row objects: codes and scores stay in typed arrays, ranking sorts typed arrays natively.
 */

/** How per-class precision, recall and F1 are combined (scikit-learn's `average`). */
export type Average = 'binary' | 'macro' | 'weighted' | 'micro';

/** Counts of (true class, predicted class) pairs: `counts[t * k + p]`, classes in `labels` order. */
export interface ConfusionMatrix {
  readonly labels: Float64Array | readonly string[];
  readonly counts: Int32Array;
}

/** Probabilities are clipped to [eps, 1 - eps] (float64 machine epsilon, scikit-learn 1.2's default). */
const LOG_LOSS_EPS = Number.EPSILON;

// ---------------------------------------------------------------------------------------------
// Kernels on codes and probabilities.

/** Columns of the probability matrix `proba` for `n` rows; 1 = positive-class probabilities of a binary problem. */
export function probaWidth(owner: string, n: number, proba: ArrayLike<number>): number {
  if (n === 0) throw new InvalidInputError(`${owner}: empty input`);
  const k = proba.length / n;
  if (!Number.isInteger(k) || k < 1) {
    throw new InvalidInputError(`${owner}: ${proba.length} probabilities are not a whole number of columns for ${n} rows`);
  }
  return k;
}

/** Check codes are integers in [0, k) (k >= 2). */
function checkCodes(owner: string, codes: ArrayLike<number>, k: number): void {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new InvalidInputError(`${owner}: true class code ${c} at row ${i} is not in [0, ${k}) (probability columns)`);
    }
  }
}

/** The predicted class codes: the first column of the largest probability (positive when p > 0.5 for width 1). */
export function argmaxCodes(proba: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  if (k === 1) {
    for (let i = 0; i < n; i++) out[i] = proba[i] > 0.5 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let best = 0;
    let bestP = proba[base];
    for (let c = 1; c < k; c++) {
      const p = proba[base + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Confusion counts of two code vectors over k classes. */
export function confusionCounts(trueCodes: ArrayLike<number>, predCodes: ArrayLike<number>, k: number): Int32Array {
  const counts = new Int32Array(k * k);
  for (let i = 0; i < trueCodes.length; i++) counts[trueCodes[i] * k + predCodes[i]]++;
  return counts;
}

/** Mean log loss of true codes under probabilities (clipped to [eps, 1 - eps], rows renormalised). */
export function logLossOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  const n = codes.length;
  const k = probaWidth('logloss', n, proba);
  checkCodes('logloss', codes, Math.max(k, 2));
  const lo = LOG_LOSS_EPS;
  const hi = 1 - LOG_LOSS_EPS;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (k === 1) {
      const p1 = clip(proba[i], lo, hi);
      const p0 = clip(1 - proba[i], lo, hi);
      s -= Math.log((c === 1 ? p1 : p0) / (p0 + p1));
      continue;
    }
    const base = i * k;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += clip(proba[base + j], lo, hi);
    s -= Math.log(clip(proba[base + c], lo, hi) / sum);
  }
  return s / n;
}

function clip(v: number, lo: number, hi: number): number {
  if (Number.isNaN(v)) throw new InvalidInputError('logloss: a probability is NaN');
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Scores of the rows of class `positive` and of the others, each sorted ascending: ranking
 * needs only these two sorted runs (the typed arrays' native sort, no comparator).
 */
function splitScores(owner: string, codes: ArrayLike<number>, scores: ArrayLike<number>, stride: number, column: number, positive: number): [Float64Array, Float64Array] {
  const n = codes.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (codes[i] === positive) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(n - nPos);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i * stride + column];
    if (Number.isNaN(s)) throw new InvalidInputError(`${owner}: score at row ${i} is NaN`);
    if (codes[i] === positive) pos[a++] = s;
    else neg[b++] = s;
  }
  return [pos.sort(), neg.sort()];
}

/**
 * ROC AUC and average precision from sorted positive and negative scores, walking the distinct
 * thresholds from the highest down. ROC AUC is the trapezoidal area (a tied positive/negative
 * pair counts one half, as in the Mann-Whitney statistic); average precision is
 * sum_n (R_n - R_{n-1}) P_n over thresholds, scikit-learn's step-wise definition.
 */
export function rankAreas(pos: Float64Array, neg: Float64Array): { readonly rocAuc: number; readonly averagePrecision: number } {
  const nPos = pos.length;
  const nNeg = neg.length;
  let i = nPos - 1;
  let j = nNeg - 1;
  let tp = 0;
  let fp = 0;
  let area = 0;
  let ap = 0;
  while (i >= 0 || j >= 0) {
    const t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    let dp = 0;
    let dn = 0;
    while (i >= 0 && pos[i] === t) {
      dp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      dn++;
      j--;
    }
    area += dn * (tp + dp / 2);
    tp += dp;
    fp += dn;
    if (dp > 0) ap += (dp / nPos) * (tp / (tp + fp));
  }
  return { rocAuc: area / (nPos * nNeg), averagePrecision: ap };
}

/**
 * ROC AUC or average precision of probabilities: binary (width 1 or 2: the positive class is
 * code 1), or one-vs-rest averaged over the classes (macro). A class absent from the true codes
 * has no curve and is left out of the average (scikit-learn raises instead).
 */
function rankMetric(owner: string, which: 'rocAuc' | 'averagePrecision', codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  const n = codes.length;
  const k = probaWidth(owner, n, proba);
  checkCodes(owner, codes, Math.max(k, 2));
  if (k <= 2) {
    const [pos, neg] = splitScores(owner, codes, proba, k, k - 1, 1);
    if (pos.length === 0 || neg.length === 0) throw new InvalidInputError(`${owner}: only one class is present in the true labels; the metric is undefined`);
    return rankAreas(pos, neg)[which];
  }
  let sum = 0;
  let used = 0;
  for (let c = 0; c < k; c++) {
    const [pos, neg] = splitScores(owner, codes, proba, k, c, c);
    if (pos.length === 0 || neg.length === 0) continue;
    sum += rankAreas(pos, neg)[which];
    used++;
  }
  if (used === 0) throw new InvalidInputError(`${owner}: only one class is present in the true labels; the metric is undefined`);
  return sum / used;
}

/**
 * One-vs-one ROC AUC (Hand & Till), averaged over the pairs of classes present weighted by how
 * many rows a pair covers (scikit-learn's multi_class='ovo', average='weighted'; what MLflow's
 * autolog records as training_roc_auc for 3+ classes). Each pair scores the mean of AUC(a vs b)
 * on column a and AUC(b vs a) on column b, over the rows of a and b. Binary input: ROC AUC.
 */
export function rocAucOvoWeightedOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  const owner = 'roc_auc_ovo_weighted';
  const n = codes.length;
  const k = probaWidth(owner, n, proba);
  if (k <= 2) return rocAucOfCodes(codes, proba);
  checkCodes(owner, codes, k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[codes[i]]++;
  let sum = 0;
  let weight = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      if (counts[a] === 0 || counts[b] === 0) continue;
      const pair = (positive: number, negative: number): number => {
        const pos = new Float64Array(counts[positive]);
        const neg = new Float64Array(counts[negative]);
        let p = 0;
        let q = 0;
        for (let i = 0; i < n; i++) {
          const c = codes[i];
          if (c === positive) pos[p++] = proba[i * k + positive];
          else if (c === negative) neg[q++] = proba[i * k + positive];
        }
        return rankAreas(pos.sort(), neg.sort()).rocAuc;
      };
      const w = (counts[a] + counts[b]) / n;
      sum += w * ((pair(a, b) + pair(b, a)) / 2);
      weight += w;
    }
  }
  if (weight === 0) throw new InvalidInputError(`${owner}: only one class is present in the true labels; the metric is undefined`);
  return sum / weight;
}

export function rocAucOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  return rankMetric('roc_auc', 'rocAuc', codes, proba);
}

export function averagePrecisionOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  return rankMetric('pr_auc', 'averagePrecision', codes, proba);
}

/** Fraction of rows whose most probable class is the true one. */
export function accuracyOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  const n = codes.length;
  const k = probaWidth('accuracy', n, proba);
  const pred = argmaxCodes(proba, n, k);
  let hit = 0;
  for (let i = 0; i < n; i++) if (pred[i] === codes[i]) hit++;
  return hit / n;
}

/** Mean recall over the classes present in the true codes. */
function balancedAccuracyOfCounts(counts: Int32Array, k: number): number {
  let sum = 0;
  let used = 0;
  for (let t = 0; t < k; t++) {
    let row = 0;
    for (let p = 0; p < k; p++) row += counts[t * k + p];
    if (row === 0) continue;
    sum += counts[t * k + t] / row;
    used++;
  }
  return sum / used;
}

/** Per-class precision, recall and F1, combined by `average` (classes seen in neither true nor predicted codes are left out). */
function prfOfCounts(owner: string, counts: Int32Array, k: number, average: Average, positive: number, what: 'precision' | 'recall' | 'f1'): number {
  const score = (tp: number, fp: number, fn: number): number => {
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    if (what === 'precision') return precision;
    if (what === 'recall') return recall;
    return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  };
  const tpOf = (c: number) => counts[c * k + c];
  const trueOf = (c: number) => {
    let s = 0;
    for (let p = 0; p < k; p++) s += counts[c * k + p];
    return s;
  };
  const predOf = (c: number) => {
    let s = 0;
    for (let t = 0; t < k; t++) s += counts[t * k + c];
    return s;
  };
  if (average === 'binary') {
    if (k > 2) throw new InvalidInputError(`${owner}: average 'binary' needs two classes, got ${k}; use '${what}_macro' or '${what}_weighted'`);
    return score(tpOf(positive), predOf(positive) - tpOf(positive), trueOf(positive) - tpOf(positive));
  }
  if (average === 'micro') {
    let tp = 0;
    let total = 0;
    for (let c = 0; c < k; c++) {
      tp += tpOf(c);
      total += trueOf(c);
    }
    return score(tp, total - tp, total - tp);
  }
  let sum = 0;
  let weight = 0;
  for (let c = 0; c < k; c++) {
    const support = trueOf(c);
    const predicted = predOf(c);
    if (support === 0 && predicted === 0) continue;
    const w = average === 'weighted' ? support : 1;
    sum += w * score(tpOf(c), predicted - tpOf(c), support - tpOf(c));
    weight += w;
  }
  return weight === 0 ? 0 : sum / weight;
}

/** A label-free metric of codes and probabilities (through the predicted codes' confusion counts). */
function countsMetric(owner: string, codes: ArrayLike<number>, proba: ArrayLike<number>, of: (counts: Int32Array, k: number) => number): number {
  const n = codes.length;
  const width = probaWidth(owner, n, proba);
  const k = Math.max(width, 2);
  checkCodes(owner, codes, k);
  return of(confusionCounts(codes, argmaxCodes(proba, n, width), k), k);
}

export function balancedAccuracyOfCodes(codes: ArrayLike<number>, proba: ArrayLike<number>): number {
  return countsMetric('balanced_accuracy', codes, proba, balancedAccuracyOfCounts);
}

/** Precision, recall or F1 of codes and probabilities; binary uses code 1 as the positive class. */
export function prfOfCodes(what: 'precision' | 'recall' | 'f1', average: Exclude<Average, 'micro'>) {
  const owner = average === 'binary' ? what : `${what}_${average}`;
  return (codes: ArrayLike<number>, proba: ArrayLike<number>): number =>
    countsMetric(owner, codes, proba, (counts, k) => prfOfCounts(owner, counts, k, average, 1, what));
}

// ---------------------------------------------------------------------------------------------
// Label-level functions.

/** Encode true and predicted labels over the sorted union of both (scikit-learn's `unique_labels`). */
function encodePair(owner: string, yTrue: LabelInput, yPred: LabelInput): { enc: LabelEncoder; t: Int32Array; p: Int32Array } {
  if (yTrue.length !== yPred.length) throw new InvalidInputError(`${owner}: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  if (yTrue.length === 0) throw new InvalidInputError(`${owner}: empty input`);
  const enc = LabelEncoder.fit(owner, yTrue, yPred);
  return { enc, t: enc.encode(`${owner} (yTrue)`, yTrue), p: enc.encode(`${owner} (yPred)`, yPred) };
}

/** Fraction of labels predicted exactly. */
export function accuracyScore(yTrue: LabelInput, yPred: LabelInput): number {
  const { t, p } = encodePair('accuracyScore', yTrue, yPred);
  let hit = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) hit++;
  return hit / t.length;
}

/** Mean per-class recall over the classes present in `yTrue`. */
export function balancedAccuracyScore(yTrue: LabelInput, yPred: LabelInput): number {
  const { enc, t, p } = encodePair('balancedAccuracyScore', yTrue, yPred);
  return balancedAccuracyOfCounts(confusionCounts(t, p, enc.nClasses), enc.nClasses);
}

/** Rows are true labels, columns predicted labels, both in `labels` order (default: sorted union of both). */
export function confusionMatrix(yTrue: LabelInput, yPred: LabelInput, labels?: LabelInput): ConfusionMatrix {
  const owner = 'confusionMatrix';
  if (labels === undefined) {
    const { enc, t, p } = encodePair(owner, yTrue, yPred);
    return { labels: enc.classes, counts: confusionCounts(t, p, enc.nClasses) };
  }
  if (yTrue.length !== yPred.length) throw new InvalidInputError(`${owner}: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  const enc = LabelEncoder.fit(owner, labels);
  if (enc.nClasses !== labels.length) throw new InvalidInputError(`${owner}: labels are not distinct`);
  return { labels: enc.classes, counts: confusionCounts(enc.encode(`${owner} (yTrue)`, yTrue), enc.encode(`${owner} (yPred)`, yPred), enc.nClasses) };
}

export interface PrfOptions {
  /** Default 'binary'. */
  readonly average?: Average;
  /** The positive label for 'binary' (default: the larger of the two labels, 1 for 0/1 labels). */
  readonly posLabel?: number | string;
}

function prfScore(what: 'precision' | 'recall' | 'f1', yTrue: LabelInput, yPred: LabelInput, options: PrfOptions): number {
  const owner = `${what}Score`;
  const { enc, t, p } = encodePair(owner, yTrue, yPred);
  const average = options.average ?? 'binary';
  let positive = enc.nClasses - 1;
  if (options.posLabel !== undefined) {
    const found = enc.codeOf(options.posLabel);
    if (found < 0) throw new InvalidInputError(`${owner}: posLabel ${JSON.stringify(options.posLabel)} is not among the labels`);
    positive = found;
  }
  const k = Math.max(enc.nClasses, 2);
  return prfOfCounts(owner, confusionCounts(t, p, k), k, average, positive, what);
}

export function precisionScore(yTrue: LabelInput, yPred: LabelInput, options: PrfOptions = {}): number {
  return prfScore('precision', yTrue, yPred, options);
}

export function recallScore(yTrue: LabelInput, yPred: LabelInput, options: PrfOptions = {}): number {
  return prfScore('recall', yTrue, yPred, options);
}

export function f1Score(yTrue: LabelInput, yPred: LabelInput, options: PrfOptions = {}): number {
  return prfScore('f1', yTrue, yPred, options);
}

/**
 * Codes of `yTrue` over the classes that index the score columns: `classes` when given, else the
 * sorted distinct labels of `yTrue` (as scikit-learn infers them). Their number must match the
 * columns of `yScore` (one column: two classes).
 */
function scoreCodes(owner: string, yTrue: LabelInput, yScore: ArrayLike<number>, classes: LabelInput | undefined): Int32Array {
  const enc = LabelEncoder.fit(owner, classes ?? yTrue);
  const width = probaWidth(owner, yTrue.length, yScore);
  if (enc.nClasses < 2) throw new InvalidInputError(`${owner}: only one class is present in the true labels; the metric is undefined (pass classes)`);
  if (Math.max(width, 2) !== enc.nClasses) {
    throw new InvalidInputError(
      `${owner}: ${enc.nClasses} classes${classes === undefined ? ' in yTrue' : ''} but ${width} score column${width === 1 ? '' : 's'}; pass the classes the columns follow`,
    );
  }
  return enc.encode(owner, yTrue);
}

export interface ScoreOptions {
  /** The classes the score columns follow (default: the sorted distinct labels of yTrue). */
  readonly classes?: LabelInput;
}

/**
 * ROC AUC. Binary: `yScore` holds one score per row for the positive (larger) class, or n x 2
 * probabilities. Multiclass: n x k probabilities (row-major), one-vs-rest, macro average.
 */
export function rocAucScore(yTrue: LabelInput, yScore: ArrayLike<number>, options: ScoreOptions = {}): number {
  return rankMetric('rocAucScore', 'rocAuc', scoreCodes('rocAucScore', yTrue, yScore, options.classes), yScore);
}

/** Average precision (area under the precision-recall curve, step-wise); same inputs as `rocAucScore`. */
export function averagePrecisionScore(yTrue: LabelInput, yScore: ArrayLike<number>, options: ScoreOptions = {}): number {
  return rankMetric('averagePrecisionScore', 'averagePrecision', scoreCodes('averagePrecisionScore', yTrue, yScore, options.classes), yScore);
}

/** Mean log loss: n x k probabilities (row-major, columns in class order) or, for two classes, the positive class's. */
export function logLoss(yTrue: LabelInput, proba: ArrayLike<number>, options: ScoreOptions = {}): number {
  return logLossOfCodes(scoreCodes('logLoss', yTrue, proba, options.classes), proba);
}
