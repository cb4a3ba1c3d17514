/**
 * Parquet -> Arrow with parquet-wasm + apache-arrow.
 *
 * TLC files differ across years (ids as INT64, INT32 or DOUBLE; timestamps in micro- or
 * nanoseconds; NULL-typed columns; GZIP, ZSTD or SNAPPY), so every column read is normalised to
 * one schema (see `normalizeColumn`): files of different years concatenate, and callers see one
 * type per kind of column.
 */
import { openAsBlob } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { DataSourceError } from '../core/errors.js';

export interface ReadParquetOptions {
  /** Columns to read (all when omitted). Only these are decoded. */
  readonly columns?: readonly string[];
  /**
   * Kinds the named columns must have, checked per file before decoding (an UNSUPPORTED_TYPE
   * error names the file and column otherwise).
   */
  readonly kinds?: Readonly<Record<string, ColumnKind>>;
}

/** What a column holds after normalisation. */
export type ColumnKind = 'number' | 'timestamp' | 'string' | 'boolean';

/** The kind of a stored Arrow type once normalised, or undefined when tunekit cannot use it. */
export function columnKind(type: arrow.DataType): ColumnKind | undefined {
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isNull(type)) return 'number';
  if (arrow.DataType.isTimestamp(type)) return 'timestamp';
  if (arrow.DataType.isBool(type)) return 'boolean';
  if (isSupportedType(type)) return 'string';
  return undefined;
}

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

// One batch per row group: parquet-wasm's default of 1024 rows per batch costs more than decoding.
const BATCH_ROWS = 1 << 30;
const MAGIC = 0x31524150; // "PAR1" read as little-endian uint32

/** Read a Parquet file (or several, concatenated) into one Arrow table with a normalised schema. */
export async function readParquet(source: ParquetSource, options: ReadParquetOptions = {}): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | undefined;
  let firstName = '';
  for (const file of sourcesOf(source)) {
    const opened = await openParquet(file);
    const names = resolveColumns(opened, options);
    const table = await readGroups(opened, names, undefined);
    if (schema === undefined) {
      schema = table.schema;
      firstName = opened.name;
    } else {
      checkSameSchema(schema, table.schema, firstName, opened.name);
    }
    for (const b of table.batches) batches.push(b);
  }
  if (schema === undefined) throw new DataSourceError('readParquet', 'no source given', { code: ParquetErrorCode.fileNotFound });
  return batches.length > 0 ? new arrow.Table(schema, batches) : new arrow.Table(schema);
}

/**
 * Read row group by row group: one Arrow record batch per row group (per file, in order), so
 * memory stays bounded by the largest row group. Batches are normalised like `readParquet`'s.
 */
export async function* streamParquet(
  source: ParquetSource,
  options: ReadParquetOptions = {},
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  let schema: arrow.Schema | undefined;
  let firstName = '';
  for (const file of sourcesOf(source)) {
    const opened = await openParquet(file);
    const names = resolveColumns(opened, options);
    for (let g = 0; g < opened.rowGroups; g++) {
      const table = await readGroups(opened, names, [g]);
      if (schema === undefined) {
        schema = table.schema;
        firstName = opened.name;
      } else {
        checkSameSchema(schema, table.schema, firstName, opened.name);
      }
      for (const b of table.batches) yield b;
    }
  }
}

/** Column names and Arrow types of a Parquet file as stored (before normalisation). */
export async function parquetSchema(source: string | Uint8Array): Promise<arrow.Schema> {
  return (await openParquet(source)).schema;
}

interface OpenedParquet {
  readonly name: string;
  readonly file: ParquetFile;
  readonly schema: arrow.Schema;
  readonly rowGroups: number;
}

function sourcesOf(source: ParquetSource): (string | Uint8Array)[] {
  if (typeof source === 'string' || source instanceof Uint8Array) return [source];
  if (Array.isArray(source)) return [...source];
  throw new DataSourceError(String(source), 'expected a path, an array of paths or a Uint8Array', {
    code: ParquetErrorCode.readFailed,
  });
}

async function openParquet(source: string | Uint8Array): Promise<OpenedParquet> {
  const name = typeof source === 'string' ? source : `<${source.byteLength} bytes>`;
  let blob: Blob;
  if (typeof source === 'string') {
    await checkFramePath(source);
    blob = await openAsBlob(source);
  } else {
    checkFrame(name, source.byteLength, source.subarray(0, 4), source.subarray(Math.max(0, source.byteLength - 8)));
    blob = new Blob([source]);
  }
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(blob);
  } catch (err) {
    throw new DataSourceError(name, `cannot read the Parquet footer (truncated or corrupt file): ${messageOf(err)}`, {
      code: ParquetErrorCode.truncated,
      cause: err,
    });
  }
  let schema: arrow.Schema;
  let rowGroups: number;
  try {
    schema = arrow.tableFromIPC(file.schema().intoIPCStream()).schema;
    rowGroups = file.metadata().numRowGroups();
  } catch (err) {
    throw new DataSourceError(name, `cannot read the Parquet schema: ${messageOf(err)}`, {
      code: ParquetErrorCode.readFailed,
      cause: err,
    });
  }
  return { name, file, schema, rowGroups };
}

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

function resolveColumns(opened: OpenedParquet, options: ReadParquetOptions): string[] {
  const { columns, kinds } = options;
  const available = opened.schema.fields.map((f) => f.name);
  for (const [c, kind] of Object.entries(kinds ?? {})) {
    const field = opened.schema.fields.find((f) => f.name === c);
    if (field === undefined) continue; // reported below when asked for
    const actual = columnKind(field.type);
    if (actual !== kind) {
      throw new DataSourceError(opened.name, `column '${c}' has type ${field.type}; expected a ${kind} column`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
  if (columns === undefined) return available;
  const missing = columns.filter((c) => !available.includes(c));
  if (missing.length > 0) {
    throw new DataSourceError(
      opened.name,
      `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not found (columns: ${available.join(', ')})`,
      { code: ParquetErrorCode.columnNotFound },
    );
  }
  return [...columns];
}

async function readGroups(opened: OpenedParquet, columns: string[], rowGroups: number[] | undefined): Promise<arrow.Table> {
  if (columns.length === 0) {
    throw new DataSourceError(opened.name, 'no columns to read', { code: ParquetErrorCode.columnNotFound });
  }
  for (const c of columns) {
    const field = opened.schema.fields.find((f) => f.name === c)!;
    if (!isSupportedType(field.type)) {
      throw new DataSourceError(opened.name, `column '${c}' has type ${field.type}, which tunekit cannot use`, {
        code: ParquetErrorCode.unsupportedType,
      });
    }
  }
  let raw: arrow.Table;
  try {
    const wasmTable = await opened.file.read({ columns, batchSize: BATCH_ROWS, ...(rowGroups ? { rowGroups } : {}) });
    raw = arrow.tableFromIPC(wasmTable.intoIPCStream());
  } catch (err) {
    throw new DataSourceError(opened.name, `cannot decode column data (corrupt or truncated file?): ${messageOf(err)}`, {
      code: ParquetErrorCode.readFailed,
      cause: err,
    });
  }
  return normalizeTable(raw, opened.name, columns);
}

function checkSameSchema(first: arrow.Schema, next: arrow.Schema, firstName: string, nextName: string): void {
  const a = first.fields.map((f) => `${f.name}:${f.type}`).join(', ');
  const b = next.fields.map((f) => `${f.name}:${f.type}`).join(', ');
  if (a !== b) {
    throw new DataSourceError(nextName, `schema (${b}) differs from that of ${firstName} (${a}) after normalisation`, {
      code: ParquetErrorCode.schemaMismatch,
    });
  }
}

// --- normalisation ---------------------------------------------------------------------------

/**
 * The one schema every file is read into:
 * - every integer or floating-point column -> Float64 (nulls kept in the validity bitmap; TLC
 *   stores the same id or count as INT32, INT64 or DOUBLE depending on the year);
 * - every timestamp -> Timestamp(MICROSECOND), same time zone;
 * - NULL-typed columns -> Float64, all null;
 * - strings (plain, large or dictionary-encoded) -> Utf8; booleans unchanged.
 */
export function isSupportedType(type: arrow.DataType): boolean {
  return (
    arrow.DataType.isInt(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isTimestamp(type) ||
    arrow.DataType.isNull(type) ||
    arrow.DataType.isUtf8(type) ||
    arrow.DataType.isLargeUtf8(type) ||
    arrow.DataType.isBool(type) ||
    (arrow.DataType.isDictionary(type) && (arrow.DataType.isUtf8(type.dictionary) || arrow.DataType.isLargeUtf8(type.dictionary)))
  );
}

/** Normalised columns in the order of `columns` (parquet-wasm returns them in file order). */
function normalizeTable(table: arrow.Table, name: string, columns: readonly string[]): arrow.Table {
  const fields: arrow.Field[] = [];
  const converted: arrow.Data[][] = [];
  for (const column of columns) {
    const field = table.schema.fields.find((f) => f.name === column)!;
    const chunks = table.getChild(field.name)!.data;
    const out = chunks.map((d) => normalizeData(d, name, field.name));
    const type = out.length > 0 ? out[0].type : normalizedType(field.type, name, field.name);
    fields.push(new arrow.Field(field.name, type, true, field.metadata));
    converted.push(out);
  }
  const schema = new arrow.Schema(fields, table.schema.metadata);
  const batches = table.batches.map((b, i) => {
    const children = converted.map((chunks) => chunks[i]);
    return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: b.numRows, nullCount: 0, children }));
  });
  return batches.length > 0 ? new arrow.Table(schema, batches) : new arrow.Table(schema);
}

function normalizedType(type: arrow.DataType, name: string, column: string): arrow.DataType {
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isNull(type)) return new arrow.Float64();
  if (arrow.DataType.isTimestamp(type)) return new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, type.timezone);
  if (arrow.DataType.isBool(type)) return type;
  if (isSupportedType(type)) return new arrow.Utf8();
  throw new DataSourceError(name, `column '${column}' has type ${type}, which tunekit cannot use`, {
    code: ParquetErrorCode.unsupportedType,
  });
}

function normalizeData(d: arrow.Data, name: string, column: string): arrow.Data {
  const type = d.type as arrow.DataType;
  if (arrow.DataType.isFloat(type) && type.precision === arrow.Precision.DOUBLE) return d;
  if (arrow.DataType.isTimestamp(type) && type.unit === arrow.TimeUnit.MICROSECOND) return d;
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBool(type)) return d;
  if (arrow.DataType.isNull(type)) {
    const bitmap = new Uint8Array((d.length + 7) >> 3);
    return arrow.makeData({ type: new arrow.Float64(), length: d.length, nullCount: d.length, nullBitmap: bitmap, data: new Float64Array(d.length) });
  }
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type)) {
    return arrow.makeData({
      type: new arrow.Float64(),
      length: d.length,
      nullCount: d.nullCount,
      nullBitmap: validityOf(d),
      data: numericToFloat64(d),
    });
  }
  if (arrow.DataType.isTimestamp(type)) {
    return arrow.makeData({
      type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, type.timezone),
      length: d.length,
      nullCount: d.nullCount,
      nullBitmap: validityOf(d),
      data: timestampsToMicros(d.values as BigInt64Array | Int32Array, type.unit, d.length),
    });
  }
  // Large or dictionary-encoded strings: rebuild as plain Utf8 (rare in TLC files).
  if (isSupportedType(type)) {
    const v = arrow.makeVector(d);
    const strings: (string | null)[] = new Array(d.length);
    for (let i = 0; i < d.length; i++) strings[i] = v.get(i) as string | null;
    return arrow.vectorFromArray(strings, new arrow.Utf8()).data[0];
  }
  throw new DataSourceError(name, `column '${column}' has type ${type}, which tunekit cannot use`, {
    code: ParquetErrorCode.unsupportedType,
  });
}

/** The validity bitmap re-based at offset 0 (undefined when the chunk has no nulls). */
function validityOf(d: arrow.Data): Uint8Array | undefined {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return undefined;
  const src = d.nullBitmap;
  if (d.offset % 8 === 0) return src.slice(d.offset >> 3, (d.offset >> 3) + ((d.length + 7) >> 3));
  const out = new Uint8Array((d.length + 7) >> 3);
  for (let i = 0; i < d.length; i++) {
    const j = d.offset + i;
    if (src[j >> 3] & (1 << (j & 7))) out[i >> 3] |= 1 << (i & 7);
  }
  return out;
}

/** Any integer or float chunk as Float64 values (64-bit integers exact up to 2^53). */
export function numericToFloat64(d: arrow.Data): Float64Array {
  const n = d.length;
  const values = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  const out = new Float64Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const halves = new Int32Array(values.buffer, values.byteOffset, n * 2);
    if (values instanceof BigInt64Array) {
      for (let i = 0; i < n; i++) out[i] = halves[2 * i + 1] * 4294967296 + (halves[2 * i] >>> 0);
    } else {
      for (let i = 0; i < n; i++) out[i] = (halves[2 * i + 1] >>> 0) * 4294967296 + (halves[2 * i] >>> 0);
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i];
  }
  return out;
}

const PER_SECOND: Record<number, number> = {
  [arrow.TimeUnit.SECOND]: 1,
  [arrow.TimeUnit.MILLISECOND]: 1e3,
  [arrow.TimeUnit.MICROSECOND]: 1e6,
  [arrow.TimeUnit.NANOSECOND]: 1e9,
};

/** Ticks of a timestamp unit per second. */
export function ticksPerSecond(unit: arrow.TimeUnit): number {
  return PER_SECOND[unit];
}

/**
 * Timestamps of any unit as int64 microseconds, exactly, without a BigInt per value: each int64
 * is handled as two int32 halves (nanoseconds are divided by 1000 with floor, like Arrow's cast).
 */
function timestampsToMicros(values: BigInt64Array | Int32Array, unit: arrow.TimeUnit, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  const o = new Int32Array(out.buffer);
  const h = new Int32Array(values.buffer, values.byteOffset, n * 2);
  if (unit === arrow.TimeUnit.NANOSECOND) {
    for (let i = 0; i < n; i++) {
      const hi = h[2 * i + 1];
      const lo = h[2 * i] >>> 0;
      // floor((hi * 2^32 + lo) / 1000) = qh * 2^32 + ql, in exact double arithmetic.
      const qh = Math.floor(hi / 1000);
      const rem = (hi - qh * 1000) * 4294967296 + lo; // < 1000 * 2^32: exact
      const ql = Math.floor(rem / 1000); // in [0, 2^32): exact, and the low half of the result
      o[2 * i + 1] = qh;
      o[2 * i] = ql | 0;
    }
  } else {
    const scale = unit === arrow.TimeUnit.SECOND ? 1e6 : 1e3;
    for (let i = 0; i < n; i++) writeInt64(o, i, (h[2 * i + 1] * 4294967296 + (h[2 * i] >>> 0)) * scale);
  }
  return out;
}

function writeInt64(halves: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  halves[2 * i + 1] = hi;
  halves[2 * i] = (v - hi * 4294967296) | 0;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
