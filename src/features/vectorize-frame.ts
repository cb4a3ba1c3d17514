/**
 * DictVectorizer on frames, for any number of numeric and categorical columns: the fit works on
 * each column's dictionary (one name per category present, never a string per row), and the
 * transform fills the CSR matrix column by column. `dict-vectorizer.ts` holds the semantics (and
 * the record path, plain code as scikit-learn's); this file holds the fast paths, which give the
 * same features in the same order.
 */
import { InvalidInputError } from '../core/errors.js';
import { sharedArray } from '../core/typed.js';
import type { FeatureFrame } from '../data/frame.js';
import type { CsrMatrix } from './matrix.js';

/** For one dictionary of one input column: feature index (-1 unused) and category code per entry. */
export interface DictionaryMap {
  readonly feature: Int32Array;
  /** Position among the key's categories; the key's category count for an entry not fitted. */
  readonly code: Int32Array;
}

/** A frame column's dictionary with its map, as a fit hands it to the fitted vectorizer. */
export interface FittedDictionary {
  readonly column: string;
  readonly dictionary: readonly string[];
  readonly map: DictionaryMap;
}

export interface FrameFit {
  readonly featureNames: string[];
  /** Per column (sorted by name): whether numeric, and its categories in feature order. */
  readonly keys: { name: string; numeric: boolean; categories: string[] }[];
  readonly dictionaries: FittedDictionary[];
}

/** One column's candidate features: names, and the dictionary entry and first row of each. */
interface Run {
  readonly column: string;
  readonly names: string[];
  readonly values: string[];
  /** Dictionary entry per name; undefined for a numeric column. */
  readonly entry: Int32Array | undefined;
  /** The row each name first appears in (only when not sorting). */
  readonly firstRow: Int32Array;
  /** Feature index per name, filled by the fit. */
  readonly feature: Int32Array;
  /** Whether two names of the run may be equal (a dictionary holding a value twice). */
  readonly mayRepeat: boolean;
}

/**
 * Features of a frame, as scikit-learn names and orders them: `column=value` for each category
 * present, `column` for a numeric column with rows; sorted by name, or in order of first
 * appearance (row by row, column by column) when `sort` is false. Equal names (from two columns)
 * are one feature.
 */
export function fitFrame(frame: FeatureFrame, separator: string, sort: boolean): FrameFit {
  const columns = Object.keys(frame.columns);
  const runs = columns.map((name) => runOf(frame, name, separator, sort));
  const order = sort ? mergeByName(runs) : byFirstAppearance(runs, columns.length);
  // Assign feature indices in order; equal names share one.
  const featureNames: string[] = [];
  const index = sort ? undefined : new Map<string, number>();
  for (let k = 0; k < order.length; k += 2) {
    const run = runs[order[k]];
    const name = run.names[order[k + 1]];
    // Sorted, a repeated name follows its twin: from another run, or in a run that may repeat.
    const mayRepeat = k > 0 && (order[k - 2] !== order[k] || run.mayRepeat);
    let f = index ? index.get(name) : mayRepeat && featureNames[featureNames.length - 1] === name ? featureNames.length - 1 : undefined;
    if (f === undefined) {
      f = featureNames.length;
      featureNames.push(name);
      index?.set(name, f);
    }
    run.feature[order[k + 1]] = f;
  }
  // Per column: its categories in feature order, and the map of its dictionary.
  const keys: FrameFit['keys'] = [];
  const dictionaries: FittedDictionary[] = [];
  for (const run of runs) {
    const c = frame.columns[run.column];
    if (c.kind === 'numeric') {
      keys.push({ name: run.column, numeric: true, categories: [] });
      continue;
    }
    // Sorted runs come out of the merge in feature order already.
    const m = run.names.length;
    let byFeature: Int32Array | undefined;
    if (!nonDecreasing(run.feature)) {
      byFeature = new Int32Array(m);
      for (let i = 0; i < m; i++) byFeature[i] = i;
      byFeature.sort((a, b) => run.feature[a] - run.feature[b]);
    }
    // The run's values are its categories, in order, unless it was reordered or may repeat.
    let categories = run.values;
    let position: Int32Array | undefined;
    if (byFeature || run.mayRepeat) {
      categories = [];
      position = new Int32Array(m);
      for (let k = 0; k < m; k++) {
        const i = byFeature ? byFeature[k] : k;
        // A dictionary holding one value twice gives one category.
        const last = categories.length - 1;
        if (last >= 0 && categories[last] === run.values[i]) position[i] = last;
        else position[i] = categories.push(run.values[i]) - 1;
      }
    }
    const feature = new Int32Array(c.dictionary.length).fill(-1);
    const code = new Int32Array(c.dictionary.length).fill(categories.length);
    const entry = run.entry!;
    for (let i = 0; i < m; i++) {
      feature[entry[i]] = run.feature[i];
      code[entry[i]] = position ? position[i] : i;
    }
    keys.push({ name: run.column, numeric: false, categories });
    dictionaries.push({ column: run.column, dictionary: c.dictionary, map: { feature, code } });
  }
  keys.sort((a, b) => compareStrings(a.name, b.name));
  return { featureNames, keys, dictionaries };
}

function runOf(frame: FeatureFrame, name: string, separator: string, sort: boolean): Run {
  const c = frame.columns[name];
  const n = frame.nRows;
  if (c.kind === 'numeric') {
    checkColumnLength(name, c.values.length, n);
    // As scikit-learn: a numeric key names a feature once it has a row.
    const names = n > 0 ? [name] : [];
    return { column: name, names, values: names, entry: undefined, firstRow: new Int32Array(names.length), feature: new Int32Array(names.length), mayRepeat: false };
  }
  checkColumnLength(name, c.codes.length, n);
  const size = c.dictionary.length;
  const first = new Int32Array(size).fill(-1);
  const codes = c.codes;
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    if (code < 0) continue;
    if (code >= size) throw new InvalidInputError(`DictVectorizer: column '${name}' row ${i} has code ${code}, outside its dictionary of ${size}`);
    if (first[code] < 0) first[code] = i;
  }
  let used = 0;
  for (let d = 0; d < size; d++) if (first[d] >= 0) used++;
  const entry = new Int32Array(used);
  for (let d = 0, k = 0; d < size; d++) if (first[d] >= 0) entry[k++] = d;
  // Sorted by name = sorted by value (one prefix): nothing to do for an ascending dictionary.
  const ascending = strictlyAscending(c.dictionary);
  if (sort && !ascending) entry.sort((a, b) => compareStrings(c.dictionary[a], c.dictionary[b]));
  const prefix = name + separator;
  const values = new Array<string>(used);
  const names = new Array<string>(used);
  // First rows order the features only when they are not sorted.
  const firstRow = new Int32Array(sort ? 0 : used);
  for (let k = 0; k < used; k++) {
    const d = entry[k];
    values[k] = c.dictionary[d];
    names[k] = prefix + values[k];
    if (!sort) firstRow[k] = first[d];
  }
  return { column: name, names, values, entry, firstRow, feature: new Int32Array(used), mayRepeat: !ascending };
}

/**
 * (run, position) pairs in name order: each run is sorted, so the runs are merged, taking from
 * the run with the smallest head everything below the next head (a binary search per switch).
 */
function mergeByName(runs: readonly Run[]): Int32Array {
  const total = runs.reduce((s, r) => s + r.names.length, 0);
  const out = new Int32Array(2 * total);
  const at = new Int32Array(runs.length);
  let w = 0;
  for (;;) {
    let best = -1;
    let next = -1;
    for (let r = 0; r < runs.length; r++) {
      if (at[r] >= runs[r].names.length) continue;
      if (best < 0 || compareStrings(runs[r].names[at[r]], runs[best].names[at[best]]) < 0) {
        next = best;
        best = r;
      } else if (next < 0 || compareStrings(runs[r].names[at[r]], runs[next].names[at[next]]) < 0) {
        next = r;
      }
    }
    if (best < 0) return out;
    const names = runs[best].names;
    // Up to (and with) names equal to the next run's head: equal names come out side by side.
    const end = next < 0 ? names.length : upperBound(names, at[best], names.length, runs[next].names[at[next]]);
    for (let k = at[best]; k < end; k++) {
      out[w++] = best;
      out[w++] = k;
    }
    at[best] = end;
  }
}

/** (run, position) pairs by first row, then column (scikit-learn's order when it does not sort). */
function byFirstAppearance(runs: readonly Run[], nColumns: number): Int32Array {
  const pairs: number[] = [];
  for (let r = 0; r < runs.length; r++) for (let k = 0; k < runs[r].names.length; k++) pairs.push(r, k);
  const idx = Array.from({ length: pairs.length / 2 }, (_, i) => i);
  const rank = (i: number) => runs[pairs[2 * i]].firstRow[pairs[2 * i + 1]] * nColumns + pairs[2 * i];
  idx.sort((a, b) => rank(a) - rank(b));
  const out = new Int32Array(pairs.length);
  idx.forEach((i, j) => {
    out[2 * j] = pairs[2 * i];
    out[2 * j + 1] = pairs[2 * i + 1];
  });
  return out;
}

/**
 * CSR rows of a frame: one entry per numeric column (its value, NaN included, as scikit-learn
 * stores it) and per categorical value that names a feature (1). Filled column by column through
 * a cursor per row; when the columns' feature ranges overlap, each row's few entries are then
 * sorted by index.
 */
export function frameToCsr(
  frame: FeatureFrame,
  nFeatures: number,
  featureNames: readonly string[],
  numericFeature: (column: string) => number,
  dictionaryMap: (column: string, dictionary: readonly string[]) => DictionaryMap,
): CsrMatrix {
  const n = frame.nRows;
  const cat: { codes: Int32Array; feature: Int32Array; name: string }[] = [];
  const num: { values: Float64Array; feature: number }[] = [];
  for (const name of Object.keys(frame.columns)) {
    const c = frame.columns[name];
    if (c.kind === 'numeric') {
      checkColumnLength(name, c.values.length, n);
      const f = numericFeature(name);
      if (f >= 0) num.push({ values: c.values, feature: f });
    } else {
      checkColumnLength(name, c.codes.length, n);
      cat.push({ codes: c.codes, feature: dictionaryMap(name, c.dictionary).feature, name });
    }
  }
  // Columns in the order of their lowest feature: rows come out sorted when ranges do not overlap.
  const ranges = [
    ...cat.map((c, j) => ({ j, ...rangeOf(c.feature) })),
    ...num.map((c, j) => ({ j: cat.length + j, lo: c.feature, hi: c.feature })),
  ].sort((a, b) => a.lo - b.lo);
  let overlap = false;
  for (let s = 1; s < ranges.length; s++) if (ranges[s].lo <= ranges[s - 1].hi) overlap = true;
  const fill = (indices: Int32Array, values: Float64Array, cursor: Int32Array | undefined): boolean => {
    for (let s = 0; s < ranges.length; s++) {
      const j = ranges[s].j;
      if (j >= cat.length) fillNumeric(num[j - cat.length].values, num[j - cat.length].feature, indices, values, cursor, s, k);
      else if (!fillCategorical(cat[j].codes, cat[j].feature, indices, values, cursor, s, k)) return false;
    }
    return true;
  };
  // Every row has one entry per column unless a categorical value is missing or not fitted: that
  // layout is tried first, and each row's entries are counted only when it fails.
  const k = cat.length + num.length;
  const indptr = sharedArray(Int32Array, n + 1);
  for (let i = 1; i <= n; i++) indptr[i] = i * k;
  let indices = sharedArray(Int32Array, n * k);
  let values = sharedArray(Float64Array, n * k);
  if (!fill(indices, values, undefined)) {
    const cursor = new Int32Array(n).fill(num.length);
    for (const { codes, feature, name } of cat) {
      for (let i = 0; i < n; i++) {
        const code = codes[i];
        if (code < 0) continue;
        const f = feature[code];
        // An out-of-range code reads undefined.
        if (f === undefined) throw new InvalidInputError(`DictVectorizer: column '${name}' row ${i} has code ${code}, outside its dictionary of ${feature.length}`);
        if (f >= 0) cursor[i]++;
      }
    }
    for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + cursor[i];
    cursor.set(indptr.subarray(0, n));
    indices = sharedArray(Int32Array, indptr[n]);
    values = sharedArray(Float64Array, indptr[n]);
    fill(indices, values, cursor);
  }
  if (overlap) for (let i = 0; i < n; i++) sortRow(indices, values, indptr[i], indptr[i + 1]);
  return { format: 'csr', nRows: n, nCols: nFeatures, indptr, indices, values, featureNames };
}

/**
 * One categorical column's entries: at a stride of `k` from `s` when every row has one per column
 * (no cursor; false at the first row without a fitted value), else at each row's cursor.
 */
function fillCategorical(codes: Int32Array, feature: Int32Array, indices: Int32Array, values: Float64Array, cursor: Int32Array | undefined, s: number, k: number): boolean {
  const n = codes.length;
  if (cursor === undefined) {
    for (let i = 0, w = s; i < n; i++, w += k) {
      const f = feature[codes[i]];
      // A missing (-1) or out-of-range code reads undefined.
      if (!(f >= 0)) return false;
      indices[w] = f;
      values[w] = 1;
    }
    return true;
  }
  for (let i = 0; i < n; i++) {
    const code = codes[i];
    if (code < 0) continue;
    const f = feature[code];
    if (f < 0) continue;
    const w = cursor[i]++;
    indices[w] = f;
    values[w] = 1;
  }
  return true;
}

/**
 * One numeric column's entries, placed as `fillCategorical` places them. Values move as their two
 * int32 halves: code not yet optimised then makes no heap number per value (the same bits, NaN
 * payloads included).
 */
function fillNumeric(src: Float64Array, f: number, indices: Int32Array, values: Float64Array, cursor: Int32Array | undefined, s: number, k: number): void {
  const n = src.length;
  const from = new Int32Array(src.buffer, src.byteOffset, 2 * n);
  const to = new Int32Array(values.buffer, values.byteOffset, 2 * values.length);
  for (let i = 0, at = s; i < n; i++, at += k) {
    const w = cursor === undefined ? at : cursor[i]++;
    indices[w] = f;
    to[2 * w] = from[2 * i];
    to[2 * w + 1] = from[2 * i + 1];
  }
}

function rangeOf(feature: Int32Array): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = -1;
  for (let d = 0; d < feature.length; d++) {
    const f = feature[d];
    if (f < 0) continue;
    if (f < lo) lo = f;
    if (f > hi) hi = f;
  }
  return { lo, hi };
}

/** Insertion sort of one row's entries by column index (rows hold a few entries). */
export function sortRow(indices: Int32Array | number[], values: Float64Array | number[], start: number, end: number): void {
  for (let a = start + 1; a < end; a++) {
    const f = indices[a];
    const v = values[a];
    let b = a - 1;
    while (b >= start && indices[b] > f) {
      indices[b + 1] = indices[b];
      values[b + 1] = values[b];
      b--;
    }
    indices[b + 1] = f;
    values[b + 1] = v;
  }
}

export function checkColumnLength(name: string, length: number, nRows: number): void {
  if (length !== nRows) throw new InvalidInputError(`DictVectorizer: column '${name}' has ${length} values; the frame has ${nRows} rows`);
}

/** Code-unit order, the same as Python's for strings without astral characters. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nonDecreasing(values: Int32Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] < values[i - 1]) return false;
  return true;
}

function strictlyAscending(values: readonly string[]): boolean {
  for (let i = 1; i < values.length; i++) if (!(values[i - 1] < values[i])) return false;
  return true;
}

/** First index in sorted `names[from..to)` whose name is above `bound`. */
function upperBound(names: readonly string[], from: number, to: number, bound: string): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted `names[from..to)` whose name is not below `bound`. */
export function lowerBound(names: readonly string[], from: number, to: number, bound: string): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
