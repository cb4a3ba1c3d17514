/**
 * What crosses between the main thread and a trial worker: tasks (one discriminated union, told
 * apart by `type`), their results, and the messages a running trial sends on its port. Only
 * structured-clone-safe data: typed arrays (shared where the rows are), strings, numbers.
 */
import type { MessagePort } from 'node:worker_threads';
import type { GrownTrees, ScoredTrees } from '../../models/ensemble/tree-board.js';
import type { ScoringJob } from '../../models/types.js';
import type { SharedSearchData } from '../dataset.js';

/** Fit one trial's estimator on the shared data and score it on the validation split. */
export interface TrialTask {
  readonly type: 'trial';
  readonly kind: string;
  /** Full estimator params (fixed + sampled + seed). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly data: SharedSearchData;
  /** The objective metric (metrics registry name) and extra metrics to compute on validation. */
  readonly metric: string;
  readonly extraMetrics: readonly string[];
  /** control[0] = 1 asks the fit to stop (pruned). */
  readonly control: Int32Array;
  /** best[0] = the best value so far: a model is returned only when this trial is at least as good. */
  readonly best: Float64Array;
  readonly keepModel: boolean;
  /** Sends `TrialMessage`s; receives what helpers did. */
  readonly port: MessagePort;
  /** Send report batches while fitting (for a pruner); otherwise they come with the result only. */
  readonly streamReports: boolean;
  /** The tree board of the fit (forests), shared with help tasks. */
  readonly board?: Int32Array;
  /** Modules to import first (they register extra model kinds). */
  readonly kindModules: readonly string[];
  /** Set by the pool: see `QueueMark`. */
  readonly queue?: QueueMark;
}

/** Grow or score trees of a running trial's forest on this thread (see `TreeHelp`). */
export interface HelpTask {
  readonly type: 'help';
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly data: SharedSearchData;
  readonly kindModules: readonly string[];
  /** The board to take trees from: the fit's growth board, or its scoring job's. */
  readonly board: Int32Array;
  /** Score the trees of this forest on the validation rows instead of growing trees. */
  readonly scoring?: ScoringJob;
  /** The pool's count of trials waiting for a thread: the helper stops after its current tree while one does. */
  readonly waiting: Int32Array;
}

/** Load modules (and open `data` when given) on one thread: pool warm-up, one task per thread. */
export interface WarmTask {
  readonly type: 'warm';
  readonly kindModules: readonly string[];
  readonly data?: SharedSearchData;
  /** Threads in the pool: each warm-up task waits (a while at most) until that many arrived. */
  readonly threads: number;
  /** arrived[0]: warm-up tasks that reached a thread. */
  readonly arrived: Int32Array;
  /** Set by the pool: see `QueueMark`. */
  readonly queue?: QueueMark;
}

export type WorkerTask = TrialTask | HelpTask | WarmTask;

export interface TrialResult {
  readonly value: number;
  readonly metrics: Record<string, number>;
  /** All reports as [iteration, value] pairs (also streamed on the port). */
  readonly reports: number[];
  readonly fitSeconds: number;
  /** Iterations the fit ran (reports seen), also after a stop request. */
  readonly iterations: number;
  readonly model?: Uint8Array;
  /** The fitted model's `tags` (how it was trained); the trial keeps them as user attributes. */
  readonly tags?: Readonly<Record<string, string>>;
}

export type HelpResult = GrownTrees | ScoredTrees;

export interface WarmResult {
  /** The thread that ran the warm-up task. */
  readonly thread: number;
}

/** The result type of each task type. */
export interface TaskResults {
  trial: TrialResult;
  help: HelpResult;
  warm: WarmResult;
}

/** What a running trial tells the main thread on its port. */
export type TrialMessage =
  /** A thread started the trial (its timeout counts from now). */
  | { readonly type: 'start' }
  /** Reports as [iteration, value, ...] pairs, for the pruner. */
  | { readonly type: 'reports'; readonly reports: readonly number[] }
  /** The fit put its trees on the board: idle threads may grow some. */
  | { readonly type: 'grow' }
  /** The fit scores its validation rows: idle threads may score trees of `job`. */
  | { readonly type: 'scoring'; readonly job: ScoringJob };

/**
 * How helpers know that a trial waits for a thread: the pool counts tasks handed to it and not
 * started (`waiting[0]`); the task leaves the count once, when a thread starts it or when it
 * ends without starting (`left[0]` says whether it has).
 */
export interface QueueMark {
  readonly waiting: Int32Array;
  readonly left: Int32Array;
}

/** Leave the count of waiting tasks (only the first call counts). */
export function leaveQueue(mark: QueueMark): void {
  if (Atomics.compareExchange(mark.left, 0, 0, 1) === 0) Atomics.sub(mark.waiting, 0, 1);
}
