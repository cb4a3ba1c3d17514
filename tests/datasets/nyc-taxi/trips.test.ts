import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquet } from '../../../src/data/parquet.js';
import { TAXI_COLUMNS, prepareTaxi, readTaxiTrips } from '../../../src/datasets/nyc-taxi/trips.js';
import { InvalidInputError, InvalidParameterError } from '../../../src/core/errors.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, realTaxiPath } from '../../helpers/taxi.js';

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

/** Row-by-row reference with a BigInt per timestamp, as pandas computes total_seconds() / 60. */
function naivePrepare(table: arrow.Table, lo = 1, hi = 60) {
  const pick = table.getChild('lpep_pickup_datetime')!;
  const drop = table.getChild('lpep_dropoff_datetime')!;
  const pu = table.getChild('PULocationID')!;
  const dof = table.getChild('DOLocationID')!;
  const dist = table.getChild('trip_distance')!;
  const duration: number[] = [];
  const rows: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    // The raw int64 microseconds (Arrow JS's get() rounds timestamps to milliseconds).
    const pa = rawTicks(pick, i);
    const pb = rawTicks(drop, i);
    const m = Number(pb - pa) / 1e6 / 60;
    if (m >= lo && m <= hi) {
      duration.push(m);
      rows.push(i);
    }
  }
  return {
    duration,
    tripDistance: rows.map((i) => dist.get(i) as number),
    pu: rows.map((i) => Number(pu.get(i))),
    do: rows.map((i) => Number(dof.get(i))),
  };
}

/** Index of the first element where two long arrays differ (Object.is), -1 when equal; -2 on length. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function rawTicks(v: arrow.Vector, i: number): bigint {
  let at = i;
  for (const d of v.data) {
    if (at < d.length) return (d.values as BigInt64Array)[at];
    at -= d.length;
  }
  throw new Error('row out of range');
}

describe.skipIf(!REAL_TAXI_DIR)('prepareTaxi on the real green 2021 files', () => {
  it('keeps the course row counts: Jan 73,908, Feb 61,921, Mar 80,372', async () => {
    const counts = [];
    for (const m of ['2021-01', '2021-02', '2021-03'] as const) counts.push((await readTaxiTrips(realTaxiPath(m))).nRows);
    expect(counts).toEqual([73908, 61921, 80372]);
  });

  it('equals a row-by-row BigInt reference on January', async () => {
    const table = await readParquet(realTaxiPath('2021-01'), { columns: TAXI_COLUMNS.green });
    const trips = prepareTaxi(table);
    const ref = naivePrepare(table);
    expect(trips.nRows).toBe(ref.duration.length);
    expect(firstDifference(trips.duration, ref.duration)).toBe(-1);
    expect(firstDifference(trips.tripDistance, ref.tripDistance)).toBe(-1);
    expect(firstDifference(trips.puLocationId, ref.pu)).toBe(-1);
    expect(firstDifference(trips.doLocationId, ref.do)).toBe(-1);
  });

  it('honours custom bounds (inclusive on both ends)', async () => {
    const table = await readParquet(realTaxiPath('2021-02'), { columns: TAXI_COLUMNS.green });
    const trips = prepareTaxi(table, { minDuration: 5, maxDuration: 10 });
    const ref = naivePrepare(table, 5, 10);
    expect(trips.nRows).toBe(ref.duration.length);
    expect(trips.nRows).toBeGreaterThan(1000);
    expect(Math.min(...trips.duration)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...trips.duration)).toBeLessThanOrEqual(10);
  });
});

describe('prepareTaxi on built tables', () => {
  const minute = 60_000_000n; // microseconds
  const t0 = 1_609_459_200_000_000n; // 2021-01-01T00:00:00 in microseconds
  const build = (unit: arrow.TimeUnit, scale: bigint, prefix = 'lpep') => {
    const starts = [t0, t0, t0, t0, t0];
    const ends = [t0 + minute / 2n, t0 + minute, t0 + 30n * minute, t0 + 60n * minute, t0 + 61n * minute];
    const ts = (xs: bigint[]) =>
      arrow.makeVector({ type: new arrow.Timestamp(unit), data: BigInt64Array.from(xs, (x) => (x * scale) / 1000n) });
    return new arrow.Table({
      [`${prefix}_pickup_datetime`]: ts(starts),
      [`${prefix}_dropoff_datetime`]: ts(ends),
      PULocationID: arrow.makeVector(Int32Array.from([1, 2, 3, 4, 5])),
      DOLocationID: arrow.makeVector(BigInt64Array.from([10n, 20n, 30n, 40n, 50n])),
      trip_distance: arrow.makeVector(Float64Array.from([0.1, 0.2, 3, 4, 5])),
    });
  };

  it('keeps 1 <= minutes <= 60 whatever the timestamp unit, green or yellow names', () => {
    for (const [unit, scale] of [
      [arrow.TimeUnit.MICROSECOND, 1000n],
      [arrow.TimeUnit.NANOSECOND, 1_000_000n],
      [arrow.TimeUnit.MILLISECOND, 1n],
    ] as const) {
      for (const prefix of ['lpep', 'tpep']) {
        const trips = prepareTaxi(build(unit, scale, prefix));
        expect(Array.from(trips.duration)).toEqual([1, 30, 60]);
        expect(Array.from(trips.puLocationId)).toEqual([2, 3, 4]);
        expect(Array.from(trips.doLocationId)).toEqual([20, 30, 40]);
        expect(Array.from(trips.tripDistance)).toEqual([0.2, 3, 4]);
      }
    }
  });

  it('computes minutes exactly across the int64 halves (low half wrapping, signs, negative spans)', () => {
    const starts: bigint[] = [];
    const ends: bigint[] = [];
    for (const low of [0x7fff_fff0n, 0xffff_fff0n, 0x8000_0000n, 0n, 0x1234_5678n]) {
      for (const span of [1n, 59n * minute + 17n, 60n * minute, 36n * minute, 3n * 60n * minute, -minute, 2n ** 33n + 5n]) {
        const start = (t0 & ~0xffff_ffffn) + low;
        starts.push(start);
        ends.push(start + span);
      }
    }
    const n = starts.length;
    const table = new arrow.Table({
      lpep_pickup_datetime: arrow.makeVector({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND), data: BigInt64Array.from(starts) }),
      lpep_dropoff_datetime: arrow.makeVector({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND), data: BigInt64Array.from(ends) }),
      PULocationID: arrow.makeVector(Int32Array.from({ length: n }, (_, i) => i)),
      DOLocationID: arrow.makeVector(Int32Array.from({ length: n }, (_, i) => i)),
      trip_distance: arrow.makeVector(Float64Array.from({ length: n }, (_, i) => i / 7)),
    });
    const trips = prepareTaxi(table, { minDuration: -1e9, maxDuration: 1e9 });
    expect(Array.from(trips.duration)).toEqual(starts.map((s, i) => Number(ends[i] - s) / 1e6 / 60));
    expect(Array.from(trips.tripDistance)).toEqual(Array.from({ length: n }, (_, i) => i / 7));
  });

  it('rejects bad bounds and tables without the needed columns', () => {
    const table = build(arrow.TimeUnit.MICROSECOND, 1000n);
    expect(() => prepareTaxi(table, { minDuration: 10, maxDuration: 5 })).toThrow(InvalidParameterError);
    expect(() => prepareTaxi(table.select(['PULocationID']))).toThrow(/pickup/);
    expect(() => prepareTaxi(table.select(['lpep_pickup_datetime', 'lpep_dropoff_datetime', 'PULocationID', 'DOLocationID']))).toThrow(
      InvalidInputError,
    );
  });
});
