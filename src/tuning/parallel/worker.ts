/**
 * Worker-thread entry of the trial pool: build the estimator by kind, fit on the shared data,
 * stream per-iteration reports to the main thread, stop when told (pruning), score, and return
 * plain data. The main thread owns everything else (sampler, pruner, trials).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type MessagePort, receiveMessageOnPort, threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { encodeArtifact } from '../models/artifact.js';
import { type GrownTrees, type ScoredTrees, isTreeHelper, treeBuffers } from '../models/ensemble/tree-board.js';
import '../models/kinds.js';
import { metrics } from '../models/metrics/index.js';
import { type ModelKind, modelKinds } from '../models/registry.js';
import type { FitOutput, HelpBatch, ModelInput, ScoringJob, TreeHelp, ValidationSet } from '../models/types.js';
import { ValidationCache } from '../models/validation-cache.js';
import { type SearchData, type SharedSearchData, openSearchData, splitView } from './dataset.js';
import { type QueueMark, leaveQueue } from './queue.js';

export interface TrialTask {
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
  /**
   * Sends 'start', 'grow' (the fit's trees are on `board`: idle threads may help), { scoring }
   * (its validation scoring may be shared too) and reports as [iteration, value, ...] batches;
   * receives what helpers did.
   */
  readonly port: MessagePort;
  /** Send report batches while fitting (for a pruner); otherwise they come with the result only. */
  readonly streamReports: boolean;
  /** The tree board of the fit (forests), shared with helper tasks. */
  readonly board?: Int32Array;
  /** Modules to import first (they register extra model kinds). */
  readonly kindModules: readonly string[];
  /** Only load modules (and open `data` when given): pool warm-up, one task per thread. */
  readonly warm?: WarmUp;
  /** Set by the pool: see `QueueMark`. */
  readonly queue?: QueueMark;
}

/** Grow trees of a running trial's forest on this thread (see `TreeHelp`). */
export interface HelpTask extends Pick<TrialTask, 'kind' | 'params' | 'data' | 'kindModules'> {
  readonly help: true;
  /** The board to take trees from: the fit's growth board, or its scoring job's. */
  readonly board: Int32Array;
  /** Score the trees of this forest on the validation rows instead of growing trees. */
  readonly scoring?: ScoringJob;
  /** The pool's count of trials waiting for a thread: the helper stops after its current tree while one does. */
  readonly waiting: Int32Array;
}

export interface WarmUp {
  /** Threads in the pool: each warm-up task waits (a while at most) until that many arrived. */
  readonly threads: number;
  /** arrived[0]: warm-up tasks that reached a thread. */
  readonly arrived: Int32Array;
}

/** Reports sent to the main thread at most this often (the result carries every report anyway). */
const REPORT_INTERVAL_MS = 5;

/** A thread that gives up waiting for the other warm-up tasks (a thread failed to start). */
const WARM_WAIT_MS = 30_000;

export interface TrialTaskResult {
  readonly value: number;
  readonly metrics: Record<string, number>;
  /** All reports as [iteration, value] pairs (also streamed on the port). */
  readonly reports: number[];
  readonly fitSeconds: number;
  /** Iterations the fit ran (reports seen), also after a stop request. */
  readonly iterations: number;
  readonly model?: Uint8Array;
  /** The thread that ran a warm-up task. */
  readonly thread?: number;
}

const loaded = new Map<string, Promise<unknown>>();

/**
 * Import a module that registers model kinds. Under a TypeScript loader in a worker thread (Node
 * 20 runs `--import tsx` hooks for require only there), a .ts module is required instead, which
 * also shares the registry instance this (required) entry sees.
 */
async function loadModule(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier;
    return createRequire(path)(path);
  }
}
interface OpenDataset {
  readonly data: SearchData;
  /** One per validation view (matrix, columns): what fits derive from it, kept across trials. */
  readonly validation: Map<string, ValidationCache>;
}

const datasets = new Map<string, OpenDataset>();
const MAX_CACHED = 4;

function datasetFor(shared: SharedSearchData): OpenDataset {
  let d = datasets.get(shared.id);
  if (!d) {
    d = { data: openSearchData(shared), validation: new Map() };
    if (datasets.size >= MAX_CACHED) datasets.delete(datasets.keys().next().value as string);
    datasets.set(shared.id, d);
  }
  return d;
}

async function loadKindModules(modules: readonly string[]): Promise<void> {
  for (const m of modules) {
    if (!loaded.has(m)) loaded.set(m, loadModule(m));
    await loaded.get(m);
  }
}

export default function run(task: TrialTask | HelpTask): Promise<TrialTaskResult | GrownTrees | ScoredTrees> {
  return 'help' in task ? runHelp(task) : runTrial(task);
}

async function runHelp(task: HelpTask): Promise<GrownTrees | ScoredTrees> {
  await loadKindModules(task.kindModules);
  const dataset = datasetFor(task.data);
  const { data } = dataset;
  const kind = modelKinds.get(task.kind);
  const estimator = kind.create(task.params);
  if (!isTreeHelper(estimator)) return { indices: [], trees: [] };
  const { trainX, validation } = splitsFor(dataset, kind, task.kind);
  const stop = () => Atomics.load(task.waiting, 0) > 0;
  if (task.scoring) {
    const scored = estimator.helpScore(trainX, validation, task.scoring, stop);
    return move({ [transferableSymbol]: scored.outputs.map((o) => o.buffer as ArrayBuffer), [valueSymbol]: scored }) as unknown as ScoredTrees;
  }
  const grown = estimator.helpGrow(trainX, data.train.y, task.board, stop);
  return move({ [transferableSymbol]: treeBuffers(grown.trees), [valueSymbol]: grown }) as unknown as GrownTrees;
}

/**
 * The training view and the validation set a kind fits on, with the cache of what fits derive
 * from the validation view (one per view, kept with the dataset).
 */
function splitsFor(dataset: OpenDataset, kind: ModelKind, kindName: string): { trainX: ModelInput; validation: ValidationSet } {
  const { data } = dataset;
  let cache = dataset.validation.get(kind.input);
  if (!cache) dataset.validation.set(kind.input, (cache = new ValidationCache()));
  return {
    trainX: splitView(data.train, kind.input, kindName, 'train') as ModelInput,
    validation: { X: splitView(data.val, kind.input, kindName, 'val') as ModelInput, y: data.val.y, cache },
  };
}

async function runTrial(task: TrialTask): Promise<TrialTaskResult> {
  const { port } = task;
  if (task.queue) leaveQueue(task.queue);
  try {
    port.postMessage('start');
    await loadKindModules(task.kindModules);
    if (task.warm) {
      if (task.data) datasetFor(task.data);
      const { threads, arrived } = task.warm;
      Atomics.add(arrived, 0, 1);
      Atomics.notify(arrived, 0);
      const until = performance.now() + WARM_WAIT_MS;
      for (let n = Atomics.load(arrived, 0); n < threads && performance.now() < until; n = Atomics.load(arrived, 0)) {
        Atomics.wait(arrived, 0, n, until - performance.now());
      }
      return { value: 0, metrics: {}, reports: [], fitSeconds: 0, iterations: 0, thread: threadId };
    }
    const dataset = datasetFor(task.data);
    const { data } = dataset;
    const kind = modelKinds.get(task.kind);
    const metric = metrics.get(task.metric);
    const { trainX, validation } = splitsFor(dataset, kind, task.kind);
    const valX = validation.X;
    const estimator = kind.create(task.params);
    const reports: number[] = [];
    let sent = 0;
    let sentAt = Number.NEGATIVE_INFINITY;
    let iterations = 0;
    const output: FitOutput = {};
    const treeHelp: TreeHelp | undefined = task.board && {
      board: task.board,
      announce: () => port.postMessage('grow'),
      announceScoring: (job) => port.postMessage({ scoring: job }),
      receive: () => receiveMessageOnPort(port)?.message as HelpBatch | undefined,
    };
    const t0 = performance.now();
    const model = estimator.fit(trainX, data.train.y, {
      ...(treeHelp ? { treeHelp } : {}),
      validation,
      metric: task.metric,
      output,
      onIteration: (r) => {
        iterations++;
        const v = r.metrics[task.metric];
        if (v !== undefined) {
          reports.push(r.iteration, v);
          // Reports go out in batches, at most one per interval: a forest reports every tree,
          // a message per report would wake the main thread hundreds of times per trial.
          if (task.streamReports && performance.now() - sentAt >= REPORT_INTERVAL_MS) {
            port.postMessage(reports.slice(sent));
            sent = reports.length;
            sentAt = performance.now();
          }
        }
        return Atomics.load(task.control, 0) === 0;
      },
    });
    const fitSeconds = (performance.now() - t0) / 1000;
    // Fits that scored validation on the way hand back its predictions: no second pass.
    const pred = output.validationPrediction ?? model.predict(valX);
    const value = metric.fn(data.val.y, pred);
    const extra: Record<string, number> = { [task.metric]: value };
    for (const name of task.extraMetrics) extra[name] = metrics.get(name).fn(data.val.y, pred);
    const best = task.best[0];
    const asGood = Number.isNaN(best) || (metric.direction === 'min' ? value <= best : value >= best);
    const bytes = task.keepModel && asGood && Number.isFinite(value) ? encodeArtifact(model.toArtifact()) : undefined;
    const result: TrialTaskResult = { value, metrics: extra, reports, fitSeconds, iterations, ...(bytes ? { model: bytes } : {}) };
    // The model's bytes move to the main thread instead of being copied (when they own their buffer).
    const movable = bytes && bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return movable ? (move({ [transferableSymbol]: [bytes.buffer], [valueSymbol]: result }) as unknown as TrialTaskResult) : result;
  } finally {
    port.close();
  }
}
