/**
 * What the network reads of FeatureColumns: per categorical column its codes (the reserved
 * "unseen" code for anything outside the fitted categories), and the numeric columns scaled by a
 * transform learned from the training rows, row-major in one Float32Array.
 *
 * Numeric scaling is robust to outliers (the taxi trip_distance reaches 244,152 miles in a month
 * whose 99.9th percentile is about 30): each column is clipped to training quantiles, optionally
 * passed through a signed log (log1p(|x|) with x's sign), then centred and scaled by the clipped
 * training values' mean and standard deviation. Missing values (NaN) become 0 (the mean).
 */
import { InvalidInputError } from '../../core/errors.js';
import type { FeatureColumns } from '../../features/matrix.js';
import type { JsonValue } from '../artifact.js';

/** How numeric columns enter: clipped, signed-log, or both (two inputs per column). */
export type NumericTransform = 'clip' | 'log' | 'both';

/** Training quantiles a numeric column is clipped to. */
export const CLIP_QUANTILES = [0.001, 0.999] as const;

/** The features of a fitted network: names, kinds and category counts, checked at predict time. */
export interface NeuralSchema {
  readonly names: readonly string[];
  readonly kinds: readonly ('numeric' | 'categorical')[];
  /** Category count of each categorical feature (0 for numeric ones). */
  readonly nCategories: readonly number[];
}

/** One numeric input of the network: a column, clipped, maybe signed-logged, then standardised. */
export interface ScaledInput {
  /** Index of the feature (in the schema). */
  readonly feature: number;
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
  readonly mean: number;
  readonly scale: number;
}

/** Rows as the network reads them. */
export interface EncodedRows {
  readonly nRows: number;
  /** One Int32Array of codes per categorical feature (in schema order), in [0, nCategories]. */
  readonly codes: readonly Int32Array[];
  /** Row-major numeric inputs, `inputs.length` per row. */
  readonly numeric: Float32Array;
}

const slog = (x: number): number => (x < 0 ? -Math.log1p(-x) : Math.log1p(x));

/** The value of one scaled input for a raw value. */
export function scaleValue(s: ScaledInput, v: number): number {
  if (Number.isNaN(v)) return 0;
  const c = v < s.lo ? s.lo : v > s.hi ? s.hi : v;
  return ((s.log ? slog(c) : c) - s.mean) / s.scale;
}

function checkColumns(owner: string, X: FeatureColumns): void {
  const format = (X as { format?: unknown } | null)?.format;
  if (format === 'binned') {
    throw new InvalidInputError(`${owner}: X is binned (tree input); neural models need the raw FeatureColumns (share search data with { bin: false })`);
  }
  if (X === null || typeof X !== 'object' || format !== 'columns') {
    throw new InvalidInputError(`${owner}: X must be FeatureColumns (categorical codes + numeric columns), not ${typeof format === 'string' ? `'${format}'` : typeof X}`);
  }
}

export function schemaOfColumns(owner: string, X: FeatureColumns): NeuralSchema {
  checkColumns(owner, X);
  if (X.columns.length === 0) throw new InvalidInputError(`${owner}: X has no columns`);
  return {
    names: X.columns.map((c) => c.name),
    kinds: X.columns.map((c) => c.kind),
    nCategories: X.columns.map((c) => (c.kind === 'categorical' ? c.categories.length : 0)),
  };
}

/** Learn the numeric inputs' transforms from the training columns. */
export function fitScaling(X: FeatureColumns, transform: NumericTransform): ScaledInput[] {
  const inputs: ScaledInput[] = [];
  X.columns.forEach((c, j) => {
    if (c.kind !== 'numeric') return;
    const finite = c.values.filter((v) => !Number.isNaN(v)).sort();
    const q = (p: number): number => (finite.length === 0 ? 0 : finite[Math.min(finite.length - 1, Math.floor(p * finite.length))]);
    const lo = q(CLIP_QUANTILES[0]);
    const hi = q(CLIP_QUANTILES[1]);
    const logs = transform === 'clip' ? [false] : transform === 'log' ? [true] : [false, true];
    for (const log of logs) {
      const partial: ScaledInput = { feature: j, lo, hi, log, mean: 0, scale: 1 };
      let sum = 0;
      let sq = 0;
      for (const v of finite) sum += scaleValue(partial, v);
      const mean = finite.length > 0 ? sum / finite.length : 0;
      for (const v of finite) sq += (scaleValue(partial, v) - mean) ** 2;
      const std = finite.length > 1 ? Math.sqrt(sq / finite.length) : 0;
      inputs.push({ ...partial, mean, scale: std > 0 ? std : 1 });
    }
  });
  return inputs;
}

/** Check X against the schema and encode it. */
export function encodeRows(owner: string, X: FeatureColumns, schema: NeuralSchema, inputs: readonly ScaledInput[]): EncodedRows {
  checkColumns(owner, X);
  if (X.columns.length !== schema.names.length) {
    throw new InvalidInputError(`${owner}: X has ${X.columns.length} features, the model was trained on ${schema.names.length}`);
  }
  const n = X.nRows;
  const codes: Int32Array[] = [];
  X.columns.forEach((c, j) => {
    if (c.kind !== schema.kinds[j]) {
      throw new InvalidInputError(`${owner}: column ${j} ('${c.name}') is ${c.kind}, the model was trained on ${schema.kinds[j]} '${schema.names[j]}'`);
    }
    const len = c.kind === 'numeric' ? c.values.length : c.codes.length;
    if (len !== n) throw new InvalidInputError(`${owner}: column '${c.name}' has ${len} rows, expected ${n}`);
    if (c.kind !== 'categorical') return;
    const unseen = schema.nCategories[j];
    if (c.categories.length !== unseen) {
      throw new InvalidInputError(`${owner}: column '${c.name}' has ${c.categories.length} categories, the model was trained on ${unseen} (use the same fitted vectorizer)`);
    }
    const out = new Int32Array(n);
    const src = c.codes;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[i] = v >= 0 && v < unseen ? v : unseen;
    }
    codes.push(out);
  });
  const width = inputs.length;
  const numeric = new Float32Array(n * width);
  inputs.forEach((s, k) => {
    const c = X.columns[s.feature];
    if (c.kind !== 'numeric') throw new InvalidInputError(`${owner}: feature ${s.feature} must be numeric`);
    const v = c.values;
    for (let i = 0; i < n; i++) numeric[i * width + k] = scaleValue(s, v[i]);
  });
  return { nRows: n, codes, numeric };
}

export const scalingToJson = (inputs: readonly ScaledInput[]): JsonValue => inputs.map((s) => ({ ...s }));

export function scalingFromJson(json: unknown, schema: NeuralSchema): ScaledInput[] {
  if (!Array.isArray(json)) throw new Error('numeric scaling must be an array');
  return json.map((raw: Record<string, unknown>) => {
    const { feature, lo, hi, log, mean, scale } = raw ?? {};
    const finite = [lo, hi, mean, scale].every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!Number.isInteger(feature) || schema.kinds[feature as number] !== 'numeric' || !finite || typeof log !== 'boolean' || (scale as number) <= 0) {
      throw new Error(`bad numeric scaling entry ${JSON.stringify(raw)}`);
    }
    return { feature: feature as number, lo: lo as number, hi: hi as number, log, mean: mean as number, scale: scale as number };
  });
}
