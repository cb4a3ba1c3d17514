/**
 * Opening Parquet files for parquet-wasm, the typed errors that name the file, and a reader of
 * fixed-width columns straight out of wasm memory (Arrow C data interface) into typed arrays.
 *
 * A file is read whole (a regular file, at most PARQUET_FILE_MAX_BYTES) and handed to
 * parquet-wasm's synchronous reader, one call per read, through `callParquet`: whatever fails
 * inside it (a Rust error or a wasm trap) comes back here as a `DataSourceError` naming the file,
 * and the next read runs in a fresh instance.
 *
 * This module does not load apache-arrow: the taxi path (`readTaxiTrips`) reads through it, so a
 * fresh process going from file to matrices skips Arrow JS's start-up; `readParquet` builds Arrow
 * tables on top of the same opening and errors.
 */
import { DataSourceError } from '../core/errors.js';
import { type FileProblem, readBoundedFile } from '../core/files.js';
import { PARQUET_FILE_MAX_BYTES } from '../core/limits.js';
import { FooterError, type ParquetFooter, footerOnly, parseFooter, projectColumns } from './parquet-footer.js';
import { type ParquetWasm, callParquet, parquetWasm } from './wasm.js';

/** A path, several paths (read in order and concatenated), or the bytes of one file. */
export type ParquetSource = string | readonly string[] | Uint8Array;

/** `DataSourceError.code` values raised by the reader. */
export const ParquetErrorCode = {
  fileNotFound: 'FILE_NOT_FOUND',
  notParquet: 'NOT_PARQUET',
  truncated: 'TRUNCATED',
  tooLarge: 'TOO_LARGE',
  columnNotFound: 'COLUMN_NOT_FOUND',
  unsupportedType: 'UNSUPPORTED_TYPE',
  schemaMismatch: 'SCHEMA_MISMATCH',
  invalidValue: 'INVALID_VALUE',
  readFailed: 'READ_FAILED',
} as const;

/** What a column holds after normalisation. */
export type ColumnKind = 'number' | 'timestamp' | 'string' | 'boolean';

/** One top-level column: its name and Arrow C data interface format string ('l', 'g', 'tsu:', ...). */
export interface ParquetField {
  readonly name: string;
  readonly format: string;
  /** The format of the values of a dictionary-encoded column (its `format` is then the index type). */
  readonly dictionary?: string;
}

export interface OpenedParquet {
  /** The path, or `<N bytes>` for bytes. */
  readonly name: string;
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** Rows of each row group (from the footer). */
  readonly rowGroupRows: readonly number[];
  readonly rowGroups: number;
  readonly fields: readonly ParquetField[];
  readonly footer: ParquetFooter;
}

/** One batch of fixed-width columns, as `consumeRawBatches` hands it over. */
export interface RawBatch {
  readonly length: number;
  readonly columns: Readonly<Record<string, RawColumn>>;
}

export interface RawColumn {
  readonly format: string;
  readonly length: number;
  readonly nullCount: number;
  /** Values from the first row of the batch; undefined for a NULL-typed column. */
  readonly values: Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array | undefined;
  /** Validity bits (bit `validityOffset + i` of row i); undefined when there are no nulls. */
  readonly validity: Uint8Array | undefined;
  readonly validityOffset: number;
}

// One batch per row group: parquet-wasm's default of 1024 rows per batch costs more than decoding.
export const BATCH_ROWS = 1 << 30;
const MAGIC = 0x31524150; // "PAR1" read as little-endian uint32

/** The files of a source, in order; an empty list is refused (there is nothing to read). */
export function sourcesOf(source: ParquetSource): (string | Uint8Array)[] {
  if (typeof source === 'string' || source instanceof Uint8Array) return [source];
  if (Array.isArray(source)) {
    if (source.length === 0) throw new DataSourceError('(no source)', 'no source given: an empty list of files', { code: ParquetErrorCode.fileNotFound });
    return [...source];
  }
  throw new DataSourceError(String(source), 'expected a path, an array of paths or a Uint8Array', {
    code: ParquetErrorCode.readFailed,
  });
}

/**
 * Opens a file: reads it, checks its frame (telling missing, not-Parquet, truncated and too large
 * files apart), its row groups and its schema. parquet-wasm compiles meanwhile on a first read.
 */
export async function openParquet(source: string | Uint8Array): Promise<OpenedParquet> {
  const name = typeof source === 'string' ? source : `<${source.byteLength} bytes>`;
  const started = parquetWasm();
  started.catch(() => {}); // awaited below, unless the file is refused first
  const bytes = typeof source === 'string' ? await readBoundedFile(source, PARQUET_FILE_MAX_BYTES, (p) => fileError(source, p)) : source;
  checkFrame(name, bytes);
  const footer = footerCall(name, () => parseFooter(bytes));
  const wasm = await started;
  const fields = wasmCall(wasm, name, 'cannot read the Parquet schema', (w) => schemaFields(w, footerOnly(bytes, footer)), ParquetErrorCode.truncated);
  return { name, bytes, rowGroupRows: footer.rowGroupRows, rowGroups: footer.rowGroupRows.length, fields, footer };
}

/**
 * Decodes some columns of some row groups (all when undefined) into a parquet-wasm table, from a
 * compact copy of the file holding only those (parquet-wasm's synchronous reader reads every
 * column of what it is given). Call inside `wasmCall`.
 */
export function readWasmTable(wasm: ParquetWasm, opened: OpenedParquet, columns: readonly string[], rowGroups: number[] | undefined): ReturnType<ParquetWasm['readParquet']> {
  const bytes = footerCall(opened.name, () => projectColumns(opened.bytes, opened.footer, columns, rowGroups));
  return wasm.readParquet(bytes, { batchSize: BATCH_ROWS });
}

function footerCall<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof FooterError)) throw err;
    throw new DataSourceError(name, `cannot read the Parquet footer (corrupt file): ${err.message}`, { code: ParquetErrorCode.truncated, cause: err });
  }
}

/**
 * Runs synchronous parquet-wasm calls for the file `name`; any failure becomes a DataSourceError
 * naming the file (with `code`, READ_FAILED by default), and the next call runs in a fresh instance.
 */
export function wasmCall<T>(wasm: ParquetWasm, name: string, what: string, fn: (wasm: ParquetWasm) => T, code: string = ParquetErrorCode.readFailed): T {
  try {
    return callParquet(wasm, fn);
  } catch (err) {
    throw new DataSourceError(name, `${what} (corrupt file, or one parquet-wasm cannot read): ${messageOf(err)}`, { code, cause: err });
  }
}

function fileError(path: string, problem: FileProblem): DataSourceError {
  const code = problem.kind === 'too-large' ? ParquetErrorCode.tooLarge : problem.kind === 'read-failed' ? ParquetErrorCode.readFailed : ParquetErrorCode.fileNotFound;
  const detail = problem.kind === 'not-found' ? `file not found (${problem.detail})` : problem.kind === 'too-large' ? `${problem.detail} (PARQUET_FILE_MAX_BYTES)` : problem.detail;
  return new DataSourceError(path, detail, { code, cause: problem.cause });
}

/** Throws COLUMN_NOT_FOUND naming the file when a column is absent. */
export function checkColumnsExist(opened: OpenedParquet, columns: readonly string[]): void {
  const available = opened.fields.map((f) => f.name);
  const missing = columns.filter((c) => !available.includes(c));
  if (missing.length > 0) {
    throw new DataSourceError(
      opened.name,
      `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not found (columns: ${available.join(', ')})`,
      { code: ParquetErrorCode.columnNotFound },
    );
  }
}

/** Throws UNSUPPORTED_TYPE naming the file and column when a column is not of the asked kind. */
export function checkColumnKinds(opened: OpenedParquet, kinds: Readonly<Record<string, ColumnKind>>): void {
  for (const [column, kind] of Object.entries(kinds)) {
    const field = opened.fields.find((f) => f.name === column);
    if (field === undefined) continue;
    if (fieldKind(field) !== kind) {
      throw new DataSourceError(opened.name, `column '${column}' has type ${describeField(field)}; expected a ${kind} column`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
}

/**
 * The kind of a column once normalised, or undefined when tunekit cannot use it. A dictionary-
 * encoded column is a string column when its values are strings, whatever its index type.
 */
export function fieldKind(field: ParquetField): ColumnKind | undefined {
  if (field.dictionary !== undefined) return field.dictionary === 'u' || field.dictionary === 'U' ? 'string' : undefined;
  const format = field.format;
  if ('nlLiIsScCgfe'.includes(format) && format.length === 1) return 'number';
  if (format.startsWith('ts')) return 'timestamp';
  if (format === 'b') return 'boolean';
  if (format === 'u' || format === 'U') return 'string';
  return undefined;
}

/** Ticks per second of a C data interface timestamp format ('tsu:' -> 1e6). */
export function formatTicksPerSecond(format: string): number {
  switch (format[2]) {
    case 's':
      return 1;
    case 'm':
      return 1e3;
    case 'u':
      return 1e6;
    default:
      return 1e9;
  }
}

/** A column's type in words: 'Int64', 'Timestamp(tsu:)', 'Dictionary<Int32, Utf8> (dictionary-encoded strings)'. */
export function describeField(field: ParquetField): string {
  if (field.dictionary === undefined) return describeFormat(field.format);
  const values = describeFormat(field.dictionary);
  const what = fieldKind(field) === 'string' ? 'strings' : `${values} values`;
  return `Dictionary<${describeFormat(field.format)}, ${values}> (dictionary-encoded ${what})`;
}

function describeFormat(format: string): string {
  const names: Record<string, string> = {
    n: 'Null',
    c: 'Int8',
    C: 'UInt8',
    s: 'Int16',
    S: 'UInt16',
    i: 'Int32',
    I: 'UInt32',
    l: 'Int64',
    L: 'UInt64',
    e: 'Float16',
    f: 'Float32',
    g: 'Float64',
    u: 'Utf8',
    U: 'LargeUtf8',
    b: 'Bool',
  };
  if (Object.hasOwn(names, format)) return names[format];
  return format.startsWith('ts') ? `Timestamp(${format})` : format.startsWith('+') ? `nested (${format})` : format;
}

/**
 * Reads fixed-width columns (numbers, timestamps, NULL) of some row groups and hands `consume`
 * their values as views into wasm memory where they are aligned, copies otherwise (no IPC round
 * trip, and no copy: memory a fresh process touches for the first time costs more than the copy
 * itself). The views are valid only while `consume` runs. Other types throw UNSUPPORTED_TYPE.
 */
export async function consumeRawBatches<T>(opened: OpenedParquet, columns: readonly string[], rowGroups: number[] | undefined, consume: (batches: RawBatch[]) => T): Promise<T> {
  checkColumnsExist(opened, columns);
  for (const c of columns) {
    const field = opened.fields.find((f) => f.name === c)!;
    const kind = fieldKind(field);
    if (kind !== 'number' && kind !== 'timestamp') {
      throw new DataSourceError(opened.name, `column '${c}' has type ${describeField(field)}; expected a number or timestamp column`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
  const wasm = await parquetWasm();
  const what = 'cannot decode column data';
  const stream = wasmCall(wasm, opened.name, what, (w) => readWasmTable(w, opened, columns, rowGroups).intoFFI());
  try {
    // The addresses are read in one call, the columns straight from memory (no wasm call).
    const { schema, arrays } = wasmCall(wasm, opened.name, what, () => {
      const addrs: number[] = [];
      for (let k = 0; k < stream.numArrays(); k++) addrs.push(stream.arrayAddr(k));
      return { schema: stream.schemaAddr(), arrays: addrs };
    });
    const buffer = wasm.wasmMemory().buffer as ArrayBuffer;
    const view = new DataView(buffer);
    const bytes = new Uint8Array(buffer);
    const names = childSchemas(view, bytes, schema);
    for (const f of names) {
      if (f.format !== 'n' && !f.format.startsWith('ts') && !Object.hasOwn(WIDTH, f.format)) {
        throw new DataSourceError(opened.name, `column '${f.name}' was decoded as ${describeField(f)}; expected a number or timestamp column`, {
          code: ParquetErrorCode.unsupportedType,
        });
      }
    }
    const out: RawBatch[] = [];
    for (const array of arrays) {
      const length = i64(view, array);
      const parentOffset = i64(view, array + 16);
      const children = view.getUint32(array + 44, true);
      const cols: Record<string, RawColumn> = {};
      for (let c = 0; c < names.length; c++) {
        cols[names[c].name] = rawColumn(view, bytes, view.getUint32(children + 4 * c, true), names[c].format, parentOffset);
      }
      out.push({ length, columns: cols });
    }
    return consume(out);
  } finally {
    try {
      callParquet(wasm, () => stream.free());
    } catch {
      // a failed instance is dropped: its memory goes with it
    }
  }
}

// --- Arrow C data interface in wasm32 memory --------------------------------------------------
// ArrowSchema: format@0, name@4, metadata@8, flags@16 (i64), n_children@24 (i64), children@32,
//              dictionary@36.
// ArrowArray: length@0, null_count@8, offset@16, n_buffers@24, n_children@32 (all i64),
//             buffers@40, children@44.

function i64(view: DataView, at: number): number {
  return Number(view.getBigInt64(at, true));
}

function cString(bytes: Uint8Array, at: number): string {
  let end = at;
  while (bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

function childSchemas(view: DataView, bytes: Uint8Array, schema: number): ParquetField[] {
  const n = i64(view, schema + 24);
  const children = view.getUint32(schema + 32, true);
  const out: ParquetField[] = [];
  for (let c = 0; c < n; c++) {
    const child = view.getUint32(children + 4 * c, true);
    const name = cString(bytes, view.getUint32(child + 4, true));
    const format = cString(bytes, view.getUint32(child, true));
    const dictionary = view.getUint32(child + 36, true);
    out.push(dictionary === 0 ? { name, format } : { name, format, dictionary: cString(bytes, view.getUint32(dictionary, true)) });
  }
  return out;
}

/** The top-level fields of a file's Arrow schema (one parquet-wasm call). */
function schemaFields(wasm: ParquetWasm, file: Uint8Array): ParquetField[] {
  const ffi = wasm.readSchema(file).intoFFI();
  try {
    const buffer = wasm.wasmMemory().buffer as ArrayBuffer;
    return childSchemas(new DataView(buffer), new Uint8Array(buffer), ffi.addr());
  } finally {
    ffi.free();
  }
}

const WIDTH: Record<string, [number, new (b: ArrayBufferLike, byteOffset?: number, length?: number) => NonNullable<RawColumn['values']>]> = {
  c: [1, Int8Array],
  C: [1, Uint8Array],
  s: [2, Int16Array],
  S: [2, Uint16Array],
  i: [4, Int32Array],
  I: [4, Uint32Array],
  f: [4, Float32Array],
  l: [8, BigInt64Array],
  L: [8, BigUint64Array],
  g: [8, Float64Array],
};

/** One column of a batch: its values viewed in place in wasm memory when aligned, else copied out. */
function rawColumn(view: DataView, bytes: Uint8Array, array: number, format: string, parentOffset: number): RawColumn {
  const length = i64(view, array);
  const nullCount = i64(view, array + 8);
  const offset = i64(view, array + 16) + parentOffset;
  if (format === 'n') return { format, length, nullCount: length, values: undefined, validity: undefined, validityOffset: 0 };
  const buffers = view.getUint32(array + 40, true);
  const validityPtr = view.getUint32(buffers, true);
  const valuesPtr = view.getUint32(buffers + 4, true);
  const [width, Ctor] = format.startsWith('ts') ? WIDTH.l : WIDTH[format];
  const start = valuesPtr + offset * width;
  const values =
    (bytes.byteOffset + start) % width === 0
      ? new Ctor(bytes.buffer, bytes.byteOffset + start, length)
      : new Ctor(bytes.slice(start, start + length * width).buffer);
  let validity: Uint8Array | undefined;
  let validityOffset = 0;
  if (nullCount > 0 && validityPtr !== 0) {
    const first = offset >> 3;
    validity = bytes.slice(validityPtr + first, validityPtr + ((offset + length + 7) >> 3));
    validityOffset = offset & 7;
  }
  return { format, length, nullCount, values, validity, validityOffset };
}

// --- frame checks -------------------------------------------------------------------------------

/** Tells "not Parquet" and "truncated" apart from the first and last bytes. */
function checkFrame(name: string, bytes: Uint8Array): void {
  const size = bytes.length;
  const word = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  if (size < 4 || word(0) !== MAGIC) {
    throw new DataSourceError(name, `not a Parquet file (no "PAR1" magic at the start; ${size} bytes)`, {
      code: ParquetErrorCode.notParquet,
    });
  }
  if (size < 12 || word(size - 4) !== MAGIC) {
    throw new DataSourceError(name, `truncated Parquet file (no "PAR1" magic at the end; ${size} bytes)`, {
      code: ParquetErrorCode.truncated,
    });
  }
  const footer = word(size - 8);
  if (footer + 12 > size) {
    throw new DataSourceError(name, `truncated Parquet file (footer of ${footer} bytes in a file of ${size})`, {
      code: ParquetErrorCode.truncated,
    });
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
