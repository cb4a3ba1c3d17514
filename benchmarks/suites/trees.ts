
import * as arrow from 'apache-arrow';
import { generateTaxiBatches } from '../../src/datasets/nyc-taxi/generate.js';
import { type TaxiTrips, concatTrips, prepareTaxi } from '../../src/datasets/nyc-taxi/trips.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { FeatureColumns } from '../../src/features/matrix.js';
import { Rng } from '../../src/core/rng.js';
import { taxiFeatures } from '../../src/datasets/nyc-taxi/features.js';
import { RandomForestRegressor } from '../../src/models/ensemble/forest.js';
import { GradientBoostingRegressor } from '../../src/models/ensemble/gbdt.js';
import type { TreeEnsembleModel } from '../../src/models/ensemble/model.js';
import { closeForestWorkers } from '../../src/models/ensemble/workers.js';
import { rmse } from '../../src/models/metrics/index.js';
import { type BinnedDataset, binColumns } from '../../src/models/tree/binning.js';
import { loadTaxiMonths } from '../taxi-months.js';
import { loadWideTaxi } from '../taxi-wide.js';
import type { BenchContext, Benchmark } from '../types.js';

interface Split {
  readonly X: FeatureColumns;
  readonly y: Float64Array;
}

interface TreeData {
  readonly train: Split;
  readonly val: Split;
  readonly source: string;
}

async function loadData(ctx: BenchContext): Promise<TreeData> {
  const { jan, feb, vectorizer, source } = await loadTaxiMonths(ctx);
  return {
    train: { X: vectorizer.transformColumns(jan.frame), y: jan.trips.duration },
    val: { X: vectorizer.transformColumns(feb.frame), y: feb.trips.duration },
    source,
  };
}

const RF_PARAMS = { maxDepth: 10, nEstimators: 100, seed: 42 } as const;
/** The course's best XGBoost parameters (hyperopt over the validation month). */
const COURSE_PARAMS = {
  maxDepth: 30,
  learningRate: 0.0951,
  regAlpha: 0.018,
  regLambda: 0.0117,
  minChildWeight: 1.06,
  nEstimators: 1000,
  earlyStoppingRounds: 50,
  seed: 42,
} as const;
/** XGBoost 1.7's defaults, for the like-for-like "defaults" figure. */
const XGB_DEFAULTS = { maxDepth: 6, learningRate: 0.3, regLambda: 1, minChildWeight: 1, nEstimators: 100 } as const;

function figures(model: TreeEnsembleModel, data: TreeData): Record<string, number> {
  return {
    valRmse: rmse(data.val.y, model.predict(data.val.X)),
    trees: model.nTrees,
    nodesPerTree: model.trees.nNodes / Math.max(1, model.nTrees),
    rows: data.train.X.nRows,
  };
}

/** A fitting benchmark's state: the model of the last run is scored after the timing. */
interface FitState {
  readonly data: TreeData;
  readonly binned?: BinnedDataset;
  model?: TreeEnsembleModel;
}

async function fitState(ctx: BenchContext, prebin = false): Promise<FitState> {
  const data = await loadData(ctx);
  return prebin ? { data, binned: binColumns(data.train.X) } : { data };
}

function scoreFit(state: FitState): Record<string, number> {
  if (!state.model) throw new Error('no model was fitted');
  return figures(state.model, state.data);
}

interface ModelState {
  readonly data: TreeData;
  readonly model: TreeEnsembleModel;
}

/** Generated month of `rows` trips as tree columns (vectorizer fitted on it). */
function generatedColumns(rows: number): Split {
  const parts: TaxiTrips[] = [];
  for (const batch of generateTaxiBatches({ month: '2021-01', rows, seed: 1 })) {
    parts.push(prepareTaxi(new arrow.Table(batch)));
  }
  const trips = concatTrips(parts);
  const frame = taxiFeatures(trips);
  return { X: new DictVectorizer().fit(frame).transformColumns(frame), y: trips.duration };
}

function scaleRows(ctx: BenchContext, rows: number): number {
  return ctx.quick ? 100_000 : rows;
}

function scaleBenchmark(name: string, rows: number, description: string, train: (s: Split) => TreeEnsembleModel, params: Record<string, unknown>): Benchmark<Split> {
  return {
    group: 'scale',
    name,
    description,
    params: { rows, ...params },
    warmup: 0,
    repeat: 1,
    setup: (ctx) => generatedColumns(scaleRows(ctx, rows)),
    run: (split) => {
      const model = train(split);
      return { rows: split.X.nRows, trees: model.nTrees, nodesPerTree: model.trees.nNodes / Math.max(1, model.nTrees) };
    },
  };
}

/** A binned table and its target, for fits that time the learner alone. */
interface BinnedFit {
  readonly data: BinnedDataset;
  readonly y: Float64Array;
}

/** Fit on binned data, timed inside `run` so the figures can say what a feature costs. */
function learnerFigures(data: BinnedDataset, train: () => TreeEnsembleModel): Record<string, number> {
  const t = performance.now();
  const model = train();
  const seconds = (performance.now() - t) / 1000;
  const F = data.features.length;
  return { features: F, rows: data.nRows, secondsPerFeature: seconds / F, nodesPerTree: model.trees.nNodes / Math.max(1, model.nTrees) };
}

/** The taxi table of January at two widths (see taxi-wide.ts), the same forest or boosting on each. */
function wideTaxiBenchmark(name: string, width: 'pair' | 'wide', model: 'rf' | 'gbdt'): Benchmark<BinnedFit> {
  const params = model === 'rf' ? RF_PARAMS : { nEstimators: 100, maxDepth: 6 };
  const train = (s: BinnedFit) => (model === 'rf' ? new RandomForestRegressor(RF_PARAMS).fit(s.data, s.y) : new GradientBoostingRegressor(params).fit(s.data, s.y));
  const columns = width === 'pair' ? 'PU_DO + trip_distance' : 'PU_DO, PU, DO + trip_distance, fare, passengers, tolls, pickup hour';
  return {
    group: 'training',
    name,
    description: `${model === 'rf' ? 'RandomForest(maxDepth 10, 100 trees)' : 'GradientBoosting(maxDepth 6, 100 rounds)'} on January's ${columns}, prebinned: the learner's cost per feature`,
    params: { ...params, columns },
    warmup: 1,
    repeat: 3,
    setup: async (ctx) => {
      const taxi = await loadWideTaxi(ctx);
      return { data: binColumns(width === 'pair' ? taxi.pair : taxi.wide), y: taxi.y };
    },
    run: (s) => learnerFigures(s.data, () => train(s)),
  };
}

/**
 * A generated table of `nFeatures` columns: a categorical of 1,000 levels (the primary), then
 * numerics, every fourth column a categorical of 20 levels; y depends on every column.
 */
function generatedWide(rows: number, nFeatures: number): BinnedFit {
  const rng = new Rng(nFeatures);
  const y = new Float64Array(rows);
  const columns: FeatureColumns['columns'][number][] = [];
  for (let j = 0; j < nFeatures; j++) {
    const levels = j === 0 ? 1000 : j % 4 === 3 ? 20 : 0;
    if (levels > 0) {
      const effect = Float64Array.from({ length: levels }, () => rng.normal(0, 2));
      const codes = Int32Array.from({ length: rows }, () => rng.below(levels));
      for (let i = 0; i < rows; i++) y[i] += effect[codes[i]];
      columns.push({ kind: 'categorical', name: `c${j}`, codes, categories: Array.from({ length: levels }, (_, k) => `k${k}`) });
    } else {
      const values = Float64Array.from({ length: rows }, () => rng.float() * 100);
      const w = rng.normal(0, 0.05);
      for (let i = 0; i < rows; i++) y[i] += w * values[i];
      columns.push({ kind: 'numeric', name: `x${j}`, values });
    }
  }
  for (let i = 0; i < rows; i++) y[i] += rng.normal(0, 1);
  return { data: binColumns({ format: 'columns', nRows: rows, columns }), y };
}

function generatedWideBenchmark(nFeatures: number): Benchmark<BinnedFit> {
  const params = { maxDepth: 10, nEstimators: 20, seed: 1 };
  return {
    group: 'training',
    name: `wide/generated-rf-${nFeatures}cols`,
    description: `RandomForest(maxDepth 10, 20 trees) on 200,000 generated rows of ${nFeatures} columns (a 1,000-level categorical, numerics, a 20-level categorical every fourth), prebinned`,
    params: { ...params, rows: 200_000, features: nFeatures },
    warmup: 1,
    repeat: 3,
    setup: (ctx) => generatedWide(ctx.quick ? 5_000 : 200_000, nFeatures),
    run: (s) => learnerFigures(s.data, () => new RandomForestRegressor(params).fit(s.data, s.y)),
  };
}

export const benchmarks: Benchmark[] = [
  {
    group: 'training',
    name: 'training/rf-depth10-100trees',
    description: 'RandomForestRegressor(maxDepth 10, 100 trees), single-threaded fit from the column view (binning included)',
    params: RF_PARAMS,
    warmup: 1,
    repeat: 5,
    setup: (ctx) => fitState(ctx),
    run: (state) => {
      state.model = new RandomForestRegressor(RF_PARAMS).fit(state.data.train.X, state.data.train.y);
      return undefined;
    },
    score: scoreFit,
  } satisfies Benchmark<FitState>,
  {
    group: 'training',
    name: 'training/rf-depth10-100trees-prebinned',
    description: 'The same forest on data binned once (as the tuner fits it trial after trial)',
    params: RF_PARAMS,
    warmup: 1,
    repeat: 5,
    setup: (ctx) => fitState(ctx, true),
    run: (state) => {
      state.model = new RandomForestRegressor(RF_PARAMS).fit(state.binned ?? state.data.train.X, state.data.train.y);
      return undefined;
    },
    score: scoreFit,
  } satisfies Benchmark<FitState>,
  {
    group: 'training',
    name: 'training/rf-depth10-100trees-njobs2',
    description: 'The same forest with fitAsync on 2 worker threads (shared memory; identical model); steady state, after the workers have started and warmed up',
    params: { ...RF_PARAMS, nJobs: 2 },
    // Fresh workers start tsx and compile the learner: their first fits are not the steady state.
    warmup: 3,
    repeat: 5,
    setup: (ctx) => fitState(ctx),
    run: async (state) => {
      state.model = await new RandomForestRegressor({ ...RF_PARAMS, nJobs: 2 }).fitAsync(state.data.train.X, state.data.train.y);
      return undefined;
    },
    score: scoreFit,
    teardown: () => closeForestWorkers(),
  } satisfies Benchmark<FitState>,
  {
    group: 'training',
    name: 'training/rf-predict-feb',
    description: 'RandomForest(maxDepth 10, 100 trees).predict on the validation month',
    params: RF_PARAMS,
    warmup: 2,
    repeat: 9,
    setup: async (ctx) => {
      const data = await loadData(ctx);
      return { data, model: new RandomForestRegressor(RF_PARAMS).fit(data.train.X, data.train.y) };
    },
    run: ({ data, model }) => {
      const t = performance.now();
      const pred = model.predict(data.val.X);
      const seconds = (performance.now() - t) / 1000;
      return { rows: pred.length, trees: model.nTrees, rowsPerSecond: pred.length / Math.max(seconds, 1e-9) };
    },
  } satisfies Benchmark<ModelState>,
  {
    group: 'training',
    name: 'training/gbdt-course-params-to-6.32',
    description: "GradientBoosting with the course's best XGBoost settings, fit until val RMSE <= 6.32 (stopped through onIteration)",
    params: COURSE_PARAMS,
    warmup: 0,
    repeat: 3,
    setup: (ctx) => fitState(ctx),
    run: (state) => {
      const { data } = state;
      let reached = 0;
      state.model = new GradientBoostingRegressor(COURSE_PARAMS).fit(data.train.X, data.train.y, {
        validation: { X: data.val.X, y: data.val.y },
        onIteration: (r) => {
          if (r.metrics.rmse <= 6.32) reached = r.iteration;
          return reached === 0;
        },
      });
      return { roundsToTarget: reached, reachedTarget: reached > 0 ? 1 : 0 };
    },
    score: scoreFit,
  } satisfies Benchmark<FitState>,
  {
    group: 'training',
    name: 'training/gbdt-course-params-early-stopping',
    description: "GradientBoosting with the course's best XGBoost settings: up to 1000 rounds, early stopping after 50 without improvement",
    params: COURSE_PARAMS,
    warmup: 0,
    repeat: 1,
    setup: (ctx) => fitState(ctx),
    run: (state) => {
      const { data } = state;
      const model = new GradientBoostingRegressor(COURSE_PARAMS).fit(data.train.X, data.train.y, { validation: { X: data.val.X, y: data.val.y } });
      state.model = model;
      return { bestIteration: Number(model.info.bestIteration), roundsTrained: Number(model.info.roundsTrained) };
    },
    score: scoreFit,
  } satisfies Benchmark<FitState>,
  {
    group: 'training',
    name: 'training/gbdt-defaults-100rounds',
    description: "GradientBoosting with XGBoost 1.7's defaults (maxDepth 6, learningRate 0.3, regLambda 1), 100 rounds",
    params: XGB_DEFAULTS,
    warmup: 1,
    repeat: 3,
    setup: (ctx) => fitState(ctx),
    run: (state) => {
      state.model = new GradientBoostingRegressor(XGB_DEFAULTS).fit(state.data.train.X, state.data.train.y);
      return undefined;
    },
    score: scoreFit,
  } satisfies Benchmark<FitState>,
  scaleBenchmark(
    'scale/gbdt-1m-100rounds',
    1_000_000,
    'GradientBoosting (maxDepth 6, 100 rounds) on 1 M generated trips, binning included',
    (s) => new GradientBoostingRegressor({ nEstimators: 100 }).fit(s.X, s.y),
    { nEstimators: 100, maxDepth: 6 },
  ),
  scaleBenchmark(
    'scale/gbdt-10m-100rounds',
    10_000_000,
    'GradientBoosting (maxDepth 6, 100 rounds) on 10 M generated trips, binning included (goal: < 60 s, < 4 GB)',
    (s) => new GradientBoostingRegressor({ nEstimators: 100 }).fit(s.X, s.y),
    { nEstimators: 100, maxDepth: 6 },
  ),
  scaleBenchmark(
    'scale/rf-1m-depth10-100trees',
    1_000_000,
    'RandomForest (maxDepth 10, 100 trees) on 1 M generated trips, binning included',
    (s) => new RandomForestRegressor(RF_PARAMS).fit(s.X, s.y),
    RF_PARAMS,
  ),
  scaleBenchmark(
    'scale/rf-10m-depth10-10trees',
    10_000_000,
    'RandomForest (maxDepth 10, 10 trees) on 10 M generated trips, binning included',
    (s) => new RandomForestRegressor({ ...RF_PARAMS, nEstimators: 10 }).fit(s.X, s.y),
    { ...RF_PARAMS, nEstimators: 10 },
  ),
  wideTaxiBenchmark('wide/taxi-rf-pair', 'pair', 'rf'),
  wideTaxiBenchmark('wide/taxi-rf-8cols', 'wide', 'rf'),
  wideTaxiBenchmark('wide/taxi-gbdt-pair', 'pair', 'gbdt'),
  wideTaxiBenchmark('wide/taxi-gbdt-8cols', 'wide', 'gbdt'),
  ...[2, 4, 8, 16].map(generatedWideBenchmark),
];
