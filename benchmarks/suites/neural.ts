/**
 * The neural regressor on the taxi months: PU and DO as two categoricals (an embedding each) +
 * trip_distance, train January 2021, validate February.
 *
 * - the default MLPRegressor (wasm backend) fitted with early stopping: fit seconds, seconds per
 *   epoch, training rows per second; scored outside the timing on all of February and on the
 *   rides whose pickup/dropoff pair never occurs in January, beside the tuned forest (the
 *   homework search's best) and the boosting of the course's parameters, which see the pair as
 *   one category (PU_DO);
 * - one epoch on a 5,000-row subsample, wasm backend vs pure-JS cpu backend (each benchmark runs
 *   in a process of its own, so each loads its backend alone).
 * Peak memory is the runner's (the process's peak RSS, TensorFlow.js's wasm heap included).
 */
import { unseenPairRows, zoneFeatures } from '../../examples/nyc-taxi/zones.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { FeatureColumns } from '../../src/features/matrix.js';
import { GradientBoostingRegressor } from '../../src/models/ensemble/gbdt.js';
import { modelKinds } from '../../src/models/kinds.js';
import { rmse } from '../../src/models/metrics/index.js';
import { MLPRegressor, type MLPRegressorParams, type NeuralNetworkModel, loadNeuralBackend } from '../../src/models/neural/index.js';
import type { RegressionModel } from '../../src/models/types.js';
import { ModelSearch, Study, hp } from '../../src/tuning/index.js';
import { loadTaxiMonths } from '../taxi-months.js';
import type { BenchContext, Benchmark } from '../types.js';

interface ZoneData {
  readonly train: FeatureColumns;
  readonly val: FeatureColumns;
  readonly yTrain: Float64Array;
  readonly yVal: Float64Array;
  /** February rows whose pickup/dropoff pair January never had. */
  readonly unseen: Int32Array;
  readonly source: string;
}

async function zoneData(ctx: BenchContext): Promise<ZoneData> {
  const { jan, feb, source } = await loadTaxiMonths(ctx);
  const frames = [zoneFeatures(jan.trips), zoneFeatures(feb.trips)];
  const vectorizer = new DictVectorizer().fit(frames[0]);
  return {
    train: vectorizer.transformColumns(frames[0]),
    val: vectorizer.transformColumns(frames[1]),
    yTrain: jan.trips.duration,
    yVal: feb.trips.duration,
    unseen: unseenPairRows(jan.trips, feb.trips),
    source,
  };
}

const pick = (a: Float64Array, rows: Int32Array): Float64Array => Float64Array.from(rows, (i) => a[i]);

/** RMSE on all validation rows and on the unseen-pair rows. */
function accuracy(data: { yVal: Float64Array; unseen: Int32Array }, pred: Float64Array): { all: number; unseen: number } {
  return { all: rmse(data.yVal, pred), unseen: data.unseen.length > 0 ? rmse(pick(data.yVal, data.unseen), pick(pred, data.unseen)) : Number.NaN };
}

/** The course's best XGBoost parameters (as in the trees suite). */
const COURSE_PARAMS = { maxDepth: 30, learningRate: 0.0951, regAlpha: 0.018, regLambda: 0.0117, minChildWeight: 1.06, nEstimators: 1000, earlyStoppingRounds: 50, seed: 42 } as const;
const HOMEWORK_SPACE = {
  maxDepth: hp.quniform('maxDepth', 1, 20, 1),
  nEstimators: hp.quniform('nEstimators', 10, 50, 1),
  minSamplesSplit: hp.quniform('minSamplesSplit', 2, 10, 1),
  minSamplesLeaf: hp.quniform('minSamplesLeaf', 1, 4, 1),
};

/**
 * The tree models on PU_DO + trip_distance: the tuned forest (best of the homework search, 15 TPE
 * trials) and the course's boosting; their RMSE on February and on its unseen-pair rows.
 */
async function treeFigures(ctx: BenchContext, unseen: Int32Array): Promise<Record<string, number>> {
  const { jan, feb, vectorizer } = await loadTaxiMonths(ctx);
  const train = vectorizer.transformColumns(jan.frame);
  const val = vectorizer.transformColumns(feb.frame);
  const data = { yVal: feb.trips.duration, unseen };
  const study = new Study({ name: 'homework', seed: 42, sampler: 'tpe' });
  const search = new ModelSearch({ kind: 'random_forest', data: { train: { columns: train, y: jan.trips.duration }, val: { columns: val, y: feb.trips.duration } }, space: HOMEWORK_SPACE });
  const res = await study.optimize(search, { nTrials: ctx.quick ? 2 : 15, nWorkers: 2, progress: false });
  await search.close();
  const best = res.bestTrial;
  if (!best) throw new Error('the homework search finished no trial');
  const forestKind = modelKinds.get('random_forest');
  if (forestKind.task !== 'regression') throw new Error('random_forest is not a regression kind');
  const forest: RegressionModel = forestKind.create(search.paramsOf(best.number)).fit(train, jan.trips.duration);
  const boosting = new GradientBoostingRegressor(ctx.quick ? { ...COURSE_PARAMS, nEstimators: 20 } : COURSE_PARAMS).fit(train, jan.trips.duration, {
    validation: { X: val, y: feb.trips.duration },
  });
  const f = accuracy(data, forest.predict(val));
  const b = accuracy(data, boosting.predict(val));
  return { forestValRmse: f.all, forestUnseenRmse: f.unseen, boostingValRmse: b.all, boostingUnseenRmse: b.unseen };
}

interface FitState {
  readonly data: ZoneData;
  model?: NeuralNetworkModel;
  seconds?: number;
}

async function fitSetup(ctx: BenchContext): Promise<FitState> {
  await loadNeuralBackend('wasm');
  return { data: await zoneData(ctx) };
}

/** One epoch over a subsample on a backend. */
function epochBenchmark(backend: 'wasm' | 'cpu'): Benchmark<{ data: ZoneData; rows: number }> {
  const rows = 5_000;
  return {
    group: 'training',
    name: `training/mlp-epoch-5k-${backend}`,
    description: `One epoch of the default MLPRegressor on ${rows.toLocaleString('en-US')} January rows (PU, DO, trip_distance), TensorFlow.js ${backend} backend`,
    params: { rows, epochs: 1, backend },
    ...(backend === 'wasm' ? { peerBenchmark: 'training/mlp-epoch-5k-cpu' } : {}),
    warmup: 1,
    repeat: backend === 'cpu' ? 1 : 3,
    setup: async (ctx) => {
      await loadNeuralBackend(backend);
      const data = await zoneData(ctx);
      const n = Math.min(rows, data.train.nRows);
      const head = (c: FeatureColumns): FeatureColumns => ({
        ...c,
        nRows: n,
        columns: c.columns.map((col) => (col.kind === 'numeric' ? { ...col, values: col.values.subarray(0, n) } : { ...col, codes: col.codes.subarray(0, n) })),
      });
      return { data: { ...data, train: head(data.train), yTrain: data.yTrain.subarray(0, n) }, rows: n };
    },
    run: ({ data, rows: n }) => {
      const t0 = performance.now();
      new MLPRegressor({ epochs: 1, backend }).fit(data.train, data.yTrain);
      return { rows: n, rowsPerSecond: n / ((performance.now() - t0) / 1000) };
    },
  };
}

const DEFAULT_FIT: Partial<MLPRegressorParams> = { backend: 'wasm', seed: 1 };

export const benchmarks: Benchmark[] = [
  {
    group: 'training',
    name: 'training/mlp-taxi-default',
    description:
      'MLPRegressor with its defaults (2 x 64 relu, embeddings of 16, batch 512, up to 20 epochs, patience 5; wasm backend), PU and DO as categoricals + trip_distance, train Jan / validate Feb; goal val RMSE <= 6.45 in under 60 s. Beside it, on PU_DO: the tuned forest and the course boosting, all of Feb and its rides with a pickup/dropoff pair unseen in Jan',
    params: { ...DEFAULT_FIT, features: ['PU', 'DO', 'trip_distance'] },
    warmup: 0,
    repeat: 1,
    setup: fitSetup,
    run: (state, ctx) => {
      const t0 = performance.now();
      state.model = new MLPRegressor({ ...DEFAULT_FIT, ...(ctx.quick ? { epochs: 1 } : {}) }).fit(state.data.train, state.data.yTrain, {
        validation: { X: state.data.val, y: state.data.yVal },
      });
      const seconds = (performance.now() - t0) / 1000;
      const epochs = state.model.info.epochsTrained as number;
      return { epochs, secondsPerEpoch: seconds / epochs, rowsPerSecond: (state.data.train.nRows * epochs) / seconds, rows: state.data.train.nRows };
    },
    score: async (state, ctx) => {
      if (!state.model) throw new Error('no model was fitted');
      const t0 = performance.now();
      const pred = state.model.predict(state.data.val);
      const predictSeconds = (performance.now() - t0) / 1000;
      const nn = accuracy(state.data, pred);
      return {
        valRmse: nn.all,
        bestEpoch: state.model.info.bestEpoch as number,
        unseenRows: state.data.unseen.length,
        unseenRmse: nn.unseen,
        predictRowsPerSecond: pred.length / predictSeconds,
        ...(await treeFigures(ctx, state.data.unseen)),
      };
    },
  } satisfies Benchmark<FitState>,
  epochBenchmark('wasm'),
  epochBenchmark('cpu'),
];

