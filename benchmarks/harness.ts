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
import { referencePeer } from './peer-figures.js';
import type { BenchRecord, MachineInfo, ResolvedPeer, RssSummary } from './record.js';
import type { Benchmark, BenchContext } from './types.js';

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

function resolvePeer(bench: Benchmark): ResolvedPeer | undefined {
  if (bench.peer) return { ...bench.peer, source: 'suite', measured: bench.peer.note ?? 'declared by the benchmark' };
  const ref = referencePeer(bench.name);
  if (!ref) return undefined;
  return {
    tool: ref.tool,
    seconds: ref.seconds,
    note: ref.task,
    source: 'reference',
    measured: 'elsewhere on this machine',
    ...(ref.figures ? { figures: ref.figures } : {}),
  };
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

/**
 * Runs one benchmark in this process and returns its record; never throws for the benchmark's
 * own errors (they become a 'failed' record).
 */
export async function measure(
  bench: Benchmark,
  suite: string,
  ctx: BenchContext,
  options: RepeatOptions,
  sampler: RssSampler,
): Promise<BenchRecord> {
  const { warmup, repeat } = repetitions(bench, options);
  const loadAverage = Math.round(os.loadavg()[0] * 100) / 100;
  const before = process.memoryUsage.rss();
  const samples: number[] = [];
  let figures: Record<string, number> = {};
  let setupSeconds: number | null = null;
  let afterSetup = before;
  let error: string | undefined;
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
      const start = performance.now();
      const out = await bench.run(state, ctx);
      const seconds = (performance.now() - start) / 1000;
      if (i >= warmup) {
        samples.push(seconds);
        figures = checkFigures(bench.name, out);
      }
    }
    if (bench.score) figures = { ...figures, ...checkFigures(bench.name, await bench.score(state, ctx)) };
  } catch (err) {
    error = describeError(err);
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
  const peer = resolvePeer(bench);
  const ok = error === undefined && seconds !== null;
  return {
    name: bench.name,
    group: bench.group,
    suite,
    description: bench.description,
    params: { ...(bench.params ?? {}) },
    status: ok ? 'ok' : 'failed',
    ...(ok ? {} : { error: error ?? 'no repetition finished' }),
    warmup,
    repeat,
    setupSeconds,
    seconds,
    rss,
    figures,
    ...(peer ? { peer } : {}),
    ...(peer && ok && seconds.median > 0 ? { peerRatio: peer.seconds / seconds.median } : {}),
    ...(bench.peerBenchmark ? { peerBenchmark: bench.peerBenchmark } : {}),
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
  const peer = resolvePeer(bench);
  return {
    name: bench.name,
    group: bench.group,
    suite,
    description: bench.description,
    params: { ...(bench.params ?? {}) },
    status: 'failed',
    error,
    warmup: counts.warmup,
    repeat: counts.repeat,
    setupSeconds: null,
    seconds: null,
    rss: null,
    figures: {},
    ...(peer ? { peer } : {}),
    ...(bench.peerBenchmark ? { peerBenchmark: bench.peerBenchmark } : {}),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

/**
 * Fills in the peer of every record that names a `peerBenchmark` of the same run (its median,
 * so the ratio compares two measurements taken minutes apart on the same machine).
 */
export function linkPeers(records: readonly BenchRecord[]): BenchRecord[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  return records.map((r) => {
    const other = r.peerBenchmark ? byName.get(r.peerBenchmark) : undefined;
    if (!other?.seconds || r.peer) return r;
    const tool = typeof other.params.tool === 'string' ? other.params.tool : other.name;
    // Quality figures (RMSE, R², ...) of the peer go beside its time; counts like rows do not.
    const quality = Object.entries(other.figures).filter(([k]) => /rmse|mae|mse|r2|score|loss/i.test(k));
    const peer: ResolvedPeer = {
      tool,
      seconds: other.seconds.median,
      note: other.name,
      source: 'run',
      measured: 'in this run',
      ...(quality.length > 0 ? { figures: Object.fromEntries(quality) } : {}),
    };
    const ratio = r.seconds && r.seconds.median > 0 ? { peerRatio: peer.seconds / r.seconds.median } : {};
    return { ...r, peer, ...ratio };
  });
}
