/**
 * The Parquet reader and damaged files: a corrupt data page, a parquet-wasm trap, a malformed
 * footer. Each ends in a DataSourceError naming the file, the process and later reads healthy.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSourceError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { writeTaxiParquet } from '../../src/datasets/nyc-taxi/generate.js';
import { readParquet, streamParquet } from '../../src/data/parquet.js';
import { openParquet, wasmCall } from '../../src/data/parquet-file.js';
import { FooterError, parseFooter, projectColumns } from '../../src/data/parquet-footer.js';
import { readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import { parquetInstances, parquetWasm } from '../../src/data/wasm.js';
import { REAL_TAXI_DIR, realTaxiPath } from '../helpers/taxi.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunekit-parquet-robust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Intact files to damage: a generated month (always) and the real January file (when present). */
const files: Record<string, string> = {};
beforeAll(async () => {
  files.generated = path.join(tmp, 'generated.parquet');
  await writeTaxiParquet(files.generated, { month: '2021-01', rows: 20_000, seed: 3, compression: 'gzip' });
  if (REAL_TAXI_DIR) files.real = realTaxiPath('2021-01');
});

/** A copy of a file with `n` bytes xor-ed at a fraction of its length. */
function damaged(source: string, fraction: number, n: number): string {
  const bytes = Buffer.from(readFileSync(source));
  const at = Math.floor(bytes.length * fraction);
  for (let i = 0; i < n; i++) bytes[at + i] ^= 0x5a;
  const out = path.join(tmp, `${path.basename(source, '.parquet')}-${fraction}-${n}.parquet`);
  writeFileSync(out, bytes);
  return out;
}

async function expectReadFailed(read: () => Promise<unknown>, file: string): Promise<void> {
  const err = await read().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataSourceError);
  expect((err as DataSourceError).code).toBe('READ_FAILED');
  expect((err as DataSourceError).message).toContain(file);
}

describe('corrupt data pages (footer intact)', () => {
  // parquet-wasm's asynchronous reader panicked on these outside any promise: the process died.
  for (const which of ['generated', 'real']) {
    it.skipIf(which === 'real' && !REAL_TAXI_DIR)(`${which} file: readers reject with READ_FAILED naming it; later reads work`, async () => {
      const source = files[which];
      const intact = await readTaxiTrips(source);
      let taxiRefused = 0;
      for (const [fraction, n] of [
        [0.05, 1],
        [0.3, 1],
        [0.6, 1],
        [0.1, 4096],
        [0.5, 4096],
      ] as const) {
        const bad = damaged(source, fraction, n);
        // Every column is decoded: the damage is found (gzip pages carry a checksum).
        await expectReadFailed(() => readParquet(bad), bad);
        await expectReadFailed(async () => {
          for await (const _ of streamParquet(bad)) {
            // read every batch
          }
        }, bad);
        // Five columns are decoded: the damage may sit in another one.
        const taxi = await readTaxiTrips(bad).catch((e: unknown) => e);
        if (taxi instanceof Error) {
          await expectReadFailed(() => Promise.reject(taxi), bad);
          taxiRefused++;
        } else {
          expect(taxi).toEqual(intact);
        }
      }
      expect(taxiRefused).toBeGreaterThan(0);
      const again = await readTaxiTrips(source);
      expect(again.nRows).toBe(intact.nRows);
      expect(again.duration).toEqual(intact.duration);
    });
  }
});

describe('a parquet-wasm trap', () => {
  it('is thrown to the caller as READ_FAILED, and the next call runs in a fresh instance', async () => {
    const opened = await openParquet(files.generated);
    const before = parquetInstances();
    const wasm = await parquetWasm();
    // Asking for a row group the file does not have panics inside parquet-wasm (wasm `unreachable`).
    const err = (() => {
      try {
        wasmCall(wasm, opened.name, 'cannot decode column data', (w) => w.readParquet(opened.bytes, { rowGroups: [opened.rowGroups + 5] }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as DataSourceError).code).toBe('READ_FAILED');
    expect((err as DataSourceError).message).toContain(files.generated);
    expect((err as DataSourceError).message).toMatch(/unreachable/);
    const fresh = await parquetWasm();
    expect(fresh).not.toBe(wasm);
    expect(parquetInstances()).toBe(before + 1);
    const trips = await readTaxiTrips(files.generated);
    expect(trips.nRows).toBeGreaterThan(15_000);
    expect(await parquetWasm()).toBe(fresh);
  });
});

describe('footer', () => {
  it('projectColumns: a read of the narrowed file equals the same columns of a full read', async () => {
    const sources = [files.generated, ...(REAL_TAXI_DIR ? [files.real] : [])];
    const rng = new Rng(11);
    for (const source of sources) {
      const full = await readParquet(source);
      const names = full.schema.fields.map((f) => f.name);
      for (let t = 0; t < 6; t++) {
        const pick = names.filter(() => rng.float() < 0.3);
        if (pick.length === 0) pick.push(names[rng.below(names.length)]);
        const part = await readParquet(source, { columns: pick });
        expect(part.numRows).toBe(full.numRows);
        for (const name of pick) {
          const a = part.getChild(name)!;
          const b = full.getChild(name)!;
          expect(String(a.type)).toBe(String(b.type));
          for (let i = 0; i < a.length; i += 97) expect(a.get(i)).toEqual(b.get(i));
        }
      }
    }
  });

  it('projectColumns of single row groups: streamed batches equal the slices of a full read', async () => {
    const source = path.join(tmp, 'groups.parquet');
    await writeTaxiParquet(source, { month: '2021-02', rows: 10_000, seed: 4, rowGroupSize: 3000 });
    const full = await readParquet(source);
    const columns = ['lpep_dropoff_datetime', 'trip_distance', 'store_and_fwd_flag', 'ehail_fee'];
    let at = 0;
    let batches = 0;
    for await (const b of streamParquet(source, { columns })) {
      batches++;
      for (const name of columns) {
        const a = b.getChild(name)!;
        const c = full.getChild(name)!;
        for (let i = 0; i < b.numRows; i += 7) expect(a.get(i)).toEqual(c.get(at + i));
      }
      at += b.numRows;
    }
    expect(batches).toBe(4);
    expect(at).toBe(full.numRows);
  });

  it('parseFooter and projectColumns on damaged footers: a FooterError or a result, nothing else (fuzz)', () => {
    const bytes = new Uint8Array(readFileSync(files.generated));
    const { start } = parseFooter(bytes);
    const rng = new Rng(5);
    let refused = 0;
    for (let t = 0; t < 1500; t++) {
      const copy = bytes.slice();
      const flips = 1 + rng.below(4);
      for (let k = 0; k < flips; k++) copy[start + rng.below(copy.length - 8 - start)] = rng.below(256);
      try {
        const footer = parseFooter(copy);
        projectColumns(copy, footer, ['trip_distance', 'PULocationID']);
        projectColumns(copy, footer, ['trip_distance'], [0]);
      } catch (err) {
        if (!(err instanceof FooterError)) throw err;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('a corrupt footer is refused as TRUNCATED naming the file', async () => {
    const bytes = Buffer.from(readFileSync(files.generated));
    const footerLength = bytes.readUInt32LE(bytes.length - 8);
    bytes.fill(0xff, bytes.length - 8 - footerLength, bytes.length - 8);
    const bad = path.join(tmp, 'bad-footer.parquet');
    writeFileSync(bad, bytes);
    const err = await readTaxiTrips(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as DataSourceError).code).toBe('TRUNCATED');
    expect((err as DataSourceError).message).toContain(bad);
  });
});

describe('sources that are not Parquet files', () => {
  it('an empty list is refused the same by every reader', async () => {
    for (const read of [() => readTaxiTrips([]), () => readParquet([]), () => streamParquet([]).next()]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataSourceError);
      expect((err as DataSourceError).code).toBe('FILE_NOT_FOUND');
      expect((err as DataSourceError).message).toMatch(/no source given/);
    }
  });

  it('/dev/zero, a FIFO and a folder are refused at once, never read', async () => {
    const fifo = path.join(tmp, 'fifo');
    let paths = ['/dev/zero', tmp];
    try {
      execFileSync('mkfifo', [fifo]);
      paths = [...paths, fifo];
    } catch {
      // no mkfifo here: the other two still run
    }
    for (const p of paths) {
      const err = await readTaxiTrips(p).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataSourceError);
      expect((err as DataSourceError).code).toBe('FILE_NOT_FOUND');
      expect((err as DataSourceError).message).toMatch(/not a regular file/);
    }
  });
});

describe('start-up', () => {
  it('importing the data layer compiles no wasm and sets no V8 flag; warmParquet or the first read does', async () => {
    const script = `
      import { createRequire, syncBuiltinESMExports } from 'node:module';
      const require = createRequire(import.meta.url);
      const v8 = require('node:v8');
      const flags = [];
      const setFlags = v8.setFlagsFromString;
      v8.setFlagsFromString = (f) => { flags.push(f); setFlags(f); };
      syncBuiltinESMExports();
      // Modules of more than 1 MB: parquet-wasm's (tsx compiles a small one of its own).
      let compiles = 0;
      const big = (b) => b.byteLength > 1 << 20;
      const { compile, Module } = WebAssembly;
      WebAssembly.compile = (b) => { if (big(b)) compiles++; return compile(b); };
      WebAssembly.Module = new Proxy(Module, { construct(t, a) { if (big(a[0])) compiles++; return new t(...a); } });
      const data = await import(${JSON.stringify(path.join(ROOT, 'src/data/index.ts'))});
      const atImport = { compiles, flags: flags.length };
      await data.warmParquet();
      console.log(JSON.stringify({ atImport, afterWarm: { compiles, flags: flags.length } }));
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const figures = JSON.parse(out.trim().split('\n').pop()!);
    expect(figures.atImport).toEqual({ compiles: 0, flags: 0 });
    expect(figures.afterWarm.compiles).toBe(1);
    // Raised for the compile and for the start, each put back.
    expect(figures.afterWarm.flags).toBe(4);
  });
});
