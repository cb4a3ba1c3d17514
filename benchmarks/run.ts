/**
 * The benchmark runner (`npm run bench [-- options]` runs it compiled, see scripts/bench.ts):
 * runs the benchmark suites (`benchmarks/suites/*.ts`), writes
 * `<out>/<timestamp>.json`, `<out>/latest.json` and `<out>/latest.md`, prints the summary, and
 * optionally compares with a previous run or refreshes the figures in `benchmarks/README.md`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_GROUPS, loadSuites, peersBesideTheirs, selected } from './discover.js';
import { describeError, FROM_SOURCE, failedRecord, gitInfo, linkPeers, machineInfo, measure, PROJECT_ROOT, RssSampler, repetitions } from './harness.js';
import { runIsolated } from './isolate.js';
import { type BenchRecord, checkRunRecord, type LoadError, RESULT_SCHEMA, type RunRecord } from './record.js';
import { compareMarkdown, formatMiB, formatNumber, formatSeconds, readmeFigures, replaceFigures, summaryMarkdown } from './report.js';
import type { BenchContext } from './types.js';

/** This runner's folder: its suites sit beside it (sources, or the compiled copy). */
const HERE = path.dirname(fileURLToPath(import.meta.url));

const HELP = `Usage: npm run bench -- [options]

Compiles the library and the benchmarks (tsc) and runs every benchmark exported by
benchmarks/suites/*.ts, compiled, each in its own process; then writes <out>/<timestamp>.json,
<out>/latest.json and <out>/latest.md and prints the summary table. (npx tsx benchmarks/run.ts
runs the TypeScript sources instead.)

Options:
  --only LIST        comma-separated groups (data, training, tuning, tracker, server, scale, peers),
                     suite files (e.g. trees) or benchmark name prefixes (e.g. training/rf)
  --quick            smoke pass: tiny data and budgets, no warm-up, one repetition
  --compare FILE     print the ratio of every figure against a previous results JSON
  --current FILE     use this results JSON instead of running (with --compare / --write-readme)
  --out DIR          results folder (default benchmarks/results)
  --write-readme     refresh the figures section of benchmarks/README.md from this run
  --readme FILE      README to refresh (default benchmarks/README.md)
  --suites DIR       suites folder (default benchmarks/suites), in the runner's form (.js or .ts)
  --warmup N         warm-up runs per benchmark (overrides the benchmark's own)
  --repeat N         timed runs per benchmark (overrides the benchmark's own)
  --timeout SEC      stop a benchmark after SEC seconds (default 600)
  --no-isolate       run everything in this process (faster start, shared memory figures)
  --list             list the selected benchmarks and exit
  --help             this text

Real data: the NYC taxi Parquet folder is $TUNEKIT_DATA_DIR, else ../shared/data/nyc-taxi
from the project root; without it the suites generate data of the same shape.

Times on a shared machine are noisy: ratios within one run count, absolute times do not.
The exit code is 1 when any benchmark (or a selected suite) failed.`;

interface Options {
  readonly only: string[] | null;
  readonly quick: boolean;
  readonly compare?: string;
  readonly current?: string;
  readonly out: string;
  readonly writeReadme: boolean;
  readonly readme: string;
  readonly suites: string;
  readonly warmup?: number;
  readonly repeat?: number;
  readonly timeout: number;
  readonly isolate: boolean;
  readonly list: boolean;
}

function count(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}; got ${JSON.stringify(value)}`);
  return n;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      compare: { type: 'string' },
      current: { type: 'string' },
      out: { type: 'string' },
      'write-readme': { type: 'boolean', default: false },
      readme: { type: 'string' },
      suites: { type: 'string' },
      warmup: { type: 'string' },
      repeat: { type: 'string' },
      timeout: { type: 'string' },
      'no-isolate': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const only = values.only
    ?.split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const fromCwd = (p: string) => path.resolve(process.cwd(), p);
  return {
    only: only && only.length > 0 ? only : null,
    quick: values.quick ?? false,
    compare: values.compare ? fromCwd(values.compare) : undefined,
    current: values.current ? fromCwd(values.current) : undefined,
    out: values.out ? fromCwd(values.out) : path.join(PROJECT_ROOT, 'benchmarks', 'results'),
    writeReadme: values['write-readme'] ?? false,
    readme: values.readme ? fromCwd(values.readme) : path.join(PROJECT_ROOT, 'benchmarks', 'README.md'),
    suites: values.suites ? fromCwd(values.suites) : path.join(HERE, 'suites'),
    warmup: count('warmup', values.warmup, 0),
    repeat: count('repeat', values.repeat, 1),
    timeout: count('timeout', values.timeout, 1) ?? 600,
    isolate: !(values['no-isolate'] ?? false),
    list: values.list ?? false,
  };
}

function realDataDir(): string | undefined {
  const dir = process.env.TUNEKIT_DATA_DIR
    ? path.resolve(process.env.TUNEKIT_DATA_DIR)
    : path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'nyc-taxi');
  return existsSync(dir) ? dir : undefined;
}

function readRecord(file: string): RunRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read results ${file}: ${describeError(err)}`);
  }
  return checkRunRecord(parsed, file);
}

function oneLine(r: BenchRecord): string {
  if (r.status === 'skipped') return `  skipped: ${r.skipped}`;
  if (r.status === 'failed' || !r.seconds) return `  FAILED ${r.error ?? ''}`;
  const peak = r.rss ? `, peak RSS ${formatMiB(r.rss.peakRun)}` : '';
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
  return `  median ${formatSeconds(r.seconds.median)} s (min ${formatSeconds(r.seconds.min)}, max ${formatSeconds(r.seconds.max)})${peak}${figures ? `  ${figures}` : ''}`;
}

async function runSuites(options: Options): Promise<RunRecord | undefined> {
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = machineInfo();
  const dataDir = realDataDir();
  const { suites, errors } = await loadSuites(options.suites);
  const loadErrors: LoadError[] = errors.map((e) => ({ ...e, counted: !options.only || options.only.includes(e.suite) }));
  for (const e of loadErrors) console.error(`suite '${e.suite}' did not load: ${e.message}`);
  const todo = peersBesideTheirs(suites.flatMap((s) => s.benchmarks.filter((b) => selected(options.only, b, s.suite)).map((bench) => ({ suite: s, bench }))));
  if (options.list) {
    for (const { suite, bench } of todo) console.log(`${bench.group.padEnd(9)} ${bench.name}  (${suite.suite}) — ${bench.description}`);
    return undefined;
  }
  if (todo.length === 0) {
    const what = options.only ? `matches --only ${options.only.join(',')}` : `in ${options.suites}`;
    throw new Error(`no benchmark ${what}; groups: ${BENCH_GROUPS.join(', ')}; suites: ${suites.map((s) => s.suite).join(', ') || 'none'}`);
  }
  console.log(
    `tunekit benchmarks: ${todo.length} to run${options.quick ? ' (quick)' : ''}; ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ` +
      `real data ${dataDir ?? 'absent (generated data)'}`,
  );
  const runTmp = mkdtempSync(path.join(os.tmpdir(), 'tunekit-bench-'));
  const runDir = path.join(runTmp, 'shared');
  mkdirSync(runDir);
  const sampler = options.isolate ? undefined : new RssSampler();
  const records: BenchRecord[] = [];
  try {
    for (const [i, { suite, bench }] of todo.entries()) {
      console.log(`[${i + 1}/${todo.length}] ${bench.name}`);
      const tmpDir = path.join(runTmp, String(i));
      const counts = repetitions(bench, options);
      const benchStart = performance.now();
      let record: BenchRecord;
      if (options.isolate) {
        const outcome = await runIsolated(
          { file: suite.file, name: bench.name, quick: options.quick, warmup: options.warmup, repeat: options.repeat, realDataDir: dataDir, tmpDir, runDir },
          { cwd: PROJECT_ROOT, timeoutSeconds: options.timeout },
        );
        record = 'record' in outcome ? outcome.record : failedRecord(bench, suite.suite, outcome.error, counts);
      } else {
        mkdirSync(tmpDir, { recursive: true });
        const ctx: BenchContext = { quick: options.quick, realDataDir: dataDir, tmpDir, runDir, log: (m) => console.log(`    ${m}`), setTool: () => {} };
        record = await measure(bench, suite.suite, ctx, options, sampler!);
        rmSync(tmpDir, { recursive: true, force: true });
      }
      record = { ...record, wallSeconds: (performance.now() - benchStart) / 1000 };
      console.log(oneLine(record));
      records.push(record);
    }
  } finally {
    await sampler?.stop();
    rmSync(runTmp, { recursive: true, force: true });
  }
  const failed = records.filter((r) => r.status === 'failed').length + loadErrors.filter((e) => e.counted).length;
  return {
    schema: RESULT_SCHEMA,
    date,
    quick: options.quick,
    only: options.only,
    isolated: options.isolate,
    code: FROM_SOURCE ? 'sources' : 'compiled',
    machine,
    git: gitInfo(PROJECT_ROOT),
    realDataDir: dataDir ?? null,
    totalSeconds: (performance.now() - started) / 1000,
    benchmarks: linkPeers(records),
    loadErrors,
    failed,
  };
}

function writeResults(run: RunRecord, out: string): string {
  mkdirSync(out, { recursive: true });
  const stamp = run.date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-') + (run.quick ? '-quick' : '');
  const json = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(path.join(out, `${stamp}.json`), json);
  writeFileSync(path.join(out, 'latest.json'), json);
  return path.join(out, `${stamp}.json`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(HELP);
    return 0;
  }
  let run: RunRecord;
  let markdown: string;
  if (options.current) {
    run = readRecord(options.current);
    markdown = summaryMarkdown(run);
    console.log(markdown);
  } else {
    const done = await runSuites(options);
    if (!done) return 0;
    run = done;
    const file = writeResults(run, options.out);
    markdown = summaryMarkdown(run);
    console.log(`\n${markdown}`);
    console.log(`results: ${file} (also latest.json, latest.md in ${options.out})`);
  }
  if (options.compare) {
    const comparison = compareMarkdown(readRecord(options.compare), run, path.relative(process.cwd(), options.compare));
    console.log(`\n${comparison}\n`);
    markdown += `\n${comparison}\n`;
  }
  if (!options.current) writeFileSync(path.join(options.out, 'latest.md'), markdown);
  if (options.writeReadme) {
    const readme = existsSync(options.readme) ? readFileSync(options.readme, 'utf8') : '';
    writeFileSync(options.readme, replaceFigures(readme, readmeFigures(run), options.readme));
    console.log(`figures written to ${options.readme}`);
  }
  if (run.failed > 0) console.error(`${run.failed} benchmark(s) or suite(s) failed`);
  return run.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    console.error('npm run bench -- --help lists the options');
    process.exit(2);
  },
);
