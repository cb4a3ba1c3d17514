import { InvalidInputError } from '../../core/errors.js';

/**
 * A boosting loss (LightGBM's ObjectiveFunction, XGBoost's ObjFunction): raw scores in,
 * gradients and hessians out. The tree learner sees only those, never the targets or the loss.
 *
 * Layout: `nOutputs` raw scores per row, output-major (raw[k * n + i] is output k of row i), so a
 * round grows one tree per output on a contiguous run of gradients. Targets are real values
 * (regression) or class indices 0..nClasses-1 stored as numbers (classification).
 */
export interface Objective {
  readonly name: string;
  /** Raw scores per row (1, or the class count for softmax). */
  readonly nOutputs: number;
  /** The best constant raw score of each output (the prior): what boosting starts from. */
  initScore(y: Float64Array): Float64Array;
  /** g[k * n + i] and h[k * n + i]: first and second derivatives of row i's loss in its raw score k. */
  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void;
  /** The mean loss of raw scores (log loss for the classification objectives). */
  loss(y: Float64Array, raw: Float64Array): number;
  /**
   * Raw scores to predictions, same layout: the value (squared error), the probability of class 1
   * (binary log loss), the probability of each class (softmax).
   */
  transform(raw: Float64Array, out: Float64Array): void;
}

/** Throws unless y holds class indices 0..nClasses-1. */
export function checkClassIndices(owner: string, y: Float64Array, nClasses: number): void {
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!(Number.isInteger(c) && c >= 0 && c < nClasses)) {
      throw new InvalidInputError(`${owner}: y[${i}] is ${c}; expected a class index in 0..${nClasses - 1}`);
    }
  }
}

/** Probabilities are kept this far from 0 and 1 where a prior or a log needs it. */
export const PROBABILITY_FLOOR = 1e-15;
