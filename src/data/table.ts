/**
 * One entry point for tables on disk: `readTable(source)` reads Parquet, CSV or Arrow IPC
 * (Feather v2) files into one Arrow table; `streamTable` yields the same rows as record batches,
 * one at a time, for inputs larger than memory.
 *
 * A source is a file, a folder (all files of the format in it, sorted by name, hidden files
 * skipped, not recursive) or a list of both. The files are concatenated; they must hold the same
 * columns (a CSV file later in the list is read with the first file's column types), else a
 * SCHEMA_MISMATCH error names both files. Every table comes out in the Parquet reader's normalised
 * types: numbers as Float64, timestamps in microseconds, strings as Utf8, booleans.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as arrow from 'apache-arrow/Arrow';
import { DataSourceError, InvalidParameterError } from '../core/errors.js';
import { type CsvOptions, CsvFileReader, type CsvSchema } from './csv.js';
import { normalizeTable, readParquet, streamParquet } from './parquet.js';

export type TableFormat = 'csv' | 'parquet' | 'arrow';

/** A file, a folder, or a list of them. */
export type TableSource = string | readonly string[];

export interface ReadTableOptions extends CsvOptions {
  /** The files' format (default: from their extensions). In a folder, only files of it are read. */
  readonly format?: TableFormat;
}

/** `DataSourceError.code` values for finding the files of a table. */
export const TableErrorCode = {
  fileNotFound: 'FILE_NOT_FOUND',
  noFiles: 'NO_FILES',
  unknownFormat: 'UNKNOWN_FORMAT',
  mixedFormats: 'MIXED_FORMATS',
  columnNotFound: 'COLUMN_NOT_FOUND',
  schemaMismatch: 'SCHEMA_MISMATCH',
  readFailed: 'READ_FAILED',
} as const;

/** File name endings of each format (a CSV file may also be gzip-compressed: `.csv.gz`). */
export const TABLE_EXTENSIONS: Readonly<Record<TableFormat, readonly string[]>> = {
  csv: ['.csv', '.tsv', '.tab', '.csv.gz', '.tsv.gz', '.tab.gz'],
  parquet: ['.parquet', '.parq', '.pq'],
  arrow: ['.arrow', '.arrows', '.feather', '.ipc'],
};
const FORMATS = Object.keys(TABLE_EXTENSIONS) as TableFormat[];

function hasExtension(path: string, format: TableFormat): boolean {
  const lower = path.toLowerCase();
  return TABLE_EXTENSIONS[format].some((e) => lower.endsWith(e));
}

/** The format a file name says, or undefined. */
export function formatOfPath(path: string): TableFormat | undefined {
  return FORMATS.find((f) => hasExtension(path, f));
}

/** The files a source names, in order, and their one format. */
export async function tableFiles(source: TableSource, format?: TableFormat): Promise<{ format: TableFormat; files: string[] }> {
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new InvalidParameterError('readTable', 'format', format, `must be one of ${FORMATS.join(', ')}`);
  }
  const entries = typeof source === 'string' ? [source] : source;
  if (!Array.isArray(entries) || entries.length === 0 || !entries.every((e) => typeof e === 'string')) {
    throw new InvalidParameterError('readTable', 'source', source, 'must be a path or a non-empty list of paths');
  }
  const files: { path: string; format: TableFormat | undefined }[] = [];
  for (const entry of entries) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(entry)).isDirectory();
    } catch (err) {
      throw new DataSourceError(entry, `no such file or folder (${(err as Error).message})`, { code: TableErrorCode.fileNotFound, cause: err });
    }
    if (!isDirectory) {
      files.push({ path: entry, format: format ?? formatOfPath(entry) ?? (await sniffFormat(entry)) });
      continue;
    }
    const names = (await readdir(entry, { withFileTypes: true }))
      .filter((d) => d.isFile() && !d.name.startsWith('.') && !d.name.startsWith('_'))
      .map((d) => d.name)
      .filter((n) => (format ? hasExtension(n, format) : formatOfPath(n) !== undefined))
      .sort();
    if (names.length === 0) {
      const endings = (format ? TABLE_EXTENSIONS[format] : FORMATS.flatMap((f) => TABLE_EXTENSIONS[f])).join(' ');
      throw new DataSourceError(entry, `the folder has no ${format ?? 'table'} files (names ending ${endings})`, {
        code: TableErrorCode.noFiles,
      });
    }
    for (const n of names) files.push({ path: join(entry, n), format: format ?? formatOfPath(n) });
  }
  const unknown = files.find((f) => f.format === undefined);
  if (unknown) {
    throw new DataSourceError(unknown.path, `cannot tell the format from the name or the content; pass format ('csv', 'parquet' or 'arrow')`, {
      code: TableErrorCode.unknownFormat,
    });
  }
  const kinds = [...new Set(files.map((f) => f.format!))];
  if (kinds.length > 1) {
    const example = (k: TableFormat) => basename(files.find((f) => f.format === k)!.path);
    throw new DataSourceError(String(typeof source === 'string' ? source : source.join(', ')), `holds files of several formats (${kinds.map((k) => `${k}: ${example(k)}`).join(', ')}); pass format to read one`, {
      code: TableErrorCode.mixedFormats,
    });
  }
  return { format: kinds[0], files: files.map((f) => f.path) };
}

/** Parquet and Arrow files by their magic bytes (CSV has none). */
async function sniffFormat(path: string): Promise<TableFormat | undefined> {
  const head = new Uint8Array(6);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 6, 0);
  } finally {
    await fh.close();
  }
  const text = String.fromCharCode(...head);
  if (text.startsWith('PAR1')) return 'parquet';
  if (text === 'ARROW1' || (head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) return 'arrow';
  return undefined;
}

/** All rows of a source as one Arrow table. */
export async function readTable(source: TableSource, options: ReadTableOptions = {}): Promise<arrow.Table> {
  const { format, files } = await tableFiles(source, options.format);
  if (format === 'parquet') return readParquet(files, options.columns ? { columns: options.columns } : {});
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | undefined;
  for await (const b of batchesOf(format, files, options, (s) => (schema = s))) batches.push(b);
  return batches.length > 0 ? new arrow.Table(schema!, batches) : new arrow.Table(schema!);
}

/** The rows of a source as record batches (a few MB of CSV, a Parquet row group, an IPC batch each). */
export async function* streamTable(source: TableSource, options: ReadTableOptions = {}): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const { format, files } = await tableFiles(source, options.format);
  if (format === 'parquet') yield* streamParquet(files, options.columns ? { columns: options.columns } : {});
  else yield* batchesOf(format, files, options, () => {});
}

/** The batches of CSV or Arrow files in order; `onSchema` gets the table's schema (also when there are no rows). */
async function* batchesOf(
  format: 'csv' | 'arrow',
  files: readonly string[],
  options: ReadTableOptions,
  onSchema: (schema: arrow.Schema) => void,
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  if (format === 'csv') {
    let schema: CsvSchema | undefined;
    for (const file of files) {
      const reader = new CsvFileReader(file, options, schema);
      yield* reader.batches();
      schema = reader.schema;
    }
    onSchema(schema!.arrow);
    return;
  }
  let first: { schema: arrow.Schema; file: string } | undefined;
  for (const file of files) {
    yield* arrowBatches(file, options.columns, (schema) => {
      first ??= { schema, file };
      checkSameSchema(first.schema, schema, first.file, file);
    });
  }
  onSchema(first!.schema);
}

/** The batches of one Arrow IPC file (file or stream format), normalised; `onSchema` gets the schema even without batches. */
async function* arrowBatches(file: string, columns: readonly string[] | undefined, onSchema: (s: arrow.Schema) => void): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const fh = await open(file, 'r');
  try {
    let reader: arrow.RecordBatchReader;
    try {
      reader = await arrow.RecordBatchReader.from(fh);
      await reader.open();
    } catch (err) {
      throw new DataSourceError(file, `not a readable Arrow IPC file: ${(err as Error).message}`, { code: TableErrorCode.readFailed, cause: err });
    }
    const names = reader.schema.fields.map((f) => f.name);
    const wanted = columns ?? names;
    const missing = wanted.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw new DataSourceError(file, `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not found (columns: ${names.join(', ')})`, {
        code: TableErrorCode.columnNotFound,
      });
    }
    let seen = false;
    const it = reader[Symbol.asyncIterator]();
    for (;;) {
      let r: IteratorResult<arrow.RecordBatch>;
      try {
        r = await it.next();
      } catch (err) {
        throw new DataSourceError(file, `cannot read a record batch (compressed or corrupt file?): ${(err as Error).message}`, {
          code: TableErrorCode.readFailed,
          cause: err,
        });
      }
      if (r.done) break;
      const table = normalizeTable(new arrow.Table([r.value]), file, wanted);
      if (!seen) onSchema(table.schema);
      seen = true;
      yield* table.batches;
    }
    if (!seen) onSchema(normalizeTable(new arrow.Table(reader.schema), file, wanted).schema);
  } finally {
    await fh.close();
  }
}

function checkSameSchema(first: arrow.Schema, next: arrow.Schema, firstName: string, nextName: string): void {
  const a = first.fields.map((f) => `${f.name}:${f.type}`).join(', ');
  const b = next.fields.map((f) => `${f.name}:${f.type}`).join(', ');
  if (a !== b) {
    throw new DataSourceError(nextName, `columns (${b}) differ from those of ${firstName} (${a})`, { code: TableErrorCode.schemaMismatch });
  }
}
