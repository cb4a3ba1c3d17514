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
    if (this.params.sort && isFeatureFrame(input)) {
      const fitted = fitSortedDictionaries(this.params, input);
      if (fitted !== undefined) return fitted;
    }
    const sep = this.params.separator;
    // Features in order of first appearance (row by row, key by key, as sklearn scans), with the
    // key and category each comes from.
    // A frame yields each (column, dictionary entry) once, so with sorting on, duplicates (equal
    // names) are merged after the sort instead of through a Map.
    const dedupeLater = this.params.sort && isFeatureFrame(input);
    const seen = new Map<string, number>();
    const featName: string[] = [];
    const featKey: string[] = [];
    const featCat: (string | undefined)[] = [];
    const numericKeys = new Set<string>();
    const allKeys = new Set<string>();
    const add = (feature: string, key: string, category: string | undefined): number => {
      if (!dedupeLater) {
        const known = seen.get(feature);
        if (known !== undefined) return known;
        seen.set(feature, featKey.length);
      }
      featName.push(feature);
      featKey.push(key);
      featCat.push(category);
      return featKey.length - 1;
    };
    // For frames: the entry of each used dictionary code, to hand the fitted vectorizer a ready
    // code -> feature map for the training frame (no string work when it is transformed).
    const frameEntries: { name: string; dictionary: readonly string[]; entry: Int32Array }[] = [];
    if (isFeatureFrame(input)) {
      const names = Object.keys(input.columns);
      const codes: (Int32Array | undefined)[] = [];
      const dicts: (readonly string[] | undefined)[] = [];
      const used: (Int32Array | undefined)[] = [];
      for (const name of names) {
        const c = input.columns[name];
        allKeys.add(name);
        checkColumnLength(name, c.kind === 'numeric' ? c.values.length : c.codes.length, input.nRows);
        if (c.kind === 'numeric') numericKeys.add(name);
        codes.push(c.kind === 'categorical' ? c.codes : undefined);
        dicts.push(c.kind === 'categorical' ? c.dictionary : undefined);
        const entry = c.kind === 'categorical' ? new Int32Array(c.dictionary.length).fill(-1) : undefined;
        used.push(entry);
        if (c.kind === 'categorical') frameEntries.push({ name, dictionary: c.dictionary, entry: entry! });
      }
      for (let i = 0; i < input.nRows; i++) {
        for (let j = 0; j < names.length; j++) {
          const col = codes[j];
          if (col === undefined) {
            if (i === 0) add(names[j], names[j], undefined);
            continue;
          }
          const code = col[i];
          if (code < 0) continue;
          const u = used[j]!;
          if (code >= u.length) {
            throw new InvalidInputError(`DictVectorizer: column '${names[j]}' row ${i} has code ${code}, outside its dictionary of ${u.length}`);
          }
          if (u[code] < 0) {
            const value = dicts[j]![code];
            u[code] = add(names[j] + sep + value, names[j], value);
          }
        }
      }
    } else {
      for (let i = 0; i < input.length; i++) {
        const row = input[i];
        for (const key of Object.keys(row)) {
          const v = row[key];
          allKeys.add(key);
          if (typeof v === 'string') {
            add(key + sep + v, key, v);
          } else if (typeof v === 'number') {
            numericKeys.add(key);
            add(key, key, undefined);
          } else {
            throw new InvalidInputError(`DictVectorizer: row ${i} key '${key}' has a value of type ${typeof v}; expected a string or a number`);
          }
        }
      }
    }
    const order = Array.from(featName, (_, i) => i);
    if (this.params.sort) order.sort((a, b) => compareStrings(featName[a], featName[b]));
    // Rank (feature index) and category position of each entry; equal names share a feature.
    const featureNames: string[] = [];
    const categories = new Map<string, string[]>();
    for (const k of allKeys) categories.set(k, []);
    const rank = new Int32Array(featName.length);
    const position = new Int32Array(featName.length).fill(-1);
    let kept = -1;
    for (const e of order) {
      const duplicate = kept >= 0 && featName[e] === featName[kept];
      if (!duplicate) {
        kept = e;
        featureNames.push(featName[e]);
      }
      rank[e] = featureNames.length - 1;
      const c = featCat[e];
      if (c === undefined) continue;
      if (duplicate && featKey[kept] === featKey[e] && featCat[kept] === c && position[kept] >= 0) {
        position[e] = position[kept];
        continue;
      }
      const list = categories.get(featKey[e])!;
      position[e] = list.length;
      list.push(c);
    }
    const keys: VectorizerKey[] = [...allKeys]
      .sort(compareStrings)
      .map((name) => ({ name, numeric: numericKeys.has(name), categories: categories.get(name)! }));
    const fitted = new FittedDictVectorizer(this.params, featureNames, keys);
    for (const { name, dictionary, entry } of frameEntries) {
      const unknown = categories.get(name)!.length;
      const feature = new Int32Array(entry.length);
      const code = new Int32Array(entry.length);
      for (let d = 0; d < entry.length; d++) {
        const e = entry[d];
        feature[d] = e < 0 ? -1 : rank[e];
        code[d] = e < 0 ? unknown : position[e];
      }
      fitted[rememberDictionary](name, dictionary, { feature, code });
    }
    return fitted;
  }
}

/**
 * The sorted fit of a frame whose categorical dictionaries are each strictly ascending (as
 * `taxiFeatures` makes them): a column's features `name=value` then come in dictionary order, so
 * the only string comparisons left are a linear check of each dictionary and the merge of the
 * columns' runs (a binary search per switch between runs). Undefined when a dictionary is not
 * strictly ascending, a code is out of range or two columns give the same feature name: the
 * general fit handles (and reports) those.
 */
function fitSortedDictionaries(params: DictVectorizerParams, frame: FeatureFrame): FittedDictVectorizer | undefined {
  const names = Object.keys(frame.columns);
  const n = frame.nRows;
  // One run of feature names per column, each sorted; `entry` is the dictionary entry of each name.
  const runs: { readonly names: string[]; readonly categories: string[]; readonly entry: Int32Array | undefined; readonly feature: Int32Array }[] = [];
  for (const name of names) {
    const c = frame.columns[name];
    if (c.kind === 'numeric') {
      checkColumnLength(name, c.values.length, n);
      // As the general fit: a numeric column names a feature once it has a row.
      runs.push({ names: n > 0 ? [name] : [], categories: [], entry: undefined, feature: new Int32Array(1) });
      continue;
    }
    checkColumnLength(name, c.codes.length, n);
    const dictionary = c.dictionary;
    if (!strictlyAscending(dictionary)) return undefined;
    const used = new Uint8Array(dictionary.length);
    const codes = c.codes;
    const size = dictionary.length;
    for (let i = 0; i < n; i++) {
      const code = codes[i];
      if (code >= size) return undefined;
      if (code >= 0) used[code] = 1;
    }
    let count = 0;
    for (let d = 0; d < size; d++) count += used[d];
    const entry = new Int32Array(count);
    const categories = new Array<string>(count);
    const featureNames = new Array<string>(count);
    const prefix = name + params.separator;
    for (let d = 0, k = 0; d < size; d++) {
      if (used[d] === 0) continue;
      entry[k] = d;
      categories[k] = dictionary[d];
      featureNames[k++] = prefix + dictionary[d];
    }
    runs.push({ names: featureNames, categories, entry, feature: new Int32Array(count) });
  }
  // Merge the runs: take from the run with the smallest head everything below the next head.
  const featureNames: string[] = [];
  const at = new Int32Array(runs.length);
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
    if (best < 0) break;
    const run = runs[best];
    let end = run.names.length;
    if (next >= 0) {
      const bound = runs[next].names[at[next]];
      if (run.names[at[best]] === bound) return undefined;
      end = lowerBound(run.names, at[best], end, bound);
    }
    for (let k = at[best]; k < end; k++) {
      run.feature[k] = featureNames.length;
      featureNames.push(run.names[k]);
    }
    at[best] = end;
  }
  const keys: VectorizerKey[] = [];
  for (const name of [...names].sort(compareStrings)) {
    keys.push({ name, numeric: frame.columns[name].kind === 'numeric', categories: runs[names.indexOf(name)].categories });
  }
  const fitted = new FittedDictVectorizer(params, featureNames, keys);
  for (let j = 0; j < names.length; j++) {
    const c = frame.columns[names[j]];
    const { entry, feature: featureOfRun } = runs[j];
    if (c.kind === 'numeric' || entry === undefined) continue;
    const feature = new Int32Array(c.dictionary.length).fill(-1);
    const code = new Int32Array(c.dictionary.length).fill(entry.length);
    for (let k = 0; k < entry.length; k++) {
      feature[entry[k]] = featureOfRun[k];
      code[entry[k]] = k;
    }
    fitted[rememberDictionary](names[j], c.dictionary, { feature, code });
  }
  return fitted;
}

function strictlyAscending(values: readonly string[]): boolean {
  for (let i = 1; i < values.length; i++) if (!(values[i - 1] < values[i])) return false;
  return true;
}

/** First index in sorted `names[from..to)` whose name is not below `bound`. */
function lowerBound(names: readonly string[], from: number, to: number, bound: string): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const rememberDictionary = Symbol('rememberDictionary');

/** For one dictionary of one input column: feature index (-1 unseen) and category code per entry. */
interface DictionaryMap {
  readonly feature: Int32Array;
  readonly code: Int32Array;
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

  constructor(params: DictVectorizerParams, featureNames: readonly string[], keys: readonly VectorizerKey[]) {
    this.params = params;
    this.featureNames = Object.freeze([...featureNames]);
    this.keys = Object.freeze(keys.map((k) => Object.freeze({ name: k.name, numeric: k.numeric, categories: Object.freeze([...k.categories]) })));
    for (const k of this.keys) this.keyByName.set(k.name, k);
  }

  /** Feature name -> index; built on first use (the training frame's transforms never need it). */
  private get vocab(): Map<string, number> {
    if (this.vocabMap === undefined) {
      this.vocabMap = new Map();
      for (let i = 0; i < this.featureNames.length; i++) this.vocabMap.set(this.featureNames[i], i);
    }
    return this.vocabMap;
  }

  /** Lets `fit` hand over the maps of the training frame's dictionaries (module-private key). */
  [rememberDictionary](column: string, dictionary: readonly string[], map: DictionaryMap): void {
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
    this[rememberDictionary](column, dictionary, map);
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
    const n = frame.nRows;
    // Per input column: a feature index per dictionary code (categorical) or one index (numeric).
    const catCodes: Int32Array[] = [];
    const catFeature: Int32Array[] = [];
    const catNames: string[] = [];
    const numValues: Float64Array[] = [];
    const numFeature: number[] = [];
    for (const name of Object.keys(frame.columns)) {
      const c = frame.columns[name];
      if (c.kind === 'numeric') {
        checkColumnLength(name, c.values.length, n);
        const f = this.featureIndex(name);
        if (f < 0) continue;
        numValues.push(c.values);
        numFeature.push(f);
      } else {
        checkColumnLength(name, c.codes.length, n);
        catCodes.push(c.codes);
        catFeature.push(this.dictionaryMap(name, c.dictionary).feature);
        catNames.push(name);
      }
    }
    const nCat = catCodes.length;
    const nNum = numValues.length;
    const numF = Int32Array.from(numFeature);
    const order = disjointColumnOrder(catFeature, numF);
    const filled = order === undefined ? undefined : this.fillByColumn(order, catCodes, catFeature, numValues, numF, n);
    if (filled !== undefined) return filled;
    // Pass 1: entries per row.
    const indptr = sharedArray(Int32Array, n + 1);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      let k = nNum;
      for (let c = 0; c < nCat; c++) {
        const code = catCodes[c][i];
        if (code >= 0 && code < catFeature[c].length && catFeature[c][code] >= 0) k++;
        else if (code >= catFeature[c].length) {
          throw new InvalidInputError(`DictVectorizer: column '${catNames[c]}' row ${i} has code ${code}, outside its dictionary of ${catFeature[c].length}`);
        }
      }
      nnz += k;
      indptr[i + 1] = nnz;
    }
    // Pass 2: fill, then order each row's few entries by column index (insertion sort).
    const indices = sharedArray(Int32Array, nnz);
    const values = sharedArray(Float64Array, nnz);
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

  /**
   * CSR filled column by column, each row's entries in `order` (see `disjointColumnOrder`);
   * undefined as soon as a row has no feature in some column (a missing or unseen code).
   */
  private fillByColumn(
    order: Int32Array,
    catCodes: readonly Int32Array[],
    catFeature: readonly Int32Array[],
    numValues: readonly Float64Array[],
    numF: Int32Array,
    n: number,
  ): CsrMatrix | undefined {
    const k = order.length;
    const indptr = sharedArray(Int32Array, n + 1);
    for (let i = 1; i <= n; i++) indptr[i] = i * k;
    const indices = sharedArray(Int32Array, n * k);
    const values = sharedArray(Float64Array, n * k);
    for (let s = 0; s < k; s++) {
      const c = order[s];
      if (c < catCodes.length) {
        const src = catCodes[c];
        const feature = catFeature[c];
        for (let i = 0, w = s; i < n; i++, w += k) {
          const f = feature[src[i]];
          // An out-of-range code reads undefined, which fails the test as -1 does.
          if (!(f >= 0)) return undefined;
          indices[w] = f;
          values[w] = 1;
        }
      } else {
        // Values move as their two int32 halves: code not yet optimised then makes no heap number
        // per value (the same bits, NaN payloads included).
        const f = numF[c - catCodes.length];
        const src = numValues[c - catCodes.length];
        const from = new Int32Array(src.buffer, src.byteOffset, 2 * n);
        const to = new Int32Array(values.buffer, values.byteOffset, 2 * n * k);
        for (let i = 0, w = s; i < n; i++, w += k) {
          indices[w] = f;
          to[2 * w] = from[2 * i];
          to[2 * w + 1] = from[2 * i + 1];
        }
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

/**
 * When the columns' feature ranges do not overlap, a row holding one entry per column lists them
 * in the same column order whatever its values: that order (categorical columns first by index,
 * then numeric ones), else undefined.
 */
function disjointColumnOrder(catFeature: readonly Int32Array[], numF: Int32Array): Int32Array | undefined {
  const k = catFeature.length + numF.length;
  const lo = new Float64Array(k);
  const hi = new Float64Array(k);
  for (let c = 0; c < catFeature.length; c++) {
    const feature = catFeature[c];
    let min = Number.POSITIVE_INFINITY;
    let max = -1;
    for (let d = 0; d < feature.length; d++) {
      const f = feature[d];
      if (f < 0) continue;
      if (f < min) min = f;
      if (f > max) max = f;
    }
    lo[c] = min;
    hi[c] = max;
  }
  for (let c = 0; c < numF.length; c++) {
    lo[catFeature.length + c] = numF[c];
    hi[catFeature.length + c] = numF[c];
  }
  const order = Int32Array.from({ length: k }, (_, c) => c).sort((a, b) => lo[a] - lo[b]);
  for (let s = 1; s < k; s++) if (lo[order[s]] <= hi[order[s - 1]]) return undefined;
  return order;
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
