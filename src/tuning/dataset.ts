import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { type TypedArray, toShared } from '../core/typed.js';
import type { FeatureColumns, Matrix } from '../features/matrix.js';
import { type BinOptions, binColumns, binLike } from '../models/tree/binning.js';
import type { InputView, Labels } from '../models/types.js';

/**
 * One split of the data a search trains or validates on: the matrix view (linear models), the
 * column view (trees) and/or any pre-computed view (e.g. a binned dataset) — whatever the searched
 * kinds need — plus the target.
 */
export interface SearchSplit {
  readonly X?: Matrix;
  readonly columns?: FeatureColumns;
  /** A view prepared once for 'columns' kinds (e.g. binned trees input); preferred over `columns`. */
  readonly prepared?: object;
  /** Values (regression) or class labels: a Float64Array, or strings (classification). */
  readonly y: Float64Array | Labels;
}

export interface SearchData {
  readonly train: SearchSplit;
  readonly val: SearchSplit;
}

/**
 * Search data placed in shared memory once: every typed array lives in a SharedArrayBuffer and
 * everything else (names, categories, shapes) is JSON in one shared byte array. Posting it to a
 * worker shares the memory (no copy of the rows); workers decode it once per `id` and cache it.
 */
export interface SharedSearchData {
  readonly format: 'tunekit-shared-data';
  readonly id: string;
  readonly meta: Uint8Array;
  readonly arrays: readonly TypedArray[];
}

const ARRAY_REF = '$tunekitArray';

export interface ShareOptions {
  /**
   * Bin the column view once for the tree kinds (train cuts applied to validation) and ship the
   * bins as the prepared view, so no trial re-bins (default true when both splits have columns
   * and no prepared view).
   */
  readonly bin?: boolean | BinOptions;
}

/** Move search data into shared memory (typed arrays already shared are not copied). */
export function shareSearchData(input: SearchData, options: ShareOptions = {}): SharedSearchData {
  let data = input;
  for (const name of ['train', 'val'] as const) {
    const split = data?.[name];
    if (!split || !(split.y instanceof Float64Array || (Array.isArray(split.y) && split.y.every((v) => typeof v === 'string')))) {
      throw new InvalidInputError(`search data: '${name}.y' must be a Float64Array (values or numeric labels) or an array of string labels`);
    }
    if (!split.X && !split.columns && !split.prepared) throw new InvalidInputError(`search data: '${name}' has no X, columns or prepared view`);
  }
  const { train, val } = data;
  if (options.bin !== false && train.columns && val.columns && !train.prepared && !val.prepared) {
    const binned = binColumns(train.columns, typeof options.bin === 'object' ? options.bin : {});
    data = { train: { ...train, prepared: binned }, val: { ...val, prepared: binLike(binned, val.columns) } };
  }
  const arrays: TypedArray[] = [];
  const json = JSON.stringify(data, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      arrays.push(toShared(value as TypedArray));
      return { [ARRAY_REF]: arrays.length - 1 };
    }
    return value;
  });
  const bytes = new TextEncoder().encode(json);
  const meta = new Uint8Array(new SharedArrayBuffer(bytes.length));
  meta.set(bytes);
  return { format: 'tunekit-shared-data', id: randomUUID(), meta, arrays };
}

export function isSharedSearchData(x: unknown): x is SharedSearchData {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'tunekit-shared-data';
}

/** Rebuild the search data (views over the shared arrays, no copies). */
export function openSearchData(shared: SharedSearchData): SearchData {
  const json = new TextDecoder().decode(new Uint8Array(shared.meta));
  return JSON.parse(json, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && ARRAY_REF in value) return shared.arrays[(value as Record<string, number>)[ARRAY_REF]];
    return value;
  }) as SearchData;
}

/** The view of a split a model kind trains on. */
export function splitView(split: SearchSplit, input: InputView, kind: string, name: string): object {
  const view = input === 'matrix' ? split.X : (split.prepared ?? split.columns);
  if (view === undefined) {
    throw new InvalidInputError(`search data: '${name}' has no ${input === 'matrix' ? 'X (matrix)' : 'columns'} view, which model kind '${kind}' needs`);
  }
  return view;
}
