import { InvalidInputError, InvalidParameterError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { sharedArray, toShared } from '../../core/typed.js';
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
  const cuts = findCuts(values, maxBins, sampleSize);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      throw new InvalidInputError(`column '${name}' row ${i}: value ${v} is infinite (use NaN for missing)`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const bins = sharedArray(Uint8Array, values.length);
  binValues(values, cuts, bins);
  const binMin = new Float64Array(cuts.length + 1).fill(Number.NaN);
  const binMax = new Float64Array(cuts.length + 1).fill(Number.NaN);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const b = bins[i];
    if (!(binMin[b] <= v)) binMin[b] = v;
    if (!(binMax[b] >= v)) binMax[b] = v;
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

/**
 * Cut points for one numeric column. With at most `maxBins` distinct values every distinct value
 * gets its own bin (cuts at midpoints, exactly scikit-learn's thresholds). Otherwise a greedy
 * pass: a value that alone holds at least an average bin's share of rows gets a bin of its own
 * (cut on both sides), and the remaining values are grouped into equal-frequency bins. Cuts sit
 * midway between adjacent distinct values, so outliers cannot stretch any bin.
 */
export function findCuts(values: Float64Array, maxBins: number, sampleSize = 400_000): Float64Array {
  let sample: Float64Array;
  let nonNaN = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) nonNaN++;
  if (nonNaN <= sampleSize) {
    sample = new Float64Array(nonNaN);
    let k = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) sample[k++] = values[i];
  } else {
    // A fixed-seed sample keeps the cuts a pure function of the data.
    const rng = new Rng(0x5eed);
    sample = new Float64Array(sampleSize);
    let k = 0;
    while (k < sampleSize) {
      const v = values[rng.below(values.length)];
      if (!Number.isNaN(v)) sample[k++] = v;
    }
  }
  sample.sort();
  const n = sample.length;
  if (n === 0) return new Float64Array(0);
  // Distinct values and their counts.
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; ) {
    const v = sample[i];
    let j = i + 1;
    while (j < n && sample[j] === v) j++;
    distinct.push(v);
    counts.push(j - i);
    i = j;
  }
  const m = distinct.length;
  const cuts: number[] = [];
  if (m <= maxBins) {
    for (let i = 0; i + 1 < m; i++) cuts.push(midpoint(distinct[i], distinct[i + 1]));
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
      cuts.push(midpoint(distinct[i], distinct[i + 1]));
      if (!big[i] && current > 0) {
        restBins = Math.max(1, restBins - 1);
        target = restRows / restBins;
      }
      current = 0;
    }
  }
  return Float64Array.from(cuts);
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
