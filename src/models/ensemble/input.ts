import { InvalidInputError } from '../../core/errors.js';
import type { DenseMatrix, FeatureColumns } from '../../features/matrix.js';
import type { ModelInput, ValidationSet } from '../types.js';
import { type BinnedDataset, binColumns, isBinnedDataset } from '../tree/binning.js';

/** What tree estimators train on: the column view, a dense numeric matrix, or pre-binned data. */
export type TreeInput = FeatureColumns | DenseMatrix | BinnedDataset;

/** The features a tree model was trained on, checked again at predict time. */
export interface FeatureSchema {
  readonly names: readonly string[];
  readonly kinds: readonly ('numeric' | 'categorical')[];
  /** Category count of each categorical feature (0 for numeric ones). */
  readonly nCategories: readonly number[];
}

/** Bin the input unless it already is binned (then its own bins are used as they are). */
export function toBinned(owner: string, X: ModelInput | BinnedDataset, maxBins: number): BinnedDataset {
  if (isBinnedDataset(X)) return X;
  if (X === null || typeof X !== 'object') throw new InvalidInputError(`${owner}: X must be FeatureColumns, a DenseMatrix or a binned dataset`);
  if (X.format === 'csr') {
    throw new InvalidInputError(`${owner}: tree models take FeatureColumns (categorical codes + numeric columns) or a DenseMatrix, not a CSR matrix`);
  }
  return binColumns(X, { maxBins });
}

export function schemaOf(data: BinnedDataset): FeatureSchema {
  return {
    names: data.features.map((f) => f.name),
    kinds: data.features.map((f) => f.kind),
    nCategories: data.features.map((f) => (f.kind === 'categorical' ? f.nCategories : 0)),
  };
}

export function checkTarget(owner: string, y: Float64Array, nRows: number): void {
  if (!(y instanceof Float64Array)) throw new InvalidInputError(`${owner}: y must be a Float64Array`);
  if (y.length !== nRows) throw new InvalidInputError(`${owner}: X has ${nRows} rows but y has ${y.length}`);
  if (nRows === 0) throw new InvalidInputError(`${owner}: cannot fit on zero rows`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new InvalidInputError(`${owner}: y[${i}] is ${y[i]}; targets must be finite`);
  }
}

/**
 * What a fit derives from its validation set under `key` (which must name everything the value
 * depends on besides X): from the set's cache when it has one, else made now.
 */
export function fromValidation<T>(validation: ValidationSet, key: string, make: () => T): T {
  return validation.cache ? validation.cache.get(validation.X, key, make) : make();
}

/** The cache key part that names a schema: rows prepared for one schema do not serve another. */
export function schemaKey(schema: FeatureSchema): string {
  return `${schema.names.join('\u0000')}|${schema.kinds.join(',')}|${schema.nCategories.join(',')}`;
}

/** The validation rows (as `predictionRows`), checked against the targets' length. */
export function validationRows(owner: string, validation: ValidationSet, schema: FeatureSchema): { x: Float64Array; nRows: number; binned: boolean } {
  const rows = fromValidation(validation, `rows ${schemaKey(schema)}`, () => predictionRows(owner, validation.X, schema));
  if (rows.nRows !== validation.y.length) throw new InvalidInputError(`${owner}: validation X has ${rows.nRows} rows but y has ${validation.y.length}`);
  return rows;
}

/**
 * Rows as one row-major Float64Array (codes as numbers) for prediction. `binned` tells whether
 * the values are bins (then the trees' bin intervals apply).
 */
export function predictionRows(owner: string, X: ModelInput | BinnedDataset, schema: FeatureSchema): { x: Float64Array; nRows: number; binned: boolean } {
  const F = schema.names.length;
  if (isBinnedDataset(X)) {
    checkWidth(owner, X.features.length, F);
    const x = new Float64Array(X.nRows * F);
    X.features.forEach((f, j) => {
      if (f.kind !== schema.kinds[j]) throw new InvalidInputError(`${owner}: feature ${j} ('${f.name}') must be ${schema.kinds[j]}`);
      const bins = f.bins;
      for (let i = 0; i < X.nRows; i++) x[i * F + j] = bins[i];
    });
    return { x, nRows: X.nRows, binned: true };
  }
  if (X === null || typeof X !== 'object') throw new InvalidInputError(`${owner}: X must be FeatureColumns or a DenseMatrix`);
  if (X.format === 'dense') {
    checkWidth(owner, X.nCols, F);
    schema.kinds.forEach((k, j) => {
      if (k !== 'numeric') throw new InvalidInputError(`${owner}: feature ${j} ('${schema.names[j]}') is categorical; pass FeatureColumns`);
    });
    if (X.data.length !== X.nRows * X.nCols) throw new InvalidInputError(`${owner}: dense matrix holds ${X.data.length} values, expected ${X.nRows} x ${X.nCols}`);
    return { x: X.data, nRows: X.nRows, binned: false };
  }
  if (X.format !== 'columns') throw new InvalidInputError(`${owner}: tree models predict on FeatureColumns or a DenseMatrix, not '${X.format}'`);
  checkWidth(owner, X.columns.length, F);
  const n = X.nRows;
  const x = new Float64Array(n * F);
  X.columns.forEach((c, j) => {
    if (c.kind !== schema.kinds[j]) {
      throw new InvalidInputError(`${owner}: column ${j} ('${c.name}') is ${c.kind}, the model was trained on ${schema.kinds[j]} '${schema.names[j]}'`);
    }
    if (c.kind === 'numeric') {
      if (c.values.length !== n) throw new InvalidInputError(`${owner}: column '${c.name}' has ${c.values.length} rows, expected ${n}`);
      const v = c.values;
      for (let i = 0; i < n; i++) x[i * F + j] = v[i];
    } else {
      if (c.categories.length !== schema.nCategories[j]) {
        throw new InvalidInputError(
          `${owner}: column '${c.name}' has ${c.categories.length} categories, the model was trained on ${schema.nCategories[j]} (use the same fitted vectorizer)`,
        );
      }
      if (c.codes.length !== n) throw new InvalidInputError(`${owner}: column '${c.name}' has ${c.codes.length} rows, expected ${n}`);
      const codes = c.codes;
      const unseen = schema.nCategories[j];
      // Any code outside the fitted categories (or a negative "missing" code) is the unseen code.
      for (let i = 0; i < n; i++) {
        const v = codes[i];
        x[i * F + j] = v >= 0 && v < unseen ? v : unseen;
      }
    }
  });
  return { x, nRows: n, binned: false };
}

function checkWidth(owner: string, got: number, expected: number): void {
  if (got !== expected) throw new InvalidInputError(`${owner}: X has ${got} features, the model was trained on ${expected}`);
}

/** The categorical feature with the most categories (the one rows are ordered by), or -1. */
export function primaryOf(schema: FeatureSchema): number {
  let primary = -1;
  schema.kinds.forEach((k, j) => {
    if (k === 'categorical' && (primary < 0 || schema.nCategories[j] > schema.nCategories[primary])) primary = j;
  });
  return primary;
}
