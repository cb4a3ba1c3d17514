import { InvalidParameterError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import {
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type NormalDistribution,
  type ParamPrimitive,
  contains,
  sampleFromPrior,
  snapToStep,
} from './distributions.js';
import type { Sampler, SamplerContext } from './sampler.js';

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate as in hyperopt and Optuna's
 * default: per parameter, past observations are split into a "good" group (the best gamma(n)) and
 * the rest; each group becomes a Parzen mixture (a truncated normal per observation plus a prior
 * component); nEiCandidates draws from the good mixture are scored by log l(x) - log g(x) and the
 * best is taken. Conditional parameters are modelled from the trials that have them.
 * Pending trials (asked, result not visible) join the bad group ("constant liar"), which keeps
 * parallel trials apart.
 */
export interface TPEOptions {
  /** Trials numbered below this are sampled at random (default 10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per parameter (default 24). */
  readonly nEiCandidates?: number;
  /** Size of the good group for n observations (default min(ceil(0.1 n), 25), Optuna's). */
  readonly gamma?: (n: number) => number;
  /** Weight of the prior component in each mixture (default 1). */
  readonly priorWeight?: number;
  /** Lower-bound bandwidths by range / min(100, 1 + n) (default true). */
  readonly considerMagicClip?: boolean;
  /** Let the outermost observations use the distance to the bounds (default false). */
  readonly considerEndpoints?: boolean;
  /** Treat pending trials as worst observations (default true). */
  readonly constantLiar?: boolean;
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** Optuna's recency weights: flat for the newest 25, a ramp for older ones. */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const ramp = n - 25;
  if (ramp > 0) for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

interface Observation {
  readonly number: number;
  readonly value: ParamPrimitive;
  /** Sort keys: rank class (0 complete, 1 pruned, 2 pending), then a loss. */
  readonly cls: number;
  readonly k1: number;
  readonly k2: number;
}

export class TPESampler implements Sampler {
  readonly name = 'tpe';
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly priorWeight: number;
  private readonly gamma: (n: number) => number;
  private readonly magicClip: boolean;
  private readonly endpoints: boolean;
  private readonly constantLiar: boolean;

  constructor(options: TPEOptions = {}) {
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.priorWeight = options.priorWeight ?? 1;
    this.gamma = options.gamma ?? defaultGamma;
    this.magicClip = options.considerMagicClip ?? true;
    this.endpoints = options.considerEndpoints ?? false;
    this.constantLiar = options.constantLiar ?? true;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) {
      throw new InvalidParameterError('TPESampler', 'nStartupTrials', this.nStartupTrials, 'must be an integer >= 0');
    }
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) {
      throw new InvalidParameterError('TPESampler', 'nEiCandidates', this.nEiCandidates, 'must be an integer >= 1');
    }
    if (!(this.priorWeight > 0)) throw new InvalidParameterError('TPESampler', 'priorWeight', this.priorWeight, 'must be > 0');
  }

  sample(ctx: SamplerContext, name: string, d: Distribution): ParamPrimitive {
    if (ctx.trialNumber < this.nStartupTrials) return sampleFromPrior(d, ctx.rng);
    const obs = this.observations(ctx, name, d);
    if (obs.filter((o) => o.cls < 2).length === 0) return sampleFromPrior(d, ctx.rng);
    obs.sort((a, b) => a.cls - b.cls || a.k1 - b.k1 || a.k2 - b.k2 || a.number - b.number);
    const nBelow = Math.max(1, Math.min(obs.length, Math.round(this.gamma(obs.length))));
    // Each group back in trial order, so recency weights apply.
    const below = obs.slice(0, nBelow).sort((a, b) => a.number - b.number);
    const above = obs.slice(nBelow).sort((a, b) => a.number - b.number);
    if (d.type === 'categorical') return this.sampleCategorical(d, below, above, ctx.rng);
    return this.sampleNumeric(d, below, above, ctx.rng);
  }

  private observations(ctx: SamplerContext, name: string, d: Distribution): Observation[] {
    const sign = ctx.direction === 'minimize' ? 1 : -1;
    const out: Observation[] = [];
    for (const t of ctx.history) {
      if (!(name in t.params) || !contains(d, t.params[name])) continue;
      if (t.state === 'COMPLETE' && t.value !== null) {
        out.push({ number: t.number, value: t.params[name], cls: 0, k1: sign * t.value, k2: 0 });
      } else if (t.state === 'PRUNED') {
        // Pruned later is better than pruned early; then by the last reported value.
        const last = t.intermediate[t.intermediate.length - 1];
        out.push({ number: t.number, value: t.params[name], cls: 1, k1: last ? -last.step : 0, k2: last ? sign * last.value : Infinity });
      }
    }
    if (this.constantLiar) {
      for (const p of ctx.pending) {
        if (name in p.params && contains(d, p.params[name])) out.push({ number: p.number, value: p.params[name], cls: 2, k1: 0, k2: 0 });
      }
    }
    return out;
  }

  private sampleCategorical(d: CategoricalDistribution, below: Observation[], above: Observation[], rng: Rng): ParamPrimitive {
    const k = d.choices.length;
    const pl = this.categoricalProbs(d, below);
    const pg = this.categoricalProbs(d, above);
    const cum = new Float64Array(k);
    let acc = 0;
    for (let c = 0; c < k; c++) cum[c] = acc += pl[c];
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < this.nEiCandidates; i++) {
      const u = rng.float() * acc;
      let c = 0;
      while (c < k - 1 && cum[c] <= u) c++;
      const score = Math.log(pl[c]) - Math.log(pg[c]);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return d.choices[best];
  }

  /** Mixture of one smoothed one-hot per observation plus a uniform prior component. */
  private categoricalProbs(d: CategoricalDistribution, group: Observation[]): Float64Array {
    const k = d.choices.length;
    const n = group.length;
    const w = defaultWeights(n);
    let total = this.priorWeight;
    for (let i = 0; i < n; i++) total += w[i];
    const smooth = this.priorWeight / (n + 1);
    const p = new Float64Array(k).fill(this.priorWeight / total / k);
    for (let i = 0; i < n; i++) {
      const c = d.choices.indexOf(group[i].value);
      const wi = w[i] / total / (1 + smooth * k);
      for (let j = 0; j < k; j++) p[j] += wi * (smooth + (j === c ? 1 : 0));
    }
    return p;
  }

  private sampleNumeric(d: FloatDistribution | IntDistribution | NormalDistribution, below: Observation[], above: Observation[], rng: Rng): number {
    const space = internalSpace(d);
    const l = this.mixture(space, below);
    const g = this.mixture(space, above);
    let best = Number.NaN;
    let bestScore = -Infinity;
    for (let i = 0; i < this.nEiCandidates; i++) {
      const x = sampleMixture(l, space, rng);
      const value = space.fromInternal(x);
      const score = logDensity(l, space, value) - logDensity(g, space, value);
      if (score > bestScore || Number.isNaN(best)) {
        bestScore = score;
        best = value;
      }
    }
    return best;
  }

  private mixture(space: InternalSpace, group: Observation[]): Mixture {
    const n = group.length;
    const mus = new Float64Array(n + 1);
    const weights = new Float64Array(n + 1);
    const w = defaultWeights(n);
    for (let i = 0; i < n; i++) {
      mus[i] = space.toInternal(group[i].value as number);
      weights[i] = w[i];
    }
    mus[n] = space.priorMu;
    weights[n] = this.priorWeight;
    let total = 0;
    for (let i = 0; i <= n; i++) total += weights[i];
    for (let i = 0; i <= n; i++) weights[i] /= total;

    // Bandwidth of each component: the larger gap to its sorted neighbours (bounds at the ends).
    const order = Array.from({ length: n + 1 }, (_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
    const sorted = order.map((i) => mus[i]);
    const sigmas = new Float64Array(n + 1);
    const lo = Number.isFinite(space.low) ? space.low : sorted[0];
    const hi = Number.isFinite(space.high) ? space.high : sorted[n];
    for (let r = 0; r <= n; r++) {
      const left = r === 0 ? sorted[r] - lo : sorted[r] - sorted[r - 1];
      const right = r === n ? hi - sorted[r] : sorted[r + 1] - sorted[r];
      let s = Math.max(left, right);
      if (!this.endpoints && n >= 1) {
        if (r === 0) s = right;
        else if (r === n) s = left;
      }
      sigmas[order[r]] = s;
    }
    const maxSigma = space.span;
    const minSigma = this.magicClip ? space.span / Math.min(100, 1 + (n + 1)) : 1e-12;
    for (let i = 0; i <= n; i++) sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i]));
    sigmas[n] = space.priorSigma;
    const logNorm = new Float64Array(n + 1);
    for (let i = 0; i <= n; i++) {
      logNorm[i] = Math.log(weights[i]) - logNormalMass((space.low - mus[i]) / sigmas[i], (space.high - mus[i]) / sigmas[i]);
    }
    return { mus, sigmas, weights, logNorm };
  }
}

interface Mixture {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly weights: Float64Array;
  /** log(weight) - log(mass of the component inside the bounds), per component. */
  readonly logNorm: Float64Array;
}

/** A numeric distribution seen in the space the Parzen mixture lives in (log for log scales). */
interface InternalSpace {
  readonly low: number;
  readonly high: number;
  readonly span: number;
  readonly priorMu: number;
  readonly priorSigma: number;
  /** Half-width of one discrete value, for probability masses (0 when continuous). */
  readonly half: number;
  readonly log: boolean;
  toInternal(v: number): number;
  /** Internal draw -> a value in the distribution's support. */
  fromInternal(x: number): number;
}

function internalSpace(d: FloatDistribution | IntDistribution | NormalDistribution): InternalSpace {
  if (d.type === 'normal') {
    return {
      low: -Infinity,
      high: Infinity,
      span: d.sigma,
      priorMu: d.mu,
      priorSigma: d.sigma,
      half: 0,
      log: false,
      toInternal: (v) => v,
      fromInternal: (x) => x,
    };
  }
  const step = d.type === 'int' ? (d.step ?? 1) : d.step;
  const half = step === undefined ? 0 : step / 2;
  const log = d.log === true;
  const lowV = log ? Math.max(d.low - half, d.low / 2) : d.low - half;
  const highV = d.high + half;
  const low = log ? Math.log(lowV) : lowV;
  const high = log ? Math.log(highV) : highV;
  const snap = (v: number): number => (step === undefined ? Math.min(d.high, Math.max(d.low, v)) : snapToStep(v, d.low, d.high, step));
  return {
    low,
    high,
    span: high - low,
    priorMu: 0.5 * (low + high),
    priorSigma: high - low,
    half,
    log,
    toInternal: log ? Math.log : (v) => v,
    fromInternal: (x) => snap(log ? Math.exp(x) : x),
  };
}

function sampleMixture(m: Mixture, space: InternalSpace, rng: Rng): number {
  let u = rng.float();
  let c = 0;
  while (c < m.weights.length - 1 && u >= m.weights[c]) u -= m.weights[c++];
  const mu = m.mus[c];
  const s = m.sigmas[c];
  for (let tries = 0; tries < 100; tries++) {
    const x = rng.normal(mu, s);
    if (x >= space.low && x <= space.high) return x;
  }
  return Math.min(space.high, Math.max(space.low, mu));
}

/** log of the mixture's density (continuous) or probability mass (discrete) at `value`. */
function logDensity(m: Mixture, space: InternalSpace, value: number): number {
  let a = 0;
  let b = 0;
  let x = 0;
  if (space.half > 0) {
    a = space.log ? Math.log(Math.max(value - space.half, Math.exp(space.low))) : value - space.half;
    b = space.log ? Math.log(value + space.half) : value + space.half;
  } else {
    x = space.toInternal(value);
  }
  const n = m.mus.length;
  if (terms.length < n) terms = new Float64Array(n);
  let maxTerm = -Infinity;
  for (let i = 0; i < n; i++) {
    const mu = m.mus[i];
    const s = m.sigmas[i];
    let t: number;
    if (space.half > 0) t = logNormalMass((a - mu) / s, (b - mu) / s);
    else {
      const z = (x - mu) / s;
      t = -0.5 * z * z - Math.log(s) - LOG_SQRT_2PI;
    }
    t += m.logNorm[i];
    terms[i] = t;
    if (t > maxTerm) maxTerm = t;
  }
  if (maxTerm === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(terms[i] - maxTerm);
  return maxTerm + Math.log(sum);
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Scratch for logDensity (one mixture at a time). */
let terms = new Float64Array(64);

/** log(Phi(b) - Phi(a)) for a <= b, accurate in both tails. */
export function logNormalMass(a: number, b: number): number {
  if (a > 0) {
    // Upper tail: Q(a) - Q(b) with Q(z) = erfc(z / sqrt2) / 2.
    return Math.log(Math.max(0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2)), 1e-300));
  }
  if (b < 0) return Math.log(Math.max(0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2)), 1e-300));
  return Math.log(Math.max(1 - 0.5 * erfc(-a / Math.SQRT2) - 0.5 * erfc(b / Math.SQRT2), 1e-300));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7). */
export function erfc(x: number): number {
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
