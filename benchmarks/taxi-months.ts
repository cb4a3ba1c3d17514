/**
 * The training data most benchmarks share: January 2021 green trips (train) and February
 * (validation), vectorised on January. The real files when present (full runs); otherwise, and
 * in quick mode, months of the same shape from the data layer's generator — `source` says which.
 * Loaded once per benchmark process.
 */
import path from 'node:path';
import { generateTaxiTable } from '../src/datasets/nyc-taxi/generate.js';
import { type TaxiTrips, prepareTaxi, readTaxiTrips } from '../src/datasets/nyc-taxi/trips.js';
import { DictVectorizer, type FittedDictVectorizer } from '../src/features/dict-vectorizer.js';
import type { FeatureFrame } from '../src/features/frame.js';
import { taxiFeatures } from '../src/datasets/nyc-taxi/features.js';
import type { BenchContext } from './types.js';

export interface TaxiMonth {
  readonly trips: TaxiTrips;
  readonly frame: FeatureFrame;
}

export interface TaxiMonths {
  readonly jan: TaxiMonth;
  readonly feb: TaxiMonth;
  /** Fitted on January. */
  readonly vectorizer: FittedDictVectorizer;
  readonly source: string;
}

const QUICK_ROWS = 5_000;
let cached: Promise<TaxiMonths> | undefined;

export function loadTaxiMonths(ctx: BenchContext): Promise<TaxiMonths> {
  cached ??= (async () => {
    let jan: TaxiTrips;
    let feb: TaxiTrips;
    let source: string;
    if (ctx.realDataDir && !ctx.quick) {
      const month = (m: string) => readTaxiTrips(path.join(ctx.realDataDir as string, `green_tripdata_2021-${m}.parquet`));
      [jan, feb] = await Promise.all([month('01'), month('02')]);
      source = 'green taxi 2021-01 (train), 2021-02 (validation)';
    } else {
      if (!ctx.quick) ctx.log('real data absent: generated months of the same size');
      // A real month keeps about 96% of its rows after preparation.
      const rows = ctx.quick ? QUICK_ROWS : 76_518;
      jan = prepareTaxi(generateTaxiTable({ month: '2021-01', rows, seed: 1 }));
      feb = prepareTaxi(generateTaxiTable({ month: '2021-02', rows: Math.round(rows * 0.84), seed: 2 }));
      source = ctx.quick ? 'generated (quick)' : 'generated, taxi-shaped';
    }
    const janFrame = taxiFeatures(jan);
    return {
      jan: { trips: jan, frame: janFrame },
      feb: { trips: feb, frame: taxiFeatures(feb) },
      vectorizer: new DictVectorizer().fit(janFrame),
      source,
    };
  })();
  return cached;
}
