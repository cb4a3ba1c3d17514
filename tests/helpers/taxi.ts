/**
 * Real NYC green taxi data for tests: January 2021 (train), February (validation), March (test),
 * prepared and vectorised the course's way. Loaded once per process.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toShared } from '../../src/core/typed.js';
import { readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import { DictVectorizer, type FittedDictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { CsrMatrix, FeatureColumns } from '../../src/features/matrix.js';
import { taxiFeatures } from '../../src/datasets/nyc-taxi/features.js';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const MONTHS = ['2021-01', '2021-02', '2021-03'] as const;

/** The folder of real taxi files (`../shared/data/nyc-taxi` from the project root), when present. */
export const REAL_TAXI_DIR: string | undefined = (() => {
  const dir = resolve(PROJECT_ROOT, '../shared/data/nyc-taxi');
  return MONTHS.every((m) => existsSync(join(dir, `green_tripdata_${m}.parquet`))) ? dir : undefined;
})();

/** Message for `console.warn` when real-data tests are skipped. */
export const REAL_TAXI_SKIP_MESSAGE =
  'real NYC taxi data not found at ../shared/data/nyc-taxi (from the project root): real-data tests are skipped';

export interface TaxiSplit {
  readonly X: CsrMatrix;
  readonly columns: FeatureColumns;
  /** Duration in minutes (SharedArrayBuffer-backed). */
  readonly y: Float64Array;
  readonly nRows: number;
}

export interface TaxiSplits {
  /** Fitted on January. */
  readonly vectorizer: FittedDictVectorizer;
  readonly train: TaxiSplit;
  readonly val: TaxiSplit;
  readonly test: TaxiSplit;
}

/** Path of a real green month, e.g. realTaxiPath('2021-01'). Throws when the data is absent. */
export function realTaxiPath(month: (typeof MONTHS)[number]): string {
  if (REAL_TAXI_DIR === undefined) throw new Error(REAL_TAXI_SKIP_MESSAGE);
  return join(REAL_TAXI_DIR, `green_tripdata_${month}.parquet`);
}

let cached: Promise<TaxiSplits> | undefined;

/** Jan/Feb/Mar 2021 green: prepared (1 <= duration <= 60), vectorizer fitted on January. */
export function loadRealTaxiSplits(): Promise<TaxiSplits> {
  cached ??= (async () => {
    const [jan, feb, mar] = await Promise.all(MONTHS.map((m) => readTaxiTrips(realTaxiPath(m))));
    const frames = [jan, feb, mar].map(taxiFeatures);
    const vectorizer = new DictVectorizer().fit(frames[0]);
    const split = (i: number): TaxiSplit => ({
      X: vectorizer.transform(frames[i]),
      columns: vectorizer.transformColumns(frames[i]),
      y: toShared([jan, feb, mar][i].duration),
      nRows: [jan, feb, mar][i].nRows,
    });
    return { vectorizer, train: split(0), val: split(1), test: split(2) };
  })();
  return cached;
}
