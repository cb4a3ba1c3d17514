/**
 * The columnar input of `DictVectorizer`: a named set of numeric and categorical columns, all of
 * length `nRows`. A categorical column is dictionary-encoded (a string per distinct value, made
 * once), so building one costs no string per row.
 */
export interface NumericFrameColumn {
  readonly kind: 'numeric';
  /** NaN marks a missing value. */
  readonly values: Float64Array;
}

export interface CategoricalFrameColumn {
  readonly kind: 'categorical';
  /** Index into `dictionary` per row; -1 marks a missing value. */
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type FrameColumn = NumericFrameColumn | CategoricalFrameColumn;

export interface FeatureFrame {
  readonly nRows: number;
  readonly columns: Readonly<Record<string, FrameColumn>>;
}

/** scikit-learn's list-of-dicts input: a string value is a category, a number passes through. */
export type FeatureRecord = Readonly<Record<string, string | number>>;

export function isFeatureFrame(input: FeatureFrame | readonly FeatureRecord[]): input is FeatureFrame {
  return !Array.isArray(input);
}
