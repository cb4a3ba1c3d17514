/**
 * Linear models on one month of taxi data: train on January 2021 green (73,908 rows; PU_DO one-hot
 * + trip_distance, 13,221 columns, 2 entries per row), validate on February. Without the real
 * months, generated trips of the same shape (skewed zone pairs, long-tailed distances).
 */
import path from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { type TaxiTrips, readTaxiTrips } from '../../src/data/taxi.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { CsrMatrix } from '../../src/features/matrix.js';
import { taxiFeatures } from '../../src/features/taxi.js';
import { ElasticNet, Lasso, type LinearModel, LinearRegression, Ridge } from '../../src/models/linear/index.js';
import { rmse } from '../../src/models/metrics/index.js';
import type { Model } from '../../src/models/types.js';
import type { BenchContext, Benchmark } from '../types.js';

interface LinearData {
  readonly train: { readonly X: CsrMatrix; readonly y: Float64Array };
  readonly val: { readonly X: CsrMatrix; readonly y: Float64Array };
  readonly source: string;
}

const QUICK_ROWS = 5_000;

/** Trips of the taxi shape: ~265 zones with skewed popularity, distances with rare huge outliers. */
function generatedTrips(n: number, rng: Rng): TaxiTrips {
  const puLocationId = new Int32Array(n);
  const doLocationId = new Int32Array(n);
  const tripDistance = new Float64Array(n);
  const duration = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pu = 1 + Math.floor(265 * rng.float() ** 2);
    const dof = 1 + Math.floor(265 * rng.float() ** 2);
    let d = Math.abs(pu - dof) / 20 + rng.float() * 4;
    if (rng.float() < 0.001) d *= 10_000;
    puLocationId[i] = pu;
    doLocationId[i] = dof;
    tripDistance[i] = d;
    duration[i] = Math.min(60, Math.max(1, 5 + 3 * Math.min(d, 20) + ((pu * 7 + dof) % 11) + rng.normal(0, 5)));
  }
  return { nRows: n, duration, tripDistance, puLocationId, doLocationId };
}

let cached: Promise<LinearData> | undefined;

function loadData(ctx: BenchContext): Promise<LinearData> {
  cached ??= (async () => {
    let jan: TaxiTrips;
    let feb: TaxiTrips;
    let source: string;
    if (ctx.realDataDir && !ctx.quick) {
      const month = (m: string) => readTaxiTrips(path.join(ctx.realDataDir as string, `green_tripdata_2021-${m}.parquet`));
      [jan, feb] = await Promise.all([month('01'), month('02')]);
      source = 'green taxi 2021-01 (train), 2021-02 (validation)';
    } else {
      if (!ctx.quick) ctx.log('real data absent: generated trips of the same shape');
      const rng = new Rng(7);
      const n = ctx.quick ? QUICK_ROWS : 73_908;
      jan = generatedTrips(n, rng.fork(1));
      feb = generatedTrips(ctx.quick ? QUICK_ROWS : 61_921, rng.fork(2));
      source = ctx.quick ? 'generated (quick)' : 'generated, taxi-shaped';
    }
    const frames = [taxiFeatures(jan), taxiFeatures(feb)];
    const vectorizer = new DictVectorizer().fit(frames[0]);
    return {
      train: { X: vectorizer.transform(frames[0]), y: jan.duration },
      val: { X: vectorizer.transform(frames[1]), y: feb.duration },
      source,
    };
  })();
  return cached;
}

type Trainer = (data: LinearData) => LinearModel;

function fitBenchmark(name: string, description: string, params: Record<string, unknown>, train: Trainer, extra: Partial<Benchmark<LinearData>> = {}): Benchmark<LinearData> {
  return {
    group: 'training',
    name,
    description,
    params,
    warmup: 1,
    repeat: 7,
    setup: (ctx) => loadData(ctx),
    run: (data) => {
      const model = train(data);
      return {
        valRmse: rmse(data.val.y, model.predict(data.val.X)),
        nIter: model.nIter,
        converged: model.info.converged ? 1 : 0,
        ...(model.info.optimality !== undefined ? { optimality: model.info.optimality } : {}),
        rows: data.train.X.nRows,
        cols: data.train.X.nCols,
      };
    },
    ...extra,
  };
}

interface PredictState {
  readonly data: LinearData;
  readonly model: Model<CsrMatrix>;
}

const predictBenchmark: Benchmark<PredictState> = {
  group: 'training',
  name: 'training/predict-linear-feb',
    description: 'LinearRegression.predict on the validation month (CSR), rows per second',
    warmup: 2,
    repeat: 9,
    setup: async (ctx) => {
      const data = await loadData(ctx);
      return { data, model: new LinearRegression().fit(data.train.X, data.train.y) };
    },
    run: ({ data, model }) => {
      const t = performance.now();
      const pred = model.predict(data.val.X);
      const seconds = (performance.now() - t) / 1000;
      return { rows: pred.length, rowsPerSecond: pred.length / Math.max(seconds, 1e-9) };
    },
};

export const benchmarks: Benchmark[] = [
  fitBenchmark(
    'training/linear-regression-exact',
    'LinearRegression (exact minimum-norm least squares, block elimination + refinement to 1e-12) on the month',
    { fitIntercept: true, tol: 1e-12 },
    (d) => new LinearRegression().fit(d.train.X, d.train.y),
  ),
  fitBenchmark(
    'training/ridge-alpha1',
    'Ridge(alpha=1), exact, on the month',
    { alpha: 1 },
    (d) => new Ridge({ alpha: 1 }).fit(d.train.X, d.train.y),
    {
      peer: {
        tool: 'scikit-learn Ridge',
        seconds: 0.03,
        note: 'sparse_cg stopped at tol=1e-4, not converged (val RMSE 7.6813; the exact optimum is 7.5642)',
      },
    },
  ),
  fitBenchmark(
    'training/lasso-alpha0.01',
    "Lasso(alpha=0.01), coordinate descent on the column view, scikit-learn's duality-gap rule (tol 1e-4)",
    { alpha: 0.01, tol: 1e-4, maxIter: 1000 },
    (d) => new Lasso({ alpha: 0.01 }).fit(d.train.X, d.train.y),
  ),
  fitBenchmark(
    'training/elastic-net-alpha0.01-l1ratio0.5',
    'ElasticNet(alpha=0.01, l1Ratio=0.5), coordinate descent',
    { alpha: 0.01, l1Ratio: 0.5 },
    (d) => new ElasticNet({ alpha: 0.01, l1Ratio: 0.5 }).fit(d.train.X, d.train.y),
  ),
  predictBenchmark,
];
