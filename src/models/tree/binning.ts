import { InvalidInputError, InvalidParameterError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { hashSlots, sharedArray, toShared } from '../../core/typed.js';
import type { DenseMatrix, FeatureColumns } from '../../features/matrix.js';

/**
 * Binned data for the tree learner, computed once per dataset and reused by every fit and trial.
 * All arrays are SharedArrayBuffer-backed and the object is plain data, so a tuner can bin once
 * and post the dataset to worker threads without copying the rows.
 *
 * Numeric feature: `cuts` (ascending) split the values into `cuts.length + 1` value bins; a value
 * v falls in the first bin b with v <= cuts[b] (or the last value bin). NaN gets its own bin,
 * the last one (`nBins - 1`). A split "bin <= b" is the threshold "value <= cuts[b]".
 * Categorical feature: the bins are the codes themselves, 0..nCategories (the last is the
 * "unseen at fit time" code, which no split ever isolates).
 */
export interface BinnedNumericFeature {
  readonly kind: 'numeric';
  readonly name: string;
  readonly cuts: Float64Array;
  /** cuts.length + 1 value bins + 1 missing bin (<= 256). */
  readonly nBins: number;
  readonly min: number;
  readonly max: number;
  /** Smallest and largest training value in each value bin (NaN for an empty bin). */
  readonly binMin: Float64Array;
  readonly binMax: Float64Array;
  readonly bins: Uint8Array;
}

export interface BinnedCategoricalFeature {
  readonly kind: 'categorical';
  readonly name: string;
  readonly nCategories: number;
  /** nCategories + 1 (the unseen code). */
  readonly nBins: number;
  readonly bins: Int32Array;
}

export type BinnedFeature = BinnedNumericFeature | BinnedCategoricalFeature;

export interface BinnedDataset {
  readonly format: 'binned';
  readonly nRows: number;
  readonly maxBins: number;
  readonly features: readonly BinnedFeature[];
  /** The categorical feature with the most categories (its codes drive row order), or -1. */
  readonly primary: number;
  /** Row indices sorted (stably) by the primary feature's code; identity when primary is -1. */
  readonly order: Int32Array;
}

export interface BinOptions {
  /** Value bins per numeric feature (2..255; NaN gets one more). Default 255. */
  readonly maxBins?: number;
  /** Rows sampled to place the cuts of a numeric column (all rows when fewer). Default 400,000. */
  readonly sampleSize?: number;
}

export const DEFAULT_MAX_BINS = 255;

/** Bin a column set (or a dense numeric matrix) for the tree learner. */
export function binColumns(input: FeatureColumns | DenseMatrix, options: BinOptions = {}): BinnedDataset {
  const maxBins = options.maxBins ?? DEFAULT_MAX_BINS;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new InvalidParameterError('binColumns', 'maxBins', maxBins, 'must be an integer in [2, 255]');
  }
  const sampleSize = options.sampleSize ?? 400_000;
  const features: BinnedFeature[] = [];
  if (input.format === 'dense') {
    const { nRows, nCols, data } = input;
    if (data.length !== nRows * nCols) throw new InvalidInputError(`dense matrix holds ${data.length} values, expected ${nRows} x ${nCols}`);
    const col = new Float64Array(nRows);
    for (let j = 0; j < nCols; j++) {
      for (let i = 0; i < nRows; i++) col[i] = data[i * nCols + j];
      features.push(binNumeric(input.featureNames?.[j] ?? `x${j}`, col, maxBins, sampleSize));
    }
  } else if (input.format === 'columns') {
    for (const c of input.columns) {
      const len = c.kind === 'numeric' ? c.values.length : c.codes.length;
      if (len !== input.nRows) throw new InvalidInputError(`column '${c.name}' has ${len} rows, expected ${input.nRows}`);
      if (c.kind === 'numeric') {
        features.push(binNumeric(c.name, c.values, maxBins, sampleSize));
      } else {
        const nCategories = c.categories.length;
        const codes = c.codes;
        for (let i = 0; i < codes.length; i++) {
          const v = codes[i];
          if (v < 0 || v > nCategories) {
            throw new InvalidInputError(`column '${c.name}' row ${i}: code ${v} is outside 0..${nCategories} (${nCategories} categories + unseen)`);
          }
        }
        features.push({ kind: 'categorical', name: c.name, nCategories, nBins: nCategories + 1, bins: toShared(codes) });
      }
    }
  } else {
    throw new InvalidInputError(`tree models take FeatureColumns or a DenseMatrix, not a '${(input as { format: string }).format}' matrix`);
  }
  if (features.length === 0) throw new InvalidInputError('cannot bin data with no features');
  return finishDataset(input.nRows, maxBins, features);
}

function finishDataset(nRows: number, maxBins: number, features: BinnedFeature[]): BinnedDataset {
  let primary = -1;
  features.forEach((f, j) => {
    if (f.kind === 'categorical' && (primary < 0 || f.nBins > features[primary].nBins)) primary = j;
  });
  const order = sharedArray(Int32Array, nRows);
  if (primary < 0) {
    for (let i = 0; i < nRows; i++) order[i] = i;
  } else {
    const p = features[primary] as BinnedCategoricalFeature;
    countingSort(p.bins, p.nBins, order);
  }
  return { format: 'binned', nRows, maxBins, features, primary, order };
}

/** Stable counting sort of row indices by code. */
function countingSort(codes: Int32Array, nCodes: number, out: Int32Array): void {
  const start = new Int32Array(nCodes + 1);
  for (let i = 0; i < codes.length; i++) start[codes[i] + 1]++;
  for (let c = 0; c < nCodes; c++) start[c + 1] += start[c];
  for (let i = 0; i < codes.length; i++) out[start[codes[i]]++] = i;
}

function binNumeric(name: string, values: Float64Array, maxBins: number, sampleSize: number): BinnedNumericFeature {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let nonNaN = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      throw new InvalidInputError(`column '${name}' row ${i}: value ${v} is infinite (use NaN for missing)`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isNaN(v)) nonNaN++;
  }
  const bins = sharedArray(Uint8Array, values.length);
  // Every value in the sample and few distinct ones (the common case): bin through the table of
  // distinct values, with no sort of the rows and no search per row.
  const table = nonNaN <= sampleSize ? DistinctTable.of(values, Math.max(1024, nonNaN >> 3)) : undefined;
  const distinct = table ? table.distinct : sortedDistinct(sampleOf(values, nonNaN, sampleSize));
  const cuts = cutsOf(distinct, maxBins);
  const binMin = new Float64Array(cuts.length + 1).fill(Number.NaN);
  const binMax = new Float64Array(cuts.length + 1).fill(Number.NaN);
  if (table) {
    table.binRows(cuts, bins);
    // Distinct values ascend: each bin's first and last are its extremes.
    for (let k = 0, b = 0; k < distinct.values.length; k++) {
      const v = distinct.values[k];
      while (b < cuts.length && v > cuts[b]) b++;
      if (Number.isNaN(binMin[b])) binMin[b] = v;
      binMax[b] = v;
    }
  } else {
    binValues(values, cuts, bins);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      const b = bins[i];
      if (!(binMin[b] <= v)) binMin[b] = v;
      if (!(binMax[b] >= v)) binMax[b] = v;
    }
  }
  return { kind: 'numeric', name, cuts, nBins: cuts.length + 2, min, max, binMin, binMax, bins };
}

/** Bin index of every value: first b with v <= cuts[b], cuts.length when above all, NaN -> cuts.length + 1. */
export function binValues(values: Float64Array, cuts: Float64Array, out: Uint8Array): void {
  const nCuts = cuts.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      out[i] = nCuts + 1;
      continue;
    }
    let lo = 0;
    let hi = nCuts;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= cuts[mid]) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
}

/** Distinct non-NaN values, ascending (-0 counted as 0), and how many times each occurs. */
export interface DistinctValues {
  readonly values: Float64Array;
  readonly counts: Int32Array;
}

/**
 * Cut points for one numeric column. With at most `maxBins` distinct values every distinct value
 * gets its own bin (cuts at midpoints, exactly scikit-learn's thresholds). Otherwise a greedy
 * pass: a value that alone holds at least an average bin's share of rows gets a bin of its own
 * (cut on both sides), and the remaining values are grouped into equal-frequency bins. Cuts sit
 * midway between adjacent distinct values, so outliers cannot stretch any bin. Columns with more
 * than `sampleSize` values are cut on a fixed-seed sample of them.
 */
export function findCuts(values: Float64Array, maxBins: number, sampleSize = 400_000): Float64Array {
  let nonNaN = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) nonNaN++;
  return cutsOf(sortedDistinct(sampleOf(values, nonNaN, sampleSize)), maxBins);
}

/** The non-NaN values, or a fixed-seed sample of `sampleSize` of them (cuts stay a pure function of the data). */
function sampleOf(values: Float64Array, nonNaN: number, sampleSize: number): Float64Array {
  if (nonNaN <= sampleSize) {
    const sample = new Float64Array(nonNaN);
    let k = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) sample[k++] = values[i];
    return sample;
  }
  const rng = new Rng(0x5eed);
  const sample = new Float64Array(sampleSize);
  let k = 0;
  while (k < sampleSize) {
    const v = values[rng.below(values.length)];
    if (!Number.isNaN(v)) sample[k++] = v;
  }
  return sample;
}

/** Distinct values by sorting (any number of them; the sample is sorted in place). */
export function sortedDistinct(sample: Float64Array): DistinctValues {
  sample.sort();
  const n = sample.length;
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; ) {
    const v = sample[i];
    let j = i + 1;
    while (j < n && sample[j] === v) j++;
    values.push(v === 0 ? 0 : v);
    counts.push(j - i);
    i = j;
  }
  return { values: Float64Array.from(values), counts: Int32Array.from(counts) };
}

function cutsOf(distinct: DistinctValues, maxBins: number): Float64Array {
  const { values, counts } = distinct;
  const m = values.length;
  let n = 0;
  for (let i = 0; i < m; i++) n += counts[i];
  const cuts: number[] = [];
  if (m <= maxBins) {
    for (let i = 0; i + 1 < m; i++) cuts.push(midpoint(values[i], values[i + 1]));
    return Float64Array.from(cuts);
  }
  const average = n / maxBins;
  let bigCount = 0;
  let bigRows = 0;
  const big = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    if (counts[i] >= average) {
      big[i] = 1;
      bigCount++;
      bigRows += counts[i];
    }
  }
  let restBins = Math.max(1, maxBins - bigCount);
  let restRows = n - bigRows;
  let target = restRows / restBins;
  let current = 0;
  for (let i = 0; i + 1 < m && cuts.length < maxBins - 1; i++) {
    if (!big[i]) {
      current += counts[i];
      restRows -= counts[i];
    }
    if (big[i] || big[i + 1] || current >= target) {
      cuts.push(midpoint(values[i], values[i + 1]));
      if (!big[i] && current > 0) {
        restBins = Math.max(1, restBins - 1);
        target = restRows / restBins;
      }
      current = 0;
    }
  }
  return Float64Array.from(cuts);
}

/**
 * The distinct values of a column, found with an open-addressing hash table on their bits, and
 * the rank of every row's value among them: O(rows) where sorting the rows is O(rows log rows)
 * (only the distinct values are sorted), and each row is then binned by one lookup.
 */
export class DistinctTable {
  private constructor(
    readonly distinct: DistinctValues,
    /** Rank in `distinct` of each row's value; -1 for NaN. */
    private readonly rowRank: Int32Array,
  ) {}

  /** The table of a column's values, or undefined when it has more than `limit` distinct ones. */
  static of(column: Float64Array, limit: number): DistinctTable | undefined {
    const slots = hashSlots(limit);
    const mask = slots.length - 1;
    const firstSeen = new Float64Array(limit);
    const seenCounts = new Int32Array(limit);
    const rowRank = new Int32Array(column.length);
    const words = new Uint32Array(column.buffer, column.byteOffset, 2 * column.length);
    const slotOf = (v: number, lo: number, hi: number): number => {
      let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
      h ^= h >>> 15;
      let slot = h & mask;
      while (slots[slot] !== 0 && firstSeen[slots[slot] - 1] !== v) slot = (slot + 1) & mask;
      return slot;
    };
    let n = 0;
    for (let i = 0; i < column.length; i++) {
      const v = column[i];
      if (Number.isNaN(v)) {
        rowRank[i] = -1;
        continue;
      }
      // -0 and 0 are one value (===): both hash as 0.
      const slot = v === 0 ? slotOf(0, 0, 0) : slotOf(v, words[2 * i], words[2 * i + 1]);
      let d = slots[slot] - 1;
      if (d < 0) {
        if (n === limit) return undefined;
        d = n++;
        slots[slot] = d + 1;
        firstSeen[d] = v === 0 ? 0 : v;
      }
      seenCounts[d]++;
      rowRank[i] = d;
    }
    // Rank the distinct values: sort them, then find each one's slot again.
    const values = firstSeen.slice(0, n).sort();
    const counts = new Int32Array(n);
    const rankOf = new Int32Array(n);
    const bits = new Uint32Array(values.buffer);
    for (let k = 0; k < n; k++) {
      const d = slots[slotOf(values[k], bits[2 * k], bits[2 * k + 1])] - 1;
      rankOf[d] = k;
      counts[k] = seenCounts[d];
    }
    for (let i = 0; i < rowRank.length; i++) if (rowRank[i] >= 0) rowRank[i] = rankOf[rowRank[i]];
    return new DistinctTable({ values, counts }, rowRank);
  }

  /** Each row's bin for `cuts`: first b with v <= cuts[b], cuts.length above all, NaN -> cuts.length + 1. */
  binRows(cuts: Float64Array, out: Uint8Array): void {
    const values = this.distinct.values;
    const nCuts = cuts.length;
    const binOfRank = new Uint8Array(values.length);
    for (let k = 0, b = 0; k < values.length; k++) {
      while (b < nCuts && values[k] > cuts[b]) b++;
      binOfRank[k] = b;
    }
    const rowRank = this.rowRank;
    for (let i = 0; i < out.length; i++) {
      const r = rowRank[i];
      out[i] = r < 0 ? nCuts + 1 : binOfRank[r];
    }
  }
}

function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  // Like scikit-learn: never let rounding put the cut on the upper value.
  return m >= b ? a : m;
}

/**
 * Apply a dataset's cuts to new data with the same features (e.g. to score a validation split
 * with bin-level trees). Categorical codes are copied; their category count must match.
 */
export function binLike(reference: BinnedDataset, input: FeatureColumns | DenseMatrix): BinnedDataset {
  const features: BinnedFeature[] = [];
  const cols = inputColumns(input);
  if (cols.length !== reference.features.length) {
    throw new InvalidInputError(`data has ${cols.length} features, the binned reference has ${reference.features.length}`);
  }
  reference.features.forEach((ref, j) => {
    const c = cols[j];
    if (ref.kind === 'numeric') {
      if (c.kind !== 'numeric') throw new InvalidInputError(`feature ${j} ('${ref.name}') must be numeric`);
      const bins = sharedArray(Uint8Array, input.nRows);
      binValues(c.values, ref.cuts, bins);
      features.push({ ...ref, bins });
    } else {
      if (c.kind !== 'categorical' || c.nCategories !== ref.nCategories) {
        throw new InvalidInputError(`feature ${j} ('${ref.name}') must be categorical with ${ref.nCategories} categories`);
      }
      const bins = sharedArray(Int32Array, input.nRows);
      for (let i = 0; i < bins.length; i++) {
        const v = c.codes[i];
        bins[i] = v >= 0 && v < ref.nCategories ? v : ref.nCategories;
      }
      features.push({ ...ref, bins });
    }
  });
  return finishDataset(input.nRows, reference.maxBins, features);
}

type PlainColumn =
  | { kind: 'numeric'; name: string; values: Float64Array }
  | { kind: 'categorical'; name: string; nCategories: number; codes: Int32Array };

function inputColumns(input: FeatureColumns | DenseMatrix): PlainColumn[] {
  if (input.format === 'dense') {
    const out: PlainColumn[] = [];
    for (let j = 0; j < input.nCols; j++) {
      const values = new Float64Array(input.nRows);
      for (let i = 0; i < input.nRows; i++) values[i] = input.data[i * input.nCols + j];
      out.push({ kind: 'numeric', name: input.featureNames?.[j] ?? `x${j}`, values });
    }
    return out;
  }
  return input.columns.map((c) =>
    c.kind === 'numeric'
      ? { kind: 'numeric', name: c.name, values: c.values }
      : { kind: 'categorical', name: c.name, nCategories: c.categories.length, codes: c.codes },
  );
}

export function isBinnedDataset(x: unknown): x is BinnedDataset {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'binned';
}
