/**
 * Finding the suites: every `*.ts` file of the suites folder (`*.js` when the benchmarks run
 * compiled) exports `benchmarks: Benchmark[]`.
 * A suite that fails to load is reported, and the others still run.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, MODULE_EXT } from './harness.js';
import type { LoadError } from './record.js';
import type { BenchGroup, Benchmark } from './types.js';

export const BENCH_GROUPS: readonly BenchGroup[] = ['data', 'training', 'tuning', 'tracker', 'server', 'scale', 'peers'];

export interface Suite {
  /** File stem, e.g. 'trees' for `suites/trees.ts`. */
  readonly suite: string;
  readonly file: string;
  readonly benchmarks: readonly Benchmark[];
}

export function suiteFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(MODULE_EXT) && !f.endsWith('.d.ts') && !f.startsWith('.'))
    .sort()
    .map((f) => path.join(dir, f));
}

function checkBenchmark(value: unknown, at: string): Benchmark {
  const b = value as Partial<Benchmark> | null;
  if (typeof b !== 'object' || b === null) throw new TypeError(`${at} is not an object`);
  if (typeof b.name !== 'string' || b.name.length === 0) throw new TypeError(`${at} has no name`);
  if (!BENCH_GROUPS.includes(b.group as BenchGroup)) {
    throw new TypeError(`${at} ('${b.name}') has group ${JSON.stringify(b.group)}; expected one of ${BENCH_GROUPS.join(', ')}`);
  }
  if (typeof b.run !== 'function') throw new TypeError(`${at} ('${b.name}') has no run()`);
  if (typeof b.description !== 'string') throw new TypeError(`${at} ('${b.name}') has no description`);
  return b as Benchmark;
}

export async function loadSuite(file: string): Promise<Suite> {
  const mod = (await import(pathToFileURL(file).href)) as { benchmarks?: unknown };
  const suite = path.basename(file, path.extname(file));
  if (!Array.isArray(mod.benchmarks)) throw new TypeError(`${file} does not export 'benchmarks: Benchmark[]'`);
  const benchmarks = mod.benchmarks.map((b, i) => checkBenchmark(b, `${suite}.benchmarks[${i}]`));
  return { suite, file, benchmarks };
}

/** Loads every suite of `dir`; names must be unique across suites. */
export async function loadSuites(dir: string): Promise<{ suites: Suite[]; errors: Omit<LoadError, 'counted'>[] }> {
  const suites: Suite[] = [];
  const errors: Omit<LoadError, 'counted'>[] = [];
  const seen = new Map<string, string>();
  for (const file of suiteFiles(dir)) {
    const stem = path.basename(file, path.extname(file));
    try {
      const suite = await loadSuite(file);
      for (const b of suite.benchmarks) {
        const other = seen.get(b.name);
        if (other) throw new TypeError(`benchmark name '${b.name}' is used by suites '${other}' and '${stem}'`);
        seen.set(b.name, stem);
      }
      suites.push(suite);
    } catch (err) {
      errors.push({ suite: stem, message: describeError(err) });
    }
  }
  return { suites, errors };
}

/**
 * Does a benchmark pass the --only filter? A token selects a group ('tuning'), a suite file
 * ('trees') or a name prefix ('training/rf').
 */
export function selected(only: readonly string[] | null, bench: Benchmark, suite: string): boolean {
  if (!only) return true;
  return only.some((token) => token === bench.group || token === suite || bench.name.startsWith(token));
}

/**
 * The run order: suite by suite, except that each peer runs right after the first tunekit
 * benchmark of the run it names, so that both sides of a ratio see the same load on a shared
 * machine (a peer whose benchmarks are not in the run keeps its place).
 */
export function peersBesideTheirs<T extends { readonly bench: Benchmark }>(todo: readonly T[]): T[] {
  const names = new Set(todo.map((t) => t.bench.name));
  const isPeer = (b: Benchmark) => b.peerOf?.some((n) => names.has(n)) ?? false;
  const followers = new Map<string, T[]>();
  const order: T[] = [];
  for (const t of todo) {
    const anchor = t.bench.peerOf?.find((n) => names.has(n) && !isPeer(todo.find((o) => o.bench.name === n)!.bench));
    if (anchor) followers.set(anchor, [...(followers.get(anchor) ?? []), t]);
    else order.push(t);
  }
  return order.flatMap((t) => [t, ...(followers.get(t.bench.name) ?? [])]);
}
