import { InvalidInputError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';

/**
 * Regression metrics over Float64Array pairs, and a registry by name with the direction the tuner
 * and tracker optimise ('min': lower is better).
 */
export type MetricFn = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>) => number;

export interface Metric {
  readonly name: string;
  readonly direction: 'min' | 'max';
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

export const metrics = new Registry<Metric>('metric', [
  ['rmse', { name: 'rmse', direction: 'min', doc: 'root mean squared error', fn: rmse, ofSquaredError: (sse, n) => Math.sqrt(sse / n) }],
  ['mse', { name: 'mse', direction: 'min', doc: 'mean squared error', fn: mse, ofSquaredError: (sse, n) => sse / n }],
  ['mae', { name: 'mae', direction: 'min', doc: 'mean absolute error', fn: mae }],
  ['r2', { name: 'r2', direction: 'max', doc: 'coefficient of determination', fn: r2 }],
  ['mape', { name: 'mape', direction: 'min', doc: 'mean absolute percentage error (fraction)', fn: mape }],
] as const);

/** Whether `a` is a better value than `b` for the named metric. */
export function isBetter(metric: string, a: number, b: number): boolean {
  return metrics.get(metric).direction === 'min' ? a < b : a > b;
}
