import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type BinnedDataset,
  type CsrMatrix,
  DataSourceError,
  DictVectorizer,
  InvalidParameterError,
  type FeatureColumns,
  type FittedDictVectorizer,
  type FeatureFrame,
  type ModelInput,
  PipelineModel,
  type RegressionModel,
  type Space,
  TrackingClient,
  binColumns,
  createStudy,
  hp,
  loadModel,
  loadPipeline,
  modelKinds,
  modelSearch,
  modelToBytes,
  quoteFilterKey,
  quoteFilterValue,
  rmse,
  shareSearchData,
  trackStudy,
} from '../../src/index.js';
import { type TaxiSourceKind, readTaxiTrips, resolveTaxiMonth, taxiFeatures, taxiFileName } from '../../src/datasets/index.js';
import type { ExampleOptions } from './options.js';
import { zoneFeatures } from './zones.js';

export const EXPERIMENT = 'nyc-taxi-duration';
export const BEST_MODELS_EXPERIMENT = 'nyc-taxi-best-models';
export const REGISTERED_MODEL = 'nyc-taxi-duration';
export const ALIAS = 'champion';
/** Tags that let the example find its own runs again (the store may hold many sessions). */
export const SESSION_TAG = 'example.session';
const KIND_TAG = 'example.kind';
const PARAMS_TAG = 'example.params';

export interface SplitData {
  readonly name: 'train' | 'val' | 'test';
  /** The month (YYYY-MM) or file asked for. */
  readonly request: string;
  readonly source: TaxiSourceKind | 'file';
  readonly path: string;
  readonly rows: number;
  readonly frame: FeatureFrame;
  /** PU and DO as two categoricals + trip_distance: the neural model's features. */
  readonly zones: FeatureFrame;
  readonly X: CsrMatrix;
  readonly columns: FeatureColumns;
  /** The training month binned once for the trees (train only). */
  readonly binned?: BinnedDataset;
  readonly y: Float64Array;
}

export interface ModelResult {
  readonly name: string;
  readonly kind: string;
  readonly valRmse: number;
  readonly testRmse: number;
  readonly fitSeconds: number;
  readonly runId: string;
}

export interface WorkflowResult {
  readonly session: string;
  readonly trackingUri: string;
  readonly data: Record<'train' | 'val' | 'test', { request: string; source: string; path: string; rows: number }>;
  readonly features: number;
  readonly models: ModelResult[];
  readonly top5: ModelResult[];
  readonly registered: { name: string; version: number; alias: string; runId: string; testRmse: number };
  readonly predictions: { PU_DO: string; PU: string; DO: string; trip_distance: number; actual: number; predicted: number }[];
}

export interface Reporter {
  /** A line of progress for a person (stderr in --json mode). */
  say(line: string): void;
}

/** Folders searched for TLC files when --data-dir is not given. */
export function dataDirCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.TUNEKIT_DATA_DIR, 'data/nyc-taxi', '../shared/data/nyc-taxi'].filter((d): d is string => !!d).map((d) => resolve(d));
}

async function loadSplit(name: SplitData['name'], request: string, options: ExampleOptions): Promise<Omit<SplitData, 'X' | 'columns' | 'binned'>> {
  let path: string;
  let source: SplitData['source'];
  if (request.endsWith('.parquet')) {
    path = resolve(request);
    if (!existsSync(path)) throw new DataSourceError(path, `--${name} file does not exist`, { code: 'FILE_NOT_FOUND' });
    source = 'file';
  } else if (options.dataDir !== undefined) {
    // A folder named on the command line is the one source: a month it lacks is an error, not
    // a reason to train on downloaded or generated data.
    path = resolve(options.dataDir, taxiFileName({ color: options.color, month: request }));
    if (!existsSync(path)) throw new DataSourceError(path, `--data-dir has no file for --${name} ${request} (leave --data-dir out to download or generate it)`, { code: 'FILE_NOT_FOUND' });
    source = 'data-dir';
  } else {
    const month = { color: options.color, month: request };
    const dataDir = dataDirCandidates().find((d) => existsSync(resolve(d, taxiFileName(month))));
    const found = await resolveTaxiMonth(month, {
      ...(dataDir ? { dataDir } : {}),
      // Offline machines fall through to generated data quickly.
      download: { connectTimeoutMs: 3000 },
      generate: { rows: options.quick ? 20_000 : 80_000, seed: options.seed },
    });
    path = found.path;
    source = found.kind;
  }
  const trips = await readTaxiTrips(path);
  return { name, request, source, path, rows: trips.nRows, frame: taxiFeatures(trips), zones: zoneFeatures(trips), y: trips.duration };
}

/** What the example needs to know of a run to fit its model again. */
interface RunRecipe {
  readonly name: string;
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The features it trains on: the course's PU_DO (default), or PU and DO apart. */
  readonly features?: 'zones';
}

export async function runTaxiWorkflow(options: ExampleOptions, report: Reporter): Promise<WorkflowResult> {
  if (options.dataDir !== undefined && !(existsSync(options.dataDir) && statSync(options.dataDir).isDirectory())) {
    throw new DataSourceError(resolve(options.dataDir), '--data-dir is not a folder', { code: 'FILE_NOT_FOUND' });
  }
  // 1. Data: read, prepare, vectorise (fit on train only).
  const raw = {
    train: await loadSplit('train', options.train, options),
    val: await loadSplit('val', options.val, options),
    test: await loadSplit('test', options.test, options),
  };
  for (const s of Object.values(raw)) report.say(`data  ${s.name.padEnd(5)} ${s.request}: ${s.rows.toLocaleString('en-US')} rides (source: ${s.source}, ${s.path})`);
  const vectorizer = new DictVectorizer().fit(raw.train.frame);
  const trainColumns = vectorizer.transformColumns(raw.train.frame);
  const trainBinned = binColumns(trainColumns);
  const withViews = (s: (typeof raw)['train'], binned?: BinnedDataset): SplitData => ({
    ...s,
    X: vectorizer.transform(s.frame),
    columns: s.name === 'train' ? trainColumns : vectorizer.transformColumns(s.frame),
    binned,
  });
  const train = withViews(raw.train, trainBinned);
  const val = withViews(raw.val);
  const test = withViews(raw.test);
  report.say(`features: ${vectorizer.nFeatures.toLocaleString('en-US')} (PU_DO one-hot + trip_distance)`);
  // The neural model's features: PU and DO apart (an embedding each) + trip_distance.
  const zoneVectorizer = new DictVectorizer().fit(raw.train.zones);
  const zoneColumns = { train: zoneVectorizer.transformColumns(train.zones), val: zoneVectorizer.transformColumns(val.zones), test: zoneVectorizer.transformColumns(test.zones) };

  const client = new TrackingClient(options.trackingUri);
  const session = randomUUID();
  const experiment = await client.getOrCreateExperiment(EXPERIMENT);
  const recipes = new Map<string, RunRecipe>();
  const models: ModelResult[] = [];

  // Trees train on the training month binned once; they score raw columns, whose thresholds are
  // the exact midpoints between training values (bins of unseen data only approximate those).
  const viewOf = (kind: string, split: SplitData, features?: 'zones'): ModelInput =>
    features === 'zones'
      ? zoneColumns[split.name]
      : modelKinds.get(kind).input === 'matrix'
        ? split.X
        : split.name === 'train'
          ? (split.binned as unknown as FeatureColumns)
          : split.columns;
  const evaluate = (model: RegressionModel<ModelInput>, kind: string, features?: 'zones') => ({
    valRmse: rmse(val.y, model.predict(viewOf(kind, val, features))),
    testRmse: rmse(test.y, model.predict(viewOf(kind, test, features))),
  });
  const fitTimed = (recipe: RunRecipe) => {
    const kind = modelKinds.get(recipe.kind);
    if (kind.task !== 'regression') throw new InvalidParameterError('example', 'kind', recipe.kind, 'must be a regression kind');
    const estimator = kind.create(recipe.params);
    const t0 = performance.now();
    // Validation data serves early stopping (boosting); other kinds ignore it.
    const model = estimator.fit(viewOf(recipe.kind, train, recipe.features), train.y, { validation: { X: viewOf(recipe.kind, val, recipe.features), y: val.y } });
    return { model, estimator, fitSeconds: (performance.now() - t0) / 1000 };
  };
  const logModel = (runId: string, model: RegressionModel<ModelInput>, features?: 'zones') => {
    const [fitted, inputs, inputExample]: [FittedDictVectorizer, string[], Record<string, string | number>] =
      features === 'zones'
        ? [zoneVectorizer, ['PU', 'DO'], { PU: '43', DO: '151', trip_distance: 1.01 }]
        : [vectorizer, ['PU_DO'], { PU_DO: '43_151', trip_distance: 1.01 }];
    return client.logModel(runId, modelToBytes(new PipelineModel(fitted, model)), {
      signature: { inputs: [...inputs.map((name) => ({ name, type: 'string' })), { name: 'trip_distance', type: 'double' }], outputs: [{ name: 'duration', type: 'double' }] },
      inputExample: [inputExample],
    });
  };

  /** Fit a recipe in a run of its own: params, val/test RMSE, fit time, the pipeline model. */
  const trackedFit = async (experimentId: string, recipe: RunRecipe, tags: Record<string, string>): Promise<ModelResult> => {
    // Neural kinds load TensorFlow.js (asynchronously) before their synchronous fit.
    await modelKinds.get(recipe.kind).prepare?.(recipe.params);
    return client.withRun({ experimentId, runName: recipe.name, parentRunId: null, tags: { [SESSION_TAG]: session, [KIND_TAG]: recipe.kind, ...tags } }, async (run) => {
      const { model, estimator, fitSeconds } = fitTimed(recipe);
      const { valRmse, testRmse } = evaluate(model, recipe.kind, recipe.features);
      await run.logBatch({
        // How the model was trained (a neural model's backend), when it says.
        tags: { ...model.tags },
        params: paramsForLog(estimator.params),
        metrics: [
          { key: 'val_rmse', value: valRmse },
          { key: 'test_rmse', value: testRmse },
          { key: 'fit_seconds', value: fitSeconds },
        ],
      });
      await logModel(run.runId, model, recipe.features);
      return { name: recipe.name, kind: recipe.kind, valRmse, testRmse, fitSeconds, runId: run.runId };
    });
  };

  // 2. Baselines and the homework's fixed random forest: one tracked run each.
  const fixed: RunRecipe[] = [
    { name: 'LinearRegression', kind: 'linear_regression', params: {} },
    { name: 'Lasso(alpha=0.01)', kind: 'lasso', params: { alpha: 0.01 } },
    { name: 'Ridge(alpha=1)', kind: 'ridge', params: { alpha: 1 } },
    { name: 'RandomForest(maxDepth=10)', kind: 'random_forest', params: { maxDepth: 10, seed: 0 } },
  ];
  for (const recipe of fixed) {
    const result = await trackedFit(experiment.experimentId, recipe, { [PARAMS_TAG]: JSON.stringify(recipe.params) });
    recipes.set(result.runId, recipe);
    models.push(result);
    report.say(`fit   ${recipe.name.padEnd(28)} val RMSE ${result.valRmse.toFixed(4)}  (${result.fitSeconds.toFixed(2)} s)`);
  }

  // 3. Searches with TPE on worker threads; every trial a child run of the study's run.
  const searchData = {
    train: { X: train.X, prepared: train.binned, y: train.y },
    val: { X: val.X, columns: val.columns, y: val.y },
  };
  const searches: {
    name: string;
    kind: string;
    evals: number;
    space: Space;
    fixed: Record<string, unknown>;
    data?: ReturnType<typeof shareSearchData>;
    features?: 'zones';
  }[] = [
    {
      name: 'RandomForest TPE',
      kind: 'random_forest',
      evals: options.evals,
      // The homework's space (hyperopt's quniform gives integers here, never floats).
      space: {
        maxDepth: hp.quniform('maxDepth', 1, 20, 1),
        nEstimators: hp.quniform('nEstimators', 10, 50, 1),
        minSamplesSplit: hp.quniform('minSamplesSplit', 2, 10, 1),
        minSamplesLeaf: hp.quniform('minSamplesLeaf', 1, 4, 1),
      },
      fixed: {},
    },
    {
      name: 'GradientBoosting TPE',
      kind: 'gradient_boosting',
      evals: options.gbdtEvals,
      space: {
        maxDepth: hp.quniform('maxDepth', 4, 30, 1),
        learningRate: hp.loguniform('learningRate', 0.03, 0.3),
        regAlpha: hp.loguniform('regAlpha', 1e-3, 1),
        regLambda: hp.loguniform('regLambda', 1e-3, 1),
        minChildWeight: hp.loguniform('minChildWeight', 0.5, 10),
      },
      fixed: { nEstimators: options.quick ? 200 : 1000, earlyStoppingRounds: 50 },
    },
    {
      name: 'MLP TPE',
      kind: 'mlp_regressor',
      evals: options.nnEvals,
      space: {
        hiddenUnits: hp.quniform('hiddenUnits', 32, 128, 16),
        embeddingSize: hp.quniform('embeddingSize', 4, 16, 2),
        learningRate: hp.loguniform('learningRate', 5e-4, 3e-3),
        dropout: hp.uniform('dropout', 0, 0.2),
      },
      fixed: { epochs: options.quick ? 1 : 12, patience: 3 },
      // The network reads PU and DO apart, from the raw columns (not the trees' bins).
      data: options.nnEvals > 0 ? shareSearchData({ train: { columns: zoneColumns.train, y: train.y }, val: { columns: zoneColumns.val, y: val.y } }, { bin: false }) : undefined,
      features: 'zones',
    },
  ];
  for (const s of searches) {
    if (s.evals === 0 || !modelKinds.has(s.kind)) continue;
    // The same trials for any worker count up to the window (see the tuning docs).
    const study = createStudy({ name: `${s.kind}-${session.slice(0, 8)}`, sampler: 'tpe', seed: options.seed, window: Math.max(4, options.workers) });
    const tracker = await trackStudy(client, study, { experiment: EXPERIMENT, runName: s.name, valueKey: 'val_rmse' });
    const search = modelSearch({ kind: s.kind, data: s.data ?? searchData, space: s.space, fixed: s.fixed, metric: 'rmse' });
    const t0 = performance.now();
    const result = await study.optimize(search, { nTrials: s.evals, nWorkers: options.workers, progress: options.progress && !options.json });
    const seconds = (performance.now() - t0) / 1000;
    await search.close();
    await client.setTag(tracker.parentRunId, SESSION_TAG, session);
    for (const [number, runId] of tracker.runIds) {
      const params = search.paramsOf(number);
      if (!params) continue;
      await client.setTags(runId, { [SESSION_TAG]: session, [KIND_TAG]: s.kind, [PARAMS_TAG]: JSON.stringify(params) });
      recipes.set(runId, { name: `${s.name} trial ${number}`, kind: s.kind, params, ...(s.features ? { features: s.features } : {}) });
    }
    const best = result.bestTrial;
    const bestModel = search.bestModel;
    if (!best || best.value === null || !bestModel) throw new Error(`${s.name}: no trial finished (${result.trials.map((t) => t.reason).join('; ')})`);
    const model = await loadModel(bestModel.bytes);
    if (model.task !== 'regression') throw new InvalidParameterError('example', 'kind', s.kind, 'must be a regression kind');
    const { testRmse } = evaluate(model, s.kind, s.features);
    const runId = tracker.runIds.get(best.number) ?? tracker.parentRunId;
    await client.logMetric(runId, 'test_rmse', testRmse);
    models.push({
      name: `${s.name} best (trial ${best.number})`,
      kind: s.kind,
      valRmse: best.value,
      testRmse,
      fitSeconds: best.metrics.fitSeconds ?? Number.NaN,
      runId,
    });
    report.say(`tune  ${s.name}: ${result.trials.length} trials in ${seconds.toFixed(1)} s on ${options.workers} worker(s); best val RMSE ${best.value.toFixed(4)} (trial ${best.number})`);
  }

  // 4. The five best runs by validation RMSE, fitted again and scored on the test month, then
  //    the best on test registered with the alias.
  const sessionFilter = `tags.${quoteFilterKey(SESSION_TAG)} = ${quoteFilterValue(session)}`;
  const { runs: top } = await client.searchRuns({
    experimentIds: [experiment.experimentId],
    filter: `${sessionFilter} and metrics.val_rmse is not null and status = 'FINISHED' and tags.${quoteFilterKey(KIND_TAG)} is not null`,
    orderBy: ['metrics.val_rmse asc'],
    maxResults: 5,
  });
  const bestExperiment = await client.getOrCreateExperiment(BEST_MODELS_EXPERIMENT);
  const top5: ModelResult[] = [];
  for (const source of top) {
    const recipe = recipes.get(source.info.runId);
    if (!recipe) continue;
    top5.push(await trackedFit(bestExperiment.experimentId, recipe, { 'example.source_run': source.info.runId }));
  }
  const { run: bestRun, version } = await client.registerBestRun({
    experiment: BEST_MODELS_EXPERIMENT,
    metric: 'test_rmse',
    mode: 'min',
    name: REGISTERED_MODEL,
    alias: ALIAS,
    filter: sessionFilter,
  });
  report.say(`registered ${REGISTERED_MODEL} version ${version.version} (@${ALIAS}) from run ${bestRun.info.runId}`);

  // 5. Load the champion back by URI and predict rides from raw records.
  const champion = await loadPipeline(await client.loadModelBytes(`models:/${REGISTERED_MODEL}@${ALIAS}`));
  // Records carry both feature sets: each pipeline reads the keys its vectorizer knows.
  const { PU_DO: pair, trip_distance: dist } = test.frame.columns;
  const { PU: puZone, DO: doZone } = test.zones.columns;
  const text = (c: FeatureFrame['columns'][string], i: number): string => (c.kind === 'categorical' ? (c.dictionary[c.codes[i]] ?? '') : String(c.values[i]));
  const rides: { PU_DO: string; PU: string; DO: string; trip_distance: number }[] = [];
  for (let i = 0; i < 5 && i < test.rows; i++) {
    rides.push({ PU_DO: text(pair, i), PU: text(puZone, i), DO: text(doZone, i), trip_distance: dist.kind === 'numeric' ? dist.values[i] : Number.NaN });
  }
  const predicted = champion.predict(rides);
  const predictions = rides.map((r, i) => ({ ...r, actual: test.y[i], predicted: predicted[i] }));
  await client.close();

  const data = Object.fromEntries(
    [train, val, test].map((s) => [s.name, { request: s.request, source: s.source, path: s.path, rows: s.rows }]),
  ) as WorkflowResult['data'];
  return {
    session,
    trackingUri: options.trackingUri,
    data,
    features: vectorizer.nFeatures,
    models,
    top5,
    registered: { name: REGISTERED_MODEL, version: version.version, alias: ALIAS, runId: bestRun.info.runId, testRmse: bestRun.metrics.test_rmse.value },
    predictions,
  };
}

/** Estimator params as tracker params (null stays null; everything else as given). */
function paramsForLog(params: Readonly<Record<string, unknown>>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return out;
}
