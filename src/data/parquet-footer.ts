/**
 * A Parquet file's footer (Thrift compact protocol), read and rewritten in JS.
 *
 * parquet-wasm is called through its synchronous reader only, which keeps its failures catchable
 * (its asynchronous reader panics on some corrupt pages inside a microtask of its own). That
 * reader has no column projection and does not tell how many row groups a file has. So:
 * - `parseFooter` reads the row groups (with their row counts) and the top-level columns (with
 *   the number of leaf columns each spans); every other field is skipped;
 * - `projectColumns` makes a file that holds only some top-level columns: the same data pages at
 *   the same offsets and a rewritten footer listing only their schema elements, column chunks and
 *   column orders. parquet-wasm then decodes only those (5 of 20 columns on the taxi path).
 *   The footer's embedded Arrow schema (key `ARROW:schema`) describes every column, so it is left
 *   out; types then come from the Parquet schema (the data layer normalises them anyway).
 *
 * A malformed footer throws `FooterError`: nothing is read past the footer, nothing recurses
 * deeper than MAX_NESTING, and every loop advances through the footer's bytes.
 */

/** Thrift compact-protocol type ids. */
const T = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

/** Parquet's footer nests structs a handful of levels (FileMetaData > RowGroup > ColumnChunk > ...). */
const MAX_NESTING = 32;

/** The key under which Arrow writers embed their schema in the footer. */
const ARROW_SCHEMA_KEY = 'ARROW:schema';

export class FooterError extends Error {}

const utf8 = new TextDecoder();

/** One field of a struct: its id, type and the bytes of its value (header excluded). */
interface FieldSpan {
  readonly id: number;
  readonly type: number;
  readonly start: number;
  readonly end: number;
}

/** One item of a list: the bytes of its value. */
interface ItemSpan {
  readonly start: number;
  readonly end: number;
}

export interface TopLevelColumn {
  readonly name: string;
  /** Leaf columns (column chunks per row group) it spans: 1 for a flat column. */
  readonly leaves: number;
}

export interface ParquetFooter {
  /** Where the footer starts in the file. */
  readonly start: number;
  /** Rows of each row group, in file order. */
  readonly rowGroupRows: readonly number[];
  readonly columns: readonly TopLevelColumn[];
  /** Where things are in the footer, for `projectColumns`. */
  readonly layout: Layout;
}

class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  byte(): number {
    if (this.at >= this.end) throw new FooterError('the footer ends inside a value');
    return this.bytes[this.at++];
  }

  /** An unsigned varint (up to 64 bits, as a double: exact below 2^53). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new FooterError('a varint runs over 10 bytes');
  }

  /** A zigzag-encoded signed varint. */
  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  string(): string {
    const n = this.varint();
    this.skipBytes(n);
    return utf8.decode(this.bytes.subarray(this.at - n, this.at));
  }

  skipBytes(n: number): void {
    if (this.at + n > this.end) throw new FooterError(`a value of ${n} bytes runs past the footer`);
    this.at += n;
  }

  /** Skips one value of a type (a struct, list or map with everything inside it). */
  skip(type: number, depth: number): void {
    if (depth > MAX_NESTING) throw new FooterError(`values nest deeper than ${MAX_NESTING} levels`);
    switch (type) {
      case T.TRUE:
      case T.FALSE:
      case T.BYTE:
        this.skipBytes(1);
        return;
      case T.I16:
      case T.I32:
      case T.I64:
        this.varint();
        return;
      case T.DOUBLE:
        this.skipBytes(8);
        return;
      case T.BINARY:
        this.skipBytes(this.varint());
        return;
      case T.LIST:
      case T.SET: {
        const [size, elem] = this.listHeader();
        for (let i = 0; i < size; i++) this.skip(elem, depth + 1);
        return;
      }
      case T.MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4, depth + 1);
          this.skip(kv & 0x0f, depth + 1);
        }
        return;
      }
      case T.STRUCT:
        this.skipStruct(depth + 1);
        return;
      default:
        throw new FooterError(`unknown Thrift type ${type}`);
    }
  }

  /** [size, element type] of a list or set. */
  listHeader(): [number, number] {
    const h = this.byte();
    const size = h >> 4 === 15 ? this.varint() : h >> 4;
    // Every element takes at least one byte: a larger count is a corrupt header.
    if (size > this.end - this.at) throw new FooterError(`a list of ${size} items in ${this.end - this.at} bytes`);
    return [size, h & 0x0f];
  }

  skipStruct(depth: number): void {
    if (depth > MAX_NESTING) throw new FooterError(`values nest deeper than ${MAX_NESTING} levels`);
    for (;;) {
      const h = this.byte();
      if (h === 0) return;
      const type = h & 0x0f;
      if (h >> 4 === 0) this.zigzag();
      if (type !== T.TRUE && type !== T.FALSE) this.skip(type, depth);
    }
  }

  /** The fields of a struct up to its stop byte, each value skipped and its span kept. */
  fields(depth: number, read?: (id: number, type: number) => boolean): FieldSpan[] {
    if (depth > MAX_NESTING) throw new FooterError(`values nest deeper than ${MAX_NESTING} levels`);
    const out: FieldSpan[] = [];
    let id = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const type = h & 0x0f;
      id = h >> 4 === 0 ? this.zigzag() : id + (h >> 4);
      const start = this.at;
      // A bool field's value is its type: no bytes follow. `read` may read a value itself.
      if (type !== T.TRUE && type !== T.FALSE && !read?.(id, type)) this.skip(type, depth);
      out.push({ id, type, start, end: this.at });
    }
  }

  /** The items of a list value starting here: their element type and spans (`read` may read each). */
  items(depth: number, read?: (i: number) => void): [number, ItemSpan[]] {
    const [size, elem] = this.listHeader();
    const out: ItemSpan[] = [];
    for (let i = 0; i < size; i++) {
      const start = this.at;
      if (read) read(i);
      else this.skip(elem, depth + 1);
      out.push({ start, end: this.at });
    }
    return [elem, out];
  }
}

/** Writes compact-protocol bytes; fields always in the long form (explicit id), valid in any order. */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private small: number[] = [];
  length = 0;

  byte(b: number): void {
    this.small.push(b);
    this.length++;
  }

  varint(n: number): void {
    let v = n;
    while (v >= 128) {
      this.byte((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  raw(bytes: Uint8Array, span: ItemSpan): void {
    this.flush();
    this.chunks.push(bytes.subarray(span.start, span.end));
    this.length += span.end - span.start;
  }

  fieldHeader(id: number, type: number): void {
    this.byte(type); // delta 0: the id follows as a zigzag varint
    this.varint(id >= 0 ? 2 * id : -2 * id - 1);
  }

  /** A field copied as it was. */
  field(bytes: Uint8Array, f: FieldSpan): void {
    this.fieldHeader(f.id, f.type);
    this.raw(bytes, f);
  }

  listHeader(size: number, elem: number): void {
    if (size < 15) {
      this.byte((size << 4) | elem);
    } else {
      this.byte(0xf0 | elem);
      this.varint(size);
    }
  }

  /** Writes everything into `out` from `offset`. */
  copyTo(out: Uint8Array, offset: number): void {
    this.flush();
    let at = offset;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
  }

  private flush(): void {
    if (this.small.length === 0) return;
    this.chunks.push(Uint8Array.from(this.small));
    this.small = [];
  }
}

function footerReader(bytes: Uint8Array): Reader {
  const n = bytes.length;
  if (n < 12) throw new FooterError(`${n} bytes hold no footer`);
  const length = (bytes[n - 8] | (bytes[n - 7] << 8) | (bytes[n - 6] << 16) | (bytes[n - 5] << 24)) >>> 0;
  if (length + 12 > n) throw new FooterError(`footer of ${length} bytes in a file of ${n}`);
  return new Reader(bytes, n - 8 - length, n - 8);
}

const at = (bytes: Uint8Array, span: ItemSpan): Reader => new Reader(bytes, span.start, span.end);

function field(fields: readonly FieldSpan[], id: number, type: number): FieldSpan | undefined {
  return fields.find((f) => f.id === id && f.type === type);
}

/** FileMetaData: 2 = schema, 4 = row_groups, 5 = key_value_metadata, 7 = column_orders. */
const FILE = { schema: 2, rowGroups: 4, keyValues: 5, columnOrders: 7 } as const;
/** SchemaElement: 4 = name, 5 = num_children. RowGroup: 1 = columns, 3 = num_rows, 4 = sorting_columns. */
const SCHEMA = { name: 4, numChildren: 5 } as const;
const GROUP = { columns: 1, numRows: 3, sortingColumns: 4 } as const;

/** A row group's fields, the spans of its column chunks, and its rows. */
interface RowGroupLayout {
  readonly fields: readonly FieldSpan[];
  readonly chunks: readonly ItemSpan[];
  readonly rows: number;
}

interface Layout {
  readonly top: readonly FieldSpan[];
  readonly groups: readonly RowGroupLayout[];
  /** The schema list's items (root first) and, per top-level column, its first item and item count. */
  readonly schemaItems: readonly ItemSpan[];
  readonly subtrees: readonly { first: number; count: number }[];
}

/** The row groups and top-level columns of a file, from its whole bytes. */
export function parseFooter(bytes: Uint8Array): ParquetFooter {
  const r = footerReader(bytes);
  const start = r.at;
  // One pass: the schema's elements and the row groups (with their column chunks) are read as
  // the top-level struct is, their spans kept for `projectColumns`.
  const elements: { name: string; children: number }[] = [];
  let schemaItems: ItemSpan[] | undefined;
  let groups: RowGroupLayout[] | undefined;
  const top = r.fields(0, (id, type) => {
    if (type !== T.LIST) return false;
    if (id === FILE.schema) {
      const [elem, items] = r.items(1, () => {
        let name = '';
        let children = 0;
        r.fields(2, (eid, etype) => {
          if (eid === SCHEMA.name && etype === T.BINARY) name = r.string();
          else if (eid === SCHEMA.numChildren && etype === T.I32) children = r.zigzag();
          else return false;
          return true;
        });
        elements.push({ name, children });
      });
      if (elem !== T.STRUCT) throw new FooterError(`the schema holds Thrift type ${elem}, not elements`);
      schemaItems = items;
      return true;
    }
    if (id === FILE.rowGroups) {
      groups = [];
      const list = groups;
      const [elem] = r.items(1, (g) => {
        let rows = -1;
        let chunks: ItemSpan[] = [];
        const fields = r.fields(2, (gid, gtype) => {
          if (gid === GROUP.numRows && gtype === T.I64) rows = r.zigzag();
          else if (gid === GROUP.columns && gtype === T.LIST) {
            const [chunkElem, items] = r.items(3);
            if (items.length > 0 && chunkElem !== T.STRUCT) throw new FooterError(`row group ${g} lists Thrift type ${chunkElem}, not column chunks`);
            chunks = items;
          } else return false;
          return true;
        });
        if (rows < 0) throw new FooterError(`row group ${g} has no row count`);
        list.push({ fields, chunks, rows });
      });
      if (list.length > 0 && elem !== T.STRUCT) throw new FooterError(`row_groups holds Thrift type ${elem}, not structs`);
      return true;
    }
    return false;
  });
  if (schemaItems === undefined || elements.length === 0) throw new FooterError('the footer has no schema');
  if (groups === undefined) throw new FooterError('the footer lists no row groups');
  // Top-level columns are the root's children; each spans its subtree's items, in pre-order.
  const columns: TopLevelColumn[] = [];
  const subtrees: { first: number; count: number }[] = [];
  let i = 1;
  for (let c = 0; c < elements[0].children; c++) {
    if (i >= elements.length) throw new FooterError(`the schema root has ${elements[0].children} children but ${c} are listed`);
    const first = i;
    let pending = 1;
    let leaves = 0;
    while (pending > 0) {
      if (i >= elements.length) throw new FooterError(`column '${elements[first].name}' lists more children than the schema holds`);
      const e = elements[i++];
      pending--;
      if (e.children < 0) throw new FooterError(`column '${e.name}' has ${e.children} children`);
      if (e.children === 0) leaves++;
      pending += e.children;
    }
    columns.push({ name: elements[first].name, leaves });
    subtrees.push({ first, count: i - first });
  }
  if (i !== elements.length) throw new FooterError(`the schema lists ${elements.length - i} elements outside the root`);
  const leaves = columns.reduce((s, c) => s + c.leaves, 0);
  groups.forEach((g, k) => {
    if (g.chunks.length !== leaves) throw new FooterError(`row group ${k} has ${g.chunks.length} column chunks for ${leaves} leaf columns`);
  });
  return { start, rowGroupRows: groups.map((g) => g.rows), columns, layout: { top, schemaItems, subtrees, groups } };
}

/** A file of the footer alone (enough for parquet-wasm's `readSchema`): no copy of the data. */
export function footerOnly(bytes: Uint8Array, footer: ParquetFooter): Uint8Array {
  const out = new Uint8Array(4 + bytes.length - footer.start);
  out.set(bytes.subarray(0, 4));
  out.set(bytes.subarray(footer.start), 4);
  return out;
}

/** ColumnChunk: 2 = file_offset, 3 = meta_data, 4-7 = page index, 8-9 = encryption. */
const CHUNK = { fileOffset: 2, metaData: 3, firstIndexField: 4, lastIndexField: 7, crypto: 8, encryptedMetaData: 9 } as const;
/** ColumnMetaData: 7 = total_compressed_size, 9/10/11 = data/index/dictionary page offsets, 14-15 = bloom filter. */
const META = { compressedSize: 7, dataPage: 9, indexPage: 10, dictionaryPage: 11, bloomOffset: 14, bloomLength: 15 } as const;
const FILE_NUM_ROWS = 3;
/** RowGroup: 5 = file_offset, 6 = total_compressed_size (both about the old layout). */
const GROUP_LAYOUT = { fileOffset: 5, compressedSize: 6 } as const;

/**
 * A file holding only the named top-level columns of the given row groups (all when undefined),
 * compacted: their column chunks copied one after another, their offsets moved to match, and a
 * footer listing only them. The file itself when it asks for everything.
 */
export function projectColumns(bytes: Uint8Array, footer: ParquetFooter, names: readonly string[], rowGroups?: readonly number[]): Uint8Array {
  const { top, schemaItems, subtrees, groups: groupLayouts } = footer.layout;
  const keep = footer.columns.map((c) => names.includes(c.name));
  const groups = rowGroups ?? footer.rowGroupRows.map((_, g) => g);
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 0 || g >= footer.rowGroupRows.length) throw new FooterError(`row group ${g} is not in the file (${footer.rowGroupRows.length} groups)`);
  }
  if (keep.every(Boolean) && rowGroups === undefined) return bytes;
  // Leaf columns kept, by leaf index (column chunks and column orders are per leaf).
  const keepLeaf: boolean[] = [];
  footer.columns.forEach((c, k) => {
    for (let l = 0; l < c.leaves; l++) keepLeaf.push(keep[k]);
  });
  const data = new Writer(); // the chunks, after the leading "PAR1"
  data.raw(bytes, { start: 0, end: 4 });
  const w = new Writer();
  for (const f of top) {
    if (f.id === FILE.schema && f.type === T.LIST) {
      w.fieldHeader(f.id, f.type);
      const kept = subtrees.filter((_, k) => keep[k]);
      w.listHeader(1 + kept.reduce((s, t) => s + t.count, 0), T.STRUCT);
      writeStruct(w, bytes, at(bytes, schemaItems[0]).fields(2), (g) => {
        if (g.id !== SCHEMA.numChildren) return false;
        w.fieldHeader(g.id, T.I32);
        w.varint(2 * kept.length);
        return true;
      });
      for (const t of kept) for (let e = t.first; e < t.first + t.count; e++) w.raw(bytes, schemaItems[e]);
    } else if (f.id === FILE_NUM_ROWS && f.type === T.I64) {
      w.fieldHeader(f.id, f.type);
      w.varint(2 * groups.reduce((s, g) => s + footer.rowGroupRows[g], 0));
    } else if (f.id === FILE.rowGroups && f.type === T.LIST) {
      w.fieldHeader(f.id, f.type);
      w.listHeader(groups.length, T.STRUCT);
      for (const g of groups) {
        const { fields, chunks } = groupLayouts[g];
        writeStruct(w, bytes, fields, (gf) => {
          // Leaf indices and byte positions of the old layout: meaningless in the new file.
          if (gf.id === GROUP.sortingColumns || gf.id === GROUP_LAYOUT.fileOffset || gf.id === GROUP_LAYOUT.compressedSize) return true;
          if (gf.id !== GROUP.columns || gf.type !== T.LIST) return false;
          w.fieldHeader(gf.id, gf.type);
          w.listHeader(keepLeaf.filter(Boolean).length, T.STRUCT);
          chunks.forEach((chunk, l) => {
            if (keepLeaf[l]) moveChunk(w, data, bytes, chunk, footer.start);
          });
          return true;
        });
      }
    } else if (f.id === FILE.columnOrders && f.type === T.LIST) {
      const [elem, items] = at(bytes, f).items(1);
      if (items.length !== keepLeaf.length) throw new FooterError(`${items.length} column orders for ${keepLeaf.length} leaf columns`);
      w.fieldHeader(f.id, f.type);
      const kept = items.filter((_, l) => keepLeaf[l]);
      w.listHeader(kept.length, elem);
      for (const item of kept) w.raw(bytes, item);
    } else if (f.id === FILE.keyValues && f.type === T.LIST) {
      w.fieldHeader(f.id, f.type);
      const [elem, items] = at(bytes, f).items(1);
      const kept = items.filter((item) => {
        const key = field(at(bytes, item).fields(2), 1, T.BINARY);
        return key === undefined || at(bytes, key).string() !== ARROW_SCHEMA_KEY;
      });
      w.listHeader(kept.length, elem);
      for (const item of kept) w.raw(bytes, item);
    } else {
      w.field(bytes, f);
    }
  }
  w.byte(0);
  const out = new Uint8Array(data.length + w.length + 8);
  data.copyTo(out, 0);
  w.copyTo(out, data.length);
  new DataView(out.buffer).setUint32(data.length + w.length, w.length, true);
  out.set(bytes.subarray(0, 4), out.length - 4); // "PAR1"
  return out;
}

/**
 * Copies one column chunk's pages to the end of `data` and writes its ColumnChunk with the page
 * offsets moved by the same amount; the page index and bloom filter (positions in the old file)
 * are left out. The byte range is arrow-rs's: from the dictionary page (else the first data page),
 * `total_compressed_size` long; it must lie in the data part of the file.
 */
function moveChunk(w: Writer, data: Writer, bytes: Uint8Array, chunk: ItemSpan, dataEnd: number): void {
  const fields = at(bytes, chunk).fields(3);
  if (fields.some((f) => f.id === CHUNK.crypto || f.id === CHUNK.encryptedMetaData)) throw new FooterError('encrypted columns are not supported');
  const meta = field(fields, CHUNK.metaData, T.STRUCT);
  if (meta === undefined) throw new FooterError('a column chunk has no metadata');
  const metaFields = at(bytes, meta).fields(4);
  const i64 = (id: number): number | undefined => {
    const f = field(metaFields, id, T.I64);
    return f === undefined ? undefined : at(bytes, f).zigzag();
  };
  const dataPage = i64(META.dataPage);
  const length = i64(META.compressedSize);
  if (dataPage === undefined || length === undefined) throw new FooterError('a column chunk has no data page offset or size');
  // Some writers store a dictionary page offset of 0 for "none".
  const dictionary = i64(META.dictionaryPage);
  const from = dictionary !== undefined && dictionary > 0 ? dictionary : dataPage;
  if (from < 4 || length < 0 || from + length > dataEnd) throw new FooterError(`a column chunk of ${length} bytes at ${from} lies outside the data`);
  const delta = data.length - from;
  data.raw(bytes, { start: from, end: from + length });
  const moved = (f: FieldSpan): boolean => {
    w.fieldHeader(f.id, T.I64);
    const v = at(bytes, f).zigzag() + delta;
    w.varint(v >= 0 ? 2 * v : -2 * v - 1);
    return true;
  };
  writeStruct(w, bytes, fields, (f) => {
    if (f.id >= CHUNK.firstIndexField && f.id <= CHUNK.lastIndexField) return true;
    if (f.id === CHUNK.fileOffset && f.type === T.I64) {
      // Writers put the chunk's end (or 0) here; readers do not use it. Kept a valid position.
      const v = at(bytes, f).zigzag();
      return v === 0 ? false : moved(f);
    }
    if (f.id !== CHUNK.metaData) return false;
    w.fieldHeader(f.id, T.STRUCT);
    writeStruct(w, bytes, metaFields, (m) => {
      if (m.id === META.bloomOffset || m.id === META.bloomLength) return true;
      if (m.id === META.indexPage) return true; // unused by readers, and may point outside the chunk
      if (m.id === META.dictionaryPage && m.type === T.I64 && dictionary !== undefined && dictionary <= 0) return false;
      if ((m.id === META.dataPage || m.id === META.dictionaryPage) && m.type === T.I64) return moved(m);
      return false;
    });
    return true;
  });
}

/** A struct's fields, each either rewritten by `rewrite` (returning true) or copied; then its stop. */
function writeStruct(w: Writer, bytes: Uint8Array, fields: readonly FieldSpan[], rewrite: (f: FieldSpan) => boolean): void {
  for (const f of fields) if (!rewrite(f)) w.field(bytes, f);
  w.byte(0);
}
