import { InvalidParameterError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/**
 * The distribution of one searched parameter: plain JSON data, stored with every trial so a
 * sampler (or a resumed study) can read past values without the space that made them.
 */
export type ParamPrimitive = number | string | boolean | null;

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  /** Sample on a log scale (low > 0). */
  readonly log?: boolean;
  /** Values are low + k * step, k integer, within [low, high]. */
  readonly step?: number;
}
export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  /** Integer step (default 1). */
  readonly step?: number;
}
/** Unbounded normal (hyperopt's `hp.normal`). */
export interface NormalDistribution {
  readonly type: 'normal';
  readonly mu: number;
  readonly sigma: number;
}
export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly ParamPrimitive[];
}
export type Distribution = FloatDistribution | IntDistribution | NormalDistribution | CategoricalDistribution;

/** Check a distribution built by user code; `owner` names the builder in the error. */
export function checkDistribution(owner: string, name: string, d: Distribution): Distribution {
  const bad = (what: string, value: unknown, expected: string): never => {
    throw new InvalidParameterError(`${owner}('${name}')`, what, value, expected);
  };
  if (d.type === 'categorical') {
    if (!Array.isArray(d.choices) || d.choices.length === 0) bad('choices', d.choices, 'must be a non-empty array');
    return d;
  }
  if (d.type === 'normal') {
    if (!Number.isFinite(d.mu)) bad('mu', d.mu, 'must be a finite number');
    if (!(d.sigma > 0) || !Number.isFinite(d.sigma)) bad('sigma', d.sigma, 'must be a finite number > 0');
    return d;
  }
  if (!Number.isFinite(d.low)) bad('low', d.low, 'must be a finite number');
  if (!Number.isFinite(d.high)) bad('high', d.high, 'must be a finite number');
  if (d.high < d.low) bad('high', d.high, `must be >= low (${d.low})`);
  if (d.log && !(d.low > 0)) bad('low', d.low, 'must be > 0 on a log scale');
  if (d.type === 'int') {
    if (!Number.isInteger(d.low)) bad('low', d.low, 'must be an integer');
    if (!Number.isInteger(d.high)) bad('high', d.high, 'must be an integer');
    if (d.step !== undefined && (!Number.isInteger(d.step) || d.step < 1)) bad('step', d.step, 'must be an integer >= 1');
  } else if (d.step !== undefined && !(d.step > 0 && Number.isFinite(d.step))) {
    bad('step', d.step, 'must be a finite number > 0');
  }
  return d;
}

export function sameDistribution(a: Distribution, b: Distribution): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function decimalsOf(x: number): number {
  const s = String(x);
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2)) + (s.indexOf('.') >= 0 ? e - s.indexOf('.') - 1 : 0);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Snap a value onto low + k * step within [low, high]; integral inputs give exact integers. */
export function snapToStep(v: number, low: number, high: number, step: number): number {
  const kMax = Math.floor((high - low) / step + 1e-9);
  const k = Math.min(kMax, Math.max(0, Math.round((v - low) / step)));
  const out = low + k * step;
  if (Number.isInteger(low) && Number.isInteger(step)) return out;
  return Number(out.toFixed(Math.min(20, Math.max(decimalsOf(low), decimalsOf(step)))));
}

/** Bring any numeric value into the distribution's support (rounding to steps, clamping). */
export function toSupport(d: FloatDistribution | IntDistribution, v: number): number {
  const step = d.type === 'int' ? (d.step ?? 1) : d.step;
  if (step !== undefined) return snapToStep(v, d.low, d.high, step);
  return Math.min(d.high, Math.max(d.low, v));
}

/** True when `v` is a value the distribution can produce. */
export function contains(d: Distribution, v: unknown): boolean {
  switch (d.type) {
    case 'categorical':
      return d.choices.includes(v as ParamPrimitive);
    case 'normal':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      if (typeof v !== 'number' || v < d.low || v > d.high) return false;
      if (d.type === 'int' && !Number.isInteger(v)) return false;
      return true;
  }
}

/** One draw from the distribution's own prior (what random search does). */
export function sampleFromPrior(d: Distribution, rng: Rng): ParamPrimitive {
  switch (d.type) {
    case 'categorical':
      return d.choices[rng.below(d.choices.length)];
    case 'normal':
      return rng.normal(d.mu, d.sigma);
    case 'int': {
      const step = d.step ?? 1;
      if (d.log) {
        const v = Math.exp(rng.uniform(Math.log(d.low - 0.5 * step), Math.log(d.high + 0.5 * step)));
        return snapToStep(v, d.low, d.high, step);
      }
      return d.low + step * rng.int(0, Math.floor((d.high - d.low) / step));
    }
    case 'float': {
      if (d.step !== undefined && !d.log) {
        const k = rng.int(0, Math.floor((d.high - d.low) / d.step + 1e-9));
        return snapToStep(d.low + k * d.step, d.low, d.high, d.step);
      }
      const v = d.log ? Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))) : rng.uniform(d.low, d.high);
      return toSupport(d, v);
    }
  }
}

/** The finite grid of values of a discrete distribution (undefined for continuous ones). */
export function gridValues(d: Distribution): ParamPrimitive[] | undefined {
  if (d.type === 'categorical') return [...d.choices];
  if (d.type === 'normal') return undefined;
  const step = d.type === 'int' ? (d.step ?? 1) : d.step;
  if (step === undefined) return d.low === d.high ? [d.low] : undefined;
  const n = Math.floor((d.high - d.low) / step + 1e-9) + 1;
  return Array.from({ length: n }, (_, k) => snapToStep(d.low + k * step, d.low, d.high, step));
}
