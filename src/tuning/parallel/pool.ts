import { Piscina } from 'piscina';
import { InvalidParameterError } from '../../core/errors.js';
import { sharedArray } from '../../core/typed.js';
import { isSourceModule, workerExecArgv } from '../../core/workers.js';
import type { SharedSearchData } from '../dataset.js';
import { type HelpTask, type TaskResults, type TrialResult, type TrialTask, type WarmTask, type WorkerTask, leaveQueue } from './protocol.js';

// From TypeScript sources (tests, tsx) the worker needs the tsx loader; from dist it is plain JS.
const workerFile = new URL(isSourceModule(import.meta.url) ? './worker.ts' : './worker.js', import.meta.url).href;

export interface TrialPoolOptions {
  /** Worker threads (default 1). */
  readonly nWorkers?: number;
  /** Modules each worker imports before its first trial (to register extra model kinds). */
  readonly kindModules?: readonly (string | URL)[];
}

/**
 * A pool of worker threads that fit and score trials (piscina). A worker that crashes
 * (process.exit, an uncaught error, a terminated task) fails only its task; piscina starts a
 * replacement. Create one and pass it to several searches to pay the thread start-up once.
 */
export class TrialPool {
  readonly nWorkers: number;
  readonly kindModules: readonly string[];
  private readonly piscina: Piscina<WorkerTask, TaskResults[WorkerTask['type']]>;
  /** waiting[0]: trial and warm-up tasks handed to piscina that no thread has started yet. */
  private readonly waiting = sharedArray(Int32Array, 1);

  constructor(options: TrialPoolOptions = {}) {
    this.nWorkers = options.nWorkers ?? 1;
    if (!Number.isInteger(this.nWorkers) || this.nWorkers < 1) throw new InvalidParameterError('TrialPool', 'nWorkers', this.nWorkers, 'must be an integer >= 1');
    this.kindModules = (options.kindModules ?? []).map((m) => (m instanceof URL ? m.href : m));
    this.piscina = new Piscina({
      filename: workerFile,
      minThreads: this.nWorkers,
      maxThreads: this.nWorkers,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      execArgv: workerExecArgv(import.meta.url),
    });
    // A crashed worker surfaces as a rejected task; the pool-level event needs a listener.
    this.piscina.on('error', () => undefined);
  }

  /** Run a trial; its port moves to the worker. */
  run(task: TrialTask, signal?: AbortSignal): Promise<TrialResult> {
    return this.queued(task, { transferList: [task.port], ...(signal ? { signal } : {}) });
  }

  /** Trials handed to the pool and not started yet: helpers give way while there are any. */
  get trialsWaiting(): number {
    return Atomics.load(this.waiting, 0);
  }

  /** Grow or score trees of a running trial's forest on a free thread (see `HelpTask`; `waiting` is the pool's). */
  help(task: Omit<HelpTask, 'type' | 'waiting'>): Promise<TaskResults['help']> {
    return this.piscina.run({ ...task, type: 'help', waiting: this.waiting }) as Promise<TaskResults['help']>;
  }

  /**
   * Start every thread and load its modules now (so a timed search does not pay for it); with
   * search data, every thread also opens it (decodes its layout once; the rows stay shared).
   * Resolves with the ids of the threads warmed.
   */
  async warm(data?: SharedSearchData): Promise<number[]> {
    // A warm-up task holds its thread until every one has arrived, so each thread gets exactly one.
    const arrived = sharedArray(Int32Array, 1);
    const task: WarmTask = { type: 'warm', kindModules: this.kindModules, threads: this.nWorkers, arrived, ...(data ? { data } : {}) };
    const done = await Promise.all(Array.from({ length: this.nWorkers }, () => this.queued(task, {})));
    return done.map((r) => r.thread);
  }

  /** Run a task that counts as waiting until a thread starts it. */
  private async queued<T extends TrialTask | WarmTask>(task: T, options: { transferList?: unknown[]; signal?: AbortSignal }): Promise<TaskResults[T['type']]> {
    const queue = { waiting: this.waiting, left: sharedArray(Int32Array, 1) };
    Atomics.add(this.waiting, 0, 1);
    try {
      return (await this.piscina.run({ ...task, queue }, options as Parameters<Piscina['run']>[1])) as TaskResults[T['type']];
    } finally {
      leaveQueue(queue);
    }
  }

  async close(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}
