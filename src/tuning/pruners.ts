import { InvalidParameterError } from '../core/errors.js';
import type { Direction, FrozenTrial, IntermediateValue } from './trial.js';

/**
 * What a pruner sees for one report of one trial. `history` holds the finished trials visible to
 * this trial number (the same deterministic view the sampler gets), so pruning decisions do not
 * depend on timing.
 */
export interface PrunerContext {
  readonly direction: Direction;
  readonly trialNumber: number;
  readonly history: readonly FrozenTrial[];
  /** This trial's reports so far, ascending by step (the last one is the newest). */
  readonly intermediate: readonly IntermediateValue[];
}

export interface Pruner {
  readonly name: string;
  /**
   * False for a pruner that never stops a trial: trials then need not stream their reports while
   * they run (a worker sends them with its result). Default: it may prune.
   */
  readonly prunes?: boolean;
  /** Stop this trial now? Called after each report. */
  prune(ctx: PrunerContext): boolean;
}

export class NopPruner implements Pruner {
  readonly name = 'none';
  readonly prunes = false;
  prune(): boolean {
    return false;
  }
}

function valueAt(t: FrozenTrial, step: number): number | undefined {
  // Intermediate values are sorted by step: binary search.
  const iv = t.intermediate;
  let lo = 0;
  let hi = iv.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (iv[mid].step === step) return iv[mid].value;
    if (iv[mid].step < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export interface MedianPrunerOptions {
  /** No pruning until this many trials have completed (default 5). */
  readonly nStartupTrials?: number;
  /** No pruning before this step (default 0). */
  readonly nWarmupSteps?: number;
  /** Check every this many steps after warm-up (default 1). */
  readonly intervalSteps?: number;
  /** Completed trials that must have reported at this step (default 1). */
  readonly nMinTrials?: number;
}

/**
 * Prune when the trial's best value so far is worse than the median of the completed trials'
 * values at the same step (Optuna's MedianPruner).
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly nStartupTrials: number;
  private readonly nWarmupSteps: number;
  private readonly intervalSteps: number;
  private readonly nMinTrials: number;

  constructor(options: MedianPrunerOptions = {}) {
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    for (const [k, v, min] of [
      ['nStartupTrials', this.nStartupTrials, 0],
      ['nWarmupSteps', this.nWarmupSteps, 0],
      ['intervalSteps', this.intervalSteps, 1],
      ['nMinTrials', this.nMinTrials, 1],
    ] as const) {
      if (!Number.isInteger(v) || v < min) throw new InvalidParameterError('MedianPruner', k, v, `must be an integer >= ${min}`);
    }
  }

  prune(ctx: PrunerContext): boolean {
    const last = ctx.intermediate[ctx.intermediate.length - 1];
    if (last === undefined) return false;
    const step = last.step;
    if (step < this.nWarmupSteps || (step - this.nWarmupSteps) % this.intervalSteps !== 0) return false;
    const completed = ctx.history.filter((t) => t.state === 'COMPLETE');
    if (completed.length < this.nStartupTrials) return false;
    const others: number[] = [];
    for (const t of completed) {
      const v = valueAt(t, step);
      if (v !== undefined && !Number.isNaN(v)) others.push(v);
    }
    if (others.length < this.nMinTrials) return false;
    others.sort((a, b) => a - b);
    const m = others.length;
    const median = m % 2 === 1 ? others[(m - 1) / 2] : 0.5 * (others[m / 2 - 1] + others[m / 2]);
    const minimize = ctx.direction === 'minimize';
    let best = minimize ? Infinity : -Infinity;
    for (const r of ctx.intermediate) if (!Number.isNaN(r.value)) best = minimize ? Math.min(best, r.value) : Math.max(best, r.value);
    if (!Number.isFinite(best)) return true;
    return minimize ? best > median : best < median;
  }
}

export interface SuccessiveHalvingOptions {
  /** Steps before the first rung (default 1). */
  readonly minResource?: number;
  /** Keep the best 1/reductionFactor at each rung (default 4). */
  readonly reductionFactor?: number;
  /** Shift of the first rung: rung r sits at minResource * factor^(r + rate) (default 0). */
  readonly minEarlyStoppingRate?: number;
}

/**
 * Asynchronous successive halving (ASHA, as in Optuna): rungs at steps
 * minResource * reductionFactor^(r + minEarlyStoppingRate); a trial reaching a rung goes on only
 * when its value there is in the top 1/reductionFactor of all values recorded at that rung.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = 'successive-halving';
  private readonly minResource: number;
  private readonly factor: number;
  private readonly rate: number;

  constructor(options: SuccessiveHalvingOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.factor = options.reductionFactor ?? 4;
    this.rate = options.minEarlyStoppingRate ?? 0;
    if (!(this.minResource >= 1)) throw new InvalidParameterError('SuccessiveHalvingPruner', 'minResource', this.minResource, 'must be >= 1');
    if (!Number.isInteger(this.factor) || this.factor < 2) throw new InvalidParameterError('SuccessiveHalvingPruner', 'reductionFactor', this.factor, 'must be an integer >= 2');
    if (!Number.isInteger(this.rate) || this.rate < 0) throw new InvalidParameterError('SuccessiveHalvingPruner', 'minEarlyStoppingRate', this.rate, 'must be an integer >= 0');
  }

  /** Is `step` a rung step? */
  isRung(step: number): boolean {
    const base = this.minResource * this.factor ** this.rate;
    if (step < base) return false;
    const r = Math.log(step / base) / Math.log(this.factor);
    return Math.abs(r - Math.round(r)) < 1e-9;
  }

  prune(ctx: PrunerContext): boolean {
    const last = ctx.intermediate[ctx.intermediate.length - 1];
    if (last === undefined || !this.isRung(last.step)) return false;
    if (Number.isNaN(last.value)) return true;
    const competing = [last.value];
    for (const t of ctx.history) {
      if (t.state === 'FAIL') continue;
      const v = valueAt(t, last.step);
      if (v !== undefined && !Number.isNaN(v)) competing.push(v);
    }
    const minimize = ctx.direction === 'minimize';
    competing.sort((a, b) => (minimize ? a - b : b - a));
    const keep = Math.max(1, Math.floor(competing.length / this.factor));
    const cutoff = competing[keep - 1];
    return minimize ? last.value > cutoff : last.value < cutoff;
  }
}
