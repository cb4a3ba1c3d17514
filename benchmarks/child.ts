/**
 * Runs one benchmark in a fresh process (started by `isolate.ts`) and sends its record back:
 * memory figures then belong to that benchmark alone, and a crash or runaway loop cannot take
 * the rest of the suite with it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadSuite } from './discover.js';
import { describeError, measure, RssSampler } from './harness.js';
import type { BenchRecord } from './record.js';
import type { BenchContext } from './types.js';

export interface ChildTask {
  readonly file: string;
  readonly name: string;
  readonly quick: boolean;
  readonly warmup?: number;
  readonly repeat?: number;
  readonly realDataDir: string | undefined;
  readonly tmpDir: string;
  readonly runDir: string;
}

export type ChildMessage = { readonly type: 'record'; readonly record: BenchRecord } | { readonly type: 'error'; readonly message: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) reject(new Error('benchmarks/child.ts must be started by the runner (no IPC channel)'));
    else process.send(message, undefined, undefined, (err) => (err ? reject(err) : resolve()));
  });
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
  try {
    const suite = await loadSuite(task.file);
    const bench = suite.benchmarks.find((b) => b.name === task.name);
    if (!bench) throw new Error(`benchmark '${task.name}' is no longer in ${task.file}`);
    mkdirSync(task.tmpDir, { recursive: true });
    const ctx: BenchContext = {
      quick: task.quick,
      realDataDir: task.realDataDir,
      tmpDir: task.tmpDir,
      runDir: task.runDir,
      log: (message) => void process.stdout.write(`    ${message}\n`),
      setTool: () => {},
    };
    const sampler = new RssSampler();
    const record = await measure(bench, suite.suite, ctx, task, sampler);
    await sampler.stop();
    rmSync(task.tmpDir, { recursive: true, force: true });
    await send({ type: 'record', record });
  } catch (err) {
    await send({ type: 'error', message: describeError(err) });
  }
}

await main();
// Pools or timers a benchmark left behind must not keep this process alive.
process.exit(0);
