/**
 * Opening Parquet files with parquet-wasm, the typed errors that name the file, and a reader of
 * fixed-width columns straight out of wasm memory (Arrow C data interface) into typed arrays.
 *
 * This module does not load apache-arrow: the taxi path (`readTaxiTrips`) reads through it, so a
 * fresh process going from file to matrices skips Arrow JS's start-up; `readParquet` builds Arrow
 * tables on top of the same opening and errors.
 */
import { openAsBlob } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ParquetFile } from 'parquet-wasm/esm';
import { DataSourceError } from '../core/errors.js';
import { parquetWasm, parquetWasmSync, prefetchParquetWasm } from './wasm.js';

/** A path, several paths (read in order and concatenated), or the bytes of one file. */
export type ParquetSource = string | readonly string[] | Uint8Array;

/** `DataSourceError.code` values raised by the reader. */
export const ParquetErrorCode = {
  fileNotFound: 'FILE_NOT_FOUND',
  notParquet: 'NOT_PARQUET',
  truncated: 'TRUNCATED',
  columnNotFound: 'COLUMN_NOT_FOUND',
  unsupportedType: 'UNSUPPORTED_TYPE',
  schemaMismatch: 'SCHEMA_MISMATCH',
  readFailed: 'READ_FAILED',
} as const;

/** What a column holds after normalisation. */
export type ColumnKind = 'number' | 'timestamp' | 'string' | 'boolean';

/** One top-level column: its name and Arrow C data interface format string ('l', 'g', 'tsu:', ...). */
export interface ParquetField {
  readonly name: string;
  readonly format: string;
}

export interface OpenedParquet {
  /** The path, or `<N bytes>` for bytes. */
  readonly name: string;
  readonly file: ParquetFile;
  readonly rowGroups: number;
  readonly fields: readonly ParquetField[];
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

// Whoever loads the reader reads Parquet soon: the wasm compile starts now, in the background.
prefetchParquetWasm();

// One batch per row group: parquet-wasm's default of 1024 rows per batch costs more than decoding.
export const BATCH_ROWS = 1 << 30;
const MAGIC = 0x31524150; // "PAR1" read as little-endian uint32

export function sourcesOf(source: ParquetSource): (string | Uint8Array)[] {
  if (typeof source === 'string' || source instanceof Uint8Array) return [source];
  if (Array.isArray(source)) return [...source];
  throw new DataSourceError(String(source), 'expected a path, an array of paths or a Uint8Array', {
    code: ParquetErrorCode.readFailed,
  });
}

/** Opens a file (footer and schema only), telling missing, not-Parquet and truncated files apart. */
export async function openParquet(source: string | Uint8Array): Promise<OpenedParquet> {
  const name = typeof source === 'string' ? source : `<${source.byteLength} bytes>`;
  const started = parquetWasm(); // compiles in the background while the file is checked
  let blob: Blob;
  if (typeof source === 'string') {
    await checkFramePath(source);
    blob = await openAsBlob(source);
  } else {
    checkFrame(name, source.byteLength, source.subarray(0, 4), source.subarray(Math.max(0, source.byteLength - 8)));
    blob = new Blob([source]);
  }
  const { ParquetFile } = await started;
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(blob);
  } catch (err) {
    throw new DataSourceError(name, `cannot read the Parquet footer (truncated or corrupt file): ${messageOf(err)}`, {
      code: ParquetErrorCode.truncated,
      cause: err,
    });
  }
  try {
    return { name, file, rowGroups: file.metadata().numRowGroups(), fields: schemaFields(file) };
  } catch (err) {
    throw new DataSourceError(name, `cannot read the Parquet schema: ${messageOf(err)}`, { code: ParquetErrorCode.readFailed, cause: err });
  }
}

/** Frees the file's wasm-side state (footer, schema); the object is unusable afterwards. */
export function closeParquet(opened: OpenedParquet): void {
  try {
    opened.file.free();
  } catch {
    // already freed
  }
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
    if (formatKind(field.format) !== kind) {
      throw new DataSourceError(opened.name, `column '${column}' has type ${describeFormat(field.format)}; expected a ${kind} column`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
}

/** The kind of a C data interface format once normalised, or undefined when tunekit cannot use it. */
export function formatKind(format: string): ColumnKind | undefined {
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

function describeFormat(format: string): string {
  const names: Record<string, string> = { n: 'Null', l: 'Int64', i: 'Int32', g: 'Float64', f: 'Float32', u: 'Utf8', U: 'LargeUtf8', b: 'Bool' };
  return names[format] ?? (format.startsWith('ts') ? `Timestamp(${format})` : format.startsWith('+') ? `nested (${format})` : format);
}

/**
 * Reads fixed-width columns (numbers, timestamps, NULL) of some row groups and hands `consume`
 * their values as views into wasm memory where they are aligned, copies otherwise (no IPC round
 * trip, and no copy: memory a fresh process touches for the first time costs more than the copy
 * itself). The views are valid only while `consume` runs. Other formats throw UNSUPPORTED_TYPE.
 */
export async function consumeRawBatches<T>(opened: OpenedParquet, columns: readonly string[], rowGroups: number[] | undefined, consume: (batches: RawBatch[]) => T): Promise<T> {
  checkColumnsExist(opened, columns);
  for (const c of columns) {
    const kind = formatKind(opened.fields.find((f) => f.name === c)!.format);
    if (kind !== 'number' && kind !== 'timestamp') {
      throw new DataSourceError(opened.name, `column '${c}' has type ${describeFormat(opened.fields.find((f) => f.name === c)!.format)}; expected a number or timestamp column`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
  let stream: ReturnType<Awaited<ReturnType<ParquetFile['read']>>['intoFFI']>;
  try {
    const table = await opened.file.read({ columns: [...columns], batchSize: BATCH_ROWS, ...(rowGroups ? { rowGroups } : {}) });
    stream = table.intoFFI();
  } catch (err) {
    throw new DataSourceError(opened.name, `cannot decode column data (corrupt or truncated file?): ${messageOf(err)}`, {
      code: ParquetErrorCode.readFailed,
      cause: err,
    });
  }
  try {
    const buffer = parquetWasmSync().wasmMemory().buffer;
    const view = new DataView(buffer);
    const bytes = new Uint8Array(buffer);
    const names = childSchemas(view, bytes, stream.schemaAddr());
    const out: RawBatch[] = [];
    for (let k = 0; k < stream.numArrays(); k++) {
      const array = stream.arrayAddr(k);
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
    stream.free();
  }
}

// --- Arrow C data interface in wasm32 memory --------------------------------------------------
// ArrowSchema: format@0, name@4, metadata@8, flags@16 (i64), n_children@24 (i64), children@32.
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
    out.push({ name: cString(bytes, view.getUint32(child + 4, true)), format: cString(bytes, view.getUint32(child, true)) });
  }
  return out;
}

function schemaFields(file: ParquetFile): ParquetField[] {
  const ffi = file.schema().intoFFI();
  try {
    const buffer = parquetWasmSync().wasmMemory().buffer;
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

/** Reads the first and last bytes of a path to tell "missing", "not Parquet" and "truncated" apart. */
async function checkFramePath(path: string): Promise<void> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new DataSourceError(path, 'not a file', { code: ParquetErrorCode.fileNotFound });
    size = st.size;
  } catch (err) {
    if (err instanceof DataSourceError) throw err;
    throw new DataSourceError(path, `file not found (${messageOf(err)})`, { code: ParquetErrorCode.fileNotFound, cause: err });
  }
  const head = new Uint8Array(4);
  const tail = new Uint8Array(8);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, Math.min(4, size), 0);
    if (size >= 8) await fh.read(tail, 0, 8, size - 8);
  } finally {
    await fh.close();
  }
  checkFrame(path, size, head, size >= 8 ? tail : tail.subarray(0, 0));
}

function checkFrame(name: string, size: number, head: Uint8Array, tail: Uint8Array): void {
  const word = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  if (size < 4 || word(head, 0) !== MAGIC) {
    throw new DataSourceError(name, `not a Parquet file (no "PAR1" magic at the start; ${size} bytes)`, {
      code: ParquetErrorCode.notParquet,
    });
  }
  if (size < 12 || tail.length < 8 || word(tail, 4) !== MAGIC) {
    throw new DataSourceError(name, `truncated Parquet file (no "PAR1" magic at the end; ${size} bytes)`, {
      code: ParquetErrorCode.truncated,
    });
  }
  const footer = word(tail, 0);
  if (footer + 12 > size) {
    throw new DataSourceError(name, `truncated Parquet file (footer of ${footer} bytes in a file of ${size})`, {
      code: ParquetErrorCode.truncated,
    });
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
