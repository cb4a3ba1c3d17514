/**
 * Taxi files whose columns hold the wrong kind of thing: dictionary-encoded strings where numbers
 * belong, zone ids that are not zones. Each is refused naming the file, the column (and the row
 * and value); nothing is read as something it is not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceError, InvalidInputError } from '../../../src/core/errors.js';
import { readParquet } from '../../../src/data/parquet.js';
import { writeParquet } from '../../../src/data/write.js';
import { writeTaxiParquet } from '../../../src/datasets/nyc-taxi/generate.js';
import { prepareTaxi, readTaxiTrips } from '../../../src/datasets/nyc-taxi/trips.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-trips-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let table: arrow.Table;
beforeAll(async () => {
  const src = join(dir, 'gen.parquet');
  await writeTaxiParquet(src, { month: '2021-01', rows: 2000, seed: 3 });
  table = (await readParquet(src)).slice(0, 1000);
});

/** The generated month with one column replaced, as a table and as a file. */
function withColumn(name: string, v: arrow.Vector): { table: arrow.Table; path: string } {
  const out: Record<string, arrow.Vector> = {};
  for (const f of table.schema.fields) out[f.name] = f.name === name ? v : table.getChild(f.name)!;
  const t = new arrow.Table(out);
  const path = join(dir, `${name}-${Math.random().toString(36).slice(2)}.parquet`);
  writeFileSync(path, writeParquet(t));
  return { table: t, path };
}

async function refusal(path: string): Promise<DataSourceError> {
  const err = await readTaxiTrips(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataSourceError);
  expect((err as DataSourceError).message).toContain(path);
  return err as DataSourceError;
}

describe('dictionary-encoded string columns', () => {
  // They were read as their dictionary codes: trip_distance "100.5", "101.5", ... became 0, 1, ...
  it('are refused as UNSUPPORTED_TYPE naming the column as a dictionary of strings', async () => {
    const n = table.numRows;
    const cases: [string, arrow.Vector][] = [
      ['trip_distance', arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `${i + 100}.5`))],
      ['PULocationID', arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ['Manhattan', 'Queens', 'Bronx'][i % 3]))],
      ['lpep_pickup_datetime', arrow.vectorFromArray(Array.from({ length: n }, (_, i) => `2021-01-01 00:${String(i % 60).padStart(2, '0')}:00`))],
    ];
    for (const [column, v] of cases) {
      expect(arrow.DataType.isDictionary(v.type)).toBe(true);
      const err = await refusal(withColumn(column, v).path);
      expect(err.code).toBe('UNSUPPORTED_TYPE');
      expect(err.message).toContain(`column '${column}' has type Dictionary<Int32, Utf8> (dictionary-encoded strings)`);
    }
  });
});

describe('zone ids that are not zones', () => {
  const n = 1000;
  const floats = (bad: number, at: number) => arrow.vectorFromArray(Float64Array.from({ length: n }, (_, i) => (i === at ? bad : 1 + (i % 265))));

  for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -5, 2.5, 2 ** 31]) {
    it(`Float64 ${bad} is refused naming the column, row and value (file and table)`, async () => {
      const { table: t, path } = withColumn('PULocationID', floats(bad, 437));
      const err = await refusal(path);
      expect(err.code).toBe('INVALID_VALUE');
      expect(err.message).toContain(`column 'PULocationID' holds ${bad} at row 437`);
      expect(() => prepareTaxi(t)).toThrow(InvalidInputError);
      expect(() => prepareTaxi(t)).toThrow(`holds ${bad} at row 437`);
    });
  }

  it('Int64 ids beyond int32 and negative Int32 ids are refused', async () => {
    const big = withColumn('DOLocationID', arrow.vectorFromArray(BigInt64Array.from({ length: n }, (_, i) => (i === 12 ? 2n ** 32n + 7n : BigInt(1 + (i % 265))))));
    expect((await refusal(big.path)).message).toContain(`column 'DOLocationID' holds ${2 ** 32 + 7} at row 12`);
    const neg = withColumn('PULocationID', arrow.vectorFromArray(Int32Array.from({ length: n }, (_, i) => (i === 3 ? -5 : 1 + (i % 265)))));
    expect((await refusal(neg.path)).message).toContain(`column 'PULocationID' holds -5 at row 3`);
  });

  it('whole Float64 ids are read exactly, NaN and nulls as missing (-1)', async () => {
    const ids = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : 1 + (i % 265)));
    const { table: t, path } = withColumn('PULocationID', arrow.vectorFromArray(ids));
    const fromFile = await readTaxiTrips(path);
    const fromTable = prepareTaxi(t);
    expect(fromFile).toEqual(fromTable);
    // The kept rows, in order, carry their ids (duration filter aside).
    const whole = withColumn('PULocationID', arrow.vectorFromArray(Float64Array.from({ length: n }, (_, i) => 1 + (i % 265))));
    const prepared = prepareTaxi(whole.table);
    expect(fromFile.nRows).toBe(prepared.nRows);
    for (let r = 0; r < fromFile.nRows; r++) {
      const id = fromFile.puLocationId[r];
      expect(id === -1 || id === prepared.puLocationId[r]).toBe(true);
    }
    expect(Array.from(fromFile.puLocationId).filter((id) => id === -1).length).toBeGreaterThan(0);
  });
});
