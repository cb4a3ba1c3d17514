/**
 * The data path: Parquet file -> prepared trips -> CSR matrix + tree columns (PU_DO one-hot +
 * trip_distance, the vectorizer fitted on the month itself).
 *
 * - one real month (January 2021 green, 76,518 rows in the file), warm and in a fresh process (the
 *   sources under tsx, and the compiled package under plain node);
 * - three months as the example uses them (fit on January, transform February and March);
 * - the vectorizer alone on three prepared months (the like-for-like of scikit-learn's
 *   DictVectorizer figure);
 * - 10 M generated rows (100 k in quick mode): generation, then read + prepare + vectorise.
 * Without the real files, generated months of the same size stand in (figures say `generated: 1`).
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { writeTaxiParquet } from '../../src/datasets/nyc-taxi/generate.js';
import { readParquet } from '../../src/data/parquet.js';
import { type TaxiTrips, readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import { taxiFeatures } from '../../src/datasets/nyc-taxi/features.js';
import { loadNycTaxi, nycTaxiSpec } from '../../src/datasets/nyc-taxi/preset.js';
import { loadDataset } from '../../src/data/load.js';
import { FROM_SOURCE, PROJECT_ROOT } from '../harness.js';
import type { BenchContext, Benchmark } from '../types.js';

const MONTHS = ['2021-01', '2021-02', '2021-03'] as const;
/** Rows of the real months' files, used for the generated stand-ins. */
const MONTH_ROWS = [76_518, 64_572, 83_827];
const BIG_ROWS = 10_000_000;
const QUICK_BIG_ROWS = 100_000;

interface MonthFiles {
  readonly paths: readonly string[];
  /** Rows in each file (before the duration filter). */
  readonly fileRows: readonly number[];
  readonly generated: boolean;
}

const files = new Map<string, Promise<MonthFiles>>();

/** The three real months, or generated months of the same sizes in the run's scratch folder. */
function monthFiles(ctx: BenchContext): Promise<MonthFiles> {
  const key = ctx.realDataDir ?? ctx.tmpDir;
  let found = files.get(key);
  if (!found) {
    found = (async () => {
      let paths: string[];
      let generated = false;
      if (ctx.realDataDir) {
        paths = MONTHS.map((m) => path.join(ctx.realDataDir!, `green_tripdata_${m}.parquet`));
      } else {
        generated = true;
        ctx.log('real taxi months not found: generating months of the same size');
        paths = [];
        for (let i = 0; i < MONTHS.length; i++) {
          const p = path.join(ctx.tmpDir, `green_tripdata_${MONTHS[i]}.parquet`);
          await writeTaxiParquet(p, { month: MONTHS[i], rows: MONTH_ROWS[i], seed: i, compression: 'gzip' });
          paths.push(p);
        }
      }
      const fileRows = await Promise.all(paths.map(async (p) => (await readParquet(p, { columns: ['trip_distance'] })).numRows));
      return { paths, fileRows, generated };
    })();
    files.set(key, found);
  }
  return found;
}

/** File -> CSR + columns for one source through the nyc-taxi preset, the vectorizer fitted on it. */
async function monthToMatrices(source: string, generic = false): Promise<Record<string, number>> {
  const ds = generic ? await loadDataset(source, nycTaxiSpec()) : await loadNycTaxi(source);
  const vectorizer = new DictVectorizer().fit(ds.frame);
  const X = vectorizer.transform(ds.frame);
  const columns = vectorizer.transformColumns(ds.frame);
  return { keptRows: ds.nRows, features: vectorizer.nFeatures, nnz: X.indices.length, columns: columns.columns.length };
}

function timed<T extends Record<string, number>>(inputRows: number, work: () => Promise<T>): Promise<Record<string, number>> {
  const t0 = performance.now();
  return work().then((figures) => {
    const seconds = (performance.now() - t0) / 1000;
    return { ...figures, inputRows, seconds, rowsPerSecond: Math.round(inputRows / seconds) };
  });
}

const runFile = promisify(execFile);

/**
 * The script a fresh process runs: imports, wasm start, read, prepare, vectorise. `ext` is 'ts'
 * for the sources under tsx, 'js' for the compiled package in `root`.
 */
function coldScript(source: string, root: string, ext: 'ts' | 'js'): string {
  const url = (p: string) => JSON.stringify(pathToFileURL(path.join(root, `${p}.${ext}`)).href);
  return `import { readFileSync } from 'node:fs';
// CPU seconds of the main thread alone (Linux; NaN elsewhere): the span's floor on a busy machine.
const mainCpu = () => { try { return Number(readFileSync('/proc/self/task/' + process.pid + '/schedstat', 'utf8').split(' ')[0]) / 1e9; } catch { return Number.NaN; } };
const m0 = mainCpu();
const c0 = process.cpuUsage();
const t0 = performance.now();
const { loadNycTaxi } = await import(${url('src/datasets/nyc-taxi/preset')});
(await import(${url('src/data/wasm')})).warmParquet(); // as README advises: the compile overlaps the imports below
const { DictVectorizer } = await import(${url('src/features/dict-vectorizer')});
const t1 = performance.now();
const ds = await loadNycTaxi(${JSON.stringify(source)});
const vectorizer = new DictVectorizer().fit(ds.frame);
const X = vectorizer.transform(ds.frame);
const columns = vectorizer.transformColumns(ds.frame);
const t2 = performance.now();
const cpu = process.cpuUsage(c0);
const main = mainCpu() - m0;
console.log(JSON.stringify({ sinceProcessStart: t2 / 1000, importSeconds: (t1 - t0) / 1000, workSeconds: (t2 - t1) / 1000,
  coldSeconds: (t2 - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...(Number.isNaN(main) ? {} : { mainThreadCpuSeconds: main }),
  keptRows: ds.nRows, nnz: X.indices.length, columns: columns.columns.length }));
`;
}

/** Runs a cold script in a fresh Node process and returns the figures it prints. */
async function runCold(args: readonly string[]): Promise<Record<string, number>> {
  const { stdout } = await runFile(process.execPath, [...args], { cwd: PROJECT_ROOT, maxBuffer: 1 << 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number>;
}

interface ColdState {
  readonly args: readonly string[];
  readonly generated: boolean;
  /** The figures of every run after setup. */
  readonly runs: Record<string, number>[];
}

/** Writes the cold script and runs it once untimed (file and transpile caches warm, script checked). */
async function coldSetup(ctx: BenchContext, root: string, ext: 'ts' | 'js', file: string): Promise<ColdState> {
  const m = await monthFiles(ctx);
  const script = path.join(ctx.tmpDir, file);
  writeFileSync(script, coldScript(m.paths[0], root, ext));
  const args = ext === 'ts' ? ['--import', 'tsx', script] : [script];
  await runCold(args);
  return { args, generated: m.generated, runs: [] };
}

async function coldRun(state: ColdState): Promise<Record<string, number>> {
  const figures = await runCold(state.args);
  state.runs.push(figures);
  return { ...figures, generated: state.generated ? 1 : 0 };
}

/** One process's figures are one sample of a noisy machine: the median and min over every run. */
function coldScore(state: ColdState): Record<string, number> {
  const out: Record<string, number> = { coldRuns: state.runs.length };
  for (const key of ['coldSeconds', 'importSeconds', 'workSeconds', 'cpuSeconds', 'mainThreadCpuSeconds']) {
    const xs = state.runs.map((r) => r[key]).filter((x) => typeof x === 'number' && Number.isFinite(x));
    if (xs.length === 0) continue;
    xs.sort((a, b) => a - b);
    const mid = xs.length >> 1;
    const name = key[0].toUpperCase() + key.slice(1);
    out[`median${name}`] = xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
    out[`min${name}`] = xs[0];
  }
  return out;
}

/** A cold-month benchmark: 15 fresh processes after an untimed one in setup. */
function coldBenchmark(name: string, description: string, runs: string, setup: (ctx: BenchContext) => Promise<ColdState>): Benchmark<ColdState> {
  return {
    group: 'data',
    name,
    description: `${description} Those figures are the last run's; \`median*\` and \`min*\` are over every run after the untimed one in setup.`,
    params: { month: '2021-01', runs },
    warmup: 0,
    repeat: 15,
    setup,
    run: coldRun,
    score: coldScore,
  };
}

/**
 * The package compiled as it is published, in a folder under node_modules so that its imports of
 * apache-arrow and parquet-wasm resolve as they do for a user: the tree these benchmarks run from
 * when `npm run bench` compiled them; from the sources, compiled here (`tsconfig.build.json`).
 */
async function buildPackage(ctx: BenchContext): Promise<string> {
  if (!FROM_SOURCE) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const out = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'tunekit-bench-build');
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await runFile(process.execPath, [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'], {
    cwd: PROJECT_ROOT,
    maxBuffer: 1 << 24,
  });
  ctx.log(`compiled the package in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

interface BigState {
  readonly path: string;
  readonly rows: number;
}

const bigFiles = new Map<string, Promise<BigState>>();

function bigFile(ctx: BenchContext): Promise<BigState> {
  const rows = ctx.quick ? QUICK_BIG_ROWS : BIG_ROWS;
  const p = path.join(ctx.tmpDir, `generated-${rows}.parquet`);
  let found = bigFiles.get(p);
  if (!found) {
    found = (async () => {
      const t0 = performance.now();
      await writeTaxiParquet(p, { month: '2021-01', rows, seed: 1 });
      ctx.log(`generated ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return { path: p, rows };
    })();
    bigFiles.set(p, found);
  }
  return found;
}

export const benchmarks: Benchmark[] = [
  {
    group: 'data',
    name: 'data/month-to-matrices-warm',
    description:
      'One month file (January 2021 green) -> CSR matrix + tree columns through the nyc-taxi preset (its taxi reader): read the 5 needed columns, duration filter, PU_DO from the zone pair, DictVectorizer fit + transform + column codes; reader already warm. Goal <= 0.1 s.',
    params: { month: '2021-01', columns: 5 },
    warmup: 2,
    repeat: 10,
    async setup(ctx) {
      const m = await monthFiles(ctx);
      await monthToMatrices(m.paths[0]); // wasm compiled and JIT warm
      return m;
    },
    async run(state) {
      const m = state as MonthFiles;
      const figures = await timed(m.fileRows[0], () => monthToMatrices(m.paths[0]));
      return { ...figures, generated: m.generated ? 1 : 0 };
    },
  },
  {
    group: 'data',
    name: 'data/month-generic-path-warm',
    description:
      'The same month through the generic path: readTable (Parquet -> Arrow, the five columns), the nyc-taxi spec (frame, duration, filter, PU_DO) and the same vectorizer steps: what a dataset without a reader of its own costs; the same rows and matrices as data/month-to-matrices-warm.',
    params: { month: '2021-01', columns: 5 },
    warmup: 2,
    repeat: 10,
    async setup(ctx) {
      const m = await monthFiles(ctx);
      await monthToMatrices(m.paths[0], true);
      return m;
    },
    async run(state) {
      const m = state as MonthFiles;
      const figures = await timed(m.fileRows[0], () => monthToMatrices(m.paths[0], true));
      return { ...figures, generated: m.generated ? 1 : 0 };
    },
  },
  coldBenchmark(
    'data/month-to-matrices-cold',
    "The same month in a fresh process running the TypeScript sources (`node --import tsx`, each .ts file transpiled on load): module imports, wasm compile and start (begun with `warmParquet()` after the data layer's import, as README advises), read, prepare, vectorise. `coldSeconds` = imports + work (goal <= 0.3 s); `cpuSeconds` = CPU of all threads over that span, `mainThreadCpuSeconds` that of the main thread (Linux), steadier than wall time on a busy machine; `sinceProcessStart` adds Node and tsx start; the timed wall also includes process spawn and exit.",
    'sources under tsx',
    (ctx) => coldSetup(ctx, PROJECT_ROOT, 'ts', 'cold-month.mjs'),
  ),
  coldBenchmark(
    'data/month-to-matrices-cold-built',
    'The same cold month as a user of the published package runs it: plain `node` on the compiled JavaScript (the tree `npm run bench` compiled; from the sources, built in setup with tsconfig.build.json, as `npm run build` does). Module imports, wasm compile and start, read, prepare, vectorise; `coldSeconds` = imports + work (goal <= 0.3 s).',
    'compiled package, plain node',
    async (ctx) => coldSetup(ctx, await buildPackage(ctx), 'js', 'cold-month-built.mjs'),
  ),
  {
    group: 'data',
    name: 'data/end-to-end-three-months',
    description:
      'January, February and March files -> prepared trips -> vectorizer fitted on January -> CSR + tree columns for all three (what the taxi example does before training).',
    params: { months: MONTHS.join(',') },
    warmup: 1,
    repeat: 5,
    async setup(ctx) {
      const m = await monthFiles(ctx);
      await monthToMatrices(m.paths[0]);
      return m;
    },
    async run(state) {
      const m = state as MonthFiles;
      const input = m.fileRows.reduce((s, r) => s + r, 0);
      const figures = await timed(input, async () => {
        const months = await Promise.all(m.paths.map((p) => loadNycTaxi(p)));
        const vectorizer = new DictVectorizer().fit(months[0].frame);
        let nnz = 0;
        for (const { frame } of months) {
          nnz += vectorizer.transform(frame).indices.length;
          vectorizer.transformColumns(frame);
        }
        return { keptRows: months.reduce((s, t) => s + t.nRows, 0), features: vectorizer.nFeatures, nnz };
      });
      return { ...figures, generated: m.generated ? 1 : 0 };
    },
  },
  {
    group: 'data',
    name: 'data/dict-vectorize-three-months',
    description:
      "DictVectorizer alone on the three prepared months: PU_DO + trip_distance features, fit on January, transform all three to CSR (and tree columns). scikit-learn's figure is DataFrame.to_dict + fit_transform/transform.",
    params: { months: MONTHS.join(',') },
    warmup: 2,
    repeat: 10,
    async setup(ctx) {
      const m = await monthFiles(ctx);
      return { trips: await Promise.all(m.paths.map((p) => readTaxiTrips(p))), generated: m.generated };
    },
    run(state) {
      const { trips, generated } = state as { trips: TaxiTrips[]; generated: boolean };
      const t0 = performance.now();
      const frames = trips.map(taxiFeatures);
      const vectorizer = new DictVectorizer().fit(frames[0]);
      let nnz = 0;
      for (const f of frames) {
        nnz += vectorizer.transform(f).indices.length;
        vectorizer.transformColumns(f);
      }
      const seconds = (performance.now() - t0) / 1000;
      const rows = trips.reduce((s, t) => s + t.nRows, 0);
      return { rows, nnz, features: vectorizer.nFeatures, seconds, rowsPerSecond: Math.round(rows / seconds), generated: generated ? 1 : 0 };
    },
  },
  {
    group: 'data',
    name: 'data/generate-10m',
    description: 'The generator writing 10 M TLC-schema green rows (100 k in quick mode) to Parquet, row group by row group (1 M rows each, snappy).',
    params: { rows: BIG_ROWS, quickRows: QUICK_BIG_ROWS, rowGroupSize: 1_000_000 },
    warmup: 0,
    repeat: 1,
    async run(_state, ctx) {
      const rows = ctx.quick ? QUICK_BIG_ROWS : BIG_ROWS;
      const t0 = performance.now();
      const { bytes } = await writeTaxiParquet(path.join(ctx.tmpDir, 'generate-bench.parquet'), { month: '2021-03', rows, seed: 2 });
      const seconds = (performance.now() - t0) / 1000;
      return { rows, bytes, seconds, rowsPerSecond: Math.round(rows / seconds) };
    },
  },
  {
    group: 'data',
    name: 'data/generated-10m-to-matrices',
    description:
      '10 M generated green rows (100 k in quick mode; 10 row groups of 1 M) -> prepared trips (row group by row group) -> DictVectorizer fit + CSR + tree columns.',
    params: { rows: BIG_ROWS, quickRows: QUICK_BIG_ROWS },
    warmup: 1,
    repeat: 3,
    setup: (ctx) => bigFile(ctx),
    async run(state) {
      const big = state as BigState;
      return timed(big.rows, () => monthToMatrices(big.path));
    },
  },
];
