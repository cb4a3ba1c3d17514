import { Worker } from 'node:worker_threads';
import { TunekitError } from '../../core/errors.js';
import { toShared } from '../../core/typed.js';
import { isSourceModule, tsxRegisterApiUrl } from '../../core/workers.js';
import type { BinnedDataset } from '../tree/binning.js';
import type { TreeArrays } from '../tree/tree.js';
import type { ForestPlan } from './forest-trees.js';
import { type GrownTrees, newTreeBoard } from './tree-board.js';

/**
 * A small persistent pool of forest workers. Workers read the binned data and targets through
 * SharedArrayBuffer (nothing is copied per fit) and send back flat tree arrays (transferred).
 * Idle workers are unref'd so they never keep the process alive.
 */
const fromSource = isSourceModule(import.meta.url);
const workerUrl = new URL(fromSource ? './forest-worker.ts' : './forest-worker.js', import.meta.url);

/**
 * From compiled JavaScript the worker file loads directly. From TypeScript sources (tests, tsx)
 * a small ESM bootstrap registers tsx's loader inside the worker first: `execArgv` flags are not
 * honoured under every runner.
 */
function workerEntry(): URL {
  if (!fromSource) return workerUrl;
  const api = tsxRegisterApiUrl();
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(workerUrl.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Pending {
  resolve(grown: GrownTrees): void;
  reject(err: Error): void;
}

class PooledWorker {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(workerEntry());
    this.worker.unref();
    this.worker.on('message', (msg: { id: number; indices?: number[]; trees?: TreeArrays[]; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) this.worker.unref();
      if (msg.error !== undefined) p.reject(new TunekitError('WORKER_FAILED', `forest worker: ${msg.error}`));
      else p.resolve({ indices: msg.indices ?? [], trees: msg.trees ?? [] });
    });
    const fail = (err: Error): void => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(new TunekitError('WORKER_FAILED', `forest worker died: ${err.message}`, { cause: err }));
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  run(data: BinnedDataset, y: Float64Array, plan: ForestPlan, nTrees: number, board: Int32Array): Promise<GrownTrees> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, data, y, plan, nTrees, board });
    });
  }
}

const pool: PooledWorker[] = [];

function workers(n: number): PooledWorker[] {
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i].dead) pool.splice(i, 1);
  while (pool.length < n) pool.push(new PooledWorker());
  return pool.slice(0, n);
}

/**
 * Grow trees 0..nTrees-1 on nJobs workers; results in tree order. Each worker takes the next tree
 * index from a shared counter when it is free, so a worker slowed down (by another process, say)
 * takes fewer trees and both finish together; tree t is the same whoever grows it.
 */
export async function growTreesOnWorkers(data: BinnedDataset, y: Float64Array, plan: ForestPlan, nTrees: number, nJobs: number): Promise<TreeArrays[]> {
  const ys = toShared(y);
  const board = newTreeBoard();
  const results = await Promise.all(workers(nJobs).map((w) => w.run(data, ys, plan, nTrees, board)));
  const trees: TreeArrays[] = new Array(nTrees);
  for (const { indices, trees: grown } of results) {
    indices.forEach((t, i) => {
      trees[t] = grown[i];
    });
  }
  return trees;
}

/** Stop the pooled workers (e.g. before a process wants to exit promptly). */
export async function closeForestWorkers(): Promise<void> {
  const all = pool.splice(0, pool.length);
  await Promise.all(all.map((w) => w.worker.terminate()));
}
