/**
 * Where a TLC month comes from: a data folder (option, then env TUNEKIT_DATA_DIR), else the
 * download cache, else TLC's public trip-data address (into the cache) when the network allows,
 * else — offline — the generator. The result says which source was used.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSourceError, InvalidParameterError } from '../../core/errors.js';
import { DOWNLOAD_CONNECT_TIMEOUT_MS, DOWNLOAD_TIMEOUT_MS } from '../../core/limits.js';
import { writeTaxiParquet } from './generate.js';
import type { TaxiColor } from './trips.js';

export type TaxiSourceKind = 'data-dir' | 'cache' | 'download' | 'generated';

export interface TaxiMonth {
  readonly color: TaxiColor;
  /** 'YYYY-MM'. */
  readonly month: string;
}

export interface DownloadOptions {
  /** Default TLC's: https://d37ci6vzurychx.cloudfront.net/trip-data */
  readonly baseUrl?: string;
  /** Time allowed to get the response headers (default DOWNLOAD_CONNECT_TIMEOUT_MS, 3000 ms): offline machines fail fast. */
  readonly connectTimeoutMs?: number;
  /** Time allowed for the whole download (default DOWNLOAD_TIMEOUT_MS, 300000 ms). */
  readonly timeoutMs?: number;
}

export interface GenerateFallbackOptions {
  /** Default 80,000 (a green month of 2021 has 65-85 thousand trips). */
  readonly rows?: number;
  readonly seed?: number;
}

export interface TaxiSourceOptions {
  /** Folder with TLC files named as TLC names them (`green_tripdata_2021-01.parquet`). */
  readonly dataDir?: string;
  /** Download cache (default env TUNEKIT_CACHE_DIR, else `data/cache` under the working folder). */
  readonly cacheDir?: string;
  /** false: never download (also when env TUNEKIT_OFFLINE=1). Default: download from TLC. */
  readonly download?: boolean | DownloadOptions;
  /** false: fail instead of generating. Default: generate (green only). */
  readonly generate?: boolean | GenerateFallbackOptions;
}

export interface TaxiMonthSource extends TaxiMonth {
  readonly kind: TaxiSourceKind;
  /** The Parquet file to read. */
  readonly path: string;
  /** Why earlier sources were passed over, in order (e.g. the download error). */
  readonly skipped: readonly string[];
}

export const TLC_TRIP_DATA_URL = 'https://d37ci6vzurychx.cloudfront.net/trip-data';

/** TLC's file name for a month, e.g. green_tripdata_2021-01.parquet. */
export function taxiFileName({ color, month }: TaxiMonth): string {
  return `${color}_tripdata_${month}.parquet`;
}

/** Finds (or fetches, or makes) the Parquet file of a TLC month. */
export async function resolveTaxiMonth(request: TaxiMonth, options: TaxiSourceOptions = {}): Promise<TaxiMonthSource> {
  checkMonth(request);
  const name = taxiFileName(request);
  const skipped: string[] = [];
  const found = (kind: TaxiSourceKind, path: string): TaxiMonthSource => ({ ...request, kind, path, skipped });

  const dataDir = options.dataDir ?? process.env.TUNEKIT_DATA_DIR;
  if (dataDir) {
    const path = resolve(dataDir, name);
    if (await isFile(path)) return found('data-dir', path);
    skipped.push(`data-dir: ${path} not found`);
  } else {
    skipped.push('data-dir: none given (option dataDir or env TUNEKIT_DATA_DIR)');
  }

  const cacheDir = resolve(options.cacheDir ?? process.env.TUNEKIT_CACHE_DIR ?? join('data', 'cache'));
  const cached = join(cacheDir, name);
  if (await isFile(cached)) return found('cache', cached);
  skipped.push(`cache: ${cached} not found`);

  const offline = process.env.TUNEKIT_OFFLINE === '1' || options.download === false;
  if (offline) {
    skipped.push('download: disabled');
  } else {
    const download = typeof options.download === 'object' ? options.download : {};
    const url = `${(download.baseUrl ?? TLC_TRIP_DATA_URL).replace(/\/+$/, '')}/${name}`;
    try {
      await downloadTo(url, cached, download);
      return found('download', cached);
    } catch (err) {
      skipped.push(`download: ${url}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  if (options.generate === false) {
    throw new DataSourceError(name, `no source has this month (${skipped.join('; ')})`, { code: 'NO_SOURCE' });
  }
  if (request.color !== 'green') {
    throw new DataSourceError(name, `no source has this month and only green months can be generated (${skipped.join('; ')})`, {
      code: 'NO_SOURCE',
    });
  }
  const gen = typeof options.generate === 'object' ? options.generate : {};
  const rows = gen.rows ?? 80_000;
  const seed = gen.seed ?? 0;
  // Generated files live apart from real ones so a later run never takes one for the other.
  const path = join(cacheDir, 'generated', `${request.color}_tripdata_${request.month}.seed${seed}.rows${rows}.parquet`);
  if (!(await isFile(path))) {
    await mkdir(join(cacheDir, 'generated'), { recursive: true });
    await writeTaxiParquet(path, { month: request.month, rows, seed }); // temporary file, then renamed
  }
  return found('generated', path);
}

function checkMonth({ color, month }: TaxiMonth): void {
  if (color !== 'green' && color !== 'yellow') throw new InvalidParameterError('resolveTaxiMonth', 'color', color, "must be 'green' or 'yellow'");
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new InvalidParameterError('resolveTaxiMonth', 'month', month, "must be 'YYYY-MM'");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Downloads to a temporary file, checks it is Parquet, then moves it in place. */
async function downloadTo(url: string, path: string, options: DownloadOptions): Promise<void> {
  const connectMs = options.connectTimeoutMs ?? DOWNLOAD_CONNECT_TIMEOUT_MS;
  const totalMs = options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no response within ${connectMs} ms`)), connectMs);
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(controller.signal.aborted ? String((controller.signal.reason as Error).message) : (cause?.code ?? cause?.message ?? (err as Error).message));
    }
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`download not finished within ${totalMs} ms`)), totalMs);
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    await mkdir(resolve(path, '..'), { recursive: true });
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(tmp));
    if (!(await looksLikeParquet(tmp))) throw new Error('the response is not a Parquet file');
    await rename(tmp, path);
  } finally {
    clearTimeout(timer);
    if (existsSync(tmp)) await rm(tmp, { force: true });
  }
}

async function looksLikeParquet(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 12) return false;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    await fh.read(tail, 0, 4, size - 4);
    return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1';
  } finally {
    await fh.close();
  }
}
