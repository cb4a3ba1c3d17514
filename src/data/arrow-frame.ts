/**
 * Arrow tables -> frames, without a string or object per row: numbers and timestamps copied into
 * Float64Arrays, text coded by hashing its UTF-8 bytes.
 */
import * as arrow from 'apache-arrow/Arrow';
import { InvalidInputError } from '../core/errors.js';
import { hashSlots } from '../core/typed.js';
import type { CategoricalFrameColumn, TableColumn, TableFrame } from './frame.js';

export interface FrameOptions {
  /** Columns to convert, in this order (default all). */
  readonly columns?: readonly string[];
}

/**
 * An Arrow table as a frame: integer, float and boolean columns become numeric (null -> NaN),
 * timestamps of any unit timestamp columns in microseconds, text (plain, large or
 * dictionary-encoded) categorical, with values coded in order of first appearance.
 */
export function frameFromTable(table: arrow.Table, options: FrameOptions = {}): TableFrame {
  const names = options.columns ?? table.schema.fields.map((f) => f.name);
  const columns: Record<string, TableColumn> = {};
  for (const name of names) {
    const vector = table.getChild(name);
    if (vector === null) {
      throw new InvalidInputError(`the table has no column '${name}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
    }
    columns[name] = columnFromVector(name, vector);
  }
  return { nRows: table.numRows, columns };
}

function columnFromVector(name: string, vector: arrow.Vector): TableColumn {
  const type = vector.type as arrow.DataType;
  if (arrow.DataType.isFloat(type) || arrow.DataType.isInt(type) || arrow.DataType.isBool(type) || arrow.DataType.isNull(type)) {
    return { kind: 'numeric', values: numbersOf(vector) };
  }
  if (arrow.DataType.isTimestamp(type)) return { kind: 'timestamp', values: timestampsOf(vector) };
  if (isText(type)) return textColumn(vector);
  throw new InvalidInputError(`column '${name}' has type ${String(type)}; tunekit reads numbers, booleans, timestamps and text`);
}

function isText(type: arrow.DataType): boolean {
  return arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type) || (arrow.DataType.isDictionary(type) && isText(type.dictionary));
}

/** Bit i of a chunk's validity (true when valid or there is no bitmap). */
function validAt(d: arrow.Data, i: number): boolean {
  const bits = d.nullBitmap;
  if (d.nullCount === 0 || !bits || bits.length === 0) return true;
  const j = d.offset + i;
  return (bits[j >> 3] & (1 << (j & 7))) !== 0;
}

function numbersOf(vector: arrow.Vector): Float64Array {
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const d of vector.data) {
    const type = d.type as arrow.DataType;
    const n = d.length;
    if (arrow.DataType.isNull(type)) {
      out.fill(Number.NaN, at, at + n);
    } else if (arrow.DataType.isBool(type)) {
      const bits = d.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const j = d.offset + i;
        out[at + i] = (bits[j >> 3] >> (j & 7)) & 1;
      }
    } else if (d.values instanceof BigInt64Array || d.values instanceof BigUint64Array) {
      const signed = d.values instanceof BigInt64Array;
      const halves = new Int32Array(d.values.buffer, d.values.byteOffset, d.values.length * 2);
      for (let i = 0; i < n; i++) {
        const hi = halves[2 * i + 1];
        out[at + i] = (signed ? hi : hi >>> 0) * 4294967296 + (halves[2 * i] >>> 0);
      }
    } else {
      out.set((d.values as Float64Array).subarray(0, n), at);
    }
    if (d.nullCount > 0) for (let i = 0; i < n; i++) if (!validAt(d, i)) out[at + i] = Number.NaN;
    at += n;
  }
  return out;
}

const TICKS_PER_MICRO: Record<number, number> = {
  [arrow.TimeUnit.SECOND]: 1e-6,
  [arrow.TimeUnit.MILLISECOND]: 1e-3,
  [arrow.TimeUnit.MICROSECOND]: 1,
  [arrow.TimeUnit.NANOSECOND]: 1e3,
};

function timestampsOf(vector: arrow.Vector): Float64Array {
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const d of vector.data) {
    const ticks = TICKS_PER_MICRO[(d.type as arrow.Timestamp).unit];
    const values = d.values as BigInt64Array | Int32Array;
    const halves = new Int32Array(values.buffer, values.byteOffset, d.length * 2);
    for (let i = 0; i < d.length; i++) {
      const t = halves[2 * i + 1] * 4294967296 + (halves[2 * i] >>> 0);
      out[at + i] = ticks === 1 ? t : Math.floor(t / ticks);
    }
    if (d.nullCount > 0) for (let i = 0; i < d.length; i++) if (!validAt(d, i)) out[at + i] = Number.NaN;
    at += d.length;
  }
  return out;
}

/**
 * Text -> codes in order of first appearance, hashing the UTF-8 bytes (a string is decoded once
 * per distinct value, never per row).
 */
function textColumn(vector: arrow.Vector): CategoricalFrameColumn {
  const codes = new Int32Array(vector.length);
  const table = new ByteDictionary();
  let at = 0;
  for (const d of vector.data) {
    const type = d.type as arrow.DataType;
    if (arrow.DataType.isDictionary(type)) {
      // Code each dictionary entry once, then map the indices.
      const entries = textColumn(arrow.makeVector(d.dictionary!.data[0] ?? arrow.makeData({ type: new arrow.Utf8(), length: 0 })));
      const map = new Int32Array(entries.dictionary.length);
      for (let k = 0; k < map.length; k++) map[k] = entries.codes[k] < 0 ? -1 : table.codeOfString(entries.dictionary[entries.codes[k]]);
      const indices = d.values as ArrayLike<number>;
      for (let i = 0; i < d.length; i++) codes[at + i] = validAt(d, i) ? map[Number(indices[i])] : -1;
    } else {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      const bytes = d.values as Uint8Array;
      const big = offsets instanceof BigInt64Array;
      for (let i = 0; i < d.length; i++) {
        if (!validAt(d, i)) {
          codes[at + i] = -1;
          continue;
        }
        // Arrow JS slices offset buffers with the data (fixed-width values too); bitmaps keep `offset`.
        const s = big ? Number(offsets[i]) : (offsets[i] as number);
        const e = big ? Number(offsets[i + 1]) : (offsets[i + 1] as number);
        codes[at + i] = table.code(bytes, s, e);
      }
    }
    at += d.length;
  }
  return { kind: 'categorical', codes, dictionary: table.strings() };
}

/** Distinct byte strings -> codes 0, 1, ... in order of first appearance (open addressing). */
class ByteDictionary {
  private slots = hashSlots(64);
  private hashes: Int32Array = new Int32Array(64);
  private starts: Int32Array = new Int32Array(65);
  private bytes = new Uint8Array(1024);
  private count = 0;

  code(buf: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] - 1;
      if (entry < 0) return this.insert(slot, h, buf, s, e);
      if (this.hashes[entry] === h && this.equals(entry, buf, s, e)) return entry;
    }
  }

  codeOfString(value: string): number {
    const b = new TextEncoder().encode(value);
    return this.code(b, 0, b.length);
  }

  strings(): string[] {
    const decoder = new TextDecoder();
    const out = new Array<string>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = decoder.decode(this.bytes.subarray(this.starts[k], this.starts[k + 1]));
    return out;
  }

  private equals(entry: number, buf: Uint8Array, s: number, e: number): boolean {
    const a = this.starts[entry];
    if (this.starts[entry + 1] - a !== e - s) return false;
    for (let k = 0; k < e - s; k++) if (this.bytes[a + k] !== buf[s + k]) return false;
    return true;
  }

  private insert(slot: number, h: number, buf: Uint8Array, s: number, e: number): number {
    const k = this.count++;
    if (k + 1 >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    const at = this.starts[k];
    if (at + (e - s) > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(this.bytes.length * 2, at + (e - s)));
      bytes.set(this.bytes);
      this.bytes = bytes;
    }
    this.bytes.set(buf.subarray(s, e), at);
    this.starts[k + 1] = at + (e - s);
    this.hashes[k] = h;
    this.slots[slot] = k + 1;
    if (2 * this.count > this.slots.length) this.rehash();
    return k;
  }

  private rehash(): void {
    const slots = hashSlots(this.count * 2);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = this.hashes[k] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = k + 1;
    }
    this.slots = slots;
  }
}
