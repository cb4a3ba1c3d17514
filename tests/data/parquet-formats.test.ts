import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceError } from '../../src/core/errors.js';
import { ParquetErrorCode, parquetSchema, readParquet, streamParquet } from '../../src/data/parquet.js';
import { prepareTaxi, readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import { type ParquetCompression, writeParquet } from '../../src/data/write.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// 2021-01-01T00:00:00 and later, in microseconds.
const T0 = 1_609_459_200_000_000n;
const pickups = [T0, T0 + 1n, T0 + 600_000_000n, T0 - 1_234_567n];
const dropoffs = [T0 + 300_000_000n, T0 + 90_000_001n, T0 + 3_000_000_000n, T0 + 1_000_000n];

/** A 4-row TLC-like table: ids of `idType`, timestamps in `unit`, a logical-NULL ehail_fee. */
function tlcTable(idType: 'int32' | 'int64' | 'double', unit: arrow.TimeUnit, nullCounts = false): arrow.Table {
  const ids = (xs: number[]) =>
    idType === 'int32'
      ? arrow.makeVector(Int32Array.from(xs))
      : idType === 'int64'
        ? arrow.makeVector(BigInt64Array.from(xs.map(BigInt)))
        : arrow.makeVector(Float64Array.from(xs));
  const perMicro = unit === arrow.TimeUnit.NANOSECOND ? 1000n : 1n;
  const ts = (xs: bigint[]) => arrow.makeVector({ type: new arrow.Timestamp(unit), data: BigInt64Array.from(xs, (x) => x * perMicro) });
  const counts = nullCounts
    ? idType === 'int64'
      ? arrow.vectorFromArray([1n, null, 2n, null], new arrow.Int64())
      : arrow.vectorFromArray([1, null, 2, null], idType === 'int32' ? new arrow.Int32() : new arrow.Float64())
    : ids([1, 1, 2, 5]);
  return new arrow.Table({
    lpep_pickup_datetime: ts(pickups),
    lpep_dropoff_datetime: ts(dropoffs),
    PULocationID: ids([7, 65, 265, 1]),
    DOLocationID: ids([8, 66, 1, 265]),
    passenger_count: counts,
    trip_distance: arrow.makeVector(Float64Array.from([1.5, 0, 244152.01, 3.25])),
    store_and_fwd_flag: arrow.vectorFromArray(['N', null, 'Y', 'N'], new arrow.Utf8()),
    ehail_fee: new arrow.Vector([arrow.makeData({ type: new arrow.Null(), length: 4 })]),
  });
}

/** A microsecond timestamp column with nulls. */
function micros(xs: (bigint | null)[]): arrow.Vector {
  const bits = new Uint8Array((xs.length + 7) >> 3);
  xs.forEach((x, i) => {
    if (x !== null) bits[i >> 3] |= 1 << (i & 7);
  });
  const nulls = xs.filter((x) => x === null).length;
  const data = BigInt64Array.from(xs, (x) => x ?? 0n);
  return new arrow.Vector([arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: xs.length, nullCount: nulls, nullBitmap: bits, data })]);
}

describe('readParquet normalises TLC variants to one schema', () => {
  const variants: [string, 'int32' | 'int64' | 'double', arrow.TimeUnit, ParquetCompression][] = [
    ['2019-style', 'double', arrow.TimeUnit.MICROSECOND, 'gzip'],
    ['2021-style', 'int64', arrow.TimeUnit.MICROSECOND, 'zstd'],
    ['2023-style', 'int32', arrow.TimeUnit.NANOSECOND, 'snappy'],
  ];
  const paths = variants.map(([name, ids, unit, codec]) => save(`${name}.parquet`, writeParquet(tlcTable(ids, unit, true), { compression: codec })));

  it('writes the variants with the asked physical types (so the test exercises them)', async () => {
    const types = await Promise.all(paths.map(async (p) => String((await parquetSchema(p)).fields[2].type)));
    expect(types).toEqual(['Float64', 'Int64', 'Int32']);
    expect(String((await parquetSchema(paths[2])).fields[0].type)).toBe('Timestamp<NANOSECOND>');
    expect(String((await parquetSchema(paths[0])).fields.at(-1)!.type)).toBe('Null');
  });

  it('reads each variant to the same types and values', async () => {
    for (const p of paths) {
      const t = await readParquet(p);
      expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'lpep_pickup_datetime:Timestamp<MICROSECOND>',
        'lpep_dropoff_datetime:Timestamp<MICROSECOND>',
        'PULocationID:Float64',
        'DOLocationID:Float64',
        'passenger_count:Float64',
        'trip_distance:Float64',
        'store_and_fwd_flag:Utf8',
        'ehail_fee:Float64',
      ]);
      expect(Array.from(t.getChild('lpep_pickup_datetime')!.data[0].values as BigInt64Array)).toEqual(pickups);
      expect(t.getChild('PULocationID')!.toArray()).toEqual(Float64Array.from([7, 65, 265, 1]));
      expect([...t.getChild('passenger_count')!]).toEqual([1, null, 2, null]);
      expect([...t.getChild('store_and_fwd_flag')!]).toEqual(['N', null, 'Y', 'N']);
      expect(t.getChild('ehail_fee')!.nullCount).toBe(4);
    }
  });

  it('concatenates files of different years, and prepares them as one', async () => {
    const t = await readParquet(paths, { columns: ['PULocationID', 'lpep_dropoff_datetime'] });
    expect(t.numRows).toBe(12);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['PULocationID', 'lpep_dropoff_datetime']);
    let batches = 0;
    for await (const b of streamParquet(paths, { columns: ['passenger_count'] })) {
      batches++;
      expect(String(b.schema.fields[0].type)).toBe('Float64');
    }
    expect(batches).toBe(3);
    // Durations 5, 1.5 (kept), 40 (kept), 0.037 (dropped) minutes per file.
    const trips = await readTaxiTrips(paths);
    expect(Array.from(trips.duration)).toEqual([5, 1.5, 40, 5, 1.5, 40, 5, 1.5, 40]);
    expect(Array.from(trips.puLocationId)).toEqual([7, 65, 265, 7, 65, 265, 7, 65, 265]);
  });

  it('readTaxiTrips (wasm memory) and prepareTaxi(readParquet) agree, nulls and row groups included', async () => {
    const m = 60_000_000n;
    const table = new arrow.Table({
      lpep_pickup_datetime: micros([T0, T0, null, T0, T0, T0, T0]),
      lpep_dropoff_datetime: micros([T0 + 5n * m, T0 + 2n * m, T0 + m, null, T0 + 60n * m, T0 + 10n * m, T0 + 61n * m]),
      PULocationID: arrow.vectorFromArray([1, null, 3, 4, 5, 6, 7], new arrow.Int32()),
      DOLocationID: arrow.vectorFromArray([10n, 20n, 30n, 40n, 50n, null, 70n], new arrow.Int64()),
      trip_distance: arrow.vectorFromArray([1.5, 2, 3, 4, null, 6, 7], new arrow.Float64()),
    });
    const p = save('nulls.parquet', writeParquet(table, { rowGroupSize: 3 }));
    const direct = await readTaxiTrips(p);
    const viaArrow = prepareTaxi(await readParquet(p));
    for (const trips of [direct, viaArrow]) {
      expect(Array.from(trips.duration)).toEqual([5, 2, 60, 10]);
      expect(Array.from(trips.puLocationId)).toEqual([1, -1, 5, 6]);
      expect(Array.from(trips.doLocationId)).toEqual([10, 20, 50, -1]);
      expect(Array.from(trips.tripDistance)).toEqual([1.5, 2, Number.NaN, 6]);
    }
  });

  it('floors nanoseconds to microseconds exactly over the whole int64 range', async () => {
    const ns = [1_609_459_200_123_456_789n, -1n, -1_001n, 9_007_199_254_740_993_001n, 2n ** 63n - 1n, -(2n ** 63n)];
    const t = new arrow.Table({ t: arrow.makeVector({ type: new arrow.Timestamp(arrow.TimeUnit.NANOSECOND), data: BigInt64Array.from(ns) }) });
    const back = await readParquet(writeParquet(t));
    const floorDiv = (x: bigint) => (x >= 0n ? x / 1000n : -((-x + 999n) / 1000n));
    expect(Array.from(back.getChild('t')!.data[0].values as BigInt64Array)).toEqual(ns.map(floorDiv));
  });

  it('reads every codec parquet-wasm writes', async () => {
    for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'brotli', 'lz4'] as const) {
      const t = await readParquet(writeParquet(tlcTable('int64', arrow.TimeUnit.MICROSECOND), { compression: codec }), {
        columns: ['trip_distance'],
      });
      expect(t.getChild('trip_distance')!.toArray()).toEqual(Float64Array.from([1.5, 0, 244152.01, 3.25]));
    }
  });

  it('reads large files row group by row group', async () => {
    const n = 10_000;
    const t = new arrow.Table({ x: arrow.makeVector(Int32Array.from({ length: n }, (_, i) => i)) });
    const p = save('groups.parquet', writeParquet(t, { rowGroupSize: 3_000 }));
    const sizes: number[] = [];
    let expected = 0;
    for await (const b of streamParquet(p)) {
      sizes.push(b.numRows);
      for (const v of b.getChild('x')!) expect(v).toBe(expected++);
    }
    expect(sizes).toEqual([3000, 3000, 3000, 1000]);
    expect((await readParquet(p)).numRows).toBe(n);
  });
});

describe('readParquet errors name the file and what is wrong', () => {
  const good = writeParquet(tlcTable('int64', arrow.TimeUnit.MICROSECOND));

  async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(DataSourceError);
      return { code: (err as DataSourceError).code, message: (err as Error).message };
    }
    throw new Error('expected an error');
  }

  it('missing file', async () => {
    const p = join(dir, 'nope.parquet');
    const e = await codeOf(readParquet(p));
    expect(e.code).toBe(ParquetErrorCode.fileNotFound);
    expect(e.message).toContain(p);
  });

  it('not Parquet (a CSV, an empty file)', async () => {
    const csv = save('trips.csv', 'VendorID,trip_distance\n1,2.5\n');
    const e = await codeOf(readParquet(csv));
    expect(e.code).toBe(ParquetErrorCode.notParquet);
    expect(e.message).toContain(csv);
    expect((await codeOf(readParquet(save('empty.parquet', '')))).code).toBe(ParquetErrorCode.notParquet);
    expect((await codeOf(readParquet(new TextEncoder().encode('hello world, not parquet')))).code).toBe(ParquetErrorCode.notParquet);
  });

  it('truncated file (cut at the end, or cut to the header)', async () => {
    for (const keep of [good.length - 1, Math.floor(good.length / 2), 4]) {
      const p = save(`cut-${keep}.parquet`, good.subarray(0, keep));
      const e = await codeOf(readParquet(p));
      expect(e.code).toBe(ParquetErrorCode.truncated);
      expect(e.message).toContain(p);
    }
  });

  it('a corrupt footer', async () => {
    const bad = good.slice();
    const footerLength = new DataView(bad.buffer).getUint32(bad.length - 8, true);
    bad.fill(0xff, bad.length - 8 - footerLength, bad.length - 8);
    const p = save('corrupt.parquet', bad);
    const e = await codeOf(readParquet(p));
    expect([ParquetErrorCode.truncated, ParquetErrorCode.readFailed]).toContain(e.code);
    expect(e.message).toContain(p);
  });

  it('a requested column absent', async () => {
    const p = save('good.parquet', good);
    const e = await codeOf(readParquet(p, { columns: ['trip_distance', 'fare_amount'] }));
    expect(e.code).toBe(ParquetErrorCode.columnNotFound);
    expect(e.message).toContain(p);
    expect(e.message).toContain("'fare_amount'");
  });

  it('a column of an unusable type (nested list; string where a number is needed)', async () => {
    const list = new arrow.Table({
      stops: arrow.vectorFromArray([[1, 2], [3]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
      trip_distance: arrow.makeVector(Float64Array.from([1, 2])),
    });
    const p = save('nested.parquet', writeParquet(list));
    const e = await codeOf(readParquet(p, { columns: ['stops'] }));
    expect(e.code).toBe(ParquetErrorCode.unsupportedType);
    expect(e.message).toContain(p);
    expect(e.message).toContain("'stops'");
    expect((await readParquet(p, { columns: ['trip_distance'] })).numRows).toBe(2);

    const t = tlcTable('int64', arrow.TimeUnit.MICROSECOND);
    const asText = new arrow.Table({ ...Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name)!])), trip_distance: arrow.vectorFromArray(['1.5', '0', '2', '3'], new arrow.Utf8()) });
    const q = save('text-distance.parquet', writeParquet(asText));
    const f = await codeOf(readTaxiTrips(q));
    expect(f.code).toBe(ParquetErrorCode.unsupportedType);
    expect(f.message).toContain(q);
    expect(f.message).toContain("'trip_distance'");
  });

  it('files whose schemas differ after normalisation', async () => {
    const a = save('a.parquet', writeParquet(new arrow.Table({ x: arrow.makeVector(Int32Array.from([1])) })));
    const b = save('b.parquet', writeParquet(new arrow.Table({ x: arrow.vectorFromArray(['1'], new arrow.Utf8()) })));
    const e = await codeOf(readParquet([a, b]));
    expect(e.code).toBe(ParquetErrorCode.schemaMismatch);
    expect(e.message).toContain(b);
  });
});
