/**
 * JavaScript peers from the npm registry on the same data as tunekit, each beside a tunekit run
 * of the same task (the peer's `peerOf`), so the ratio is measured within one run.
 *
 * The peers take arrays of rows (`number[][]`) and cannot hold the 13,000-column PU_DO one-hot of
 * a month, so they get what they can handle: a subsample of January 2021 (validated on a
 * February subsample) with dense features — [PULocationID, DOLocationID, trip_distance] for the
 * forests, the top-K PU_DO pairs one-hot + trip_distance for the linear fit.
 */
import path from 'node:path';
import { RandomForestRegression } from 'ml-random-forest';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';
import { Rng } from '../../src/core/rng.js';
import { generateTaxiTable } from '../../src/datasets/nyc-taxi/generate.js';
import { prepareTaxi, readTaxiTrips, type TaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import type { CsrMatrix, FeatureColumns } from '../../src/features/matrix.js';
import { RandomForestRegressor } from '../../src/models/ensemble/forest.js';
import { LinearRegression } from '../../src/models/linear/estimators.js';
import { rmse } from '../../src/models/metrics/index.js';
import type { BenchContext, Benchmark } from '../types.js';

const SEED = 42;
const FOREST = { trees: 10, quickTrees: 3, maxDepth: 10, rows: 4_000, quickRows: 500 } as const;
const LINEAR = { rows: 20_000, quickRows: 2_000, topK: 200, quickTopK: 30 } as const;
const VAL_ROWS = 10_000;
const QUICK_VAL_ROWS = 1_000;
/** Generated months (before the 1–60 minute filter) when the real ones are absent. */
const GENERATED = { rows: 25_000, quickRows: 3_000 } as const;

/** Rows of one split: the columns the peers can use, and the target (minutes). */
interface Split {
  readonly n: number;
  readonly pu: Int32Array;
  readonly dropoff: Int32Array;
  /** NaN-free: the peers cannot take missing values (the real months have none). */
  readonly distance: Float64Array;
  readonly y: Float64Array;
}

interface PeerData {
  readonly train: Split;
  readonly val: Split;
  readonly source: string;
}

/** `n` distinct rows of `trips`, drawn with a seeded partial Fisher–Yates shuffle. */
function subsample(trips: TaxiTrips, n: number, rng: Rng): Split {
  const take = Math.min(n, trips.nRows);
  const order = new Int32Array(trips.nRows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const split: Split = {
    n: take,
    pu: new Int32Array(take),
    dropoff: new Int32Array(take),
    distance: new Float64Array(take),
    y: new Float64Array(take),
  };
  for (let i = 0; i < take; i++) {
    const j = i + rng.below(order.length - i);
    const row = order[j];
    order[j] = order[i];
    order[i] = row;
    split.pu[i] = trips.puLocationId[row];
    split.dropoff[i] = trips.doLocationId[row];
    const d = trips.tripDistance[row];
    split.distance[i] = Number.isNaN(d) ? 0 : d;
    split.y[i] = trips.duration[row];
  }
  return split;
}

// The benchmarks of this suite share the months when they run in one process.
let months: Promise<{ readonly jan: TaxiTrips; readonly feb: TaxiTrips; readonly real: boolean }> | undefined;

/** The real January and February, else generated months of TLC's schema (enough rows to subsample). */
function readMonths(ctx: BenchContext): NonNullable<typeof months> {
  months ??= (async () => {
    if (ctx.realDataDir) {
      const month = (m: string) => readTaxiTrips(path.join(ctx.realDataDir!, `green_tripdata_2021-${m}.parquet`));
      const [jan, feb] = await Promise.all([month('01'), month('02')]);
      return { jan, feb, real: true };
    }
    ctx.log('real data absent: generated months of the same schema');
    const rows = ctx.quick ? GENERATED.quickRows : GENERATED.rows;
    const month = (m: string) => prepareTaxi(generateTaxiTable({ month: `2021-${m}`, rows, seed: SEED }));
    return { jan: month('01'), feb: month('02'), real: false };
  })();
  return months;
}

async function loadData(ctx: BenchContext, trainRows: number): Promise<PeerData> {
  const rng = new Rng(SEED);
  const valRows = ctx.quick ? QUICK_VAL_ROWS : VAL_ROWS;
  const { jan, feb, real } = await readMonths(ctx);
  const train = subsample(jan, trainRows, rng.fork(1));
  const val = subsample(feb, valRows, rng.fork(2));
  const n = (v: number) => v.toLocaleString('en-US');
  const source = `${real ? 'green taxi' : 'generated'} 2021-01 (${n(train.n)} of ${n(jan.nRows)} kept rows), validated on ${n(val.n)} rows of 2021-02`;
  ctx.log(source);
  return { train, val, source };
}

function denseRows(split: Split): number[][] {
  const rows = new Array<number[]>(split.n);
  for (let i = 0; i < split.n; i++) rows[i] = [split.pu[i], split.dropoff[i], split.distance[i]];
  return rows;
}

/** The K most frequent PU_DO pairs of the training rows: pair key -> column. */
function topPairs(split: Split, k: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < split.n; i++) {
    const key = split.pu[i] * 1000 + split.dropoff[i];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  return new Map(top.map(([key], col) => [key, col]));
}

/** Top-K pair one-hot (rows outside the top K get an all-zero block) + trip_distance last. */
function pairOneHot(split: Split, columns: Map<number, number>): CsrMatrix {
  const nCols = columns.size + 1;
  const indptr = new Int32Array(split.n + 1);
  const indices = new Int32Array(2 * split.n);
  const values = new Float64Array(2 * split.n);
  let nnz = 0;
  for (let i = 0; i < split.n; i++) {
    const col = columns.get(split.pu[i] * 1000 + split.dropoff[i]);
    if (col !== undefined) {
      indices[nnz] = col;
      values[nnz++] = 1;
    }
    indices[nnz] = nCols - 1;
    values[nnz++] = split.distance[i];
    indptr[i + 1] = nnz;
  }
  return { format: 'csr', nRows: split.n, nCols, indptr, indices: indices.subarray(0, nnz), values: values.subarray(0, nnz) };
}

function csrToRows(m: CsrMatrix): number[][] {
  const rows = new Array<number[]>(m.nRows);
  for (let i = 0; i < m.nRows; i++) {
    const row = new Array<number>(m.nCols).fill(0);
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) row[m.indices[p]] = m.values[p];
    rows[i] = row;
  }
  return rows;
}

interface ForestState {
  readonly data: PeerData;
  readonly trees: number;
  readonly x: number[][];
  readonly xVal: number[][];
}

function numericColumns(split: Split): FeatureColumns {
  return {
    format: 'columns',
    nRows: split.n,
    columns: [
      { kind: 'numeric', name: 'PULocationID', values: Float64Array.from(split.pu) },
      { kind: 'numeric', name: 'DOLocationID', values: Float64Array.from(split.dropoff) },
      { kind: 'numeric', name: 'trip_distance', values: split.distance },
    ],
  };
}

interface LinearState {
  readonly data: PeerData;
  readonly x: CsrMatrix;
  readonly xVal: CsrMatrix;
  readonly rows: number[][];
  readonly rowsVal: number[][];
}

const forestDescription =
  'RandomForest regression, max depth 10, bootstrap rows, all 3 features at every split, on a subsample of January ' +
  '(4,000 rows; quick: 500) with dense [PULocationID, DOLocationID, trip_distance] — the PU_DO one-hot is too wide for it';

async function forestSetup(ctx: BenchContext): Promise<ForestState> {
  const data = await loadData(ctx, ctx.quick ? FOREST.quickRows : FOREST.rows);
  return { data, trees: ctx.quick ? FOREST.quickTrees : FOREST.trees, x: denseRows(data.train), xVal: denseRows(data.val) };
}

async function linearSetup(ctx: BenchContext): Promise<LinearState> {
  const data = await loadData(ctx, ctx.quick ? LINEAR.quickRows : LINEAR.rows);
  const columns = topPairs(data.train, ctx.quick ? LINEAR.quickTopK : LINEAR.topK);
  const x = pairOneHot(data.train, columns);
  const xVal = pairOneHot(data.val, columns);
  return { data, x, xVal, rows: csrToRows(x), rowsVal: csrToRows(xVal) };
}

export const benchmarks: Benchmark[] = [
  {
    group: 'peers',
    name: 'peers/ml-random-forest',
    description: `ml-random-forest 2.1.0 (npm): ${forestDescription}`,
    params: {
      trees: FOREST.trees,
      maxDepth: FOREST.maxDepth,
      rows: FOREST.rows,
      features: ['PULocationID', 'DOLocationID', 'trip_distance'],
      quick: { trees: FOREST.quickTrees, rows: FOREST.quickRows },
    },
    tool: 'ml-random-forest 2.1.0',
    peerOf: ['peers/tunekit-random-forest'],
    // One timed fit takes tens of seconds: a single repetition is already steady.
    warmup: 0,
    repeat: 1,
    setup: forestSetup,
    run: (s: ForestState) => {
      const forest = new RandomForestRegression({
        nEstimators: s.trees,
        maxFeatures: 1.0,
        replacement: false,
        useSampleBagging: true,
        noOOB: true,
        seed: SEED,
        // minNumSamples 1: split any node of 2+ rows, as scikit-learn's min_samples_split=2.
        treeOptions: { maxDepth: FOREST.maxDepth, minNumSamples: 1 },
      });
      forest.train(s.x, Array.from(s.data.train.y));
      const valRmse = rmse(s.data.val.y, forest.predict(s.xVal));
      return { valRmse, rows: s.data.train.n, trees: s.trees };
    },
  },
  {
    group: 'peers',
    name: 'peers/tunekit-random-forest',
    description:
      `tunekit RandomForestRegressor, one thread, same rows, features and settings as peers/ml-random-forest: ${forestDescription} ` +
      '(tunekit splits on up to 255 quantile bins per feature; the peer tries every distinct value)',
    params: {
      trees: FOREST.trees,
      maxDepth: FOREST.maxDepth,
      rows: FOREST.rows,
      features: ['PULocationID', 'DOLocationID', 'trip_distance'],
      quick: { trees: FOREST.quickTrees, rows: FOREST.quickRows },
    },
    warmup: 1,
    repeat: 5,
    setup: async (ctx: BenchContext) => {
      const s = await forestSetup(ctx);
      return { ...s, columns: numericColumns(s.data.train), columnsVal: numericColumns(s.data.val) };
    },
    run: (s: ForestState & { columns: FeatureColumns; columnsVal: FeatureColumns }) => {
      const model = new RandomForestRegressor({ nEstimators: s.trees, maxDepth: FOREST.maxDepth, seed: SEED }).fit(s.columns, s.data.train.y);
      return { valRmse: rmse(s.data.val.y, model.predict(s.columnsVal)), rows: s.data.train.n, trees: s.trees };
    },
  },
  {
    group: 'peers',
    name: 'peers/ml-regression-multivariate-linear',
    description:
      'ml-regression-multivariate-linear 2.0.4 (npm): least squares (normal equations) on a subsample of January ' +
      '(20,000 rows; quick: 2,000) with the top 200 PU_DO pairs one-hot (quick: 30) + trip_distance as dense rows',
    params: {
      rows: LINEAR.rows,
      topPairs: LINEAR.topK,
      quick: { rows: LINEAR.quickRows, topPairs: LINEAR.quickTopK },
    },
    tool: 'ml-regression-multivariate-linear 2.0.4',
    peerOf: ['peers/tunekit-linear-regression'],
    warmup: 0,
    repeat: 2,
    setup: linearSetup,
    run: (s: LinearState) => {
      const y = Array.from(s.data.train.y, (v) => [v]);
      const model = new MultivariateLinearRegression(s.rows, y, { intercept: true, statistics: false });
      const pred = model.predict(s.rowsVal).map((r) => r[0]);
      return { valRmse: rmse(s.data.val.y, pred), rows: s.data.train.n, columns: s.x.nCols };
    },
  },
  {
    group: 'peers',
    name: 'peers/tunekit-linear-regression',
    description:
      'tunekit LinearRegression (exact least squares) on the same rows and columns as peers/ml-regression-multivariate-linear, ' +
      'given as the sparse matrix it takes',
    params: { rows: LINEAR.rows, topPairs: LINEAR.topK, quick: { rows: LINEAR.quickRows, topPairs: LINEAR.quickTopK } },
    warmup: 1,
    repeat: 5,
    setup: linearSetup,
    run: (s: LinearState) => {
      const model = new LinearRegression().fit(s.x, s.data.train.y);
      return { valRmse: rmse(s.data.val.y, model.predict(s.xVal)), rows: s.data.train.n, columns: s.x.nCols };
    },
  },
];
