import { InvalidParameterError, TunekitError, describeValue } from '../core/errors.js';
import { mixSeeds } from '../core/rng.js';
import type { Distribution, ParamPrimitive } from './distributions.js';
import { type LoopControl, type Objective, type OptimizeOptions, type OptimizeResult, type TrialRunner, runOptimize } from './optimize.js';
import type { Pruner } from './pruners.js';
import { pruners, samplers } from './registries.js';
import { type PendingTrial, type Sampler, type SamplerContext, paramRng } from './sampler.js';
import {
  type Direction,
  type FrozenTrial,
  type IntermediateValue,
  type JsonLike,
  Trial,
  type TrialHost,
  type TrialState,
  freezeTrial,
  improves,
} from './trial.js';

export interface StudyOptions {
  readonly name?: string;
  readonly direction?: Direction;
  /** A sampler or a registered name ('tpe' (default), 'random', 'grid'). */
  readonly sampler?: Sampler | string;
  /** A pruner or a registered name ('none' (default), 'median', 'successive-halving'). */
  readonly pruner?: Pruner | string;
  /** Study seed; trial k's seed is mixSeeds(seed, k). Default: random. */
  readonly seed?: number;
  /**
   * Reproducibility window W (default 4). Trial k learns from the finished trials numbered
   * <= k - W; trials k-W+1..k-1 count as pending (their params only). `optimize` asks trial k only
   * once every trial <= k - W has finished, so for a given seed the params of every trial, the
   * pruning decisions and the best trial are the same for any nWorkers <= W.
   */
  readonly window?: number;
}

/** The result an objective or a runner hands back for one trial. */
export interface TrialOutcome {
  readonly state?: Exclude<TrialState, 'RUNNING'>;
  readonly value?: number;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly reason?: string;
  /** Intermediate values gathered elsewhere (a worker), merged with the trial's own reports. */
  readonly intermediate?: readonly IntermediateValue[];
  /** The fitted model's artifact bytes, when the runner kept it. */
  readonly model?: Uint8Array;
}

/**
 * Hooks for a recorder (the tracker): a trial started (RUNNING, params set), a trial finished.
 * An observer that throws (or whose promise rejects) does not change the trial: the study keeps
 * the first failure, `optimize` stops asking new trials and rejects with it once the running ones
 * are told; after ask/tell by hand, `flush()` throws it.
 */
export interface StudyObserver {
  onTrialStart?(study: Study, trial: FrozenTrial): void | Promise<void>;
  onTrialEnd?(study: Study, trial: FrozenTrial, model: Uint8Array | undefined): void | Promise<void>;
  /** An optimize call ended (after its last trial). */
  onOptimizeEnd?(study: Study): void | Promise<void>;
}

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * A study: ask/tell is the primitive. The main thread owns the sampler, the pruner and the
 * trials; `optimize` is a loop over ask -> dispatch -> tell.
 */
export class Study implements TrialHost {
  readonly name: string;
  readonly direction: Direction;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly seed: number;
  readonly window: number;
  private readonly finished = new Map<number, FrozenTrial>();
  /** Finished trials ascending by number (visible sets are prefixes of it). */
  private readonly sorted: FrozenTrial[] = [];
  private best: FrozenTrial | undefined;
  /** Per live trial: what it may see, computed once (it cannot change after it was asked). */
  private readonly views = new WeakMap<Trial, { history?: FrozenTrial[]; pending?: PendingTrial[] }>();
  private readonly running = new Map<number, Trial>();
  /** Numbers asked in an earlier session that never finished: asked again first. */
  private readonly redo: number[] = [];
  private nextNumber = 0;
  /** What `stop()` tells the optimize loop running now (it clears the flag when it starts). */
  private readonly loop: LoopControl = { stopRequested: false };
  private readonly observers: StudyObserver[] = [];
  /** Observers' writes under way; each already catches its own failure (never an unhandled rejection). */
  private readonly pendingNotes: Promise<void>[] = [];
  /** The first observer failure not yet surfaced by `flush`. */
  private observerFailure: { readonly error: unknown } | undefined;

  constructor(options: StudyOptions = {}) {
    this.name = options.name ?? 'study';
    this.direction = options.direction ?? 'minimize';
    if (this.direction !== 'minimize' && this.direction !== 'maximize') {
      throw new InvalidParameterError('Study', 'direction', this.direction, "must be 'minimize' or 'maximize'");
    }
    const s = options.sampler ?? 'tpe';
    this.sampler = typeof s === 'string' ? samplers.get(s)() : s;
    const p = options.pruner ?? 'none';
    this.pruner = typeof p === 'string' ? pruners.get(p)() : p;
    this.seed = options.seed ?? Math.floor(Math.random() * 0x100000000);
    if (!Number.isFinite(this.seed)) throw new InvalidParameterError('Study', 'seed', this.seed, 'must be a finite number');
    this.window = options.window ?? 4;
    if (!Number.isInteger(this.window) || this.window < 1) throw new InvalidParameterError('Study', 'window', this.window, 'must be an integer >= 1');
  }

  /** Every trial (finished and running), ascending by number. */
  get trials(): FrozenTrial[] {
    const out: FrozenTrial[] = [...this.finished.values()];
    for (const t of this.running.values()) out.push(this.snapshot(t, 'RUNNING', {}));
    return out.sort((a, b) => a.number - b.number);
  }

  /** The best COMPLETE trial (lowest number on ties), or undefined when none completed. */
  get bestTrial(): FrozenTrial | undefined {
    return this.best;
  }

  private record(t: FrozenTrial): void {
    this.finished.set(t.number, t);
    let lo = this.sorted.length;
    while (lo > 0 && this.sorted[lo - 1].number > t.number) lo--;
    this.sorted.splice(lo, 0, t);
    if (t.state === 'COMPLETE' && t.value !== null) {
      const b = this.best;
      if (!b || improves(this.direction, t.value, b.value as number) || (t.value === b.value && t.number < b.number)) this.best = t;
    }
  }

  get nFinished(): number {
    return this.finished.size;
  }

  /** The finished trial with this number, if any. */
  finishedTrial(number: number): FrozenTrial | undefined {
    return this.finished.get(number);
  }

  /** Add a recorder; it sees every trial start and end from now on. */
  addObserver(observer: StudyObserver): void {
    this.observers.push(observer);
  }

  /** Stop asking new trials (running ones finish). */
  stop(): void {
    this.loop.stopRequested = true;
  }

  /**
   * Put trials from a store back (resume): finished ones are kept as they were (the sampler
   * learns from them); RUNNING ones were interrupted and are asked again, same number.
   */
  loadTrials(trials: readonly FrozenTrial[]): void {
    for (const t of trials) {
      if (this.finished.has(t.number) || this.running.has(t.number)) {
        throw new TunekitError('DUPLICATE', `study '${this.name}' already holds trial ${t.number}`);
      }
      if (t.state === 'RUNNING') this.redo.push(t.number);
      else this.record(freezeTrial({ ...t }));
      this.nextNumber = Math.max(this.nextNumber, t.number + 1);
    }
    this.redo.sort((a, b) => a - b);
    // A gap in the numbers (a trial never recorded) is asked again too.
    for (let k = 0; k < this.nextNumber; k++) if (!this.finished.has(k) && !this.redo.includes(k)) this.redo.push(k);
    this.redo.sort((a, b) => a - b);
  }

  /** Give back a trial asked but never started (optimize stopped): it is asked again first, same number. */
  unask(trial: Trial): void {
    if (!this.running.delete(trial.number)) return;
    this.redo.push(trial.number);
    this.redo.sort((a, b) => a - b);
  }

  /** Start a new trial. `fixed` params are used as given instead of being sampled. */
  ask(fixed: Readonly<Record<string, ParamPrimitive>> = {}): Trial {
    const number = this.redo.length > 0 ? (this.redo.shift() as number) : this.nextNumber++;
    const trial = new Trial(this, number, mixSeeds(this.seed, number), fixed);
    this.running.set(number, trial);
    return trial;
  }

  /** The number `ask` would give next. */
  peekNumber(): number {
    return this.redo.length > 0 ? this.redo[0] : this.nextNumber;
  }

  /**
   * Finish a trial with a value (COMPLETE; NaN or infinite fails it) or an explicit outcome. A
   * result that is neither (undefined from a forgotten `return`, a string, an unknown state, a
   * metric that is not a number) fails the trial, with the reason.
   */
  tell(trial: Trial | number, result: number | TrialOutcome): FrozenTrial {
    const number = typeof trial === 'number' ? trial : trial.number;
    const live = this.running.get(number);
    if (!live) throw new TunekitError('TRIAL_NOT_RUNNING', `trial ${number} of study '${this.name}' is not running (already told or never asked)`);
    const outcome = checkOutcome(result);
    const frozen = this.snapshot(live, outcome.state ?? 'COMPLETE', outcome);
    this.running.delete(number);
    this.record(frozen);
    for (const o of this.observers) if (o.onTrialEnd) this.notify(() => o.onTrialEnd?.(this, frozen, outcome.model));
    return frozen;
  }

  /** Calls an observer; a throw or a rejection is kept (the first one) instead of propagating. */
  private notify(call: () => void | Promise<void>): void {
    const failed = (error: unknown): void => {
      this.observerFailure ??= { error };
    };
    try {
      const r = call();
      if (isPromise(r)) this.pendingNotes.push(r.then(undefined, failed));
    } catch (error) {
      failed(error);
    }
  }

  /** Whether an observer failed since the last `flush` (optimize then stops asking). */
  get observerFailed(): boolean {
    return this.observerFailure !== undefined;
  }

  private snapshot(t: Trial, requested: TrialState, outcome: TrialOutcome): FrozenTrial {
    let state = requested;
    let value: number | null = outcome.value ?? null;
    let reason = outcome.reason ?? null;
    const merged = new Map<number, number>();
    for (const r of outcome.intermediate ?? []) merged.set(r.step, r.value);
    for (const r of t.intermediate) merged.set(r.step, r.value);
    const intermediate = [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([step, v]) => ({ step, value: v }));
    if (state === 'COMPLETE' && (value === null || !Number.isFinite(value))) {
      reason = `objective value is ${value === null ? 'missing' : String(value)}`;
      state = 'FAIL';
      value = null;
    }
    if (state === 'PRUNED' && value === null && intermediate.length > 0) value = intermediate[intermediate.length - 1].value;
    if (state === 'FAIL') value = null;
    if (state === 'PRUNED' && reason === null) reason = `pruned at step ${intermediate.length ? intermediate[intermediate.length - 1].step : 0}`;
    return freezeTrial({
      number: t.number,
      state,
      value,
      params: { ...t.params },
      distributions: { ...t.distributions },
      intermediate,
      metrics: { ...(outcome.metrics ?? {}) },
      reason,
      seed: t.seed,
      startedAt: t.startedAt,
      finishedAt: state === 'RUNNING' ? null : Date.now(),
      userAttrs: { ...(t.userAttrs as Record<string, JsonLike>) },
    });
  }

  /** Finished trials trial `number` may learn from (numbers <= number - window). */
  private visible(number: number): FrozenTrial[] {
    const limit = number - this.window;
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].number <= limit) lo = mid + 1;
      else hi = mid;
    }
    return this.sorted.slice(0, lo);
  }

  private viewOf(trial: Trial): { history: FrozenTrial[]; pending: PendingTrial[] } {
    let v = this.views.get(trial);
    if (!v) this.views.set(trial, (v = {}));
    const view = v;
    const history = (): FrozenTrial[] => this.visible(trial.number);
    const pending = (): PendingTrial[] => this.pendingFor(trial.number);
    return {
      get history() {
        return (view.history ??= history());
      },
      get pending() {
        return (view.pending ??= pending());
      },
    };
  }

  private pendingFor(number: number): PendingTrial[] {
    const out: PendingTrial[] = [];
    const limit = number - this.window;
    for (let i = this.sorted.length - 1; i >= 0 && this.sorted[i].number > limit; i--) {
      const t = this.sorted[i];
      if (t.number < number) out.push({ number: t.number, params: t.params });
    }
    for (const t of this.running.values()) if (t.number < number) out.push({ number: t.number, params: { ...t.params } });
    return out.sort((a, b) => a.number - b.number);
  }

  /** TrialHost: sample one parameter for a live trial. */
  sampleParam(trial: Trial, name: string, d: Distribution): ParamPrimitive {
    // history/pending are computed on first use (random and grid samplers never read them).
    const view = this.viewOf(trial);
    const ctx: SamplerContext = {
      direction: this.direction,
      trialNumber: trial.number,
      seed: this.seed,
      get history() {
        return view.history;
      },
      get pending() {
        return view.pending;
      },
      params: trial.params,
      rng: paramRng(this.seed, trial.number, name),
    };
    return this.sampler.sample(ctx, name, d);
  }

  /** TrialHost: whether the pruner may stop a trial at all. */
  get prunes(): boolean {
    return this.pruner.prunes !== false;
  }

  /** TrialHost: ask the pruner about a live trial's latest report. */
  shouldPrune(trial: Trial): boolean {
    if (!this.prunes) return false;
    const intermediate = trial.intermediate;
    if (intermediate.length === 0) return false;
    return this.pruner.prune({ direction: this.direction, trialNumber: trial.number, history: this.viewOf(trial).history, intermediate });
  }

  /** Tell observers a trial started (the loop calls this after a trial's params are sampled). */
  notifyStart(trial: Trial): void {
    if (this.observers.length === 0) return;
    const snap = this.snapshot(trial, 'RUNNING', {});
    for (const o of this.observers) if (o.onTrialStart) this.notify(() => o.onTrialStart?.(this, snap));
  }

  /** Tell observers an optimize call ended (after its last trial and `flush`). */
  async notifyOptimizeEnd(): Promise<void> {
    for (const o of this.observers) await o.onOptimizeEnd?.(this);
  }

  /** Wait for observers' pending writes; then throw the first observer failure, once. */
  async flush(): Promise<void> {
    while (this.pendingNotes.length > 0) await this.pendingNotes.shift();
    const failure = this.observerFailure;
    this.observerFailure = undefined;
    if (failure) throw failure.error;
  }

  /**
   * Run trials until the study holds `nTrials` finished ones (or a timeout / early stop / `stop()`).
   * `objective` is an in-process function or a runner (e.g. a worker pool from `modelSearch`).
   */
  optimize(objective: Objective | TrialRunner, options: OptimizeOptions): Promise<OptimizeResult> {
    return runOptimize(this, this.loop, objective, options);
  }

  /**
   * Whether `ask` keeps the window's promise now: trial k may be asked once every trial
   * <= k - window has finished (so its params do not depend on timing).
   */
  mayAsk(): boolean {
    const k = this.peekNumber();
    let lowest = this.nextNumber;
    for (const n of this.running.keys()) lowest = Math.min(lowest, n);
    for (const n of this.redo) if (n !== k) lowest = Math.min(lowest, n);
    return k - this.window < lowest;
  }

}

const OUTCOME_STATES: readonly string[] = ['COMPLETE', 'PRUNED', 'FAIL'];

/**
 * A result as a TrialOutcome: a number is a value; an object must hold a known state, a number
 * value, number metrics. Anything else becomes a FAIL outcome saying what was wrong.
 */
function checkOutcome(result: unknown): TrialOutcome {
  if (typeof result === 'number') return { value: result };
  const problem = outcomeProblem(result);
  return problem === undefined ? (result as TrialOutcome) : { state: 'FAIL', reason: `the objective's result ${problem}; return a number or { value, metrics }` };
}

function outcomeProblem(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    return result === undefined ? 'is undefined (a missing return?)' : `is ${Array.isArray(result) ? 'an array' : describeValue(result)}`;
  }
  const o = result as Record<string, unknown>;
  if (o.state !== undefined && !OUTCOME_STATES.includes(o.state as string)) {
    return `has state ${describeValue(o.state)}, not one of ${OUTCOME_STATES.join(', ')}`;
  }
  if (o.value !== undefined && o.value !== null && typeof o.value !== 'number') return `has a value that is ${describeValue(o.value)}, not a number`;
  if (o.metrics !== undefined) {
    if (typeof o.metrics !== 'object' || o.metrics === null) return `has metrics that are ${describeValue(o.metrics)}`;
    for (const [key, v] of Object.entries(o.metrics)) if (typeof v !== 'number') return `has metric '${key}' that is ${describeValue(v)}, not a number`;
  }
  if (o.reason !== undefined && typeof o.reason !== 'string') return `has a reason that is ${describeValue(o.reason)}`;
  if (o.intermediate !== undefined && !Array.isArray(o.intermediate)) return `has intermediate values that are ${describeValue(o.intermediate)}`;
  return undefined;
}

/** A study with the given options (`new Study(options)`). */
export function createStudy(options: StudyOptions = {}): Study {
  return new Study(options);
}
