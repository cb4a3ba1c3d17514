/**
 * Tokenized CSV rows -> Arrow columns, one column at a time, each type with its own loop writing
 * straight into the typed arrays Arrow uses (Float64 values, Utf8 offsets and bytes, validity
 * bits); and type inference over a sample of rows.
 */
import * as arrow from 'apache-arrow/Arrow';
import { CsvLineError, type CsvTokenizer, FieldKind, unquote } from './csv-tokenizer.js';
import { type NullMatcher, isNanText, isUtf8, lastTimestamp, parseBoolean, parseNumber, parseTimestamp } from './csv-values.js';
import { writeInt64 } from './int64.js';
import type { ColumnKind } from './parquet-file.js';

/** A column's type: its kind, and for timestamps whether the values carry a zone (then UTC). */
export interface CsvColumnType {
  readonly kind: ColumnKind;
  readonly zoned: boolean;
}

/** The Arrow type a CSV column is read into (numbers are Float64, as in the Parquet reader). */
export function arrowTypeOf(type: CsvColumnType): arrow.DataType {
  switch (type.kind) {
    case 'number':
      return new arrow.Float64();
    case 'string':
      return new arrow.Utf8();
    case 'boolean':
      return new arrow.Bool();
    case 'timestamp':
      return new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, type.zoned ? 'UTC' : null);
  }
}

/** The bytes of the current batch and how to read its fields. */
export class FieldReader {
  /** Where `escaped` fields are decoded for parsing. */
  private scratch = new Uint8Array(256);
  /** Set by `value`: the array and range holding the field's value. */
  src: Uint8Array = this.scratch;
  s = 0;
  e = 0;

  constructor(
    readonly buf: Uint8Array,
    readonly tok: CsvTokenizer,
    readonly quote: number,
    readonly nulls: NullMatcher,
  ) {}

  /** Points `src`/`s`/`e` at field `f`'s value; false when it is null. */
  value(f: number): boolean {
    const tok = this.tok;
    let s = tok.starts[f];
    let e = tok.ends[f];
    let src = this.buf;
    if (tok.kinds[f] === FieldKind.escaped) {
      if (this.scratch.length < e - s) this.scratch = new Uint8Array(2 * (e - s));
      e = unquote(src, s, e, this.quote, this.scratch, 0);
      s = 0;
      src = this.scratch;
    }
    this.src = src;
    this.s = s;
    this.e = e;
    return s === e ? !this.nulls.emptyIsNull : !this.nulls.matches(src, s, e);
  }

  /** The current value as text, for messages. */
  text(): string {
    const t = new TextDecoder().decode(this.src.subarray(this.s, this.e));
    return JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}...` : t);
  }
}

const CAN_NUMBER = 1;
const CAN_BOOLEAN = 2;
const CAN_NAIVE_TIME = 4;
const CAN_ZONED_TIME = 8;

/**
 * The narrowest type of column `col` over the batch's rows: boolean, else number, else
 * timestamp, else string. A column with no value in the sample is a number column (all null).
 */
export function inferColumnType(r: FieldReader, col: number): CsvColumnType {
  const { tok } = r;
  const nCols = tok.nCols;
  let can = CAN_NUMBER | CAN_BOOLEAN | CAN_NAIVE_TIME | CAN_ZONED_TIME;
  let seen = false;
  for (let row = 0; row < tok.nRows && can !== 0; row++) {
    if (!r.value(row * nCols + col)) continue;
    seen = true;
    const { src, s, e } = r;
    if (can & CAN_NUMBER) {
      const v = parseNumber(src, s, e);
      if (Number.isNaN(v) && !isNanText(src, s, e)) can &= ~CAN_NUMBER;
    }
    if (can & CAN_BOOLEAN && parseBoolean(src, s, e) < 0) can &= ~CAN_BOOLEAN;
    if (can & (CAN_NAIVE_TIME | CAN_ZONED_TIME)) {
      if (Number.isNaN(parseTimestamp(src, s, e))) can &= ~(CAN_NAIVE_TIME | CAN_ZONED_TIME);
      else can &= lastTimestamp.zoned ? ~CAN_NAIVE_TIME : ~CAN_ZONED_TIME;
    }
  }
  if (!seen || can & CAN_BOOLEAN) return { kind: seen ? 'boolean' : 'number', zoned: false };
  if (can & CAN_NUMBER) return { kind: 'number', zoned: false };
  if (can & (CAN_NAIVE_TIME | CAN_ZONED_TIME)) return { kind: 'timestamp', zoned: (can & CAN_ZONED_TIME) !== 0 };
  return { kind: 'string', zoned: false };
}

/**
 * The type of a column whose kind is given: for timestamps, zoned when the first value has a
 * zone (the other values must then have one too).
 */
export function givenColumnType(r: FieldReader, col: number, kind: ColumnKind): CsvColumnType {
  if (kind !== 'timestamp') return { kind, zoned: false };
  const { tok } = r;
  for (let row = 0; row < tok.nRows; row++) {
    if (!r.value(row * tok.nCols + col)) continue;
    parseTimestamp(r.src, r.s, r.e);
    return { kind, zoned: lastTimestamp.zoned };
  }
  return { kind, zoned: false };
}

/** Column `col` of the batch's rows as Arrow data of `type`. */
export function convertColumn(r: FieldReader, col: number, type: CsvColumnType): arrow.Data {
  switch (type.kind) {
    case 'number':
      return numberColumn(r, col);
    case 'string':
      return stringColumn(r, col);
    case 'boolean':
      return booleanColumn(r, col);
    case 'timestamp':
      return timestampColumn(r, col, type.zoned);
  }
}

/** A column's validity bits, made at its first null. */
class Validity {
  bits: Uint8Array | undefined;
  nullCount = 0;

  constructor(readonly n: number) {}

  setNull(row: number): void {
    this.bits ??= new Uint8Array((this.n + 7) >> 3).fill(255);
    this.bits[row >> 3] &= ~(1 << (row & 7));
    this.nullCount++;
  }
}

function badValue(r: FieldReader, row: number, col: number, what: string): CsvLineError {
  return new CsvLineError(r.tok.rowLines[row], col, 'value', `${r.text()} is not ${what}`);
}

function numberColumn(r: FieldReader, col: number): arrow.Data {
  const { tok } = r;
  const n = tok.nRows;
  const nCols = tok.nCols;
  const values = new Float64Array(n);
  const validity = new Validity(n);
  for (let row = 0, f = col; row < n; row++, f += nCols) {
    if (!r.value(f)) {
      validity.setNull(row);
      values[row] = Number.NaN;
      continue;
    }
    const { src, s, e } = r;
    const v = parseNumber(src, s, e);
    if (Number.isNaN(v) && !isNanText(src, s, e)) throw badValue(r, row, col, 'a number');
    values[row] = v;
  }
  return arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values });
}

function booleanColumn(r: FieldReader, col: number): arrow.Data {
  const { tok } = r;
  const n = tok.nRows;
  const nCols = tok.nCols;
  const bits = new Uint8Array((n + 7) >> 3);
  const validity = new Validity(n);
  for (let row = 0, f = col; row < n; row++, f += nCols) {
    if (!r.value(f)) {
      validity.setNull(row);
      continue;
    }
    const b = parseBoolean(r.src, r.s, r.e);
    if (b < 0) throw badValue(r, row, col, 'a boolean (true or false)');
    if (b === 1) bits[row >> 3] |= 1 << (row & 7);
  }
  return arrow.makeData({ type: new arrow.Bool(), length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: bits });
}

function timestampColumn(r: FieldReader, col: number, zoned: boolean): arrow.Data {
  const { tok } = r;
  const n = tok.nRows;
  const nCols = tok.nCols;
  const values = new BigInt64Array(n);
  const halves = new Int32Array(values.buffer);
  const validity = new Validity(n);
  for (let row = 0, f = col; row < n; row++, f += nCols) {
    if (!r.value(f)) {
      validity.setNull(row);
      continue;
    }
    const micros = parseTimestamp(r.src, r.s, r.e);
    if (Number.isNaN(micros)) throw badValue(r, row, col, 'an ISO-8601 date or time');
    if (lastTimestamp.zoned !== zoned) {
      throw badValue(r, row, col, zoned ? 'a time with a zone (Z or ±hh:mm), as the first rows are' : 'a time without a zone, as the first rows are');
    }
    writeInt64(halves, row, micros);
  }
  return arrow.makeData({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, zoned ? 'UTC' : null), length: n, nullCount: validity.nullCount, nullBitmap: validity.bits, data: values });
}

function stringColumn(r: FieldReader, col: number): arrow.Data {
  const { tok, buf } = r;
  const n = tok.nRows;
  const nCols = tok.nCols;
  const { starts, ends } = tok;
  let total = 0;
  for (let row = 0, f = col; row < n; row++, f += nCols) total += ends[f] - starts[f];
  const data = new Uint8Array(total);
  const offsets = new Int32Array(n + 1);
  const validity = new Validity(n);
  let o = 0;
  for (let row = 0, f = col; row < n; row++, f += nCols) {
    if (!r.value(f)) {
      validity.setNull(row);
      offsets[row + 1] = o;
      continue;
    }
    const { src, s, e } = r;
    const at = o;
    let high = 0;
    if (e - s > 48 || src !== buf) {
      data.set(src.subarray(s, e), o);
      o += e - s;
      for (let i = s; i < e; i++) high |= src[i];
    } else {
      for (let i = s; i < e; i++) {
        const c = src[i];
        high |= c;
        data[o++] = c;
      }
    }
    if (high & 0x80 && !isUtf8(data, at, o)) {
      throw new CsvLineError(tok.rowLines[row], col, 'utf8', 'is not valid UTF-8 (save the file as UTF-8, or read the column as bytes elsewhere)');
    }
    offsets[row + 1] = o;
  }
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    nullCount: validity.nullCount,
    nullBitmap: validity.bits,
    valueOffsets: offsets,
    data: o === total ? data : data.subarray(0, o),
  });
}
