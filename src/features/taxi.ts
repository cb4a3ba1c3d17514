/**
 * The course's taxi features: PU_DO = "<PULocationID>_<DOLocationID>" (categorical) and
 * trip_distance (numeric). PU_DO is built from the integer pair: a string is made once per
 * distinct pair, never per row.
 */
import type { TaxiTrips } from '../data/taxi.js';
import type { FeatureFrame } from './frame.js';

/** Largest zone id handled with a dense pair table; larger ids fall back to a Map. */
const DENSE_MAX_ID = 2047;

export function taxiFeatures(trips: TaxiTrips): FeatureFrame {
  const n = trips.nRows;
  const pu = trips.puLocationId;
  const dof = trips.doLocationId;
  const codes = new Int32Array(n);
  const dictionary: string[] = [];
  let maxId = -1;
  let minId = 0;
  for (let i = 0; i < n; i++) {
    if (pu[i] > maxId) maxId = pu[i];
    if (dof[i] > maxId) maxId = dof[i];
    if (pu[i] < minId) minId = pu[i];
    if (dof[i] < minId) minId = dof[i];
  }
  if (minId >= -1 && maxId <= DENSE_MAX_ID) {
    // Ids shifted by one so the null id -1 has a slot.
    const side = maxId + 2;
    const table = new Int32Array(side * side).fill(-1);
    for (let i = 0; i < n; i++) {
      const slot = (pu[i] + 1) * side + (dof[i] + 1);
      let code = table[slot];
      if (code < 0) {
        code = table[slot] = dictionary.length;
        dictionary.push(pairName(pu[i], dof[i]));
      }
      codes[i] = code;
    }
  } else {
    const seen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = pu[i] * 4294967296 + (dof[i] >>> 0);
      let code = seen.get(k);
      if (code === undefined) {
        code = dictionary.length;
        seen.set(k, code);
        dictionary.push(pairName(pu[i], dof[i]));
      }
      codes[i] = code;
    }
  }
  return {
    nRows: n,
    columns: {
      PU_DO: { kind: 'categorical', codes, dictionary },
      trip_distance: { kind: 'numeric', values: trips.tripDistance },
    },
  };
}

/** A null id (-1) reads "nan", as pandas' `astype(str)` writes a missing value. */
function pairName(pu: number, dof: number): string {
  return `${pu < 0 ? 'nan' : pu}_${dof < 0 ? 'nan' : dof}`;
}
