import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow/Arrow';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataSourceError } from '../../src/core/errors.js';
import { writeParquet } from '../../src/data/write.js';
import { readTable, streamTable, tableFiles } from '../../src/data/table.js';
import { tableToCsv } from '../helpers/csv.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, realTaxiPath } from '../helpers/taxi.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, content] of Object.entries(files)) writeFileSync(join(d, f), content);
  return d;
}

async function refusal(p: Promise<unknown>): Promise<DataSourceError> {
  try {
    await p;
  } catch (err) {
    return err as DataSourceError;
  }
  throw new Error('expected an error');
}

const types = (t: arrow.Table) => t.schema.fields.map((f) => `${f.name}:${f.type}`);
const column = (t: arrow.Table, name: string) => t.getChild(name)!.toArray();

describe('readTable: files, lists and folders', () => {
  it('reads a folder of CSV files in name order, the later ones with the first one’s types (hidden files skipped)', async () => {
    const d = folder('csvs', {
      'b.csv': 'id,price,when\n3,2.5,2021-01-03\n',
      'a.csv': 'id,price,when\n1,10,2021-01-01\n2,,2021-01-02\n',
      '.hidden.csv': 'junk\n',
      'notes.txt': 'not a table',
    });
    const t = await readTable(d);
    expect(types(t)).toEqual(['id:Float64', 'price:Float64', 'when:Timestamp<MICROSECOND>']);
    expect(Array.from(column(t, 'id'))).toEqual([1, 2, 3]);
    expect([...t.getChild('price')!]).toEqual([10, null, 2.5]);
    expect((await tableFiles(d)).files.map((f) => f.slice(d.length + 1))).toEqual(['a.csv', 'b.csv']);
  });

  it('matches the columns of later files by name, and reads a list of files and folders, gzip included', async () => {
    const d = folder('lists', { 'x.csv': 'a,b\n1,x\n', 'y.csv.gz': gzipSync('b,a\ny,2\n') });
    const t = await readTable([join(d, 'y.csv.gz'), join(d, 'x.csv')]);
    expect([...t.getChild('b')!]).toEqual(['y', 'x']);
    expect([...t.getChild('a')!]).toEqual([2, 1]);
    let rows = 0;
    for await (const b of streamTable(d, { columns: ['a'] })) rows += b.numRows;
    expect(rows).toBe(2);
  });

  it('refuses a folder whose files hold other columns, naming both files', async () => {
    const d = folder('mixed-schema', { 'a.csv': 'x,y\n1,2\n', 'b.csv': 'x,z\n3,4\n' });
    const err = await refusal(readTable(d));
    expect(err.code).toBe('SCHEMA_MISMATCH');
    expect(err.message).toContain('b.csv');
    expect(err.message).toContain('a.csv');
    const extra = folder('extra-column', { 'a.csv': 'x\n1\n', 'b.csv': 'x,z\n3,4\n' });
    expect((await refusal(readTable(extra))).code).toBe('SCHEMA_MISMATCH');
  });

  it('refuses a later file whose values do not fit the first file’s types, naming file, line and column', async () => {
    const d = folder('bad-later', { 'a.csv': 'x\n1\n', 'b.csv': 'x\n2\nthree\n' });
    const err = await refusal(readTable(d));
    expect(err.code).toBe('CSV_BAD_VALUE');
    expect(err.message).toBe(`${join(d, 'b.csv')}: line 3, column 'x': "three" is not a number (the type was inferred from the first rows; set types to choose it)`);
  });

  it('refuses an empty folder, a missing path, mixed formats and an unknown format', async () => {
    expect((await refusal(readTable(folder('empty', { 'readme.md': '#' })))).code).toBe('NO_FILES');
    expect((await refusal(readTable(join(dir, 'nowhere')))).code).toBe('FILE_NOT_FOUND');
    const table = arrow.tableFromArrays({ x: Float64Array.from([1]) });
    const mixed = folder('mixed-formats', { 'a.csv': 'x\n1\n', 'b.parquet': writeParquet(table) });
    const err = await refusal(readTable(mixed));
    expect(err.code).toBe('MIXED_FORMATS');
    expect(Array.from(column(await readTable(mixed, { format: 'parquet' }), 'x'))).toEqual([1]);
    const odd = folder('odd', { 'data.bin': 'x\n1\n' });
    expect((await refusal(readTable(join(odd, 'data.bin')))).code).toBe('UNKNOWN_FORMAT');
    expect(Array.from(column(await readTable(join(odd, 'data.bin'), { format: 'csv' }), 'x'))).toEqual([1]);
    expect((await refusal(readTable([]))).code).toBe('INVALID_PARAMETER');
  });

  it('reads Arrow IPC files (file and stream formats, any extension by their magic) normalised as Parquet is', async () => {
    const t = arrow.tableFromArrays({ i: Int32Array.from([1, 2]), s: ['x', null], big: BigInt64Array.from([5n, 6n]) });
    const d = folder('ipc', { 'a.feather': arrow.tableToIPC(t, 'file'), 'b.arrows': arrow.tableToIPC(t, 'stream') });
    const both = await readTable(d);
    expect(types(both)).toEqual(['i:Float64', 's:Utf8', 'big:Float64']);
    expect([...both.getChild('s')!]).toEqual(['x', null, 'x', null]);
    const sniffed = folder('ipc-sniffed', { 'data.bin': arrow.tableToIPC(t, 'file') });
    expect(types(await readTable(join(sniffed, 'data.bin'), { columns: ['big'] }))).toEqual(['big:Float64']);
    expect((await refusal(readTable(join(d, 'a.feather'), { columns: ['nope'] }))).code).toBe('COLUMN_NOT_FOUND');
    const other = folder('ipc-mixed', { 'a.arrow': arrow.tableToIPC(t, 'file'), 'b.arrow': arrow.tableToIPC(arrow.tableFromArrays({ i: ['text'] }), 'file') });
    expect((await refusal(readTable(other))).code).toBe('SCHEMA_MISMATCH');
    const broken = folder('ipc-broken', { 'a.arrow': 'ARROW1 but no more' });
    expect((await refusal(readTable(broken))).code).toBe('READ_FAILED');
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

describe.skipIf(!REAL_TAXI_DIR)('readTable on the real green 2021 files', () => {
  it('a CSV of January (every column) reads as the same table as its Parquet file', async () => {
    const parquet = await readTable(realTaxiPath('2021-01'));
    const d = folder('taxi-csv', { 'green_tripdata_2021-01.csv': tableToCsv(parquet) });
    const csv = await readTable(d);
    expect(types(csv)).toEqual(types(parquet));
    expect(csv.numRows).toBe(76518);
    for (const f of parquet.schema.fields) {
      const a = parquet.getChild(f.name)!;
      const b = csv.getChild(f.name)!;
      expect(b.nullCount, f.name).toBe(a.nullCount);
      const differs: number[] = [];
      for (let i = 0; i < a.length; i++) if (!Object.is(a.get(i), b.get(i))) differs.push(i);
      expect(differs.slice(0, 5), f.name).toEqual([]);
    }
  });

  it('a folder of the three months as CSV reads as the three Parquet files do', async () => {
    const months = ['2021-01', '2021-02', '2021-03'] as const;
    const files: Record<string, string> = {};
    for (const m of months) files[`${m}.csv`] = tableToCsv(await readTable(realTaxiPath(m), { columns: ['lpep_pickup_datetime', 'trip_distance', 'PULocationID'] }));
    const csv = await readTable(folder('taxi-months', files));
    const parquet = await readTable(months.map(realTaxiPath), { columns: ['lpep_pickup_datetime', 'trip_distance', 'PULocationID'] });
    expect(csv.numRows).toBe(76518 + 64572 + 83827);
    expect(Array.from(column(csv, 'trip_distance'))).toEqual(Array.from(column(parquet, 'trip_distance')));
    expect(Array.from(column(csv, 'lpep_pickup_datetime'))).toEqual(Array.from(column(parquet, 'lpep_pickup_datetime')));
  });
});
