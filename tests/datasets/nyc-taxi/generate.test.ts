import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/core/errors.js';
import { GREEN_TAXI_COLUMNS, generateTaxiParquet, generateTaxiTable, writeTaxiParquet } from '../../../src/datasets/nyc-taxi/generate.js';
import { parquetSchema, readParquet, streamParquet } from '../../../src/data/parquet.js';
import { readTaxiTrips } from '../../../src/datasets/nyc-taxi/trips.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 30_000;

describe('generated green taxi months', async () => {
  const path = join(dir, 'green_tripdata_2021-02.parquet');
  await writeTaxiParquet(path, { month: '2021-02', rows: ROWS, seed: 7, rowGroupSize: 10_000, compression: 'gzip' });

  it("have TLC's 2021 green schema (stored types included)", async () => {
    const schema = await parquetSchema(path);
    expect(schema.fields.map((f) => f.name)).toEqual([...GREEN_TAXI_COLUMNS]);
    const type = (name: string) => String(schema.fields.find((f) => f.name === name)!.type);
    expect(type('VendorID')).toBe('Int64');
    expect(type('lpep_pickup_datetime')).toBe('Timestamp<MICROSECOND>');
    expect(type('PULocationID')).toBe('Int64');
    expect(type('RatecodeID')).toBe('Float64');
    expect(type('store_and_fwd_flag')).toBe('Utf8');
    expect(type('ehail_fee')).toBe('Null');
  });

  it('read back through readParquet in row groups, and pass prepareTaxi', async () => {
    const sizes: number[] = [];
    for await (const b of streamParquet(path, { columns: ['trip_distance'] })) sizes.push(b.numRows);
    expect(sizes).toEqual([10_000, 10_000, 10_000]);
    const trips = await readTaxiTrips(path);
    // Like the real months (96.6% kept in Jan 2021): most rows pass 1 <= duration <= 60.
    expect(trips.nRows / ROWS).toBeGreaterThan(0.92);
    expect(trips.nRows / ROWS).toBeLessThan(0.99);
    for (let i = 0; i < trips.nRows; i++) {
      if (!(trips.duration[i] >= 1 && trips.duration[i] <= 60)) throw new Error(`row ${i}: duration ${trips.duration[i]}`);
      if (trips.puLocationId[i] < 1 || trips.puLocationId[i] > 265) throw new Error(`row ${i}: zone ${trips.puLocationId[i]}`);
    }
  });

  it('carry TLC dirt: nulls on the same ~45% of rows, null ehail_fee, zero and absurd distances, strays', async () => {
    const t = await readParquet(path);
    const block = ['RatecodeID', 'passenger_count', 'payment_type', 'trip_type', 'store_and_fwd_flag'].map((c) => t.getChild(c)!);
    const nulls = block[0].nullCount;
    expect(nulls / ROWS).toBeGreaterThan(0.42);
    expect(nulls / ROWS).toBeLessThan(0.48);
    for (let i = 0; i < ROWS; i += 7) {
      const isNull = block[0].get(i) === null;
      for (const c of block) expect(c.get(i) === null).toBe(isNull);
    }
    expect(t.getChild('ehail_fee')!.nullCount).toBe(ROWS);
    expect(t.getChild('VendorID')!.nullCount).toBe(0);
    const dist = t.getChild('trip_distance')!.toArray() as Float64Array;
    const zeros = dist.filter((d) => d === 0).length;
    const absurd = dist.filter((d) => d > 1000).length;
    expect(zeros / ROWS).toBeGreaterThan(0.02);
    expect(absurd).toBeGreaterThan(0);
    expect(Math.max(...dist)).toBeLessThan(260_000);
    // Pickups: nearly all in February 2021, a few elsewhere (as in TLC's files).
    const pick = t.getChild('lpep_pickup_datetime')!.data.flatMap((d) => Array.from(d.values as BigInt64Array));
    const start = BigInt(Date.UTC(2021, 1, 1)) * 1000n;
    const end = BigInt(Date.UTC(2021, 2, 1)) * 1000n;
    const inside = pick.filter((p) => p >= start && p < end).length;
    expect(inside / ROWS).toBeGreaterThan(0.99);
    expect(inside).toBeLessThan(ROWS);
  });

  it('have structure to learn: duration follows distance, and zone pairs have their own speeds', async () => {
    const trips = await readTaxiTrips(path);
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    const speeds = new Map<number, number[]>();
    for (let i = 0; i < trips.nRows; i++) {
      const x = trips.tripDistance[i];
      const y = trips.duration[i];
      if (x <= 0 || x > 50) continue;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      const key = trips.puLocationId[i] * 1000 + trips.doLocationId[i];
      const list = speeds.get(key) ?? [];
      list.push(x / y);
      speeds.set(key, list);
    }
    const corr = (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    expect(corr).toBeGreaterThan(0.6);
    const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1];
    const pairMedians = [...speeds.values()].filter((a) => a.length >= 20).map(median).sort((p, q) => p - q);
    expect(pairMedians.length).toBeGreaterThan(20);
    const p10 = pairMedians[Math.floor(pairMedians.length * 0.1)];
    const p90 = pairMedians[Math.floor(pairMedians.length * 0.9)];
    expect(p90 / p10).toBeGreaterThan(1.5);
  });

  it('are reproducible: same seed same bytes, another seed other trips, file equals bytes', async () => {
    const options = { month: '2021-02', rows: ROWS, seed: 7, rowGroupSize: 10_000, compression: 'gzip' } as const;
    const bytes = await generateTaxiParquet(options);
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(path))).toBe(0);
    const small = { month: '2021-03', rows: 500 };
    const a = generateTaxiTable({ ...small, seed: 1 }).getChild('trip_distance')!.toArray();
    const b = generateTaxiTable({ ...small, seed: 1 }).getChild('trip_distance')!.toArray();
    const c = generateTaxiTable({ ...small, seed: 2 }).getChild('trip_distance')!.toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // The row group size shapes the file, not the trips.
    const grouped = await readParquet(await generateTaxiParquet({ ...small, seed: 1, rowGroupSize: 128 }), { columns: ['trip_distance'] });
    expect(grouped.getChild('trip_distance')!.toArray()).toEqual(a);
  });

  it('reject bad options', () => {
    expect(() => generateTaxiTable({ month: '2021-13', rows: 10 })).toThrow(InvalidParameterError);
    expect(() => generateTaxiTable({ month: 'January', rows: 10 })).toThrow(/YYYY-MM/);
    expect(() => generateTaxiTable({ month: '2021-01', rows: -1 })).toThrow(/rows/);
    expect(() => generateTaxiTable({ month: '2021-01', rows: 10, rowGroupSize: 0 })).toThrow(/rowGroupSize/);
    expect(generateTaxiTable({ month: '2021-01', rows: 0 }).numRows).toBe(0);
  });
});
