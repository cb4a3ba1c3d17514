/**
 * The features step on frames of two shapes, 1 M generated rows each (100 k in quick mode):
 * - the taxi shape: one categorical column of ~13,000 levels (sorted dictionary, as the taxi
 *   preparation makes it) and one numeric column;
 * - a wider table: 4 categorical columns (10, 100, 1,000 and 10,000 levels, dictionaries in order
 *   of first appearance as readTable makes them, 1% missing) and 6 numeric columns (1% NaN).
 * DictVectorizer fit + CSR + tree columns; the cost per row and per stored value shows what the
 * extra columns cost, and that no fast path needs the taxi shape.
 */
import { Rng } from '../../src/core/rng.js';
import type { FeatureFrame, FrameColumn } from '../../src/data/frame.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { Benchmark } from '../types.js';

const ROWS = 1_000_000;
const QUICK_ROWS = 100_000;

function categorical(rng: Rng, n: number, levels: number, missing: number, sorted: boolean): FrameColumn {
  const names = Array.from({ length: levels }, (_, k) => `level_${k}`);
  if (sorted) names.sort();
  else rng.shuffle(names);
  const codes = new Int32Array(n);
  // Skewed draws: a few levels common, most rare (as zones and pairs are).
  for (let i = 0; i < n; i++) codes[i] = rng.float() < missing ? -1 : Math.floor(levels * rng.float() ** 2);
  return { kind: 'categorical', codes, dictionary: names };
}

function numeric(rng: Rng, n: number, missing: number): FrameColumn {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.float() < missing ? Number.NaN : rng.normal(10, 5);
  return { kind: 'numeric', values };
}

function taxiShape(n: number): FeatureFrame {
  const rng = new Rng(1);
  return { nRows: n, columns: { PU_DO: categorical(rng, n, 13_000, 0, true), trip_distance: numeric(rng, n, 0) } };
}

function wide(n: number): FeatureFrame {
  const rng = new Rng(2);
  const columns: Record<string, FrameColumn> = {};
  [10, 100, 1000, 10_000].forEach((levels, j) => {
    columns[`cat_${j}`] = categorical(rng, n, levels, 0.01, false);
  });
  for (let j = 0; j < 6; j++) columns[`num_${j}`] = numeric(rng, n, 0.01);
  return { nRows: n, columns };
}

function vectorize(frame: FeatureFrame): Record<string, number> {
  const t0 = performance.now();
  const v = new DictVectorizer().fit(frame);
  const X = v.transform(frame);
  const columns = v.transformColumns(frame);
  const seconds = (performance.now() - t0) / 1000;
  const nnz = X.indices.length;
  return {
    rows: frame.nRows,
    inputColumns: Object.keys(frame.columns).length,
    features: v.nFeatures,
    nnz,
    treeColumns: columns.columns.length,
    seconds,
    rowsPerSecond: Math.round(frame.nRows / seconds),
    nanosecondsPerValue: Math.round((seconds * 1e9) / nnz),
  };
}

export const benchmarks: Benchmark[] = [
  {
    group: 'data',
    name: 'data/vectorize-taxi-shape-1m',
    description:
      'DictVectorizer fit + CSR + tree columns on 1 M generated rows of the taxi shape: one categorical column of 13,000 levels (sorted dictionary) and one numeric column. 100 k rows in quick mode.',
    params: { rows: ROWS, quickRows: QUICK_ROWS, categorical: 1, numeric: 1 },
    warmup: 1,
    repeat: 5,
    setup: (ctx) => taxiShape(ctx.quick ? QUICK_ROWS : ROWS),
    run: (frame) => vectorize(frame as FeatureFrame),
  },
  {
    group: 'data',
    name: 'data/vectorize-wide-1m',
    description:
      'The same on a wider table of 1 M generated rows: 4 categorical columns (10 to 10,000 levels, dictionaries in order of first appearance, 1% missing) and 6 numeric columns (1% NaN). nanosecondsPerValue compares the cost per stored value with the taxi shape. 100 k rows in quick mode.',
    params: { rows: ROWS, quickRows: QUICK_ROWS, categorical: 4, numeric: 6 },
    warmup: 1,
    repeat: 5,
    setup: (ctx) => wide(ctx.quick ? QUICK_ROWS : ROWS),
    run: (frame) => vectorize(frame as FeatureFrame),
  },
];
