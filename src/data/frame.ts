/**
 * Frames: named columns as typed arrays, all of one length, the form a table takes between
 * reading and features. A categorical column is dictionary-encoded (one string per distinct value,
 * made once), so nothing here costs a string or an object per row.
 *
 * - `FeatureFrame` (numeric and categorical columns) is what `DictVectorizer` consumes.
 * - `TableFrame` may also hold timestamps (microseconds since 1970, UTC), which a dataset's
 *   transform turns into features (a duration, an hour of day); they are never features as they are.
 *
 * This module does not load Arrow JS (`frameFromTable` in `arrow-frame.ts` does): a dataset's own
 * reader can build frames without it.
 */
import { InvalidInputError } from '../core/errors.js';
import { isNanText, parseNumber } from './csv-values.js';

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

export interface TimestampFrameColumn {
  readonly kind: 'timestamp';
  /** Microseconds since 1970-01-01 UTC (exact: any real time is below 2^53 µs); NaN marks a missing value. */
  readonly values: Float64Array;
}

export type FrameColumn = NumericFrameColumn | CategoricalFrameColumn;
export type TableColumn = FrameColumn | TimestampFrameColumn;

export interface FeatureFrame {
  readonly nRows: number;
  readonly columns: Readonly<Record<string, FrameColumn>>;
}

export interface TableFrame {
  readonly nRows: number;
  readonly columns: Readonly<Record<string, TableColumn>>;
}

/** scikit-learn's list-of-dicts input: a string value is a category, a number passes through. */
export type FeatureRecord = Readonly<Record<string, string | number>>;

export function isFeatureFrame(input: FeatureFrame | readonly FeatureRecord[]): input is FeatureFrame {
  return !Array.isArray(input);
}

// --- conversions between kinds ---------------------------------------------------------------------

/**
 * Numbers as categories, each named by its decimal text as JavaScript prints it (`7`, `1.5`; what
 * pandas' `astype(str)` gives for integer columns). Missing values stay missing, or become the
 * category `missingAs` (pandas writes 'nan').
 */
export function numbersAsCategories(values: Float64Array, missingAs?: string): CategoricalFrameColumn {
  const n = values.length;
  const codes = new Int32Array(n);
  const dictionary: string[] = [];
  // Small non-negative integers (ids, counts) through a dense table; other numbers through a Map.
  let dense = true;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (!(Number.isInteger(v) && v >= 0 && v < 1 << 20) || Object.is(v, -0)) {
      dense = false;
      break;
    }
    if (v > max) max = v;
  }
  if (dense) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        codes[i] = -1;
        continue;
      }
      let c = table[v];
      if (c < 0) {
        c = table[v] = dictionary.length;
        dictionary.push(String(v));
      }
      codes[i] = c;
    }
  } else {
    const seen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (Number.isNaN(v)) {
        codes[i] = -1;
        continue;
      }
      let c = seen.get(v);
      if (c === undefined) {
        c = dictionary.length;
        seen.set(v, c);
        dictionary.push(String(v));
      }
      codes[i] = c;
    }
  }
  if (missingAs !== undefined) {
    let missing = dictionary.indexOf(missingAs);
    for (let i = 0; i < n; i++) {
      if (codes[i] >= 0) continue;
      if (missing < 0) missing = dictionary.push(missingAs) - 1;
      codes[i] = missing;
    }
  }
  return { kind: 'categorical', codes, dictionary };
}

/**
 * Categories read as numbers (decimal text, as the CSV reader reads it); a missing value is NaN.
 * Throws naming the column and the first value that is not a number.
 */
export function categoriesAsNumbers(name: string, column: CategoricalFrameColumn): NumericFrameColumn {
  const encoder = new TextEncoder();
  const numbers = column.dictionary.map((s) => {
    const b = encoder.encode(s);
    const v = parseNumber(b, 0, b.length);
    if (Number.isNaN(v) && !isNanText(b, 0, b.length)) {
      throw new InvalidInputError(`column '${name}' holds ${JSON.stringify(s)}, which is not a number`);
    }
    return v;
  });
  const values = new Float64Array(column.codes.length);
  for (let i = 0; i < values.length; i++) {
    const c = column.codes[i];
    values[i] = c < 0 ? Number.NaN : numbers[c];
  }
  return { kind: 'numeric', values };
}

/**
 * The crossed category `a<separator>b` of two categorical columns (the course's PU_DO from the
 * pickup and drop-off zones): one string per distinct pair present; a row missing either is
 * missing.
 */
export function crossCategories(a: CategoricalFrameColumn, b: CategoricalFrameColumn, separator = '_'): CategoricalFrameColumn {
  const n = a.codes.length;
  if (b.codes.length !== n) throw new InvalidInputError(`crossCategories: the columns have ${n} and ${b.codes.length} rows`);
  const width = b.dictionary.length;
  const codes = new Int32Array(n);
  const dictionary: string[] = [];
  const pairs = a.dictionary.length * width;
  // Dense pair table when it is small, else a Map keyed by the pair's number.
  const table = pairs <= 1 << 22 ? new Int32Array(pairs).fill(-1) : undefined;
  const seen = table ? undefined : new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = a.codes[i];
    const y = b.codes[i];
    if (x < 0 || y < 0) {
      codes[i] = -1;
      continue;
    }
    const key = x * width + y;
    let c = table ? table[key] : (seen!.get(key) ?? -1);
    if (c < 0) {
      c = dictionary.length;
      if (table) table[key] = c;
      else seen!.set(key, c);
      dictionary.push(a.dictionary[x] + separator + b.dictionary[y]);
    }
    codes[i] = c;
  }
  return { kind: 'categorical', codes, dictionary };
}

/** The rows of a frame whose `keep` entry is non-zero, in order. */
export function filterRows<F extends TableFrame>(frame: F, keep: Uint8Array): F {
  if (keep.length !== frame.nRows) throw new InvalidInputError(`filterRows: keep has ${keep.length} entries for ${frame.nRows} rows`);
  let n = 0;
  for (let i = 0; i < keep.length; i++) if (keep[i] !== 0) n++;
  const index = new Int32Array(n);
  for (let i = 0, k = 0; i < keep.length; i++) if (keep[i] !== 0) index[k++] = i;
  return takeRows(frame, index);
}

/** The rows of a frame at `index` (any order, repeats allowed). */
export function takeRows<F extends TableFrame>(frame: F, index: Int32Array): F {
  const columns: Record<string, TableColumn> = {};
  for (const [name, c] of Object.entries(frame.columns)) {
    if (c.kind === 'categorical') {
      const codes = new Int32Array(index.length);
      for (let k = 0; k < index.length; k++) codes[k] = c.codes[index[k]];
      columns[name] = { kind: 'categorical', codes, dictionary: c.dictionary };
    } else {
      const values = new Float64Array(index.length);
      for (let k = 0; k < index.length; k++) values[k] = c.values[index[k]];
      columns[name] = { kind: c.kind, values } as TableColumn;
    }
  }
  return { nRows: index.length, columns } as unknown as F;
}

/** A column of a frame, checked to be of `kind` (an error names the column and what it holds). */
export function frameColumn<K extends TableColumn['kind']>(frame: TableFrame, name: string, kind: K): Extract<TableColumn, { kind: K }> {
  const c = frame.columns[name];
  if (c === undefined) throw new InvalidInputError(`no column '${name}' (columns: ${Object.keys(frame.columns).join(', ')})`);
  if (c.kind !== kind) throw new InvalidInputError(`column '${name}' is ${c.kind}; expected ${kind}`);
  return c as Extract<TableColumn, { kind: K }>;
}
