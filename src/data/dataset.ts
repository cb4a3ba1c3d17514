/**
 * A dataset spec: which column to predict, which columns are features and how each is read
 * (categorical or numeric), and derived columns computed in code. `datasetFromFrame` applies it to
 * a frame; `loadDataset` (`load.ts`, which loads Arrow JS) to a table on disk.
 *
 * Steps, in order: read the columns (all, or those the spec needs when it lists its features and
 * has no transform) -> `transform` (derived columns, row filters) -> drop the rows whose target is
 * missing (counted) -> the features: `features`, else every column but the target, `exclude` and
 * timestamp columns -> `categorical` / `numeric` overrides -> the target checked for the task.
 */
import { InvalidInputError, InvalidParameterError, TunekitError } from '../core/errors.js';
import {
  type FeatureFrame,
  type FrameColumn,
  type TableColumn,
  type TableFrame,
  categoriesAsNumbers,
  filterRows,
  numbersAsCategories,
} from './frame.js';
import type { ReadTableOptions } from './table.js';

export type DatasetTask = 'regression' | 'classification';

export interface DatasetSpec {
  /** The column to predict. */
  readonly target: string;
  /** Feature columns (default: every column but the target, `exclude` and timestamps). */
  readonly features?: readonly string[];
  /** Columns never used as features by default: ids, leaks of the target. */
  readonly exclude?: readonly string[];
  /** Numeric columns to read as categories (zone ids, codes): each value one category. */
  readonly categorical?: readonly string[];
  /** Text columns to read as numbers. */
  readonly numeric?: readonly string[];
  /** What the target must be: numbers (regression, default) or labels (classification). */
  readonly task?: DatasetTask;
  /**
   * Derived columns and row filters, in code: gets every column read (timestamps in µs) and
   * returns the frame the features are taken from (`filterRows`, `crossCategories`,
   * `numbersAsCategories` help). A throw is reported as a DATASET_TRANSFORM error.
   */
  readonly transform?: (frame: TableFrame) => TableFrame;
  /** How a table is read (CSV options, format); `loadDataset` only. */
  readonly read?: ReadTableOptions;
}

/** The target column after the spec: numbers, or text labels (classification only). */
export type DatasetTarget = { readonly kind: 'numeric'; readonly values: Float64Array } | { readonly kind: 'labels'; readonly values: readonly string[] };

export interface Dataset {
  /** Rows kept (after the transform and the drop of missing targets). */
  readonly nRows: number;
  readonly target: string;
  readonly y: DatasetTarget;
  /** The feature columns, in the order of `features`. */
  readonly frame: FeatureFrame;
  readonly features: readonly string[];
  /** Rows dropped because their target was missing. */
  readonly droppedMissingTarget: number;
}

/** The target values of a regression dataset (an error for text labels). */
export function numericTarget(ds: Dataset): Float64Array {
  if (ds.y.kind !== 'numeric') throw new InvalidInputError(`the target column '${ds.target}' holds text labels, not numbers`);
  return ds.y.values;
}

/** A dataset's transform threw. */
export class DatasetTransformError extends TunekitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASET_TRANSFORM', message, options);
  }
}

/** Applies the spec to a frame. */
export function datasetFromFrame(input: TableFrame, spec: DatasetSpec): Dataset {
  checkSpec(spec);
  let frame = input;
  if (spec.transform) {
    try {
      frame = spec.transform(input);
    } catch (err) {
      if (err instanceof TunekitError) throw err;
      throw new DatasetTransformError(`the dataset's transform failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!frame || typeof frame !== 'object' || typeof frame.nRows !== 'number' || !frame.columns) {
      throw new DatasetTransformError('the dataset’s transform must return a frame ({ nRows, columns })');
    }
  }
  const names = Object.keys(frame.columns);
  for (const [name, c] of Object.entries(frame.columns)) {
    const length = c.kind === 'categorical' ? c.codes.length : c.values.length;
    if (length !== frame.nRows) throw new DatasetTransformError(`column '${name}' has ${length} values; the frame has ${frame.nRows} rows`);
  }
  const targetColumn = frame.columns[spec.target];
  if (targetColumn === undefined) throw unknownColumn(spec.target, 'target', names);
  const features = spec.features ?? names.filter((n) => n !== spec.target && !spec.exclude?.includes(n) && frame.columns[n].kind !== 'timestamp');
  for (const name of features) if (frame.columns[name] === undefined) throw unknownColumn(name, 'features', names);
  if (features.includes(spec.target)) throw new InvalidParameterError('dataset', 'features', spec.target, 'must not hold the target column');
  for (const name of [...(spec.categorical ?? []), ...(spec.numeric ?? [])]) {
    if (!features.includes(name)) throw new InvalidParameterError('dataset', spec.categorical?.includes(name) ? 'categorical' : 'numeric', name, `is not a feature (features: ${features.join(', ')})`);
  }

  // Rows whose target is missing are dropped (and counted).
  const missing = missingMask(targetColumn);
  let dropped = 0;
  for (let i = 0; i < missing.length; i++) dropped += missing[i];
  const columns: Record<string, TableColumn> = { [spec.target]: targetColumn };
  for (const name of features) columns[name] = frame.columns[name];
  let kept: TableFrame = { nRows: frame.nRows, columns };
  if (dropped > 0) {
    for (let i = 0; i < missing.length; i++) missing[i] ^= 1;
    kept = filterRows(kept, missing);
  }

  const featureColumns: Record<string, FrameColumn> = {};
  for (const name of features) featureColumns[name] = featureColumn(name, kept.columns[name], spec);
  return {
    nRows: kept.nRows,
    target: spec.target,
    y: targetOf(spec.target, kept.columns[spec.target], spec.task ?? 'regression'),
    frame: { nRows: kept.nRows, columns: featureColumns },
    features,
    droppedMissingTarget: dropped,
  };
}

function featureColumn(name: string, c: TableColumn, spec: DatasetSpec): FrameColumn {
  if (spec.categorical?.includes(name)) {
    if (c.kind === 'categorical') return c;
    if (c.kind === 'timestamp') throw new InvalidParameterError('dataset', 'categorical', name, 'is a timestamp column; derive a feature from it in transform');
    return numbersAsCategories(c.values);
  }
  if (spec.numeric?.includes(name) && c.kind === 'categorical') return categoriesAsNumbers(name, c);
  // A timestamp listed as a feature is a number of microseconds.
  return c.kind === 'timestamp' ? { kind: 'numeric', values: c.values } : c;
}

function targetOf(name: string, c: TableColumn, task: DatasetTask): DatasetTarget {
  if (c.kind === 'categorical') {
    if (task === 'regression') {
      throw new InvalidInputError(`the target column '${name}' holds text (e.g. ${JSON.stringify(c.dictionary[0] ?? '')}), not numbers: a regression needs a numeric target`);
    }
    return { kind: 'labels', values: Array.from(c.codes, (code) => c.dictionary[code]) };
  }
  if (c.kind === 'timestamp') throw new InvalidInputError(`the target column '${name}' holds timestamps; derive a number from them in transform`);
  return { kind: 'numeric', values: c.values };
}

/** 1 where the column's value is missing (NaN, or code -1). */
function missingMask(c: TableColumn): Uint8Array {
  const n = c.kind === 'categorical' ? c.codes.length : c.values.length;
  const out = new Uint8Array(n);
  if (c.kind === 'categorical') {
    const codes = c.codes;
    for (let i = 0; i < n; i++) out[i] = codes[i] < 0 ? 1 : 0;
  } else {
    const values = c.values;
    for (let i = 0; i < n; i++) out[i] = Number.isNaN(values[i]) ? 1 : 0;
  }
  return out;
}

/** The columns a spec reads from a table: all with a transform or without a feature list. */
export function columnsToRead(spec: DatasetSpec, available?: readonly string[]): string[] | undefined {
  if (spec.transform || !spec.features) return available ? [...available] : undefined;
  return neededColumns(spec);
}

export function neededColumns(spec: DatasetSpec): string[] {
  return [spec.target, ...(spec.features ?? [])];
}

export function unknownColumn(name: string, param: 'target' | 'features', names: readonly string[]): InvalidParameterError {
  return new InvalidParameterError('dataset', param, name, `is not a column (columns: ${names.join(', ')})`);
}

export function checkSpec(spec: DatasetSpec): void {
  if (!spec || typeof spec !== 'object') throw new InvalidParameterError('dataset', 'spec', spec, 'must be an object');
  if (typeof spec.target !== 'string' || spec.target === '') throw new InvalidParameterError('dataset', 'target', spec.target, 'must be a column name');
  for (const key of ['features', 'exclude', 'categorical', 'numeric'] as const) {
    const v = spec[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new InvalidParameterError('dataset', key, v, 'must be a list of column names');
    }
  }
  if (spec.task !== undefined && spec.task !== 'regression' && spec.task !== 'classification') {
    throw new InvalidParameterError('dataset', 'task', spec.task, "must be 'regression' or 'classification'");
  }
  const both = spec.categorical?.find((c) => spec.numeric?.includes(c));
  if (both !== undefined) throw new InvalidParameterError('dataset', 'numeric', both, 'is also listed as categorical');
  if (spec.transform !== undefined && typeof spec.transform !== 'function') throw new InvalidParameterError('dataset', 'transform', spec.transform, 'must be a function');
}
