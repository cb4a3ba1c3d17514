/** Writing CSV text for tests: from rows of strings, or from an Arrow table. */
import type * as arrow from 'apache-arrow/Arrow';
import { CsvFileReader, type CsvInput, type CsvOptions } from '../../src/data/csv.js';

export interface CsvStyle {
  readonly delimiter?: string;
  readonly lineEnding?: string;
  /** 'needed': quote fields holding a delimiter, quote or line break; 'all': every field. */
  readonly quoting?: 'needed' | 'all';
}

/** One field as a writer following RFC 4180 writes it. */
export function csvField(value: string, style: CsvStyle = {}): string {
  const d = style.delimiter ?? ',';
  const needs = value.includes(d) || value.includes('"') || value.includes('\n') || value.includes('\r');
  return style.quoting === 'all' || needs ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvText(rows: readonly (readonly string[])[], style: CsvStyle = {}): string {
  const eol = style.lineEnding ?? '\n';
  return rows.map((r) => r.map((v) => csvField(v, style)).join(style.delimiter ?? ',')).join(eol) + eol;
}

/** Two digits. */
const two = (n: number) => String(n).padStart(2, '0');

/** A table as CSV: nulls empty, numbers as JavaScript prints them, timestamps as 'YYYY-MM-DD hh:mm:ss[.ffffff]'. */
export function tableToCsv(table: arrow.Table, style: CsvStyle = {}): string {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!);
  const types = table.schema.fields.map((f) => String(f.type));
  const rows: string[][] = [names];
  for (let i = 0; i < table.numRows; i++) {
    rows.push(
      columns.map((c, j) => {
        const v = c.get(i) as unknown;
        if (v === null || v === undefined) return '';
        if (types[j].startsWith('Timestamp')) return timestampText(Number(v));
        return String(v);
      }),
    );
  }
  return csvText(rows, style);
}

/** Arrow JS returns microsecond timestamps as milliseconds (a double). */
function timestampText(ms: number): string {
  const d = new Date(Math.floor(ms));
  const micros = Math.round((ms - Math.floor(ms)) * 1000) + d.getUTCMilliseconds() * 1000;
  const base = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, '0')}`;
}

/** All batches of one CSV input, and the schema it was read with. */
export async function readCsvInput(input: CsvInput, options: CsvOptions = {}, name = 'test.csv'): Promise<{ batches: arrow.RecordBatch[]; reader: CsvFileReader }> {
  const reader = new CsvFileReader(input, options, undefined, name);
  const batches: arrow.RecordBatch[] = [];
  for await (const b of reader.batches()) batches.push(b);
  return { batches, reader };
}

/** Rows of batches as arrays of plain values (timestamps as Arrow JS gives them). */
export function rowsOf(batches: readonly arrow.RecordBatch[]): unknown[][] {
  const out: unknown[][] = [];
  for (const b of batches) {
    for (let i = 0; i < b.numRows; i++) out.push(b.schema.fields.map((_, j) => b.getChildAt(j)!.get(i)));
  }
  return out;
}

/** The text split into chunks of random sizes (1 to `max` bytes). */
export function chunked(bytes: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, sizes());
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}
