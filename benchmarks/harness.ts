/**
 * Measuring one benchmark: setup, warm-up, timed repetitions, RSS sampled from a helper thread
 * (a synchronous `run` blocks timers on the main thread, so an interval there would never fire),
 * and failures recorded instead of thrown. Also the machine description.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isSourceModule } from '../src/core/workers.js';
import type { BenchRecord, MachineInfo, ResolvedPeer, RssSummary } from './record.js';
import { type Benchmark, type BenchContext, BenchmarkSkipped } from './types.js';

export interface RepeatOptions {
  readonly quick: boolean;
  /** Overrides of the benchmark's own counts (command line). */
  readonly warmup?: number;
  readonly repeat?: number;
}

/**
 * Whether the benchmarks run from the TypeScript sources (under tsx) or compiled (`npm run bench`
 * compiles the library and the benchmarks with tsc and measures the JavaScript a user of the
 * package runs). Suites, the child entry and the pool's workers follow the same form.
 */
export const FROM_SOURCE = isSourceModule(import.meta.url);
export const MODULE_EXT = FROM_SOURCE ? '.ts' : '.js';

/** The project folder (the first one up with a package.json: the compiled tree sits below it). */
export const PROJECT_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

export const DEFAULT_WARMUP = 1;
export const DEFAULT_REPEAT = 5;

/** Warm-up and repetition counts: a quick pass times one cold run. */
export function repetitions(bench: Benchmark, options: RepeatOptions): { warmup: number; repeat: number } {
  const warmup = options.warmup ?? (options.quick ? 0 : (bench.warmup ?? DEFAULT_WARMUP));
  const repeat = options.repeat ?? (options.quick ? 1 : (bench.repeat ?? DEFAULT_REPEAT));
  return { warmup: Math.max(0, Math.floor(warmup)), repeat: Math.max(1, Math.floor(repeat)) };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

/** The commit the run measured, when the tree is a git checkout. */
export function gitInfo(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return null;
  }
}

// The sampler thread keeps the highest RSS (in KiB, so it fits an Int32) in slot 0.
const SAMPLER_SOURCE = `
const { workerData } = require('node:worker_threads');
const peak = new Int32Array(workerData.buffer);
setInterval(() => {
  const kib = Math.round(process.memoryUsage.rss() / 1024);
  if (kib > Atomics.load(peak, 0)) Atomics.store(peak, 0, kib);
}, workerData.intervalMs);
`;

/** Samples the process RSS every few milliseconds from a worker thread. */
export class RssSampler {
  private readonly peak = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;

  constructor(intervalMs = 5) {
    this.worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { buffer: this.peak.buffer, intervalMs } });
    this.worker.unref();
  }

  reset(): void {
    Atomics.store(this.peak, 0, 0);
  }

  /** Highest RSS in bytes since the last reset, including a sample taken now. */
  peakBytes(): number {
    return Math.max(Atomics.load(this.peak, 0) * 1024, process.memoryUsage.rss());
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const head = `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
    const frame = error.stack
      ?.split('\n')
      .find((line) => line.trimStart().startsWith('at '))
      ?.trim();
    return frame ? `${head} (${frame})` : head;
  }
  return String(error);
}

function checkFigures(name: string, figures: unknown): Record<string, number> {
  if (figures === undefined) return {};
  if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) {
    throw new TypeError(`benchmark '${name}': run() must return a record of numbers or undefined`);
  }
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(figures)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`benchmark '${name}': figure '${key}' is ${String(value)}, not a finite number`);
    }
    out[key] = value;
  }
  return out;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** The record fields every outcome shares. */
function recordBase(bench: Benchmark, suite: string, counts: { warmup: number; repeat: number }, tool = bench.tool) {
  return {
    name: bench.name,
    group: bench.group,
    suite,
    description: bench.description,
    params: { ...(bench.params ?? {}) },
    ...(tool ? { tool } : {}),
    ...(bench.peerOf ? { peerOf: [...bench.peerOf] } : {}),
    ...(bench.ratioPer ? { ratioPer: bench.ratioPer } : {}),
    ...(bench.peerBenchmark ? { peerBenchmark: bench.peerBenchmark } : {}),
    warmup: counts.warmup,
    repeat: counts.repeat,
  };
}

/** One repetition: the wall clock around `run`, or the time `run` reports itself. */
async function repetition(bench: Benchmark, state: unknown, ctx: BenchContext): Promise<{ seconds: number; figures: Record<string, number> }> {
  const start = performance.now();
  const out = await bench.run(state, ctx);
  const wall = (performance.now() - start) / 1000;
  const figures = checkFigures(bench.name, out);
  if (bench.timing !== 'reported') return { seconds: wall, figures };
  const { seconds, ...rest } = figures;
  if (seconds === undefined || seconds < 0) throw new TypeError(`benchmark '${bench.name}' reports its own time but run() returned no 'seconds' >= 0`);
  return { seconds, figures: rest };
}

/**
 * Runs one benchmark in this process and returns its record; never throws for the benchmark's
 * own errors (they become a 'failed' record, or 'skipped' for `BenchmarkSkipped`).
 */
export async function measure(
  bench: Benchmark,
  suite: string,
  runCtx: BenchContext,
  options: RepeatOptions,
  sampler: RssSampler,
): Promise<BenchRecord> {
  const counts = repetitions(bench, options);
  const { warmup, repeat } = counts;
  let tool = bench.tool;
  const ctx: BenchContext = { ...runCtx, setTool: (t) => (tool = t) };
  const loadAverage = Math.round(os.loadavg()[0] * 100) / 100;
  const before = process.memoryUsage.rss();
  const samples: number[] = [];
  let figures: Record<string, number> = {};
  let setupSeconds: number | null = null;
  let afterSetup = before;
  let error: string | undefined;
  let skipped: string | undefined;
  let state: unknown;
  let setupDone = false;
  sampler.reset();
  try {
    const t0 = performance.now();
    state = bench.setup ? await bench.setup(ctx) : undefined;
    setupSeconds = (performance.now() - t0) / 1000;
    setupDone = true;
    gc?.();
    afterSetup = process.memoryUsage.rss();
    sampler.reset();
    for (let i = 0; i < warmup + repeat; i++) {
      const rep = await repetition(bench, state, ctx);
      if (i >= warmup) {
        samples.push(rep.seconds);
        figures = rep.figures;
      }
    }
    if (bench.score) figures = { ...figures, ...checkFigures(bench.name, await bench.score(state, ctx)) };
  } catch (err) {
    if (err instanceof BenchmarkSkipped) skipped = err.message;
    else error = describeError(err);
  }
  const peakRun = sampler.peakBytes();
  const after = process.memoryUsage.rss();
  if (setupDone && bench.teardown) {
    try {
      await bench.teardown(state, ctx);
    } catch (err) {
      error ??= `teardown: ${describeError(err)}`;
    }
  }
  const base = recordBase(bench, suite, counts, tool);
  if (skipped !== undefined && error === undefined) {
    return { ...base, status: 'skipped', skipped, setupSeconds, seconds: null, rss: null, figures: {}, loadAverage };
  }
  const rss: RssSummary = {
    before,
    afterSetup,
    after,
    peakRun,
    processMax: Math.max(process.resourceUsage().maxRSS * 1024, peakRun),
  };
  const seconds =
    samples.length > 0
      ? { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples }
      : null;
  const ok = error === undefined && seconds !== null;
  return {
    ...base,
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { error: error ?? 'no repetition finished' }),
    setupSeconds,
    seconds,
    rss,
    figures,
    loadAverage,
  };
}

/** The record of a benchmark that never got to run to the end of its process (crash, timeout). */
export function failedRecord(
  bench: Benchmark,
  suite: string,
  error: string,
  counts: { warmup: number; repeat: number },
): BenchRecord {
  return {
    ...recordBase(bench, suite, counts),
    status: 'failed',
    error,
    setupSeconds: null,
    seconds: null,
    rss: null,
    figures: {},
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

/** Quality figures (RMSE, R², ...) go beside a peer's time; counts like rows do not. */
const QUALITY = /rmse|mae|mse|r2|score|loss/i;

/**
 * Gives every tunekit benchmark that a peer of the same run names in its `peerOf` that peer's
 * median and the ratio peer / ours (per `ratioPer` when the peer sets it) — or, when the peer
 * was skipped or failed, the reason, so the report says why there is no ratio.
 */
export function linkPeers(records: readonly BenchRecord[]): BenchRecord[] {
  const peerOf = new Map<string, BenchRecord>();
  const byName = new Map(records.map((r) => [r.name, r]));
  for (const r of records) {
    for (const name of r.peerOf ?? []) peerOf.set(name, r);
    const other = r.peerBenchmark ? byName.get(r.peerBenchmark) : undefined;
    if (other) peerOf.set(r.name, other);
  }
  return records.map((r) => {
    const other = peerOf.get(r.name);
    if (!other) return r;
    const quality = Object.entries(other.figures).filter(([k]) => QUALITY.test(k));
    const per = other.ratioPer;
    const peer: ResolvedPeer = {
      tool: other.tool ?? other.name,
      benchmark: other.name,
      ...(other.seconds ? { seconds: other.seconds.median } : { missing: other.status === 'skipped' ? `skipped: ${other.skipped}` : `failed: ${other.error}` }),
      ...(quality.length > 0 ? { figures: Object.fromEntries(quality) } : {}),
      ...(per ? { per } : {}),
      loadAverage: other.loadAverage,
    };
    const theirs = other.seconds && (per ? other.seconds.median / other.figures[per] : other.seconds.median);
    const ours = r.seconds && (per ? r.seconds.median / r.figures[per] : r.seconds.median);
    const ratio = theirs !== null && ours !== null && ours > 0 && Number.isFinite(theirs / ours) ? { peerRatio: theirs / ours } : {};
    return { ...r, peer, ...ratio };
  });
}
