/**
 * The taxi features for the neural model: pickup zone and dropoff zone as two categoricals (an
 * embedding each) and trip_distance, where the course's PU_DO joins the pair into one category.
 * A model of the zones apart can say something about a pair it never saw in training.
 */
import type { TaxiTrips } from '../../src/datasets/index.js';
import type { FeatureFrame } from '../../src/index.js';

/** Zone ids (-1 for a null) as a dictionary-encoded column of their decimal strings. */
function zoneColumn(ids: Int32Array): FeatureFrame['columns'][string] {
  const codeOf = new Map<number, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0) {
      codes[i] = -1;
      continue;
    }
    let code = codeOf.get(id);
    if (code === undefined) {
      code = dictionary.length;
      codeOf.set(id, code);
      dictionary.push(String(id));
    }
    codes[i] = code;
  }
  return { kind: 'categorical', codes, dictionary };
}

/** PU, DO (categorical) and trip_distance (numeric) of prepared trips. */
export function zoneFeatures(trips: TaxiTrips): FeatureFrame {
  return {
    nRows: trips.nRows,
    columns: {
      PU: zoneColumn(trips.puLocationId),
      DO: zoneColumn(trips.doLocationId),
      trip_distance: { kind: 'numeric', values: trips.tripDistance },
    },
  };
}

/**
 * Rows whose (pickup, dropoff) pair never occurs in `seen` (the training trips): what a model of
 * the pair as one category knows nothing about.
 */
export function unseenPairRows(seen: TaxiTrips, trips: TaxiTrips): Int32Array {
  const key = (pu: number, dof: number): number => (pu + 1) * 100_003 + (dof + 1);
  const pairs = new Set<number>();
  for (let i = 0; i < seen.nRows; i++) pairs.add(key(seen.puLocationId[i], seen.doLocationId[i]));
  const rows: number[] = [];
  for (let i = 0; i < trips.nRows; i++) if (!pairs.has(key(trips.puLocationId[i], trips.doLocationId[i]))) rows.push(i);
  return Int32Array.from(rows);
}
