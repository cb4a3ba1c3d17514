import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readParquet, streamParquet } from '../../src/data/parquet.js';
import { TAXI_COLUMNS } from '../../src/datasets/nyc-taxi/trips.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, realTaxiPath } from '../helpers/taxi.js';

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

describe.skipIf(!REAL_TAXI_DIR)('readParquet on the real green 2021 files', () => {
  it('reads only the asked columns, normalised (ids as Float64, timestamps in microseconds)', async () => {
    const t = await readParquet(realTaxiPath('2021-01'), { columns: TAXI_COLUMNS.green });
    expect(t.numRows).toBe(76518);
    expect(t.schema.fields.map((f) => f.name)).toEqual(TAXI_COLUMNS.green);
    expect(String(t.schema.fields[0].type)).toBe('Timestamp<MICROSECOND>');
    expect(String(t.schema.fields[2].type)).toBe('Float64');
    expect(t.getChild('PULocationID')!.get(0)).toBeTypeOf('number');
  });

  it('reads all columns when none are asked; ehail_fee (logical NULL) becomes an all-null Float64', async () => {
    const t = await readParquet(realTaxiPath('2021-02'));
    expect(t.numCols).toBe(20);
    const ehail = t.getChild('ehail_fee')!;
    expect(String(ehail.type)).toBe('Float64');
    expect(ehail.nullCount).toBe(t.numRows);
    expect(String(t.getChild('store_and_fwd_flag')!.type)).toBe('Utf8');
  });

  it('concatenates several paths and reads bytes like a path', async () => {
    const paths = [realTaxiPath('2021-01'), realTaxiPath('2021-02')];
    const both = await readParquet(paths, { columns: ['trip_distance'] });
    expect(both.numRows).toBe(76518 + 64572);
    const fromBytes = await readParquet(readFileSync(paths[1]), { columns: ['trip_distance'] });
    const d = both.getChild('trip_distance')!;
    const e = fromBytes.getChild('trip_distance')!;
    for (let i = 0; i < e.length; i += 509) expect(d.get(76518 + i)).toBe(e.get(i));
  });

  it('streams one record batch per row group', async () => {
    let rows = 0;
    let batches = 0;
    for await (const b of streamParquet([realTaxiPath('2021-03'), realTaxiPath('2021-01')], { columns: ['PULocationID'] })) {
      rows += b.numRows;
      batches++;
      expect(String(b.schema.fields[0].type)).toBe('Float64');
    }
    expect(rows).toBe(83827 + 76518);
    expect(batches).toBe(2);
  });
});
