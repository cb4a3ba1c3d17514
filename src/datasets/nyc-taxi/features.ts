/**
 * The course's taxi features: PU_DO = "<PULocationID>_<DOLocationID>" (categorical) and
 * trip_distance (numeric). PU_DO is built from the integer pair: a string is made once per
 * distinct pair, never per row, and the dictionary comes out sorted as strings (so the
 * vectorizer's fit has nothing left to sort), ordered by integer keys rather than by comparing
 * strings.
 */
import type { TaxiTrips } from './trips.js';
import type { FeatureFrame } from '../../features/frame.js';

/** Largest zone id handled with a dense pair table; larger ids fall back to a Map. */
const DENSE_MAX_ID = 2047;

export function taxiFeatures(trips: TaxiTrips): FeatureFrame {
  const n = trips.nRows;
  const pu = trips.puLocationId;
  const dof = trips.doLocationId;
  let maxId = -1;
  let minId = 0;
  for (let i = 0; i < n; i++) {
    const p = pu[i];
    const d = dof[i];
    if (p > maxId) maxId = p;
    if (d > maxId) maxId = d;
    if (p < minId) minId = p;
    if (d < minId) minId = d;
  }
  const { codes, dictionary } = minId >= -1 && maxId <= DENSE_MAX_ID ? densePairs(pu, dof, n, maxId) : sparsePairs(pu, dof, n);
  return {
    nRows: n,
    columns: {
      PU_DO: { kind: 'categorical', codes, dictionary },
      trip_distance: { kind: 'numeric', values: trips.tripDistance },
    },
  };
}

interface PairCodes {
  readonly codes: Int32Array;
  readonly dictionary: string[];
}

/**
 * Ids in [-1, maxId]: a table indexed by the shifted pair (slot 0 of each side is the null id).
 * "a_b" < "c_d" as strings exactly when a+"_" < c+"_", or a = c and b < d (ids hold no "_"), so
 * each side's ids are ranked once in that string order and the distinct pairs sort as integers.
 */
function densePairs(pu: Int32Array, dof: Int32Array, n: number, maxId: number): PairCodes {
  const side = maxId + 2;
  const puNames = Array.from({ length: side }, (_, j) => `${idName(j - 1)}_`);
  const doNames = Array.from({ length: side }, (_, j) => idName(j - 1));
  const puRank = stringRanks(puNames);
  const doRank = stringRanks(doNames);
  const table = new Int32Array(side * side).fill(-1);
  const codes = new Int32Array(n);
  const keys = new Int32Array(Math.min(n, side * side));
  let distinct = 0;
  // Pass 1: each row's slot, and the sort key of each distinct pair.
  for (let i = 0; i < n; i++) {
    const p = pu[i] + 1;
    const d = dof[i] + 1;
    const slot = p * side + d;
    codes[i] = slot;
    if (table[slot] < 0) {
      table[slot] = 0;
      keys[distinct++] = puRank[p] * side + doRank[d];
    }
  }
  const sorted = keys.subarray(0, distinct).sort();
  const puOfRank = inverse(puRank);
  const doOfRank = inverse(doRank);
  const dictionary = new Array<string>(distinct);
  for (let k = 0; k < distinct; k++) {
    const key = sorted[k];
    const r = (key / side) | 0;
    const p = puOfRank[r];
    const d = doOfRank[key - r * side];
    table[p * side + d] = k;
    dictionary[k] = puNames[p] + doNames[d];
  }
  // Pass 2: slot -> code.
  for (let i = 0; i < n; i++) codes[i] = table[codes[i]];
  return { codes, dictionary };
}

/** Rank of each name when the names are sorted as strings. */
function stringRanks(names: readonly string[]): Int32Array {
  const order = Array.from(names, (_, j) => j).sort((a, b) => compareStrings(names[a], names[b]));
  const rank = new Int32Array(names.length);
  for (let r = 0; r < order.length; r++) rank[order[r]] = r;
  return rank;
}

function inverse(rank: Int32Array): Int32Array {
  const out = new Int32Array(rank.length);
  for (let j = 0; j < rank.length; j++) out[rank[j]] = j;
  return out;
}

/** Any ids: pairs keyed by number in a Map, then the distinct names sorted. */
function sparsePairs(pu: Int32Array, dof: Int32Array, n: number): PairCodes {
  const seen = new Map<number, number>();
  const codes = new Int32Array(n);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = pu[i] * 4294967296 + (dof[i] >>> 0);
    let code = seen.get(k);
    if (code === undefined) {
      code = names.length;
      seen.set(k, code);
      names.push(pairName(pu[i], dof[i]));
    }
    codes[i] = code;
  }
  const order = Array.from(names, (_, j) => j).sort((a, b) => compareStrings(names[a], names[b]));
  const recode = new Int32Array(names.length);
  const dictionary = new Array<string>(names.length);
  for (let r = 0; r < order.length; r++) {
    recode[order[r]] = r;
    dictionary[r] = names[order[r]];
  }
  for (let i = 0; i < n; i++) codes[i] = recode[codes[i]];
  return { codes, dictionary };
}

/** A null id (-1) reads "nan", as pandas' `astype(str)` writes a missing value. */
function pairName(pu: number, dof: number): string {
  return `${idName(pu)}_${idName(dof)}`;
}

function idName(id: number): string {
  return id < 0 ? 'nan' : String(id);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
