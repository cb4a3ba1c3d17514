/**
 * The load generator of the server benchmarks, the same for tunekit's servers and their peers
 * (MLflow's tracking server, `mlflow models serve`): Debian's `wrk`, driven by `wrk-json.lua`.
 *
 * Why wrk and not a Node generator such as autocannon: on this 2-core machine the generator
 * shares the cores with the server it measures, so it must cost little per request, and the
 * latency goals (p99 < 5 ms) need sub-millisecond percentiles. Against a trivial Node server with
 * 8 keep-alive clients for 5 s, wrk (C, epoll) sent 138,112 requests for 1.8 s of CPU (13 µs per
 * request) and reports latency in microseconds; autocannon 8 sent 96,459 for 2.6 s of CPU
 * (27 µs per request) and reports whole milliseconds (its p50 and p99 read 0 and 1 ms).
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../harness.js';
import { BenchmarkSkipped } from '../types.js';

const run = promisify(execFile);

export const WRK = process.env.TUNEKIT_WRK || 'wrk';
const SCRIPT = path.join(PROJECT_ROOT, 'benchmarks', 'load', 'wrk-json.lua');

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  /** A request body: the same bytes on every request. */
  readonly body?: string;
  readonly contentType?: string;
  /** Keep-alive connections, each with one request in flight. */
  readonly connections: number;
  readonly seconds: number;
  /** wrk threads (default 1: one thread keeps 64 connections busy and leaves a core to the server). */
  readonly threads?: number;
  /** A scratch folder for the body file. */
  readonly tmpDir: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Socket errors, timeouts and answers outside 2xx/3xx. */
  readonly errors: number;
}

let checked: string | undefined;

/** Skips the benchmark when wrk is not installed, saying how to install it. */
export function requireWrk(): void {
  if (checked) return;
  const probe = spawnSync(WRK, ['--version'], { encoding: 'utf8' });
  // wrk prints its version and usage, and exits 1, for --version.
  if (probe.error) throw new BenchmarkSkipped(`the load generator ${WRK} is not installed: apt-get install wrk (or set TUNEKIT_WRK)`);
  checked = (probe.stdout || probe.stderr).split('\n')[0];
}

let bodies = 0;

/** Sends the same request over `connections` keep-alive connections for `seconds`. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  requireWrk();
  let bodyFile = '-';
  if (options.body !== undefined) {
    bodyFile = path.join(options.tmpDir, `wrk-body-${process.pid}-${bodies++}`);
    writeFileSync(bodyFile, options.body);
  }
  const args = [
    `-t${Math.min(options.threads ?? 1, options.connections)}`,
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    '--timeout', '30s',
    '-s', SCRIPT,
    options.url,
    '--', options.method ?? (options.body !== undefined ? 'POST' : 'GET'), bodyFile, options.contentType ?? 'application/json',
  ];
  const { stdout } = await run(WRK, args, { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (!line) throw new Error(`wrk printed no summary: ${stdout.slice(-500)}`);
  const r = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
  const seconds = r.durationUs / 1e6;
  return {
    requests: r.requests,
    seconds,
    requestsPerSecond: r.requests / seconds,
    meanMs: r.meanUs / 1000,
    p50Ms: r.p50Us / 1000,
    p90Ms: r.p90Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts + r.badStatus,
  };
}
