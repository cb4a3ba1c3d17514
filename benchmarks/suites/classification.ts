/**
 * Classifier fit times on the taxi months: the binary target "ride longer than 20 minutes" on
 * January's PU_DO one-hot + trip_distance matrix (the same X LinearRegression fits in
 * `linear.ts`, whose exact fit is the regression twin shown beside each), validation figures on
 * February computed outside the timing.
 */
import type { CsrMatrix } from '../../src/features/matrix.js';
import { type LogisticModel, LogisticRegression, type LogisticRegressionParams } from '../../src/models/linear/logistic.js';
import { scoreModel } from '../../src/models/scoring.js';
import { loadTaxiMonths } from '../taxi-months.js';
import type { BenchContext, Benchmark } from '../types.js';

const LONG_RIDE_MINUTES = 20;

interface ClassData {
  readonly train: { readonly X: CsrMatrix; readonly y: Float64Array };
  readonly val: { readonly X: CsrMatrix; readonly y: Float64Array };
  model?: LogisticModel;
}

async function loadData(ctx: BenchContext): Promise<ClassData> {
  const { jan, feb, vectorizer } = await loadTaxiMonths(ctx);
  const long = (d: Float64Array) => Float64Array.from(d, (m) => (m > LONG_RIDE_MINUTES ? 1 : 0));
  return {
    train: { X: vectorizer.transform(jan.frame), y: long(jan.trips.duration) },
    val: { X: vectorizer.transform(feb.frame), y: long(feb.trips.duration) },
  };
}

function logisticBenchmark(name: string, description: string, params: Partial<LogisticRegressionParams>, extra: Partial<Benchmark<ClassData>> = {}): Benchmark<ClassData> {
  return {
    group: 'training',
    name,
    description,
    params: { target: `duration > ${LONG_RIDE_MINUTES} min`, ...params },
    warmup: 1,
    repeat: 5,
    setup: (ctx) => loadData(ctx),
    run: (data) => {
      const model = new LogisticRegression(params).fit(data.train.X, data.train.y);
      data.model = model;
      return { nIter: model.nIter, converged: model.info.converged ? 1 : 0, rows: data.train.X.nRows, cols: data.train.X.nCols };
    },
    score: (data) => {
      const model = data.model as LogisticModel;
      const s = scoreModel(model, data.val.X, data.val.y, ['roc_auc', 'logloss', 'accuracy']);
      return { valRocAuc: s.roc_auc, valLogloss: s.logloss, valAccuracy: s.accuracy };
    },
    // The regression twin: LinearRegression's exact fit of the same X (benchmarks/suites/linear.ts).
    peerBenchmark: 'training/linear-regression-exact',
    ...extra,
  };
}

export const benchmarks: Benchmark[] = [
  logisticBenchmark(
    'training/logistic-regression-long-rides',
    "LogisticRegression (solver 'lbfgs' problem, C=1, L2) by Newton-CG to tol 1e-4 on the month's long-ride target",
    { C: 1 },
  ),
  logisticBenchmark(
    'training/logistic-regression-liblinear-long-rides',
    "LogisticRegression (solver 'liblinear' problem: penalised intercept, C=1, L2)",
    { C: 1, solver: 'liblinear' },
  ),
  logisticBenchmark(
    'training/logistic-regression-l1-long-rides',
    "LogisticRegression (solver 'liblinear' problem, C=1, L1) by orthant-wise Newton",
    { C: 1, solver: 'liblinear', penalty: 'l1' },
  ),
];
