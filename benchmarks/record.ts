/**
 * The JSON a benchmark run writes (`benchmarks/results/<timestamp>.json`, `latest.json`), and a
 * checker for it: the compare mode and the CI smoke test read results through `checkRunRecord`.
 */
import type { BenchGroup } from './types.js';

export const RESULT_SCHEMA = 'tunekit-bench/1';

export interface MachineInfo {
  /** Logical CPUs the OS reports. */
  readonly cores: number;
  /** What Node would use for parallel work (cgroup limits included). */
  readonly availableParallelism: number;
  readonly memoryBytes: number;
  readonly cpuModel: string;
  readonly node: string;
  /** e.g. 'Linux 6.8.0 (x64)'. */
  readonly os: string;
  /** 1/5/15-minute load averages when the run started: other work on a shared machine. */
  readonly loadAverage: readonly number[];
}

export interface SecondsSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every timed repetition, in order. */
  readonly samples: readonly number[];
}

/** Resident set sizes in bytes. */
export interface RssSummary {
  /** Before `setup`. */
  readonly before: number;
  /** After `setup`, before the first `run`. */
  readonly afterSetup: number;
  /** After the last repetition. */
  readonly after: number;
  /** Highest RSS sampled (every few ms, from a helper thread) during warm-up and repetitions. */
  readonly peakRun: number;
  /**
   * The process high-water mark (`process.resourceUsage().maxRSS`) after the benchmark. With
   * isolation (the default) the process ran only this benchmark, so it includes setup.
   */
  readonly processMax: number;
}

/** The peer of a tunekit benchmark: another benchmark of the same run (`peerOf`). */
export interface ResolvedPeer {
  /** The peer's tool, e.g. 'scikit-learn 1.2.1 RandomForestRegressor'. */
  readonly tool: string;
  /** The peer benchmark's name. */
  readonly benchmark: string;
  /** Its median seconds; absent when it was skipped or failed. */
  readonly seconds?: number;
  /** Why it has no figure (skipped: not installed here, with how to install it; or failed). */
  readonly missing?: string;
  /** Its quality figures on the same task (e.g. { valRmse: 6.644 }). */
  readonly figures?: Readonly<Record<string, number>>;
  /** The figure both were divided by before the ratio (`ratioPer`), e.g. 'trees'. */
  readonly per?: string;
  /** 1-minute load average when the peer started. */
  readonly loadAverage: number;
}

export interface BenchRecord {
  readonly name: string;
  readonly group: BenchGroup;
  /** Suite file stem (`benchmarks/suites/<suite>.ts`). */
  readonly suite: string;
  readonly description: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** The error message (and the first stack line) when status is 'failed'. */
  readonly error?: string;
  /** Why it did not run, and how to make it run, when status is 'skipped'. */
  readonly skipped?: string;
  /** For a peer: the tool (and version) it measured. */
  readonly tool?: string;
  /** For a peer: the tunekit benchmarks it is the like-for-like of. */
  readonly peerOf?: readonly string[];
  /** For a peer: compare per unit of this figure (see `Benchmark.ratioPer`). */
  readonly ratioPer?: string;
  /** The benchmark of the same run this one is compared with (see `Benchmark.peerBenchmark`). */
  readonly peerBenchmark?: string;
  readonly warmup: number;
  readonly repeat: number;
  /** Wall time of `setup` (not part of the measured figure). */
  readonly setupSeconds: number | null;
  /** Wall time of each `run`; null when the benchmark failed before any repetition finished. */
  readonly seconds: SecondsSummary | null;
  readonly rss: RssSummary | null;
  /** What `run` returned on the last repetition. */
  readonly figures: Readonly<Record<string, number>>;
  /** The peer measured in the same run, when one names this benchmark in its `peerOf`. */
  readonly peer?: ResolvedPeer;
  /** peer median / our median (per `peer.per` when set): above 1 means tunekit is faster. */
  readonly peerRatio?: number;
  /** Wall time of the whole benchmark as the runner saw it: process start, setup, warm-up, runs. */
  readonly wallSeconds?: number;
  /** 1-minute load average just before the benchmark started. */
  readonly loadAverage: number;
}

export interface LoadError {
  readonly suite: string;
  readonly message: string;
  /** Counted as a failure (exit code) unless the run was filtered to other suites. */
  readonly counted: boolean;
}

export interface RunRecord {
  readonly schema: typeof RESULT_SCHEMA;
  /** ISO date-time when the run started. */
  readonly date: string;
  readonly quick: boolean;
  /** The --only filter, or null for the whole suite. */
  readonly only: readonly string[] | null;
  readonly isolated: boolean;
  /** What ran: the compiled library under plain node (`npm run bench`), or the sources under tsx (absent in older records). */
  readonly code?: 'compiled' | 'sources';
  readonly machine: MachineInfo;
  readonly git: { readonly commit: string; readonly dirty: boolean } | null;
  readonly realDataDir: string | null;
  readonly totalSeconds: number;
  readonly benchmarks: readonly BenchRecord[];
  readonly loadErrors: readonly LoadError[];
  /** Failed benchmarks plus counted load errors. */
  readonly failed: number;
}

/**
 * Checks that `value` is a well-formed run record and returns it typed; throws an Error naming
 * the first bad field otherwise.
 */
export function checkRunRecord(value: unknown, source = 'run record'): RunRecord {
  const fail = (path: string, expected: string): never => {
    throw new Error(`${source}: '${path}' should be ${expected}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(path, 'an object');
  const num = (v: unknown, path: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a finite number');
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'a string'));
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'an array'));

  const run = obj(value, '$');
  if (run.schema !== RESULT_SCHEMA) fail('schema', JSON.stringify(RESULT_SCHEMA));
  if (Number.isNaN(Date.parse(str(run.date, 'date')))) fail('date', 'an ISO date');
  const machine = obj(run.machine, 'machine');
  for (const key of ['cores', 'availableParallelism', 'memoryBytes']) num(machine[key], `machine.${key}`);
  for (const key of ['cpuModel', 'node', 'os']) str(machine[key], `machine.${key}`);
  arr(run.benchmarks, 'benchmarks').forEach((entry, i) => {
    const b = obj(entry, `benchmarks[${i}]`);
    const at = `benchmarks[${i}] (${String(b.name)})`;
    str(b.name, `${at}.name`);
    str(b.group, `${at}.group`);
    str(b.description, `${at}.description`);
    obj(b.params, `${at}.params`);
    const figures = obj(b.figures, `${at}.figures`);
    for (const [key, v] of Object.entries(figures)) num(v, `${at}.figures.${key}`);
    if (b.status === 'failed') {
      str(b.error, `${at}.error`);
      return;
    }
    if (b.status === 'skipped') {
      str(b.skipped, `${at}.skipped`);
      return;
    }
    if (b.status !== 'ok') fail(`${at}.status`, "'ok', 'failed' or 'skipped'");
    const seconds = obj(b.seconds, `${at}.seconds`);
    const median = num(seconds.median, `${at}.seconds.median`);
    const min = num(seconds.min, `${at}.seconds.min`);
    const max = num(seconds.max, `${at}.seconds.max`);
    if (!(min >= 0 && min <= median && median <= max)) fail(`${at}.seconds`, '0 <= min <= median <= max');
    const rss = obj(b.rss, `${at}.rss`);
    for (const key of ['before', 'afterSetup', 'after', 'peakRun', 'processMax']) {
      if (num(rss[key], `${at}.rss.${key}`) <= 0) fail(`${at}.rss.${key}`, 'a positive number of bytes');
    }
  });
  arr(run.loadErrors, 'loadErrors');
  num(run.failed, 'failed');
  return run as unknown as RunRecord;
}
