import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceError } from '../../../src/core/errors.js';
import { generateTaxiParquet } from '../../../src/datasets/nyc-taxi/generate.js';
import { resolveTaxiMonth, taxiFileName } from '../../../src/datasets/nyc-taxi/sources.js';
import { readTaxiTrips } from '../../../src/datasets/nyc-taxi/trips.js';

const root = mkdtempSync(join(tmpdir(), 'tunekit-sources-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `case-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** A closed port on 127.0.0.1: connections are refused at once. */
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/trip-data`;
}

describe('resolveTaxiMonth', () => {
  let parquet: Uint8Array;
  let server: Server;
  let base = '';
  const requests: string[] = [];

  beforeAll(async () => {
    parquet = await generateTaxiParquet({ month: '2021-04', rows: 1500, seed: 3 });
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url?.endsWith('/green_tripdata_2021-04.parquet')) res.end(parquet);
      else if (req.url?.endsWith('/green_tripdata_2021-05.parquet')) res.end('<html>moved</html>');
      else if (req.url?.includes('/hang/')) return; // never answers
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trip-data`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('uses the data folder when it has the month', async () => {
    const dataDir = fresh();
    const path = join(dataDir, taxiFileName({ color: 'green', month: '2021-04' }));
    writeFileSync(path, parquet);
    const src = await resolveTaxiMonth({ color: 'green', month: '2021-04' }, { dataDir, cacheDir: fresh(), download: false });
    expect(src.kind).toBe('data-dir');
    expect(src.path).toBe(path);
  });

  it('reads the data folder from TUNEKIT_DATA_DIR when no option is given', async () => {
    const dataDir = fresh();
    writeFileSync(join(dataDir, 'green_tripdata_2021-04.parquet'), parquet);
    const before = process.env.TUNEKIT_DATA_DIR;
    process.env.TUNEKIT_DATA_DIR = dataDir;
    try {
      const src = await resolveTaxiMonth({ color: 'green', month: '2021-04' }, { cacheDir: fresh(), download: false });
      expect(src.kind).toBe('data-dir');
    } finally {
      if (before === undefined) delete process.env.TUNEKIT_DATA_DIR;
      else process.env.TUNEKIT_DATA_DIR = before;
    }
  });

  it('downloads into the cache, then finds it there', async () => {
    const cacheDir = fresh();
    const options = { dataDir: fresh(), cacheDir, download: { baseUrl: base } };
    const first = await resolveTaxiMonth({ color: 'green', month: '2021-04' }, options);
    expect(first.kind).toBe('download');
    expect(first.path).toBe(join(cacheDir, 'green_tripdata_2021-04.parquet'));
    expect(first.skipped[0]).toMatch(/data-dir: .* not found/);
    expect((await readTaxiTrips(first.path)).nRows).toBeGreaterThan(1300);
    const second = await resolveTaxiMonth({ color: 'green', month: '2021-04' }, options);
    expect(second.kind).toBe('cache');
    expect(requests.filter((u) => u.endsWith('2021-04.parquet')).length).toBe(1);
  });

  it('falls through to the generator when the data folder lacks the month and the download fails', async () => {
    const cases = [
      { download: { baseUrl: await closedPortUrl() }, why: /ECONNREFUSED/ },
      { download: { baseUrl: base }, why: /HTTP 404/, month: '2021-06' },
      { download: { baseUrl: base }, why: /not a Parquet file/, month: '2021-05' },
      { download: { baseUrl: `${base}/hang`, connectTimeoutMs: 200 }, why: /no response within 200 ms/ },
      { download: false as const, why: /download: disabled/ },
    ];
    for (const c of cases) {
      const cacheDir = fresh();
      const month = c.month ?? '2021-07';
      const src = await resolveTaxiMonth({ color: 'green', month }, { dataDir: fresh(), cacheDir, download: c.download, generate: { rows: 2000, seed: 5 } });
      expect(src.kind).toBe('generated');
      expect(src.skipped.at(-1)).toMatch(c.why);
      expect(src.path.startsWith(join(cacheDir, 'generated'))).toBe(true);
      // No partial download is left where a real file would be looked for.
      expect(existsSync(join(cacheDir, `green_tripdata_${month}.parquet`))).toBe(false);
      expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const trips = await readTaxiTrips(src.path);
      expect(trips.nRows).toBeGreaterThan(1800);
    }
  });

  it('reuses a generated month, and fails clearly when generating is off or impossible', async () => {
    const cacheDir = fresh();
    const options = { dataDir: fresh(), cacheDir, download: false, generate: { rows: 1000 } } as const;
    const a = await resolveTaxiMonth({ color: 'green', month: '2021-08' }, options);
    const b = await resolveTaxiMonth({ color: 'green', month: '2021-08' }, options);
    expect(b).toEqual(a);
    await expect(resolveTaxiMonth({ color: 'green', month: '2021-08' }, { ...options, generate: false })).rejects.toThrow(DataSourceError);
    await expect(resolveTaxiMonth({ color: 'yellow', month: '2021-08' }, options)).rejects.toThrow(/only green/);
    await expect(resolveTaxiMonth({ color: 'green', month: '2021-8' }, options)).rejects.toThrow(/YYYY-MM/);
  });
});
