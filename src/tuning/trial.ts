import { InvalidParameterError, TunekitError } from '../core/errors.js';
import {
  type CategoricalDistribution,
  type Distribution,
  type ParamPrimitive,
  checkDistribution,
  sameDistribution,
} from './distributions.js';
import { type Space, type ValueOf, sampleSpace } from './space.js';

export type Direction = 'minimize' | 'maximize';
export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
export type JsonLike = ParamPrimitive | JsonLike[] | { [key: string]: JsonLike };

export interface IntermediateValue {
  readonly step: number;
  readonly value: number;
}

/**
 * A trial as plain, frozen, structured-clone-safe data: what samplers and pruners read, what
 * callbacks and stores receive, what a resumed study is rebuilt from.
 */
export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  /** COMPLETE: the objective value; PRUNED: the last reported value (or null); else null. */
  readonly value: number | null;
  /** Flat params by label (a choice of sub-spaces stores the option index). */
  readonly params: Readonly<Record<string, ParamPrimitive>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Per-iteration reports, ascending by step. */
  readonly intermediate: readonly IntermediateValue[];
  /** Extra final metrics reported with the value (e.g. several validation metrics). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Why a trial FAILED or was PRUNED. */
  readonly reason: string | null;
  /** mixSeeds(study seed, number): the seed handed to the objective or the model. */
  readonly seed: number;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly userAttrs: Readonly<Record<string, JsonLike>>;
}

/** Throw from an objective (after `trial.shouldPrune()`) to end the trial as PRUNED. */
export class TrialPruned extends TunekitError {
  constructor(message = 'pruned') {
    super('TRIAL_PRUNED', message);
  }
}

/** What a live Trial asks of its study. */
export interface TrialHost {
  sampleParam(trial: Trial, name: string, d: Distribution): ParamPrimitive;
  shouldPrune(trial: Trial): boolean;
  /** Whether the pruner may stop a trial at all (else reports matter only once the trial ends). */
  readonly prunes: boolean;
}

export interface NumberSuggestOptions {
  readonly log?: boolean;
  readonly step?: number;
}

/**
 * A running trial in the main thread (define-by-run, as in Optuna). Parameters are sampled the
 * first time they are suggested; suggesting a name again returns the same value.
 */
export class Trial {
  private readonly _params: Record<string, ParamPrimitive> = {};
  private readonly _distributions: Record<string, Distribution> = {};
  private readonly _intermediate = new Map<number, number>();
  private readonly _userAttrs: Record<string, JsonLike> = {};
  private _startedAt = Date.now();

  constructor(
    private readonly host: TrialHost,
    readonly number: number,
    readonly seed: number,
    /** Values fixed in advance (by label): used instead of sampling. */
    private readonly fixed: Readonly<Record<string, ParamPrimitive>> = {},
  ) {}

  /** Epoch milliseconds: when it was asked, or when it was started if it waited after that. */
  get startedAt(): number {
    return this._startedAt;
  }
  /** The trial starts running now (it was asked ahead and waited for a free worker). */
  markStarted(): void {
    this._startedAt = Date.now();
  }

  get params(): Readonly<Record<string, ParamPrimitive>> {
    return this._params;
  }
  get distributions(): Readonly<Record<string, Distribution>> {
    return this._distributions;
  }
  get userAttrs(): Readonly<Record<string, JsonLike>> {
    return this._userAttrs;
  }
  /** Reports so far, ascending by step. */
  get intermediate(): IntermediateValue[] {
    return [...this._intermediate.entries()].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }));
  }

  /** Sample (or recall) a parameter from any distribution. */
  suggest(name: string, d: Distribution): ParamPrimitive {
    const known = Object.hasOwn(this._distributions, name) ? this._distributions[name] : undefined;
    if (known !== undefined) {
      if (!sameDistribution(known, d)) {
        throw new InvalidParameterError(`trial ${this.number}`, name, JSON.stringify(d), `was already suggested with ${JSON.stringify(known)}`);
      }
      return this._params[name];
    }
    checkDistribution('suggest', name, d);
    const value = Object.hasOwn(this.fixed, name) ? this.fixed[name] : this.host.sampleParam(this, name, d);
    this._distributions[name] = d;
    this._params[name] = value;
    return value;
  }

  suggestFloat(name: string, low: number, high: number, options: NumberSuggestOptions = {}): number {
    const d: Distribution = { type: 'float', low, high, ...(options.log ? { log: true } : {}), ...(options.step !== undefined ? { step: options.step } : {}) };
    return this.suggest(name, d) as number;
  }

  suggestInt(name: string, low: number, high: number, options: NumberSuggestOptions = {}): number {
    const d: Distribution = { type: 'int', low, high, ...(options.log ? { log: true } : {}), ...(options.step !== undefined ? { step: options.step } : {}) };
    return this.suggest(name, d) as number;
  }

  suggestCategorical<const C extends readonly ParamPrimitive[]>(name: string, choices: C): C[number] {
    const d: CategoricalDistribution = { type: 'categorical', choices: [...choices] };
    return this.suggest(name, d) as C[number];
  }

  /** The params of a declarative space (only the parameters on the chosen branches are sampled). */
  sample<S extends Space>(space: S): ValueOf<S> {
    return sampleSpace(space, (label, d) => this.suggest(label, d));
  }

  /** Report an intermediate objective value (e.g. validation RMSE after `step` trees). */
  report(value: number, step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new InvalidParameterError(`trial ${this.number}`, 'step', step, 'must be an integer >= 0');
    if (!this._intermediate.has(step)) this._intermediate.set(step, value);
  }

  /** Ask the pruner whether to stop this trial now (after a `report`). */
  shouldPrune(): boolean {
    return this.host.shouldPrune(this);
  }

  /** Whether the study's pruner may stop this trial (a runner streams reports only then). */
  get prunable(): boolean {
    return this.host.prunes;
  }

  setUserAttr(key: string, value: JsonLike): void {
    this._userAttrs[key] = value;
  }
}

/** Deep-freeze a plain record (frozen trials are shared, never mutated). */
export function freezeTrial(t: FrozenTrial): FrozenTrial {
  Object.freeze(t.params);
  Object.freeze(t.distributions);
  t.intermediate.forEach(Object.freeze);
  Object.freeze(t.intermediate);
  Object.freeze(t.metrics);
  Object.freeze(t.userAttrs);
  return Object.freeze(t);
}

/** Is `a` a better objective value than `b` in this direction? */
export function improves(direction: Direction, a: number, b: number): boolean {
  return direction === 'minimize' ? a < b : a > b;
}
