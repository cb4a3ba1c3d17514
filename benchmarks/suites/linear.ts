
import type { CsrMatrix } from '../../src/features/matrix.js';
import { ElasticNet, Lasso, type LinearModel, LinearRegression, Ridge } from '../../src/models/linear/index.js';
import { rmse } from '../../src/models/metrics/index.js';
import type { Model } from '../../src/models/types.js';
import { loadTaxiMonths } from '../taxi-months.js';
import type { BenchContext, Benchmark } from '../types.js';

interface LinearData {
  readonly train: { readonly X: CsrMatrix; readonly y: Float64Array };
  readonly val: { readonly X: CsrMatrix; readonly y: Float64Array };
  readonly source: string;
}

async function loadData(ctx: BenchContext): Promise<LinearData> {
  const { jan, feb, vectorizer, source } = await loadTaxiMonths(ctx);
  return {
    train: { X: vectorizer.transform(jan.frame), y: jan.trips.duration },
    val: { X: vectorizer.transform(feb.frame), y: feb.trips.duration },
    source,
  };
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
