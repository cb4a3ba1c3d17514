import { InvalidInputError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import {
  accuracyOfCodes,
  averagePrecisionOfCodes,
  balancedAccuracyOfCodes,
  logLossOfCodes,
  prfOfCodes,
  rocAucOfCodes,
  rocAucOvoWeightedOfCodes,
} from './classification.js';

/**
 * Regression metrics over Float64Array pairs, classification metrics over class codes and
 * probabilities, and a registry by name with the direction the tuner and tracker optimise
 * ('min': lower is better) and the task that says what a metric scores.
 */
export type MetricFn = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>) => number;

/**
 * What a metric's `fn` takes. 'regression': targets and predictions. 'classification': true
 * class codes (0..k-1, the index in the model's `classes`) and predicted probabilities, n x k
 * row-major (`predictProba`); a width of 1 holds the positive class's probability of a binary
 * problem. Label metrics (accuracy, F1, ...) score the most probable class.
 */
export type MetricTask = 'regression' | 'classification';

export interface Metric {
  readonly name: string;
  readonly direction: 'min' | 'max';
  readonly task: MetricTask;
  readonly doc: string;
  readonly fn: MetricFn;
  /** For metrics of the squared errors alone: the metric from their sum over `n` rows. */
  readonly ofSquaredError?: (sse: number, n: number) => number;
}

function checkPair(name: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) {
    throw new InvalidInputError(`${name}: yTrue has ${yTrue.length} values but yPred has ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new InvalidInputError(`${name}: empty input`);
  return yTrue.length;
}

export function mse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('mse', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yTrue[i] - yPred[i];
    s += d * d;
  }
  return s / n;
}

export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair('rmse', yTrue, yPred);
  return Math.sqrt(mse(yTrue, yPred));
}

export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('mae', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / n;
}

/** Coefficient of determination; 1 - SSres/SStot, with scikit-learn's conventions for constant y. */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('r2', yTrue, yPred);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const d = yTrue[i] - yPred[i];
    const t = yTrue[i] - mean;
    ssRes += d * d;
    ssTot += t * t;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Mean absolute percentage error as a fraction (scikit-learn: |y - p| / max(|y|, eps)). */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('mape', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i] - yPred[i]) / Math.max(Math.abs(yTrue[i]), Number.EPSILON);
  return s / n;
}

const regression = (name: string, direction: 'min' | 'max', doc: string, fn: MetricFn, ofSquaredError?: Metric['ofSquaredError']): [string, Metric] => [
  name,
  { name, direction, task: 'regression', doc, fn, ...(ofSquaredError ? { ofSquaredError } : {}) },
];
const classification = (name: string, direction: 'min' | 'max', doc: string, fn: MetricFn): [string, Metric] => [
  name,
  { name, direction, task: 'classification', doc, fn },
];

export const metrics = new Registry<Metric>('metric', [
  regression('rmse', 'min', 'root mean squared error', rmse, (sse, n) => Math.sqrt(sse / n)),
  regression('mse', 'min', 'mean squared error', mse, (sse, n) => sse / n),
  regression('mae', 'min', 'mean absolute error', mae),
  regression('r2', 'max', 'coefficient of determination', r2),
  regression('mape', 'min', 'mean absolute percentage error (fraction)', mape),
  classification('accuracy', 'max', 'fraction of rows whose most probable class is the true one', accuracyOfCodes),
  classification('balanced_accuracy', 'max', 'mean recall over the classes present', balancedAccuracyOfCodes),
  classification('logloss', 'min', 'mean negative log-likelihood (probabilities clipped to [eps, 1 - eps])', logLossOfCodes),
  classification('roc_auc', 'max', 'area under the ROC curve (multiclass: one-vs-rest, macro average)', rocAucOfCodes),
  classification('roc_auc_ovo_weighted', 'max', 'area under the ROC curve (multiclass: one-vs-one, weighted by pair prevalence)', rocAucOvoWeightedOfCodes),
  classification('pr_auc', 'max', 'average precision, the step-wise area under the precision-recall curve (multiclass: one-vs-rest, macro)', averagePrecisionOfCodes),
  classification('f1', 'max', 'F1 of the positive class (binary)', prfOfCodes('f1', 'binary')),
  classification('f1_macro', 'max', 'unweighted mean of per-class F1', prfOfCodes('f1', 'macro')),
  classification('f1_weighted', 'max', 'mean of per-class F1 weighted by support', prfOfCodes('f1', 'weighted')),
  classification('precision', 'max', 'precision of the positive class (binary)', prfOfCodes('precision', 'binary')),
  classification('precision_macro', 'max', 'unweighted mean of per-class precision', prfOfCodes('precision', 'macro')),
  classification('precision_weighted', 'max', 'mean of per-class precision weighted by support', prfOfCodes('precision', 'weighted')),
  classification('recall', 'max', 'recall of the positive class (binary)', prfOfCodes('recall', 'binary')),
  classification('recall_macro', 'max', 'unweighted mean of per-class recall', prfOfCodes('recall', 'macro')),
  classification('recall_weighted', 'max', 'mean of per-class recall weighted by support', prfOfCodes('recall', 'weighted')),
]);

/** Whether `a` is a better value than `b` for the named metric. */
export function isBetter(metric: string, a: number, b: number): boolean {
  return metrics.get(metric).direction === 'min' ? a < b : a > b;
}

export {
  type Average,
  type ConfusionMatrix,
  type PrfOptions,
  type ScoreOptions,
  accuracyScore,
  argmaxCodes,
  averagePrecisionScore,
  balancedAccuracyScore,
  confusionCounts,
  confusionMatrix,
  f1Score,
  logLoss,
  precisionScore,
  recallScore,
  rocAucScore,
} from './classification.js';
