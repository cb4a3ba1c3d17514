/**
 * Worker-thread entry of the trial pool: build the estimator by kind, fit on the shared data,
 * stream per-iteration reports to the main thread, stop when told (pruning), score, and return
 * plain data. The main thread owns everything else (sampler, pruner, trials).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { receiveMessageOnPort, threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { TunekitWarning } from '../../core/errors.js';
import { encodeArtifact } from '../../models/artifact.js';
import { isTreeHelper, treeBuffers } from '../../models/ensemble/tree-board.js';
import '../../models/kinds.js';
import { metrics } from '../../models/metrics/index.js';
import { type ModelKind, modelKinds } from '../../models/registry.js';
import { scoreModel } from '../../models/scoring.js';
import { warningTags } from '../../models/warnings.js';
import type { Estimator, FitOutput, HelpBatch, Labels, Model, ModelInput, Params, TreeHelp, ValidationSet } from '../../models/types.js';
import { ValidationCache } from '../../models/validation-cache.js';
import { type SearchData, type SharedSearchData, openSearchData, splitView } from '../dataset.js';
import { type HelpResult, type HelpTask, type TaskResults, type TrialMessage, type TrialResult, type TrialTask, type WarmResult, type WarmTask, type WorkerTask, leaveQueue } from './protocol.js';

/** Reports sent to the main thread at most this often (the result carries every report anyway). */
const REPORT_INTERVAL_MS = 5;

/** A thread that gives up waiting for the other warm-up tasks (a thread failed to start). */
const WARM_WAIT_MS = 30_000;

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

export default function run(task: WorkerTask): Promise<TaskResults[WorkerTask['type']]> {
  switch (task.type) {
    case 'trial':
      return runTrial(task);
    case 'help':
      return runHelp(task);
    case 'warm':
      return warm(task);
  }
}

/** Load the modules and open the data, then hold the thread until every warm-up task has one. */
async function warm(task: WarmTask): Promise<WarmResult> {
  if (task.queue) leaveQueue(task.queue);
  await loadKindModules(task.kindModules);
  if (task.data) datasetFor(task.data);
  const { threads, arrived } = task;
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const until = performance.now() + WARM_WAIT_MS;
  for (let n = Atomics.load(arrived, 0); n < threads && performance.now() < until; n = Atomics.load(arrived, 0)) {
    Atomics.wait(arrived, 0, n, until - performance.now());
  }
  return { thread: threadId };
}

async function runHelp(task: HelpTask): Promise<HelpResult> {
  await loadKindModules(task.kindModules);
  const dataset = datasetFor(task.data);
  const { data } = dataset;
  const kind = modelKinds.get(task.kind);
  const estimator = kind.create(task.params);
  // Helpers grow regression forests (values for y).
  const { trainX, validation } = splitsFor(dataset, kind, task.kind);
  const trainY = data.train.y;
  const valY = validation.y;
  if (!isTreeHelper(estimator) || !(trainY instanceof Float64Array) || !(valY instanceof Float64Array)) return { indices: [], trees: [] };
  const stop = () => Atomics.load(task.waiting, 0) > 0;
  if (task.scoring) {
    const scored = estimator.helpScore(trainX, { ...validation, y: valY }, task.scoring, stop);
    return moving(scored, scored.outputs.map((o) => o.buffer as ArrayBuffer));
  }
  const grown = estimator.helpGrow(trainX, trainY, task.board, stop);
  return moving(grown, treeBuffers(grown.trees));
}

/**
 * The training view and the validation set a kind fits on, with the cache of what fits derive
 * from the validation view (one per view, kept with the dataset).
 */
function splitsFor(dataset: OpenDataset, kind: ModelKind, kindName: string): { trainX: ModelInput; validation: ValidationSet<ModelInput, Float64Array | Labels> } {
  const { data } = dataset;
  let cache = dataset.validation.get(kind.input);
  if (!cache) dataset.validation.set(kind.input, (cache = new ValidationCache()));
  return {
    trainX: splitView(data.train, kind.input, kindName, 'train') as ModelInput,
    validation: { X: splitView(data.val, kind.input, kindName, 'val') as ModelInput, y: data.val.y, cache },
  };
}

/** A result whose buffers move to the main thread instead of being copied. */
function moving<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: value }) as unknown as T;
}

async function runTrial(task: TrialTask): Promise<TrialResult> {
  const { port } = task;
  const send = (m: TrialMessage): void => port.postMessage(m);
  if (task.queue) leaveQueue(task.queue);
  try {
    send({ type: 'start' });
    await loadKindModules(task.kindModules);
    const dataset = datasetFor(task.data);
    const { data } = dataset;
    const kind = modelKinds.get(task.kind);
    const metric = metrics.get(task.metric);
    const { trainX, validation } = splitsFor(dataset, kind, task.kind);
    const valX = validation.X;
    await kind.prepare?.(task.params);
    // Values for a regressor, labels for a classifier: the estimator checks its target.
    const estimator: Estimator<Params, ModelInput, Model<ModelInput>> = kind.create(task.params);
    const reports: number[] = [];
    let sent = 0;
    let sentAt = Number.NEGATIVE_INFINITY;
    let iterations = 0;
    const output: FitOutput = {};
    const treeHelp: TreeHelp | undefined = task.board && {
      board: task.board,
      announce: () => send({ type: 'grow' }),
      announceScoring: (job) => send({ type: 'scoring', job }),
      receive: () => receiveMessageOnPort(port)?.message as HelpBatch | undefined,
    };
    // A fit's warnings go with the trial (its tags), not to this thread's stderr.
    const warnings: TunekitWarning[] = [];
    const t0 = performance.now();
    const model = estimator.fit(trainX, data.train.y, {
      ...(treeHelp ? { treeHelp } : {}),
      validation,
      metric: task.metric,
      output,
      onWarning: (w) => warnings.push(w),
      onIteration: (r) => {
        iterations++;
        const v = r.metrics[task.metric];
        if (v !== undefined) {
          reports.push(r.iteration, v);
          // Reports go out in batches, at most one per interval: a forest reports every tree,
          // a message per report would wake the main thread hundreds of times per trial.
          if (task.streamReports && performance.now() - sentAt >= REPORT_INTERVAL_MS) {
            send({ type: 'reports', reports: reports.slice(sent) });
            sent = reports.length;
            sentAt = performance.now();
          }
        }
        return Atomics.load(task.control, 0) === 0;
      },
    });
    const fitSeconds = (performance.now() - t0) / 1000;
    // Fits that scored validation on the way hand back its predictions (or probabilities): no second pass.
    const extra = scoreModel(model, valX, data.val.y, [task.metric, ...task.extraMetrics], model.task === 'regression' ? output.validationPrediction : output.validationProba);
    const value = extra[task.metric];
    const best = task.best[0];
    const asGood = Number.isNaN(best) || (metric.direction === 'min' ? value <= best : value >= best);
    const bytes = task.keepModel && asGood && Number.isFinite(value) ? encodeArtifact(model.toArtifact()) : undefined;
    const result: TrialResult = { value, metrics: extra, reports, fitSeconds, iterations, ...(bytes ? { model: bytes } : {}), ...(model.tags || warnings.length > 0 ? { tags: { ...warningTags(warnings), ...model.tags } } : {}) };
    // The model's bytes move to the main thread instead of being copied (when they own their buffer).
    const movable = bytes && bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return movable ? moving(result, [bytes.buffer as ArrayBuffer]) : result;
  } finally {
    port.close();
  }
}
