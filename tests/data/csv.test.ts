import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { CsvError, CsvFileReader } from '../../src/data/csv.js';
import { parseBoolean, parseNumber, parseTimestamp } from '../../src/data/csv-values.js';
import { chunked, readCsvInput, rowsOf } from '../helpers/csv.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function read(text: string | Uint8Array, options = {}) {
  const { batches, reader } = await readCsvInput(typeof text === 'string' ? enc(text) : text, options);
  return { rows: rowsOf(batches), schema: reader.schema!, types: reader.schema!.arrow.fields.map((f) => `${f.name}:${f.type}`) };
}

async function failure(text: string | Uint8Array, options = {}): Promise<CsvError> {
  try {
    await read(text, options);
  } catch (err) {
    return err as CsvError;
  }
  throw new Error('expected the CSV to be refused');
}

describe('CSV dialect', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks; CRLF, CR and LF; skips empty lines and a BOM', async () => {
    const text = '\ufeffid,text\r\n1,"a, ""b"""\r\n\r\n2,"two\nlines"\r3,plain "quote"\n4,"x"tail\n';
    const { rows, types } = await read(text);
    expect(types).toEqual(['id:Float64', 'text:Utf8']);
    expect(rows).toEqual([
      [1, 'a, "b"'],
      [2, 'two\nlines'],
      [3, 'plain "quote"'],
      [4, 'xtail'],
    ]);
  });

  it('sniffs the delimiter from the header line; tab for .tsv names; takes one given', async () => {
    expect((await read('a;b\n1;2\n')).rows).toEqual([[1, 2]]);
    expect((await read('a\tb|c\n1\t2|3\n')).types).toEqual(['a:Float64', 'b|c:Utf8']);
    const tsv = await readCsvInput(enc('a,b\tc\n1,2\t3\n'), {}, 'x.tsv');
    expect(tsv.reader.schema!.names).toEqual(['a,b', 'c']);
    expect((await read('a|b\n1|2\n', { delimiter: '|' })).rows).toEqual([[1, 2]]);
  });

  it('reads files without a header (column_1..) or with given names; the last row may lack a line break', async () => {
    const plain = await read('1,x\n2,y', { header: false });
    expect(plain.schema.names).toEqual(['column_1', 'column_2']);
    expect(plain.rows).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    const named = await read('"1",x\n', { header: false, columnNames: ['n', 's'] });
    expect(named.rows).toEqual([[1, 'x']]);
    expect((await read('a,b\n1,2\n', { columnNames: ['x', 'y'] })).schema.names).toEqual(['x', 'y']);
  });

  it('names a header cell left empty as pandas does', async () => {
    expect((await read(',a\n0,1\n')).schema.names).toEqual(['Unnamed: 0', 'a']);
  });

  it('gives the same table whatever the chunks the bytes arrive in', async () => {
    const text = enc('a,b,c\n1,"q\r\n""x""",2021-01-01 10:00:00\r\n\n2,,2021-01-02\r3,"",\n');
    const whole = await read(text);
    const rng = new Rng(7);
    for (let k = 0; k < 20; k++) {
      const { batches } = await readCsvInput(chunked(text, () => rng.int(1, 5)));
      expect(rowsOf(batches)).toEqual(whole.rows);
    }
  });

  it('reads only the asked columns, in the asked order', async () => {
    const { rows, types } = await read('a,b,c\n1,x,2\n', { columns: ['c', 'a'] });
    expect(types).toEqual(['c:Float64', 'a:Float64']);
    expect(rows).toEqual([[2, 1]]);
  });
});

describe('CSV types', () => {
  it('infers boolean, number, timestamp and string columns; a column without values is numeric', async () => {
    const { rows, types } = await read(
      'b,n,t,z,s,e\ntrue,1.5,2021-01-01 00:15:56,2021-01-01T01:00:00+01:00,x,\nFALSE,-2e3,2021-01-02T03:04:05.25,2021-01-01T00:00:00Z,7,NA\nTrue,NaN,2021-03-04,2021-01-01T00:00:00.5Z,,\n',
    );
    expect(types).toEqual(['b:Bool', 'n:Float64', 't:Timestamp<MICROSECOND>', 'z:Timestamp<MICROSECOND, UTC>', 's:Utf8', 'e:Float64']);
    expect(rows.map((r) => r[0])).toEqual([true, false, true]);
    expect(rows.map((r) => r[1])).toEqual([1.5, -2000, null]);
    // Arrow JS gives microsecond timestamps as milliseconds.
    expect(rows.map((r) => r[2])).toEqual([Date.UTC(2021, 0, 1, 0, 15, 56), Date.UTC(2021, 0, 2, 3, 4, 5, 250), Date.UTC(2021, 2, 4)]);
    expect(rows.map((r) => r[3])).toEqual([Date.UTC(2021, 0, 1), Date.UTC(2021, 0, 1), Date.UTC(2021, 0, 1, 0, 0, 0, 500)]);
    expect(rows.map((r) => r[4])).toEqual(['x', '7', null]);
    expect(rows.map((r) => r[5])).toEqual([null, null, null]);
  });

  it('takes types and null markers as given', async () => {
    const { rows, types } = await read('zip,flag\n01234,-\n,1\n', { types: { zip: 'string', flag: 'string' }, nullValues: ['-'] });
    expect(types).toEqual(['zip:Utf8', 'flag:Utf8']);
    expect(rows).toEqual([
      ['01234', null],
      ['', '1'],
    ]);
  });

  it('parses numbers exactly as Number() does', () => {
    const rng = new Rng(3);
    const cases = ['0', '-0', '1e22', '1e23', '123456789012345678', '0.1', '.5', '5.', '+3', '1.7976931348623157e308', '5e-324', '2.2250738585072014e-308', 'inf', '-Infinity'];
    for (let k = 0; k < 3000; k++) {
      const digits = Array.from({ length: rng.int(1, 20) }, () => rng.int(0, 9)).join('');
      const point = rng.int(0, digits.length);
      const mantissa = rng.float() < 0.3 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
      const exp = rng.float() < 0.3 ? `e${rng.int(-330, 330)}` : '';
      cases.push(`${rng.float() < 0.3 ? '-' : ''}${mantissa}${exp}`);
    }
    for (const c of cases) {
      const b = enc(c);
      expect(Object.is(parseNumber(b, 0, b.length), Number(c.replace(/^(-?)inf$/i, '$1Infinity'))), c).toBe(true);
    }
    for (const bad of ['', '-', '.', 'e5', '1e', '1.2.3', '0x10', '1_000', '12a', '--1', 'infinit']) {
      expect(Number.isNaN(parseNumber(enc(bad), 0, bad.length)), bad).toBe(true);
    }
  });

  it('parses ISO timestamps as Date.parse does (as UTC when they have no zone)', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 2000; k++) {
      const t = Date.UTC(1700, 0, 1) + Math.floor(rng.float() * (Date.UTC(2250, 0, 1) - Date.UTC(1700, 0, 1)));
      const iso = new Date(t).toISOString(); // YYYY-MM-DDThh:mm:ss.sssZ
      const naive = iso.slice(0, 19).replace('T', rng.float() < 0.5 ? 'T' : ' ');
      expect(parseTimestamp(enc(iso), 0, iso.length)).toBe(t * 1000);
      expect(parseTimestamp(enc(naive), 0, naive.length)).toBe(Math.floor(t / 1000) * 1e6);
      const offset = `${naive}+05:30`;
      expect(parseTimestamp(enc(offset), 0, offset.length)).toBe((Math.floor(t / 1000) - 5.5 * 3600) * 1e6);
    }
    for (const bad of ['2021-02-29', '2021-13-01', '2021-01-01 24:00', '2021-1-01', '2021-01-01X10:00', '2021-01-01 10:00:00+25:00', '20210101']) {
      expect(Number.isNaN(parseTimestamp(enc(bad), 0, bad.length)), bad).toBe(true);
    }
    expect(parseTimestamp(enc('2020-02-29'), 0, 10)).toBe(Date.UTC(2020, 1, 29) * 1000);
  });

  it('reads booleans in the three usual spellings only', () => {
    const b = (s: string) => parseBoolean(enc(s), 0, s.length);
    expect(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'].map(b)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(['tRUE', 'yes', '1', 'f', 'falsE'].map(b)).toEqual([-1, -1, -1, -1, -1]);
  });
});

describe('CSV errors name the file, line and column', () => {
  it('a ragged row, counting lines inside quoted fields', async () => {
    const err = await failure('a,b\n1,"x\ny"\n2,3\n4\n');
    expect(err).toBeInstanceOf(CsvError);
    expect(err.code).toBe('CSV_RAGGED_ROW');
    expect(err.line).toBe(5);
    expect(err.message).toBe('test.csv: line 5: 1 field; the header has 2');
    expect((await failure('a,b\n1,2,3\n')).line).toBe(2);
  });

  it('a quote never closed', async () => {
    const err = await failure('a,b\n1,2\n3,"open\n4,5\n');
    expect([err.code, err.line]).toEqual(['CSV_UNTERMINATED_QUOTE', 3]);
  });

  it('a value that does not fit its column', async () => {
    const err = await failure('a,b\n1,2\nx,3\n', { types: { a: 'number' } });
    expect([err.code, err.line, err.column]).toEqual(['CSV_BAD_VALUE', 3, 'a']);
    expect(err.message).toContain('"x" is not a number');
    expect((await failure('t\n2021-01-01\nnoon\n', { types: { t: 'timestamp' } })).line).toBe(3);
    const zones = await failure('t\n2021-01-01T00:00Z\n2021-01-01\n', { types: { t: 'timestamp' } });
    expect([zones.line, zones.message]).toEqual([3, 'test.csv: line 3, column \'t\': "2021-01-01" is not a time with a zone (Z or ±hh:mm), as the first rows are']);
  });

  it('bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([...enc('a,b\n1,ok\n2,'), 0xc3, 0x28, ...enc('\n')]);
    const err = await failure(bytes);
    expect([err.code, err.line, err.column]).toEqual(['CSV_INVALID_UTF8', 3, 'b']);
  });

  it('an empty file, a repeated column name, a missing column, bad options', async () => {
    expect((await failure('')).code).toBe('CSV_EMPTY');
    expect((await failure('\n\n')).code).toBe('CSV_EMPTY');
    expect((await failure('a,a\n1,2\n')).code).toBe('CSV_BAD_HEADER');
    expect((await failure('a\n1\n', { columns: ['b'] })).code).toBe('COLUMN_NOT_FOUND');
    expect((await failure('a\n1\n', { types: { b: 'number' } })).code).toBe('INVALID_PARAMETER');
    expect(() => new CsvFileReader(enc(''), { delimiter: ';;' })).toThrow(/delimiter/);
    expect(() => new CsvFileReader(enc(''), { types: { a: 'date' as 'string' } })).toThrow(/types.a/);
    expect((await failure('a,b\n1,2\n', { header: false, columnNames: ['x'] })).code).toBe('CSV_BAD_HEADER');
  });

  it('a header without rows gives an empty table of the given types, numbers otherwise', async () => {
    const { rows, types } = await read('a,b\n', { types: { b: 'string' } });
    expect(rows).toEqual([]);
    expect(types).toEqual(['a:Float64', 'b:Utf8']);
  });
});
