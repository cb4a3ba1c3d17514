import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { InvalidParameterError, TunekitError } from '../core/errors.js';
import { sharedArray } from '../core/typed.js';
import { BOARD_HELPERS, BOARD_NEXT, BOARD_TOTAL, newTreeBoard, treeBuffers } from '../models/ensemble/tree-board.js';
import type { ScoringJob } from '../models/types.js';
import '../models/kinds.js';
import { type ModelKind, modelKinds } from '../models/registry.js';
import { DEFAULT_METRICS, metricFor } from '../models/scoring.js';
import { type TrialCost, nearestCost } from './cost.js';
import { type SearchData, type SharedSearchData, isSharedSearchData, shareSearchData } from './dataset.js';
import { TrialPool } from './parallel/pool.js';
import type { TrialMessage, TrialTask } from './parallel/protocol.js';
import { type Space, spaceFromParams } from './space.js';
import type { TrialRunner } from './optimize.js';
import type { TrialOutcome } from './study.js';
import type { Direction, Trial } from './trial.js';

export interface ModelSearchOptions<S extends Space = Space> {
  /** The model kind (a name in `modelKinds`). */
  readonly kind: string;
  /** Train/validation data, or data already shared with `shareSearchData` (reused as is). */
  readonly data: SearchData | SharedSearchData;
  /** The search space over the estimator's params (default: `spaceFromParams` of the kind). */
  readonly space?: S;
  /** Params fixed for every trial. */
  readonly fixed?: Readonly<Record<string, unknown>>;
  /** The objective metric on the validation split (default 'rmse'; classifiers: 'logloss'). */
  readonly metric?: string;
  /** More validation metrics recorded with each trial. */
  readonly extraMetrics?: readonly string[];
  /**
   * The params entry that receives each trial's seed (mixSeeds(study seed, trial number)); default
   * 'seed' when the kind has it and neither the space nor `fixed` sets it. null: none.
   */
  readonly seedParam?: string | null;
  /** Return the best trial's fitted model (artifact bytes) (default true). */
  readonly keepModel?: boolean;
  /** A running pool to use (not closed by the search); default: a pool per optimize call. */
  readonly pool?: TrialPool;
  /** Modules workers import to register extra model kinds (when this search makes its pool). */
  readonly kindModules?: readonly (string | URL)[];
  /**
   * Threads with no trial to run (the last trials, or trials waiting for earlier ones to finish)
   * grow trees of the forests still fitting (default true). Models and results are unchanged.
   */
  readonly helpIdle?: boolean;
}

/** A trial in flight, as idle threads see it. */
interface RunningTrial {
  readonly params: Readonly<Record<string, unknown>>;
  readonly board: Int32Array;
  /** Main-thread end of the trial's channel: what helpers did goes to the trial through it. */
  readonly port: MessagePort;
  /** Set once the fit scores its validation rows and lets helpers score trees. */
  scoring?: ScoringJob;
}

/** Help a fit only while at least this many of its trees are left to take. */
const MIN_TREES_TO_HELP = 2;

/**
 * A trial runner that fits a model kind on worker threads: the main thread samples the params,
 * a task ships only kind + params + the shared data handle, reports stream back per iteration and
 * a pruned trial's fit is told to stop. Pass it to `study.optimize(search, { nWorkers })`.
 */
export class ModelSearch<S extends Space = Space> implements TrialRunner {
  readonly kind: ModelKind;
  readonly space: Space;
  readonly metric: string;
  readonly direction: Direction;
  readonly data: SharedSearchData;
  private readonly fixed: Readonly<Record<string, unknown>>;
  private readonly seedParam: string | null;
  private readonly extraMetrics: readonly string[];
  private readonly keepModel: boolean;
  private readonly kindModules: readonly (string | URL)[];
  private readonly best = sharedArray(Float64Array, 1).fill(Number.NaN);
  private pool: TrialPool | undefined;
  private ownsPool = false;
  private bestModelBytes: { number: number; value: number; bytes: Uint8Array } | undefined;
  private readonly estimatorParams = new Map<number, Record<string, unknown>>();
  /** Fit times of this search's completed trials, for `cost`. */
  private readonly fitTimes: TrialCost[] = [];
  private readonly helpIdle: boolean;
  /** Threads this search may use (the study's workers). */
  private threads = 1;
  private readonly running = new Map<number, RunningTrial>();
  private helpers = 0;
  private helpQueued = false;
  private grownByHelpers = 0;
  private scoredByHelpers = 0;

  constructor(options: ModelSearchOptions<S>) {
    this.kind = modelKinds.get(options.kind);
    // The metric sets the direction ('logloss' minimises, 'roc_auc' maximises) and must score the kind's task.
    this.metric = options.metric ?? DEFAULT_METRICS[this.kind.task][0];
    this.direction = metricFor(this.kind.task, this.metric, 'ModelSearch').direction === 'min' ? 'minimize' : 'maximize';
    this.extraMetrics = (options.extraMetrics ?? []).filter((m) => m !== this.metric);
    for (const m of this.extraMetrics) metricFor(this.kind.task, m, 'ModelSearch');
    this.space = options.space ?? (spaceFromParams(this.kind.paramsSpec) as Space);
    this.fixed = options.fixed ?? {};
    const seedName = options.seedParam === undefined ? 'seed' : options.seedParam;
    const spaceKeys = typeof this.space === 'object' && this.space !== null && !Array.isArray(this.space) ? Object.keys(this.space) : [];
    this.seedParam =
      seedName !== null && seedName in this.kind.paramsSpec && !(seedName in this.fixed) && !spaceKeys.includes(seedName) ? seedName : null;
    this.keepModel = options.keepModel ?? true;
    this.helpIdle = options.helpIdle ?? true;
    this.kindModules = options.kindModules ?? [];
    this.pool = options.pool;
    this.data = isSharedSearchData(options.data) ? options.data : shareSearchData(options.data);
  }

  /** The estimator params a trial ran with (sampled + fixed + seed). */
  paramsOf(trialNumber: number): Readonly<Record<string, unknown>> | undefined {
    return this.estimatorParams.get(trialNumber);
  }

  /** The best trial's fitted model (artifact bytes for `decodeArtifact`), when kept. */
  get bestModel(): { readonly trialNumber: number; readonly bytes: Uint8Array } | undefined {
    return this.bestModelBytes ? { trialNumber: this.bestModelBytes.number, bytes: this.bestModelBytes.bytes } : undefined;
  }

  /** Trees that idle threads grew for other trials' forests so far. */
  get treesGrownByHelpers(): number {
    return this.grownByHelpers;
  }

  /** Trees whose validation outputs idle threads computed for other trials' forests so far. */
  get treesScoredByHelpers(): number {
    return this.scoredByHelpers;
  }

  open(nWorkers: number): void {
    this.threads = nWorkers;
    if (this.pool) {
      if (this.pool.nWorkers < nWorkers) {
        throw new InvalidParameterError('ModelSearch', 'nWorkers', nWorkers, `must be <= the pool's ${this.pool.nWorkers} workers`);
      }
      return;
    }
    this.pool = new TrialPool({ nWorkers, kindModules: this.kindModules });
    this.ownsPool = true;
  }

  prepare(trial: Trial): void {
    const sampled: unknown = (trial.sample as (s: Space) => unknown)(this.space);
    if (typeof sampled !== 'object' || sampled === null || Array.isArray(sampled)) {
      throw new TunekitError('BAD_SPACE', `the space of a model search must yield an object of params; got ${JSON.stringify(sampled)}`);
    }
    const params: Record<string, unknown> = { ...this.fixed, ...(sampled as Record<string, unknown>) };
    if (this.seedParam) params[this.seedParam] = trial.seed;
    this.estimatorParams.set(trial.number, params);
  }

  /** The fit time of the completed trial with the nearest params (long trials start first). */
  cost(trial: Trial): number | undefined {
    return nearestCost(this.fitTimes, trial.params, trial.distributions);
  }

  async run(trial: Trial, signal: AbortSignal, started: () => void): Promise<TrialOutcome> {
    if (!this.pool) this.open(1);
    const pool = this.pool as TrialPool;
    const params = this.estimatorParams.get(trial.number);
    if (!params) throw new TunekitError('NOT_PREPARED', `trial ${trial.number} was not prepared`);
    const control = sharedArray(Int32Array, 1);
    const channel = new MessageChannel();
    const board = newTreeBoard();
    // Reports are fed to the pruner in step order; after a prune decision later ones are ignored,
    // so the outcome does not depend on how soon the worker noticed.
    let prunedAt: number | undefined;
    let lastFed = -Infinity;
    const feed = (step: number, value: number): void => {
      if (prunedAt !== undefined || step <= lastFed) return;
      lastFed = step;
      trial.report(value, step);
      if (trial.shouldPrune()) {
        prunedAt = step;
        Atomics.store(control, 0, 1);
      }
    };
    channel.port1.on('message', (m: TrialMessage) => {
      switch (m.type) {
        case 'start':
          started();
          break;
        case 'grow':
          this.queueHelp();
          break;
        case 'scoring': {
          const r = this.running.get(trial.number);
          if (r) r.scoring = m.job;
          this.queueHelp();
          break;
        }
        case 'reports':
          for (let i = 0; i + 1 < m.reports.length; i += 2) feed(m.reports[i], m.reports[i + 1]);
          break;
      }
    });
    const task: TrialTask = {
      type: 'trial',
      kind: this.kind.kind,
      params,
      data: this.data,
      metric: this.metric,
      extraMetrics: this.extraMetrics,
      control,
      best: this.best,
      keepModel: this.keepModel,
      port: channel.port2,
      // Reports serve the pruner while the fit runs; without one they come with the result.
      streamReports: trial.prunable,
      // Without threads to spare the fit has nobody to share its trees with.
      ...(this.helpIdle && this.threads > 1 ? { board } : {}),
      kindModules: pool.kindModules.length > 0 ? pool.kindModules : this.kindModules.map(String),
    };
    this.running.set(trial.number, { params, board, port: channel.port1 });
    try {
      const result = await pool.run(task, signal);
      for (let i = 0; i < result.reports.length; i += 2) feed(result.reports[i], result.reports[i + 1]);
      const fit = { fitSeconds: result.fitSeconds, fitIterations: result.iterations };
      for (const [key, value] of Object.entries(result.tags ?? {})) trial.setUserAttr(key, value);
      if (prunedAt !== undefined) return { state: 'PRUNED', reason: `pruned at step ${prunedAt}`, metrics: fit };
      this.fitTimes.push({ params: { ...trial.params }, seconds: result.fitSeconds });
      if (result.model && Number.isFinite(result.value)) this.keepBest(trial.number, result.value, result.model);
      return { value: result.value, metrics: { ...result.metrics, ...fit }, ...(result.model ? { model: result.model } : {}) };
    } finally {
      // A fit that ended early (timeout, crash) leaves no index to take: its helpers stop.
      const scoring = this.running.get(trial.number)?.scoring;
      for (const b of scoring ? [board, scoring.board] : [board]) Atomics.store(b, BOARD_NEXT, Atomics.load(b, BOARD_TOTAL));
      this.running.delete(trial.number);
      channel.port1.close();
      this.queueHelp();
    }
  }

  /** Look for idle threads once the current turn is over (the study may start a trial first). */
  private queueHelp(): void {
    if (!this.helpIdle || this.helpQueued) return;
    this.helpQueued = true;
    setImmediate(() => {
      this.helpQueued = false;
      this.startHelpers();
    });
  }

  /** Put each idle thread on the running fit with the most trees left to grow or score. */
  private startHelpers(): void {
    const pool = this.pool;
    while (pool && this.running.size + this.helpers < this.threads && pool.trialsWaiting === 0) {
      // A fit that scores has grown all its trees: its scoring board is the one with work left.
      let pick: RunningTrial | undefined;
      let most = MIN_TREES_TO_HELP - 1;
      for (const r of this.running.values()) {
        const board = r.scoring ? r.scoring.board : r.board;
        const left = Atomics.load(board, BOARD_TOTAL) - Atomics.load(board, BOARD_NEXT);
        if (left > most) {
          most = left;
          pick = r;
        }
      }
      if (!pick) return;
      const { port, params, scoring: job } = pick;
      const board = job ? job.board : pick.board;
      this.helpers++;
      Atomics.add(board, BOARD_HELPERS, 1);
      pool
        .help({
          kind: this.kind.kind,
          params,
          data: this.data,
          kindModules: pool.kindModules.length > 0 ? pool.kindModules : this.kindModules.map(String),
          board,
          ...(job ? { scoring: job } : {}),
        })
        .then((done) => {
          // On to the trial before the helper counts itself out: the trial waits for both.
          if (done.indices.length === 0) return;
          if ('trees' in done) {
            this.grownByHelpers += done.indices.length;
            port.postMessage(done, treeBuffers(done.trees));
          } else {
            this.scoredByHelpers += done.indices.length;
            port.postMessage(done, done.outputs.map((o) => o.buffer as ArrayBuffer));
          }
        })
        .catch(() => undefined) // the trial does what a failed helper took
        .finally(() => {
          Atomics.sub(board, BOARD_HELPERS, 1);
          Atomics.notify(board, BOARD_HELPERS);
          this.helpers--;
          this.queueHelp();
        });
    }
  }

  private keepBest(number: number, value: number, bytes: Uint8Array): void {
    const b = this.bestModelBytes;
    const better = !b || (this.direction === 'minimize' ? value < b.value : value > b.value) || (value === b.value && number < b.number);
    if (better) {
      this.bestModelBytes = { number, value, bytes };
      this.best[0] = value;
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool && this.pool) {
      await this.pool.close();
      this.pool = undefined;
      this.ownsPool = false;
    }
  }
}

/** A model search runner (see `ModelSearch`). */
export function modelSearch<S extends Space>(options: ModelSearchOptions<S>): ModelSearch<S> {
  return new ModelSearch(options);
}
