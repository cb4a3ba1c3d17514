/**
 * CSV -> Arrow, streaming: the file is read into one buffer of a few MB at a time, the complete
 * rows in it are tokenized (byte ranges only) and converted column by column into Arrow record
 * batches; the buffer is then reused. So a file of any size never sits in memory as text, and the
 * table built from it holds each value once, in typed arrays.
 *
 * Types are inferred per column from the first batch (boolean, number, ISO-8601 timestamp, else
 * string; a column with no value there is a number column) unless `types` names them; later
 * batches (and later files of the same table) are read with those types, and a value that does
 * not fit is an error naming the file, line and column.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import * as arrow from 'apache-arrow/Arrow';
import { DataSourceError, InvalidParameterError } from '../core/errors.js';
import { CSV_ROW_MAX_BYTES, TABLE_MAX_COLUMNS } from '../core/limits.js';
import { type CsvColumnType, FieldReader, arrowTypeOf, convertColumn, givenColumnType, inferColumnType } from './csv-columns.js';
import { CR, CsvLineError, CsvTokenizer, FieldKind, LF, unquote } from './csv-tokenizer.js';
import { NullMatcher } from './csv-values.js';
import type { ColumnKind } from './parquet-file.js';

export interface CsvOptions {
  /** One character between fields (default: the first of , tab ; | most frequent in the first line; tab for .tsv files). */
  readonly delimiter?: string;
  /** The quote character (default '"'); '' when fields are never quoted. */
  readonly quote?: string;
  /** Whether the first row holds the column names (default true). */
  readonly header?: boolean;
  /** Column names in file order: required without a header, else they replace the header's. */
  readonly columnNames?: readonly string[];
  /** Field values read as null (default: '', NA, N/A, NaN, nan, null, NULL); quoted or not. */
  readonly nullValues?: readonly string[];
  /** Types of some columns, instead of inferring them. */
  readonly types?: Readonly<Record<string, ColumnKind>>;
  /** Columns to read, in this order (default all, in file order); others are skipped unconverted. */
  readonly columns?: readonly string[];
}

export const DEFAULT_NULL_VALUES: readonly string[] = Object.freeze(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']);

/** `DataSourceError.code` values of the CSV reader (beside the shared FILE_NOT_FOUND, COLUMN_NOT_FOUND, SCHEMA_MISMATCH). */
export const CsvErrorCode = {
  empty: 'CSV_EMPTY',
  badHeader: 'CSV_BAD_HEADER',
  raggedRow: 'CSV_RAGGED_ROW',
  unterminatedQuote: 'CSV_UNTERMINATED_QUOTE',
  badValue: 'CSV_BAD_VALUE',
  invalidUtf8: 'CSV_INVALID_UTF8',
  rowTooLong: 'CSV_ROW_TOO_LONG',
} as const;

const FAULT_CODES = {
  ragged: CsvErrorCode.raggedRow,
  unterminated: CsvErrorCode.unterminatedQuote,
  value: CsvErrorCode.badValue,
  utf8: CsvErrorCode.invalidUtf8,
} as const;

/** A CSV input that cannot be read, at a line (1-based, the header is line 1) and column. */
export class CsvError extends DataSourceError {
  constructor(
    source: string,
    readonly line: number,
    readonly column: string | undefined,
    message: string,
    code: string,
  ) {
    super(source, `line ${line}${column === undefined ? '' : `, column '${column}'`}: ${message}`, { code });
  }
}

/** Text read per buffer fill, so one record batch per few MB of CSV. */
const BUFFER_BYTES = 8 << 20;

/** Where bytes come from: a file (gzip-compressed when named *.gz), bytes, or chunks. */
export type CsvInput = string | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** The names and types of a CSV table: what later files of the same table are read with. */
export interface CsvSchema {
  readonly names: readonly string[];
  readonly types: readonly CsvColumnType[];
  readonly arrow: arrow.Schema;
  /** The file it was read from. */
  readonly from: string;
  /** The header of that file, all its columns in order. */
  readonly header: readonly string[];
}

/**
 * Reads one CSV input as Arrow record batches. With `schema` (from an earlier file of the same
 * table), the same columns are read with the same types; `schema` is set once known (also for an
 * input without rows).
 */
export class CsvFileReader {
  schema: CsvSchema | undefined;

  constructor(
    readonly input: CsvInput,
    readonly options: CsvOptions = {},
    schema?: CsvSchema,
    readonly name: string = typeof input === 'string' ? input : '<csv>',
  ) {
    this.schema = schema;
    checkOptions(options);
  }

  async *batches(): AsyncGenerator<arrow.RecordBatch, void, undefined> {
    const bytes = await openBytes(this.input, this.name);
    let names: readonly string[] = [];
    const o = this.options;
    try {
      const quote = o.quote === undefined ? 34 : o.quote === '' ? -1 : o.quote.charCodeAt(0);
      const nulls = new NullMatcher(o.nullValues ?? DEFAULT_NULL_VALUES);
      // Small inputs get a buffer of their size (+1: a full buffer means more may follow).
      let buf = new Uint8Array(Math.min(BUFFER_BYTES, Math.max(1024, (bytes.size ?? BUFFER_BYTES) + 1)));
      let len = 0;
      let start = 0;
      let eof = false;
      const fill = async () => {
        while (len < buf.length && !eof) {
          const n = await bytes.read(buf, len);
          if (n === 0) eof = true;
          else len += n;
        }
      };
      const makeRoom = () => {
        if (start > 0) {
          buf.copyWithin(0, start, len);
          len -= start;
          start = 0;
        } else if (len === buf.length) {
          if (buf.length >= CSV_ROW_MAX_BYTES) {
            throw new CsvError(this.name, tok.line, undefined, `a row longer than ${CSV_ROW_MAX_BYTES} bytes (is this a CSV file?)`, CsvErrorCode.rowTooLong);
          }
          const bigger = new Uint8Array(Math.min(CSV_ROW_MAX_BYTES, buf.length * 2));
          bigger.set(buf.subarray(0, len));
          buf = bigger;
        }
      };
      await fill();
      if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      const delimiter = o.delimiter !== undefined ? o.delimiter.charCodeAt(0) : /\.tsv(\.gz)?$|\.tab$/i.test(this.name) ? 9 : sniffDelimiter(buf, start, len, quote);
      const tok = new CsvTokenizer(delimiter, quote, -1);

      // The first row: the header, or the first data row (to count the columns).
      for (;;) {
        const consumed = tok.scan(buf, start, len, eof, 1);
        if (tok.nRows === 1) {
          if (o.header === false) {
            // Read the row again as data.
            tok.line = tok.rowLines[0];
            start = tok.kinds[0] === FieldKind.quoted ? tok.starts[0] - 1 : tok.starts[0];
          } else {
            start = consumed;
          }
          break;
        }
        start = consumed;
        if (eof) throw new DataSourceError(this.name, 'the file is empty (no header row)', { code: CsvErrorCode.empty });
        makeRoom();
        await fill();
      }
      const nCols = tok.nFields;
      if (nCols > TABLE_MAX_COLUMNS) {
        throw new CsvError(this.name, 1, undefined, `${nCols} columns; at most ${TABLE_MAX_COLUMNS} are read`, CsvErrorCode.badHeader);
      }
      names = o.header === false ? [] : headerNames(buf, tok, quote, this.name);
      if (o.columnNames !== undefined) {
        if (o.columnNames.length !== nCols) {
          throw new CsvError(this.name, tok.rowLines[0], undefined, `columnNames has ${o.columnNames.length} names; the rows have ${nCols} fields`, CsvErrorCode.badHeader);
        }
        names = [...o.columnNames];
      } else if (o.header === false) {
        names = Array.from({ length: nCols }, (_, i) => `column_${i + 1}`);
      }
      checkUnique(names, this.name);
      const read = this.selection(names);
      tok.reset();
      tok.nCols = nCols;

      let types = this.schema?.types;
      for (;;) {
        const consumed = tok.scan(buf, start, len, eof, Number.POSITIVE_INFINITY);
        if (tok.nRows > 0) {
          const reader = new FieldReader(buf, tok, quote, nulls);
          if (types === undefined) {
            types = read.map((c) => {
              const given = o.types?.[names[c]];
              return given === undefined ? inferColumnType(reader, c) : givenColumnType(reader, c, given);
            });
            this.schema = makeSchema(names, read, types, this.name);
          }
          const children = read.map((c, j) => convertColumn(reader, c, types![j]));
          const schema = this.schema!.arrow;
          yield new arrow.RecordBatch(
            schema,
            arrow.makeData({ type: new arrow.Struct(schema.fields), length: tok.nRows, nullCount: 0, children }),
          );
        }
        tok.reset();
        start = consumed;
        if (eof) break;
        makeRoom();
        await fill();
      }
      if (this.schema === undefined) {
        // No rows: the given types, else numbers (as for a column without values).
        this.schema = makeSchema(names, read, read.map((c) => ({ kind: o.types?.[names[c]] ?? 'number', zoned: false })), this.name);
      }
    } catch (err) {
      if (err instanceof CsvLineError) {
        const hint = err.fault === 'value' && o.types?.[names[err.column]] === undefined ? ' (the type was inferred from the first rows; set types to choose it)' : '';
        throw new CsvError(this.name, err.line, err.column >= 0 ? names[err.column] : undefined, err.message + hint, FAULT_CODES[err.fault]);
      }
      throw err;
    } finally {
      await bytes.close();
    }
  }

  /** File column indices of the columns to read, checked against the table's schema. */
  private selection(names: readonly string[]): number[] {
    const known = this.schema;
    const wanted = this.options.columns ?? known?.names ?? names;
    const missing = wanted.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new DataSourceError(
        this.name,
        `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not found (columns: ${names.join(', ')})${known ? ` but in ${known.from}` : ''}`,
        { code: known ? 'SCHEMA_MISMATCH' : 'COLUMN_NOT_FOUND' },
      );
    }
    if (known && this.options.columns === undefined) {
      const extra = names.filter((c) => !known.header.includes(c));
      if (extra.length > 0) {
        throw new DataSourceError(this.name, `has column${extra.length > 1 ? 's' : ''} ${extra.map((c) => `'${c}'`).join(', ')}, which ${known.from} has not`, {
          code: 'SCHEMA_MISMATCH',
        });
      }
    }
    for (const name of Object.keys(this.options.types ?? {})) {
      if (!names.includes(name)) {
        throw new InvalidParameterError('readTable', 'types', name, `names a column the file does not have (columns: ${names.join(', ')})`);
      }
    }
    return wanted.map((c) => names.indexOf(c));
  }
}

function makeSchema(header: readonly string[], read: readonly number[], types: readonly CsvColumnType[], from: string): CsvSchema {
  const names = read.map((c) => header[c]);
  const fields = names.map((n, j) => new arrow.Field(n, arrowTypeOf(types[j]), true));
  return { names, types, arrow: new arrow.Schema(fields), from, header };
}

function checkOptions(o: CsvOptions): void {
  const oneChar = (param: string, v: string | undefined, allowEmpty: boolean) => {
    if (v === undefined) return;
    const ok = typeof v === 'string' && (v.length === 1 || (allowEmpty && v.length === 0));
    const code = ok && v.length === 1 ? v.charCodeAt(0) : 0;
    if (!ok || code > 127 || code === LF || code === CR) {
      throw new InvalidParameterError('readTable', param, v, `must be one ASCII character other than a line break${allowEmpty ? ", or ''" : ''}`);
    }
  };
  oneChar('delimiter', o.delimiter, false);
  oneChar('quote', o.quote, true);
  if (o.delimiter !== undefined && o.delimiter === (o.quote ?? '"')) {
    throw new InvalidParameterError('readTable', 'delimiter', o.delimiter, 'must differ from the quote character');
  }
  if (o.nullValues !== undefined && !(Array.isArray(o.nullValues) && o.nullValues.every((v) => typeof v === 'string'))) {
    throw new InvalidParameterError('readTable', 'nullValues', o.nullValues, 'must be an array of strings');
  }
  for (const [name, kind] of Object.entries(o.types ?? {})) {
    if (!['number', 'string', 'boolean', 'timestamp'].includes(kind)) {
      throw new InvalidParameterError('readTable', `types.${name}`, kind, "must be 'number', 'string', 'boolean' or 'timestamp'");
    }
  }
}

/** The most frequent of , tab ; | outside quotes on the first line (comma when none occurs). */
function sniffDelimiter(buf: Uint8Array, start: number, len: number, quote: number): number {
  const candidates = [44, 9, 59, 124];
  const counts = [0, 0, 0, 0];
  let quoted = false;
  for (let i = start; i < len; i++) {
    const c = buf[i];
    if (c === quote) quoted = !quoted;
    else if (!quoted && (c === LF || c === CR)) break;
    else if (!quoted) {
      const k = candidates.indexOf(c);
      if (k >= 0) counts[k]++;
    }
  }
  let best = 0;
  for (let k = 1; k < candidates.length; k++) if (counts[k] > counts[best]) best = k;
  return candidates[best];
}

function headerNames(buf: Uint8Array, tok: CsvTokenizer, quote: number, file: string): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const names: string[] = [];
  for (let f = 0; f < tok.nFields; f++) {
    let bytes = buf.subarray(tok.starts[f], tok.ends[f]);
    if (tok.kinds[f] === FieldKind.escaped) {
      const out = new Uint8Array(bytes.length);
      bytes = out.subarray(0, unquote(buf, tok.starts[f], tok.ends[f], quote, out, 0));
    }
    let name: string;
    try {
      name = decoder.decode(bytes);
    } catch {
      throw new CsvError(file, tok.rowLines[0], undefined, `the name of column ${f + 1} is not valid UTF-8`, CsvErrorCode.invalidUtf8);
    }
    // As pandas names a column without a header (an index it wrote, say).
    names.push(name === '' ? `Unnamed: ${f}` : name);
  }
  return names;
}

function checkUnique(names: readonly string[], file: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new CsvError(file, 1, n, 'the column name appears twice in the header', CsvErrorCode.badHeader);
    seen.add(n);
  }
}

// --- bytes in ----------------------------------------------------------------------------------

interface Bytes {
  /** The number of bytes, when known in advance. */
  readonly size?: number;
  /** Reads into `into` from `at` (to its end at most); 0 at the end of the input. */
  read(into: Uint8Array, at: number): Promise<number>;
  close(): Promise<void>;
}

async function openBytes(input: CsvInput, name: string): Promise<Bytes> {
  if (typeof input === 'string') {
    let size: number;
    try {
      const st = await stat(input);
      if (!st.isFile()) throw new DataSourceError(input, 'not a file', { code: 'FILE_NOT_FOUND' });
      size = st.size;
    } catch (err) {
      if (err instanceof DataSourceError) throw err;
      throw new DataSourceError(input, `file not found (${(err as Error).message})`, { code: 'FILE_NOT_FOUND', cause: err });
    }
    if (/\.gz$/i.test(input)) return chunkBytes(createReadStream(input).pipe(createGunzip()), name);
    const fh: FileHandle = await open(input, 'r');
    return {
      size,
      read: async (into, at) => (await fh.read(into, at, into.length - at, null)).bytesRead,
      close: () => fh.close(),
    };
  }
  if (input instanceof Uint8Array) return chunkBytes([input], name, input.length);
  return chunkBytes(input, name, Array.isArray(input) ? input.reduce((n: number, c: Uint8Array) => n + c.length, 0) : undefined);
}

function chunkBytes(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, name: string, size?: number): Bytes {
  const it = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Uint8Array>)[Symbol.iterator]();
  let pending: Uint8Array | undefined;
  let done = false;
  return {
    size,
    async read(into, at) {
      while (!done && (pending === undefined || pending.length === 0)) {
        let r: IteratorResult<Uint8Array>;
        try {
          r = await it.next();
        } catch (err) {
          throw new DataSourceError(name, `cannot read: ${(err as Error).message}`, { code: 'READ_FAILED', cause: err });
        }
        if (r.done) done = true;
        else pending = r.value;
      }
      if (pending === undefined || pending.length === 0) return 0;
      const n = Math.min(pending.length, into.length - at);
      into.set(pending.subarray(0, n), at);
      pending = pending.subarray(n);
      return n;
    },
    async close() {
      if (!done) await it.return?.();
    },
  };
}
