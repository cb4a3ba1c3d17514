/**
 * CSV -> Arrow: tunekit's reader on a generated 1 GB file, streamed batch by batch (rows/s and
 * peak memory, which must stay that of a batch, not of the file); and the same 100 MB read by
 * tunekit and by the two most used npm CSV parsers (papaparse, csv-parse), each turning the text
 * into the same Arrow columns, so the ratio is measured within one run. The files are generated
 * in the run's scratch folder (20 MB and 10 MB in quick mode), never kept.
 */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow/Arrow';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { streamTable } from '../../src/data/table.js';
import { writeGeneratedCsv } from '../csv-file.js';
import type { BenchContext, Benchmark } from '../types.js';

const BIG_BYTES = 1e9;
const QUICK_BIG_BYTES = 20e6;
const PEER_BYTES = 100e6;
const QUICK_PEER_BYTES = 10e6;

interface CsvFile {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

const files = new Map<string, Promise<CsvFile>>();

function csvFile(ctx: BenchContext, bytes: number): Promise<CsvFile> {
  const p = path.join(ctx.tmpDir, `generated-${bytes}.csv`);
  let found = files.get(p);
  if (!found) {
    found = (async () => {
      const t0 = performance.now();
      const written = await writeGeneratedCsv(p, bytes);
      ctx.log(`generated ${written.rows} rows (${(written.bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { path: p, ...written };
    })();
    files.set(p, found);
  }
  return found;
}

/**
 * Rows and bytes per second of wall time, and per second of this process's CPU time (steadier
 * than wall time on a busy machine: the reader is single-threaded).
 */
function rate(file: CsvFile, rows: number, t0: number, cpu0: NodeJS.CpuUsage): Record<string, number> {
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    rows,
    bytes: file.bytes,
    seconds,
    rowsPerSecond: Math.round(rows / seconds),
    megabytesPerSecond: Math.round(file.bytes / 1e6 / seconds),
    cpuSeconds,
    rowsPerCpuSecond: Math.round(rows / cpuSeconds),
  };
}

/** tunekit: every batch of the file, counted and dropped (nothing is kept). */
async function tunekitStream(file: CsvFile): Promise<Record<string, number>> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let batches = 0;
  let largest = 0;
  for await (const b of streamTable(file.path)) {
    rows += b.numRows;
    batches++;
    largest = Math.max(largest, b.numRows);
  }
  if (rows !== file.rows) throw new Error(`read ${rows} rows of ${file.rows}`);
  return { ...rate(file, rows, t0, cpu0), batches, largestBatchRows: largest };
}

/**
 * Rows of strings -> the Arrow columns tunekit makes of this file (numbers as Float64, the two
 * times as microsecond timestamps, text as Utf8), as a user of a string parser would build them.
 */
function toBatch(rows: readonly (readonly string[])[], schema: arrow.Schema): arrow.RecordBatch {
  const n = rows.length;
  const children = schema.fields.map((f, j) => {
    const type = f.type as arrow.DataType;
    if (arrow.DataType.isFloat(type)) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][j];
        values[i] = v === '' ? Number.NaN : Number(v);
      }
      return arrow.makeData({ type: new arrow.Float64(), length: n, data: values });
    }
    if (arrow.DataType.isTimestamp(type)) {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) values[i] = BigInt(Date.parse(`${rows[i][j].replace(' ', 'T')}Z`)) * 1000n;
      return arrow.makeData({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND), length: n, data: values });
    }
    return arrow.vectorFromArray(
      rows.map((r) => r[j]),
      new arrow.Utf8(),
    ).data[0];
  });
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }));
}

/** The schema tunekit reads the file with (so the peers build the same columns). */
async function schemaOf(file: CsvFile): Promise<arrow.Schema> {
  for await (const b of streamTable(file.path)) return b.schema;
  throw new Error('no rows');
}

interface PeerState {
  readonly file: CsvFile;
  readonly schema: arrow.Schema;
}

async function peerSetup(ctx: BenchContext): Promise<PeerState> {
  const file = await csvFile(ctx, ctx.quick ? QUICK_PEER_BYTES : PEER_BYTES);
  return { file, schema: await schemaOf(file) };
}

async function papaparse({ file, schema }: PeerState): Promise<Record<string, number>> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let header = true;
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(createReadStream(file.path, { encoding: 'utf8', highWaterMark: 1 << 22 }) as unknown as File, {
      skipEmptyLines: true,
      chunk: (result) => {
        const data = header ? result.data.slice(1) : result.data;
        header = false;
        rows += toBatch(data, schema).numRows;
      },
      complete: () => resolve(),
      error: reject,
    });
  });
  if (rows !== file.rows) throw new Error(`papaparse read ${rows} rows of ${file.rows}`);
  return rate(file, rows, t0, cpu0);
}

async function csvParseRows({ file, schema }: PeerState): Promise<Record<string, number>> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  let pending: string[][] = [];
  const parser = createReadStream(file.path, { highWaterMark: 1 << 22 }).pipe(csvParse({ fromLine: 2 }));
  for await (const record of parser) {
    pending.push(record as string[]);
    if (pending.length === 65536) {
      rows += toBatch(pending, schema).numRows;
      pending = [];
    }
  }
  rows += toBatch(pending, schema).numRows;
  if (rows !== file.rows) throw new Error(`csv-parse read ${rows} rows of ${file.rows}`);
  return rate(file, rows, t0, cpu0);
}

export const benchmarks: Benchmark[] = [
  {
    group: 'data',
    name: 'data/csv-1gb-stream',
    description:
      'A generated 1 GB CSV (11 columns: two timestamps, numbers with missing values, quoted text; ~12 M rows) streamed to Arrow record batches by streamTable, each dropped after counting: rows/s, and peak RSS, which is that of one batch and the reader, not of the file (goal >= 1 M rows/s). 20 MB in quick mode.',
    params: { bytes: BIG_BYTES, quickBytes: QUICK_BIG_BYTES, columns: 11 },
    warmup: 0,
    repeat: 3,
    setup: (ctx) => csvFile(ctx, ctx.quick ? QUICK_BIG_BYTES : BIG_BYTES),
    run: (state) => tunekitStream(state as CsvFile),
    score: (state) => ({ fileBytes: statSync((state as CsvFile).path).size }),
  },
  {
    group: 'data',
    name: 'data/csv-100mb-tunekit',
    description: "100 MB of the same CSV to Arrow record batches by tunekit's reader (byte-level tokenizer, column loops into typed arrays). 10 MB in quick mode.",
    params: { bytes: PEER_BYTES, quickBytes: QUICK_PEER_BYTES },
    warmup: 1,
    repeat: 5,
    peerBenchmark: 'data/csv-100mb-papaparse',
    setup: peerSetup,
    run: (state) => tunekitStream((state as PeerState).file),
  },
  {
    group: 'data',
    name: 'data/csv-100mb-papaparse',
    description:
      'The same 100 MB through papaparse 5 (streaming, chunk callback), its string rows turned into the same Arrow columns (Number() for numbers, Date.parse for the times, Utf8 vectors for text).',
    params: { bytes: PEER_BYTES, quickBytes: QUICK_PEER_BYTES, parser: 'papaparse' },
    warmup: 1,
    repeat: 3,
    setup: peerSetup,
    run: (state) => papaparse(state as PeerState),
  },
  {
    group: 'data',
    name: 'data/csv-100mb-csv-parse',
    description: 'The same 100 MB through csv-parse 7 (the Node stream API), its records turned into the same Arrow columns 65,536 rows at a time.',
    params: { bytes: PEER_BYTES, quickBytes: QUICK_PEER_BYTES, parser: 'csv-parse' },
    warmup: 0,
    repeat: 1,
    setup: peerSetup,
    run: (state) => csvParseRows(state as PeerState),
  },
];
