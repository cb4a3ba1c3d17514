/**
 * The hand-off types from features to models. Both views come from one fitted vectorizer:
 * - `CsrMatrix` (one-hot + numeric, sparse) for linear models;
 * - `FeatureColumns` (categorical codes + numeric columns) for trees.
 * Arrays are normally SharedArrayBuffer-backed so worker threads read them without copying;
 * these objects are plain data and structured-clone safe.
 */

/** Compressed sparse row matrix. Column indices within a row are sorted ascending. */
export interface CsrMatrix {
  readonly format: 'csr';
  readonly nRows: number;
  readonly nCols: number;
  /** Length nRows + 1; row i occupies [indptr[i], indptr[i + 1]). */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly featureNames?: readonly string[];
}

/** Dense row-major matrix. */
export interface DenseMatrix {
  readonly format: 'dense';
  readonly nRows: number;
  readonly nCols: number;
  /** Row-major: element (i, j) at data[i * nCols + j]. */
  readonly data: Float64Array;
  readonly featureNames?: readonly string[];
}

export type Matrix = CsrMatrix | DenseMatrix;

export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  /** NaN marks a missing value. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  /**
   * Codes 0..categories.length-1 are the fitted categories (in the vectorizer's sorted order);
   * the code `categories.length` is reserved for a value not seen at fit time (scikit-learn's
   * DictVectorizer gives such a row an all-zero one-hot block).
   */
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type FeatureColumn = NumericColumn | CategoricalColumn;

/** Column view for tree models: categorical codes and numeric columns, never a dense one-hot. */
export interface FeatureColumns {
  readonly format: 'columns';
  readonly nRows: number;
  readonly columns: readonly FeatureColumn[];
}

/** The reserved "unseen at fit time" code of a categorical column. */
export function unknownCode(column: CategoricalColumn): number {
  return column.categories.length;
}
