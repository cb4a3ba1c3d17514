/**
 * Parquet -> Arrow with parquet-wasm + apache-arrow.
 *
 * TLC files differ across years (ids as INT64, INT32 or DOUBLE; timestamps in micro- or
 * nanoseconds; NULL-typed columns; GZIP, ZSTD or SNAPPY), so every column read is normalised to
 * one schema (see `normalizedType`): files of different years concatenate, and callers see one
 * type per kind of column.
 */
// Arrow's core entry: the package's Node entry adds Node stream adapters tunekit never uses (~20 ms more to load).
import * as arrow from 'apache-arrow/Arrow';
import { DataSourceError } from '../core/errors.js';
import { writeInt64 } from './int64.js';
import {
  type ColumnKind,
  type OpenedParquet,
  type ParquetSource,
  ParquetErrorCode,
  checkColumnKinds,
  checkColumnsExist,
  openParquet,
  readWasmTable,
  sourcesOf,
  wasmCall,
} from './parquet-file.js';
import { parquetWasm } from './wasm.js';

export { type ColumnKind, type ParquetSource, ParquetErrorCode } from './parquet-file.js';

export interface ReadParquetOptions {
  /** Columns to read (all when omitted). Only these are decoded. */
  readonly columns?: readonly string[];
  /**
   * Kinds the named columns must have, checked per file before decoding (an UNSUPPORTED_TYPE
   * error names the file and column otherwise).
   */
  readonly kinds?: Readonly<Record<string, ColumnKind>>;
}

/** Read a Parquet file (or several, concatenated) into one Arrow table with a normalised schema. */
export async function readParquet(source: ParquetSource, options: ReadParquetOptions = {}): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | undefined;
  let firstName = '';
  for (const file of sourcesOf(source)) {
    const opened = await openArrow(file);
    const table = await readGroups(opened, resolveColumns(opened, options), undefined);
    if (schema === undefined) {
      schema = table.schema;
      firstName = opened.name;
    } else {
      checkSameSchema(schema, table.schema, firstName, opened.name);
    }
    for (const b of table.batches) batches.push(b);
  }
  // sourcesOf refuses an empty list, so the first file set the schema.
  return batches.length > 0 ? new arrow.Table(schema!, batches) : new arrow.Table(schema!);
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
    const opened = await openArrow(file);
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
  return (await openArrow(source)).schema;
}

interface ArrowParquet extends OpenedParquet {
  readonly schema: arrow.Schema;
}

async function openArrow(source: string | Uint8Array): Promise<ArrowParquet> {
  const opened = await openParquet(source);
  const wasm = await parquetWasm();
  const ipc = wasmCall(wasm, opened.name, 'cannot read the Parquet schema', (w) => w.readSchema(opened.bytes).intoIPCStream());
  return { ...opened, schema: arrow.tableFromIPC(ipc).schema };
}

function resolveColumns(opened: ArrowParquet, options: ReadParquetOptions): string[] {
  if (options.columns !== undefined) checkColumnsExist(opened, options.columns);
  if (options.kinds !== undefined) checkColumnKinds(opened, options.kinds);
  return options.columns === undefined ? opened.fields.map((f) => f.name) : [...options.columns];
}

async function readGroups(opened: ArrowParquet, columns: string[], rowGroups: number[] | undefined): Promise<arrow.Table> {
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
  const wasm = await parquetWasm();
  const ipc = wasmCall(wasm, opened.name, 'cannot decode column data', (w) => readWasmTable(w, opened, columns, rowGroups).intoIPCStream());
  return normalizeTable(arrow.tableFromIPC(ipc), opened.name, columns);
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
export function normalizeTable(table: arrow.Table, name: string, columns: readonly string[]): arrow.Table {
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

