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
    if (!(name in DEFAULTS)) {
      throw new InvalidParameterError('DictVectorizer', name, (input as Record<string, unknown>)[name], 'is not a parameter (known: separator, sort)');
    }
  }
  const separator = input.separator ?? DEFAULTS.separator;
  const sort = input.sort ?? DEFAULTS.sort;
  if (typeof separator !== 'string') throw new InvalidParameterError('DictVectorizer', 'separator', separator, 'must be a string');
  if (typeof sort !== 'boolean') throw new InvalidParameterError('DictVectorizer', 'sort', sort, 'must be a boolean');
  return Object.freeze({ separator, sort });
}

/** Code-unit order, the same as Python's for strings without astral characters. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class DictVectorizer {
  readonly params: DictVectorizerParams;

  constructor(params: Partial<DictVectorizerParams> = {}) {
    this.params = resolveVectorizerParams(params);
  }

  fit(input: VectorizerInput): FittedDictVectorizer {
    const sep = this.params.separator;
    // Feature names in order of first appearance (row by row, key by key, as sklearn scans).
    const seen = new Map<string, number>();
    const keyState = new Map<string, { numeric: boolean; categories: Set<string> }>();
    const noteKey = (key: string) => {
      let k = keyState.get(key);
      if (!k) keyState.set(key, (k = { numeric: false, categories: new Set() }));
      return k;
    };
    if (isFeatureFrame(input)) {
      const names = Object.keys(input.columns);
      const used = names.map((n) => {
        const c = input.columns[n];
        checkColumnLength(n, c.kind === 'numeric' ? c.values.length : c.codes.length, input.nRows);
        return c.kind === 'categorical' ? new Uint8Array(c.dictionary.length) : undefined;
      });
      for (let j = 0; j < names.length; j++) {
        const c = input.columns[names[j]];
        const k = noteKey(names[j]);
        if (c.kind === 'numeric') {
          k.numeric = true;
          if (input.nRows > 0 && !seen.has(names[j])) seen.set(names[j], seen.size);
        }
      }
      // Categorical values: first appearance by row, then column.
      const cats = names.map((n, j) => ({ n, j, c: input.columns[n] })).filter((x) => x.c.kind === 'categorical');
      for (let i = 0; i < input.nRows; i++) {
        for (const { n, j, c } of cats) {
          if (c.kind !== 'categorical') continue;
          const code = c.codes[i];
          if (code < 0) continue;
          if (code >= c.dictionary.length) {
            throw new InvalidInputError(`DictVectorizer: column '${n}' row ${i} has code ${code}, outside its dictionary of ${c.dictionary.length}`);
          }
          const u = used[j]!;
          if (u[code] === 0) {
            u[code] = 1;
            const value = c.dictionary[code];
            keyState.get(n)!.categories.add(value);
            const f = n + sep + value;
            if (!seen.has(f)) seen.set(f, seen.size);
          }
        }
      }
    } else {
      for (let i = 0; i < input.length; i++) {
        const row = input[i];
        for (const key of Object.keys(row)) {
          const v = row[key];
          if (typeof v === 'string') {
            noteKey(key).categories.add(v);
            const f = key + sep + v;
            if (!seen.has(f)) seen.set(f, seen.size);
          } else if (typeof v === 'number') {
            noteKey(key).numeric = true;
            if (!seen.has(key)) seen.set(key, seen.size);
          } else {
            throw new InvalidInputError(`DictVectorizer: row ${i} key '${key}' has a value of type ${typeof v}; expected a string or a number`);
          }
        }
      }
    }
    const featureNames = [...seen.keys()];
    if (this.params.sort) featureNames.sort(compareStrings);
    const vocab = new Map<string, number>();
    featureNames.forEach((f, i) => {
      vocab.set(f, i);
    });
    const keys: VectorizerKey[] = [...keyState.entries()]
      .sort((a, b) => compareStrings(a[0], b[0]))
      .map(([name, k]) => ({
        name,
        numeric: k.numeric,
        categories: [...k.categories].sort((a, b) => vocab.get(name + sep + a)! - vocab.get(name + sep + b)!),
      }));
    return new FittedDictVectorizer(this.params, featureNames, keys);
  }
}

interface KeyIndex {
  readonly key: VectorizerKey;
  /** Category -> code (position in key.categories). */
  readonly codeOf: Map<string, number>;
}

export class FittedDictVectorizer {
  readonly params: DictVectorizerParams;
  readonly featureNames: readonly string[];
  readonly keys: readonly VectorizerKey[];
  private readonly vocab: Map<string, number>;
  private readonly keyIndex: Map<string, KeyIndex>;

  constructor(params: DictVectorizerParams, featureNames: readonly string[], keys: readonly VectorizerKey[]) {
    this.params = params;
    this.featureNames = Object.freeze([...featureNames]);
    this.keys = Object.freeze(keys.map((k) => Object.freeze({ name: k.name, numeric: k.numeric, categories: Object.freeze([...k.categories]) })));
    this.vocab = new Map();
    this.featureNames.forEach((f, i) => {
      this.vocab.set(f, i);
    });
    this.keyIndex = new Map();
    for (const key of this.keys) {
      const codeOf = new Map<string, number>();
      key.categories.forEach((c, i) => {
      codeOf.set(c, i);
    });
      this.keyIndex.set(key.name, { key, codeOf });
    }
  }

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /** Index of a feature name (e.g. 'trip_distance' or 'PU_DO=1_2'), or -1. */
  featureIndex(name: string): number {
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
    const sep = this.params.separator;
    const n = frame.nRows;
    // Per input column: a feature index per dictionary code (categorical) or one index (numeric).
    const catCodes: Int32Array[] = [];
    const catFeature: Int32Array[] = [];
    const numValues: Float64Array[] = [];
    const numFeature: number[] = [];
    for (const name of Object.keys(frame.columns)) {
      const c = frame.columns[name];
      if (c.kind === 'numeric') {
        checkColumnLength(name, c.values.length, n);
        const f = this.vocab.get(name);
        if (f === undefined) continue;
        numValues.push(c.values);
        numFeature.push(f);
      } else {
        checkColumnLength(name, c.codes.length, n);
        const map = new Int32Array(c.dictionary.length);
        let any = false;
        for (let d = 0; d < map.length; d++) {
          map[d] = this.vocab.get(name + sep + c.dictionary[d]) ?? -1;
          if (map[d] >= 0) any = true;
        }
        if (!any) continue;
        catCodes.push(c.codes);
        catFeature.push(map);
      }
    }
    const nCat = catCodes.length;
    const nNum = numValues.length;
    // Pass 1: entries per row.
    const indptr = sharedArray(Int32Array, n + 1);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      let k = nNum;
      for (let c = 0; c < nCat; c++) {
        const code = catCodes[c][i];
        if (code >= 0 && code < catFeature[c].length && catFeature[c][code] >= 0) k++;
        else if (code >= catFeature[c].length) throw new InvalidInputError(`DictVectorizer: row ${i} has a code outside its column's dictionary`);
      }
      nnz += k;
      indptr[i + 1] = nnz;
    }
    // Pass 2: fill, then order each row's few entries by column index (insertion sort).
    const indices = sharedArray(Int32Array, nnz);
    const values = sharedArray(Float64Array, nnz);
    const numF = Int32Array.from(numFeature);
    for (let i = 0; i < n; i++) {
      const start = indptr[i];
      let w = start;
      for (let c = 0; c < nCat; c++) {
        const code = catCodes[c][i];
        if (code < 0) continue;
        const f = catFeature[c][code];
        if (f < 0) continue;
        indices[w] = f;
        values[w] = 1;
        w++;
      }
      for (let c = 0; c < nNum; c++) {
        indices[w] = numF[c];
        values[w] = numValues[c][i];
        w++;
      }
      for (let a = start + 1; a < w; a++) {
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
    return { format: 'csr', nRows: n, nCols: this.featureNames.length, indptr, indices, values, featureNames: this.featureNames };
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
      sortSegment(idx, val, start, idx.length);
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
    const { codeOf } = this.keyIndex.get(key.name)!;
    const unknown = key.categories.length;
    const codes = sharedArray(Int32Array, nRows);
    if (isFeatureFrame(input)) {
      const c = input.columns[key.name];
      if (c === undefined) throw new InvalidInputError(`DictVectorizer: input has no column '${key.name}'`);
      if (c.kind !== 'categorical') throw new InvalidInputError(`DictVectorizer: column '${key.name}' was categorical at fit time, numeric now`);
      checkColumnLength(key.name, c.codes.length, nRows);
      const map = new Int32Array(c.dictionary.length);
      for (let d = 0; d < map.length; d++) map[d] = codeOf.get(c.dictionary[d]) ?? unknown;
      const src = c.codes;
      for (let i = 0; i < nRows; i++) {
        const code = src[i];
        codes[i] = code >= 0 && code < map.length ? map[code] : unknown;
      }
    } else {
      for (let i = 0; i < nRows; i++) {
        const v = input[i][key.name];
        codes[i] = typeof v === 'string' ? (codeOf.get(v) ?? unknown) : unknown;
      }
    }
    return { kind: 'categorical', name: key.name, codes, categories: key.categories };
  }
}

function checkColumnLength(name: string, length: number, nRows: number): void {
  if (length !== nRows) throw new InvalidInputError(`DictVectorizer: column '${name}' has ${length} values; the frame has ${nRows} rows`);
}

function sortSegment(idx: number[], val: number[], start: number, end: number): void {
  for (let a = start + 1; a < end; a++) {
    const f = idx[a];
    const v = val[a];
    let b = a - 1;
    while (b >= start && idx[b] > f) {
      idx[b + 1] = idx[b];
      val[b + 1] = val[b];
      b--;
    }
    idx[b + 1] = f;
    val[b + 1] = v;
  }
}
