import { InvalidInputError } from '../../core/errors.js';
import { type Objective, PROBABILITY_FLOOR } from './objective.js';

/** The logistic function, 1 / (1 + e^-x). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Binary log loss on one raw score (the log-odds of class 1): p = sigmoid(f), g = p - y,
 * h = p (1 - p); starts from the log-odds of the class-1 share.
 */
export class BinaryLogLoss implements Objective {
  readonly name = 'binary_log_loss';
  readonly nOutputs = 1;

  initScore(y: Float64Array): Float64Array {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i];
    const p = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, sum / y.length));
    return Float64Array.of(Math.log(p / (1 - p)));
  }

  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void {
    for (let i = 0; i < y.length; i++) {
      const p = sigmoid(raw[i]);
      g[i] = p - y[i];
      h[i] = p * (1 - p);
    }
  }

  /** Mean of log(1 + e^f) - y f (= -y log p - (1 - y) log(1 - p)). */
  loss(y: Float64Array, raw: Float64Array): number {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += softplus(raw[i]) - y[i] * raw[i];
    return s / y.length;
  }

  transform(raw: Float64Array, out: Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = sigmoid(raw[i]);
  }
}

export function binaryLogLoss(nClasses: number): BinaryLogLoss {
  if (nClasses !== 2) throw new InvalidInputError(`binary_log_loss needs 2 classes; got ${nClasses}`);
  return new BinaryLogLoss();
}

/**
 * Multiclass log loss on K raw scores (softmax): p_k = e^{f_k} / sum_j e^{f_j}, g_k = p_k - [y = k],
 * h_k = p_k (1 - p_k) (the diagonal of the Hessian); starts from the log class shares, centred.
 */
export class Softmax implements Objective {
  readonly name = 'softmax';
  readonly nOutputs: number;
  /** One row's probabilities. */
  private readonly p: Float64Array;

  constructor(nClasses: number) {
    this.nOutputs = nClasses;
    this.p = new Float64Array(nClasses);
  }

  initScore(y: Float64Array): Float64Array {
    const K = this.nOutputs;
    const counts = new Float64Array(K);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    const out = new Float64Array(K);
    let mean = 0;
    for (let k = 0; k < K; k++) {
      out[k] = Math.log(Math.max(PROBABILITY_FLOOR, counts[k] / y.length));
      mean += out[k] / K;
    }
    for (let k = 0; k < K; k++) out[k] -= mean;
    return out;
  }

  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void {
    const K = this.nOutputs;
    const n = y.length;
    const p = this.p;
    for (let i = 0; i < n; i++) {
      this.probabilities(raw, n, i, p);
      for (let k = 0; k < K; k++) {
        const pk = p[k];
        g[k * n + i] = pk - (y[i] === k ? 1 : 0);
        h[k * n + i] = pk * (1 - pk);
      }
    }
  }

  /** Mean of log(sum_j e^{f_j}) - f_y. */
  loss(y: Float64Array, raw: Float64Array): number {
    const K = this.nOutputs;
    const n = y.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) m = Math.max(m, raw[k * n + i]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(raw[k * n + i] - m);
      s += m + Math.log(z) - raw[y[i] * n + i];
    }
    return s / n;
  }

  transform(raw: Float64Array, out: Float64Array): void {
    const K = this.nOutputs;
    const n = raw.length / K;
    const p = this.p;
    for (let i = 0; i < n; i++) {
      this.probabilities(raw, n, i, p);
      for (let k = 0; k < K; k++) out[k * n + i] = p[k];
    }
  }

  /** Row i's class probabilities (max-shifted, so no exponent overflows). */
  private probabilities(raw: Float64Array, n: number, i: number, p: Float64Array): void {
    const K = this.nOutputs;
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) m = Math.max(m, raw[k * n + i]);
    let z = 0;
    for (let k = 0; k < K; k++) {
      p[k] = Math.exp(raw[k * n + i] - m);
      z += p[k];
    }
    for (let k = 0; k < K; k++) p[k] /= z;
  }
}

export function softmax(nClasses: number): Softmax {
  if (!Number.isInteger(nClasses) || nClasses < 2) throw new InvalidInputError(`softmax needs at least 2 classes; got ${nClasses}`);
  return new Softmax(nClasses);
}
