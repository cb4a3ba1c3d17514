/**
 * Splits of a dataset: by files (a source per split, `loadSplits`), or fractions of one dataset,
 * seeded random or in row order (`splitDataset`).
 */
import { InvalidParameterError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import * as arrow from 'apache-arrow/Arrow';
import type { Dataset, DatasetSpec, DatasetTarget } from './dataset.js';
import { type FeatureFrame, takeRows } from './frame.js';
import { datasetFromTable, readDatasetTable } from './load.js';
import type { ColumnKind } from './parquet-file.js';
import type { TableSource } from './table.js';

export interface Splits {
  readonly train: Dataset;
  readonly validation?: Dataset;
  readonly test?: Dataset;
}

export interface SplitSources {
  readonly train: TableSource;
  readonly validation?: TableSource;
  readonly test?: TableSource;
}

/**
 * Each split from its own source. CSV splits after the first are read with the column types of
 * the training table, so a column cannot change kind between files (all empty in one, say).
 */
export async function loadSplits(sources: SplitSources, spec: DatasetSpec): Promise<Splits> {
  const trainTable = await readDatasetTable(sources.train, spec);
  const train = datasetFromTable(trainTable, spec);
  const types = csvTypesOf(trainTable.schema);
  const later = async (source: TableSource | undefined) => {
    if (source === undefined) return undefined;
    // The training table's columns, with its types.
    const read = { ...spec.read, columns: trainTable.schema.fields.map((f) => f.name), types: { ...types, ...spec.read?.types } };
    const table = await readDatasetTable(source, { ...spec, read });
    return datasetFromTable(table, spec);
  };
  const validation = await later(sources.validation);
  const test = await later(sources.test);
  return { train, ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}

/** The CSV type that reads a column back as the table has it. */
function csvTypesOf(schema: arrow.Schema): Record<string, ColumnKind> {
  const types: Record<string, ColumnKind> = {};
  for (const f of schema.fields) {
    const t = f.type as arrow.DataType;
    types[f.name] = arrow.DataType.isTimestamp(t) ? 'timestamp' : arrow.DataType.isBool(t) ? 'boolean' : arrow.DataType.isUtf8(t) ? 'string' : 'number';
  }
  return types;
}

export interface SplitOptions {
  /** Fraction of rows for validation (0 to 1; default 0). */
  readonly validation?: number;
  /** Fraction of rows for test (default 0). */
  readonly test?: number;
  /** 'random' (seeded, default) or 'ordered' (train first, then validation, then test: for rows in time order). */
  readonly order?: 'random' | 'ordered';
  readonly seed?: number;
}

/**
 * One dataset in fractions. Random splits draw rows with a seeded shuffle and keep each split's
 * rows in their original order; the counts are rounded as scikit-learn's train_test_split rounds
 * them (test and validation up, train the rest).
 */
export function splitDataset(ds: Dataset, options: SplitOptions): Splits {
  const v = options.validation ?? 0;
  const t = options.test ?? 0;
  for (const [name, f] of [
    ['validation', v],
    ['test', t],
  ] as const) {
    if (typeof f !== 'number' || !(f >= 0 && f < 1)) throw new InvalidParameterError('split', name, f, 'must be a fraction in [0, 1)');
  }
  if (v + t >= 1) throw new InvalidParameterError('split', 'validation', v, `plus test (${t}) must leave rows to train on`);
  const order = options.order ?? 'random';
  if (order !== 'random' && order !== 'ordered') throw new InvalidParameterError('split', 'order', order, "must be 'random' or 'ordered'");
  const n = ds.nRows;
  const nTest = Math.ceil(t * n);
  const nVal = Math.ceil(v * n);
  const nTrain = n - nTest - nVal;
  if (nTrain < 1) throw new InvalidParameterError('split', 'validation', v, `leaves no training row of ${n}`);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  if (order === 'random') new Rng(options.seed ?? 0).shuffle(rows);
  const part = (from: number, to: number) => (from === to ? undefined : subset(ds, rows.slice(from, to).sort()));
  const validation = part(nTrain, nTrain + nVal);
  const test = part(nTrain + nVal, n);
  return { train: subset(ds, rows.slice(0, nTrain).sort()), ...(validation ? { validation } : {}), ...(test ? { test } : {}) };
}

/** The rows of a dataset at `index`. */
export function subset(ds: Dataset, index: Int32Array): Dataset {
  const frame = takeRows(ds.frame as FeatureFrame, index);
  const y: DatasetTarget =
    ds.y.kind === 'numeric'
      ? { kind: 'numeric', values: Float64Array.from(index, (i) => (ds.y.values as Float64Array)[i]) }
      : { kind: 'labels', values: Array.from(index, (i) => (ds.y.values as readonly string[])[i]) };
  return { ...ds, nRows: index.length, frame, y };
}
