/**
 * scikit-learn's DictVectorizer, made static: `new DictVectorizer(params).fit(input)` returns a
 * `FittedDictVectorizer`, which alone can transform.
 *
 * Semantics (as sklearn's): a string value v of key k becomes the one-hot feature `k=v`
 * (value 1); a number passes through as feature `k` (stored even when 0 or NaN, as sklearn
 * stores it); feature names are sorted as strings; names not seen at fit time are ignored at
 * transform time (an unknown category gives an all-zero block).
 *
 * One fit yields both views: `transform` -> CSR for linear models, `transformColumns` ->
 * categorical codes + numeric columns for trees (never a dense one-hot).
 */
import { ArtifactError, InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { sharedArray, toShared } from '../core/typed.js';
import { type FeatureFrame, type FeatureRecord, isFeatureFrame } from './frame.js';
import type { CategoricalColumn, CsrMatrix, FeatureColumn, FeatureColumns, NumericColumn } from './matrix.js';
import { type DictionaryMap, type FittedDictionary, checkColumnLength, compareStrings, fitFrame, frameToCsr, lowerBound, sortRow } from './vectorize-frame.js';

export interface DictVectorizerParams {
  /** Between key and value in one-hot feature names (sklearn's `separator`, default '='). */
  readonly separator: string;
  /** Sort feature names (sklearn's `sort`, default true); else order of first appearance. */
  readonly sort: boolean;
}

export type VectorizerInput = FeatureFrame | readonly FeatureRecord[];

/** One input key as the fitted vectorizer knows it. */
export interface VectorizerKey {
  readonly name: string;
  /** Whether the key was seen with numeric values (feature `name`). */
  readonly numeric: boolean;
  /** String values seen for the key, in feature order (features `name=value`). */
  readonly categories: readonly string[];
}

/** Plain-data form of a fitted vectorizer (JSON-safe). */
export interface DictVectorizerJSON {
  readonly kind: 'DictVectorizer';
  readonly version: 1;
  readonly params: DictVectorizerParams;
  readonly featureNames: readonly string[];
  readonly keys: readonly VectorizerKey[];
}

const DEFAULTS: DictVectorizerParams = Object.freeze({ separator: '=', sort: true });

function resolveVectorizerParams(input: Partial<DictVectorizerParams> = {}): DictVectorizerParams {
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(DEFAULTS, name)) {
      throw new InvalidParameterError('DictVectorizer', name, (input as Record<string, unknown>)[name], 'is not a parameter (known: separator, sort)');
    }
  }
  const separator = input.separator ?? DEFAULTS.separator;
  const sort = input.sort ?? DEFAULTS.sort;
  if (typeof separator !== 'string') throw new InvalidParameterError('DictVectorizer', 'separator', separator, 'must be a string');
  if (typeof sort !== 'boolean') throw new InvalidParameterError('DictVectorizer', 'sort', sort, 'must be a boolean');
  return Object.freeze({ separator, sort });
}

export class DictVectorizer {
  readonly params: DictVectorizerParams;

  constructor(params: Partial<DictVectorizerParams> = {}) {
    this.params = resolveVectorizerParams(params);
  }

  fit(input: VectorizerInput): FittedDictVectorizer {
    if (isFeatureFrame(input)) {
      const { featureNames, keys, dictionaries } = fitFrame(input, this.params.separator, this.params.sort);
      return new FittedDictVectorizer(this.params, featureNames, keys, dictionaries);
    }
    return fitRecords(this.params, input);
  }
}

/** The fit of records, row by row and key by key as scikit-learn scans them. */
function fitRecords(params: DictVectorizerParams, rows: readonly FeatureRecord[]): FittedDictVectorizer {
  const sep = params.separator;
  const index = new Map<string, number>();
  const names: string[] = [];
  const categories = new Map<string, string[]>();
  const numericKeys = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (const key of Object.keys(row)) {
      const v = row[key];
      if (!categories.has(key)) categories.set(key, []);
      let name: string;
      if (typeof v === 'string') {
        name = key + sep + v;
        if (!index.has(name)) categories.get(key)!.push(v);
      } else if (typeof v === 'number') {
        name = key;
        numericKeys.add(key);
      } else {
        throw new InvalidInputError(`DictVectorizer: row ${i} key '${key}' has a value of type ${typeof v}; expected a string or a number`);
      }
      if (!index.has(name)) {
        index.set(name, names.length);
        names.push(name);
      }
    }
  }
  if (params.sort) {
    names.sort(compareStrings);
    for (const list of categories.values()) list.sort(compareStrings);
  }
  const keys: VectorizerKey[] = [...categories.keys()]
    .sort(compareStrings)
    .map((name) => ({ name, numeric: numericKeys.has(name), categories: categories.get(name)! }));
  return new FittedDictVectorizer(params, names, keys);
}

export class FittedDictVectorizer {
  readonly params: DictVectorizerParams;
  readonly featureNames: readonly string[];
  readonly keys: readonly VectorizerKey[];
  private vocabMap: Map<string, number> | undefined;
  private readonly keyByName = new Map<string, VectorizerKey>();
  /** Category -> code, per key; built on first use. */
  private readonly codeOf = new Map<string, Map<string, number>>();
  /** Maps of dictionaries already seen (a frame's dictionary is shared by its transforms). */
  private readonly dictionaryMaps = new WeakMap<readonly string[], Map<string, DictionaryMap>>();

  /**
   * `dictionaries`: maps a fit already made for the training frame's dictionaries, so that
   * transforming that frame costs no string work.
   */
  constructor(params: DictVectorizerParams, featureNames: readonly string[], keys: readonly VectorizerKey[], dictionaries: readonly FittedDictionary[] = []) {
    this.params = params;
    this.featureNames = Object.freeze([...featureNames]);
    this.keys = Object.freeze(keys.map((k) => Object.freeze({ name: k.name, numeric: k.numeric, categories: Object.freeze([...k.categories]) })));
    for (const k of this.keys) this.keyByName.set(k.name, k);
    for (const d of dictionaries) this.remember(d.column, d.dictionary, d.map);
  }

  /** Feature name -> index; built on first use (the training frame's transforms never need it). */
  private get vocab(): Map<string, number> {
    if (this.vocabMap === undefined) {
      this.vocabMap = new Map();
      for (let i = 0; i < this.featureNames.length; i++) this.vocabMap.set(this.featureNames[i], i);
    }
    return this.vocabMap;
  }

  private remember(column: string, dictionary: readonly string[], map: DictionaryMap): void {
    let byColumn = this.dictionaryMaps.get(dictionary);
    if (!byColumn) this.dictionaryMaps.set(dictionary, (byColumn = new Map()));
    byColumn.set(column, map);
  }

  private dictionaryMap(column: string, dictionary: readonly string[]): DictionaryMap {
    const cached = this.dictionaryMaps.get(dictionary)?.get(column);
    if (cached) return cached;
    const sep = this.params.separator;
    const key = this.keyByName.get(column);
    const unknown = key ? key.categories.length : 0;
    const codeOf = key ? this.codeOfKey(key) : undefined;
    const feature = new Int32Array(dictionary.length);
    const code = new Int32Array(dictionary.length);
    for (let d = 0; d < dictionary.length; d++) {
      feature[d] = this.vocab.get(column + sep + dictionary[d]) ?? -1;
      code[d] = codeOf?.get(dictionary[d]) ?? unknown;
    }
    const map = { feature, code };
    this.remember(column, dictionary, map);
    return map;
  }

  private codeOfKey(key: VectorizerKey): Map<string, number> {
    let codeOf = this.codeOf.get(key.name);
    if (!codeOf) {
      codeOf = new Map();
      for (let i = 0; i < key.categories.length; i++) codeOf.set(key.categories[i], i);
      this.codeOf.set(key.name, codeOf);
    }
    return codeOf;
  }

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /** Index of a feature name (e.g. 'trip_distance' or 'PU_DO=1_2'), or -1. */
  featureIndex(name: string): number {
    if (this.vocabMap === undefined && this.params.sort) {
      // Sorted names: a binary search spares building the vocabulary (13,000 names for a month).
      const i = lowerBound(this.featureNames, 0, this.featureNames.length, name);
      if (this.featureNames[i] === name) return i;
    }
    return this.vocab.get(name) ?? -1;
  }

  /** Sparse one-hot + numeric matrix (SharedArrayBuffer-backed, sorted column indices per row). */
  transform(input: VectorizerInput): CsrMatrix {
    return isFeatureFrame(input) ? this.transformFrame(input) : this.transformRecords(input);
  }

  /**
   * Tree view: per fitted key (sorted by name), categorical codes in this vectorizer's category
   * order (unseen -> `categories.length`, missing -> the same code) or numeric Float64 values
   * (missing -> NaN). Arrays are SharedArrayBuffer-backed.
   */
  transformColumns(input: VectorizerInput): FeatureColumns {
    const nRows = isFeatureFrame(input) ? input.nRows : input.length;
    const columns: FeatureColumn[] = [];
    for (const key of this.keys) {
      if (key.numeric && key.categories.length > 0) {
        throw new InvalidInputError(`DictVectorizer: key '${key.name}' was fitted with both numbers and strings; it has no single column view`);
      }
      columns.push(key.numeric ? this.numericColumn(input, key, nRows) : this.categoricalColumn(input, key, nRows));
    }
    return { format: 'columns', nRows, columns };
  }

  toJSON(): DictVectorizerJSON {
    return {
      kind: 'DictVectorizer',
      version: 1,
      params: { ...this.params },
      featureNames: [...this.featureNames],
      keys: this.keys.map((k) => ({ name: k.name, numeric: k.numeric, categories: [...k.categories] })),
    };
  }

  /** Loads what `toJSON` wrote (validated), giving back an identical vectorizer. */
  static fromJSON(json: unknown): FittedDictVectorizer {
    const j = json as Partial<DictVectorizerJSON> | null;
    if (!j || typeof j !== 'object' || j.kind !== 'DictVectorizer') throw new ArtifactError('not a DictVectorizer (kind is not "DictVectorizer")');
    if (j.version !== 1) throw new ArtifactError(`DictVectorizer format version ${String(j.version)} is not supported (expected 1)`);
    if (!Array.isArray(j.featureNames) || !j.featureNames.every((f) => typeof f === 'string')) {
      throw new ArtifactError('DictVectorizer: featureNames must be an array of strings');
    }
    if (!Array.isArray(j.keys)) throw new ArtifactError('DictVectorizer: keys must be an array');
    let params: DictVectorizerParams;
    try {
      params = resolveVectorizerParams(j.params ?? {});
    } catch (err) {
      throw new ArtifactError(`DictVectorizer: bad params: ${(err as Error).message}`, { cause: err });
    }
    const names = new Set(j.featureNames);
    if (names.size !== j.featureNames.length) throw new ArtifactError('DictVectorizer: duplicate feature names');
    for (const k of j.keys) {
      if (!k || typeof k.name !== 'string' || typeof k.numeric !== 'boolean' || !Array.isArray(k.categories)) {
        throw new ArtifactError('DictVectorizer: each key needs name (string), numeric (boolean), categories (string[])');
      }
      if (k.numeric && !names.has(k.name)) throw new ArtifactError(`DictVectorizer: numeric key '${k.name}' is not a feature`);
      for (const c of k.categories) {
        if (typeof c !== 'string' || !names.has(k.name + params.separator + c)) {
          throw new ArtifactError(`DictVectorizer: category ${JSON.stringify(c)} of key '${k.name}' is not a feature`);
        }
      }
    }
    return new FittedDictVectorizer(params, j.featureNames, j.keys);
  }

  // --- CSR -------------------------------------------------------------------------------------

  private transformFrame(frame: FeatureFrame): CsrMatrix {
    return frameToCsr(
      frame,
      this.featureNames.length,
      this.featureNames,
      (column) => this.featureIndex(column),
      (column, dictionary) => this.dictionaryMap(column, dictionary),
    );
  }

  private transformRecords(rows: readonly FeatureRecord[]): CsrMatrix {
    const sep = this.params.separator;
    const idx: number[] = [];
    const val: number[] = [];
    const indptr = sharedArray(Int32Array, rows.length + 1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const start = idx.length;
      for (const key of Object.keys(row)) {
        const v = row[key];
        let f: number | undefined;
        if (typeof v === 'string') f = this.vocab.get(key + sep + v);
        else if (typeof v === 'number') f = this.vocab.get(key);
        else throw new InvalidInputError(`DictVectorizer: row ${i} key '${key}' has a value of type ${typeof v}; expected a string or a number`);
        if (f === undefined) continue;
        idx.push(f);
        val.push(typeof v === 'string' ? 1 : v);
      }
      sortRow(idx, val, start, idx.length);
      indptr[i + 1] = idx.length;
    }
    return {
      format: 'csr',
      nRows: rows.length,
      nCols: this.featureNames.length,
      indptr,
      indices: toShared(Int32Array.from(idx)),
      values: toShared(Float64Array.from(val)),
      featureNames: this.featureNames,
    };
  }

  // --- column view -----------------------------------------------------------------------------

  private numericColumn(input: VectorizerInput, key: VectorizerKey, nRows: number): NumericColumn {
    const values = sharedArray(Float64Array, nRows);
    if (isFeatureFrame(input)) {
      const c = input.columns[key.name];
      if (c === undefined) throw new InvalidInputError(`DictVectorizer: input has no column '${key.name}'`);
      if (c.kind !== 'numeric') throw new InvalidInputError(`DictVectorizer: column '${key.name}' was numeric at fit time, categorical now`);
      checkColumnLength(key.name, c.values.length, nRows);
      values.set(c.values);
    } else {
      for (let i = 0; i < nRows; i++) {
        const v = input[i][key.name];
        values[i] = typeof v === 'number' ? v : Number.NaN;
      }
    }
    return { kind: 'numeric', name: key.name, values };
  }

  private categoricalColumn(input: VectorizerInput, key: VectorizerKey, nRows: number): CategoricalColumn {
    const unknown = key.categories.length;
    const codes = sharedArray(Int32Array, nRows);
    if (isFeatureFrame(input)) {
      const c = input.columns[key.name];
      if (c === undefined) throw new InvalidInputError(`DictVectorizer: input has no column '${key.name}'`);
      if (c.kind !== 'categorical') throw new InvalidInputError(`DictVectorizer: column '${key.name}' was categorical at fit time, numeric now`);
      checkColumnLength(key.name, c.codes.length, nRows);
      const map = this.dictionaryMap(key.name, c.dictionary).code;
      const src = c.codes;
      for (let i = 0; i < nRows; i++) {
        const code = src[i];
        codes[i] = code >= 0 && code < map.length ? map[code] : unknown;
      }
    } else {
      const codeOf = this.codeOfKey(key);
      for (let i = 0; i < nRows; i++) {
        const v = input[i][key.name];
        codes[i] = typeof v === 'string' ? (codeOf.get(v) ?? unknown) : unknown;
      }
    }
    return { kind: 'categorical', name: key.name, codes, categories: key.categories };
  }
}
