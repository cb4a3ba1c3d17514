/**
 * A wider taxi table for the tree learner: January 2021 green trips (real when present, else a
 * generated month of the same schema) with three categoricals (PU_DO, PULocationID,
 * DOLocationID) and five numerics (trip_distance, fare_amount, passenger_count, tolls_amount,
 * pickup hour), duration 1-60 minutes as the target; and the course's pair (PU_DO,
 * trip_distance) from the same rows, so the two widths compare on the same data.
 */
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { generateTaxiTable } from '../src/datasets/nyc-taxi/generate.js';
import { readParquet } from '../src/data/parquet.js';
import type { FeatureColumns } from '../src/features/matrix.js';
import type { BenchContext } from './types.js';

export interface WideTaxi {
  /** 3 categoricals + 5 numerics. */
  readonly wide: FeatureColumns;
  /** PU_DO + trip_distance. */
  readonly pair: FeatureColumns;
  /** Duration in minutes. */
  readonly y: Float64Array;
  readonly source: string;
}

let cached: Promise<WideTaxi> | undefined;

export function loadWideTaxi(ctx: BenchContext): Promise<WideTaxi> {
  cached ??= (async () => {
    if (ctx.realDataDir && !ctx.quick) {
      const table = await readParquet(path.join(ctx.realDataDir, 'green_tripdata_2021-01.parquet'));
      return { ...wideColumns(table), source: 'green taxi 2021-01' };
    }
    const table = generateTaxiTable({ month: '2021-01', rows: ctx.quick ? 5_000 : 76_518, seed: 1 });
    return { ...wideColumns(table), source: ctx.quick ? 'generated (quick)' : 'generated, taxi-shaped' };
  })();
  return cached;
}

function numberColumn(table: arrow.Table, name: string): (i: number) => number {
  const col = table.getChild(name);
  if (!col) throw new Error(`taxi table has no column '${name}'`);
  return (i) => {
    const v = col.get(i);
    return v === null || v === undefined ? Number.NaN : Number(v);
  };
}

function wideColumns(table: arrow.Table): Omit<WideTaxi, 'source'> {
  const color = table.getChild('lpep_pickup_datetime') ? 'lpep' : 'tpep';
  const pickup = numberColumn(table, `${color}_pickup_datetime`);
  const dropoff = numberColumn(table, `${color}_dropoff_datetime`);
  const pu = numberColumn(table, 'PULocationID');
  const dO = numberColumn(table, 'DOLocationID');
  const numeric = ['trip_distance', 'fare_amount', 'passenger_count', 'tolls_amount'].map((name) => ({ name, get: numberColumn(table, name) }));
  const kept: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const minutes = (dropoff(i) - pickup(i)) / 60_000;
    if (minutes >= 1 && minutes <= 60) {
      kept.push(i);
      y.push(minutes);
    }
  }
  const n = kept.length;
  const location = (v: number) => (Number.isNaN(v) ? -1 : v);
  const categorical = (name: string, key: (i: number) => string) => {
    const keys = kept.map(key);
    const categories = [...new Set(keys)].sort();
    const codeOf = new Map(categories.map((c, k) => [c, k]));
    return { kind: 'categorical' as const, name, categories, codes: Int32Array.from(keys, (k) => codeOf.get(k) ?? 0) };
  };
  const puDo = categorical('PU_DO', (i) => `${location(pu(i))}_${location(dO(i))}`);
  const distance = { kind: 'numeric' as const, name: 'trip_distance', values: Float64Array.from(kept, numeric[0].get) };
  const wide: FeatureColumns = {
    format: 'columns',
    nRows: n,
    columns: [
      puDo,
      categorical('PULocationID', (i) => String(location(pu(i)))),
      categorical('DOLocationID', (i) => String(location(dO(i)))),
      distance,
      ...numeric.slice(1).map(({ name, get }) => ({ kind: 'numeric' as const, name, values: Float64Array.from(kept, get) })),
      { kind: 'numeric', name: 'pickup_hour', values: Float64Array.from(kept, (i) => new Date(pickup(i)).getUTCHours()) },
    ],
  };
  return { wide, pair: { format: 'columns', nRows: n, columns: [puDo, distance] }, y: Float64Array.from(y) };
}
