import { InvalidInputError } from '../../core/errors.js';
import type { Objective } from './objective.js';

/** Half squared error: loss (f - y)^2 / 2, g = f - y, h = 1; starts from the mean. */
export class SquaredError implements Objective {
  readonly name = 'squared_error';
  readonly nOutputs = 1;

  initScore(y: Float64Array): Float64Array {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i];
    return Float64Array.of(sum / y.length);
  }

  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void {
    for (let i = 0; i < y.length; i++) {
      g[i] = raw[i] - y[i];
      h[i] = 1;
    }
  }

  loss(y: Float64Array, raw: Float64Array): number {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const d = raw[i] - y[i];
      s += d * d;
    }
    return s / (2 * y.length);
  }

  transform(raw: Float64Array, out: Float64Array): void {
    out.set(raw.subarray(0, out.length));
  }
}

export function squaredError(nClasses: number): SquaredError {
  if (nClasses !== 1) throw new InvalidInputError(`squared_error is a regression objective; got ${nClasses} classes`);
  return new SquaredError();
}
