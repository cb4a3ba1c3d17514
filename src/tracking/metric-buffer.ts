import { InvalidInputError } from '../core/errors.js';
import type { TrackingStore } from './store.js';
import type { MetricPoint } from './types.js';

/**
 * Buffered metric logging for hot loops (per-iteration losses): `log` is synchronous and puts
 * points into preallocated typed arrays; every `capacity` points go to the store as one atomic
 * logBatch, written in the background in order. Call `flush()` (or `close()`) when done and await
 * it: it writes what is queued and reports a failed write; buffers made through `ActiveRun` flush
 * when the run ends. A batch the store refused stays queued and is tried again by the next flush.
 */
export class MetricBuffer {
  private readonly keys: string[];
  private readonly values: Float64Array;
  private readonly steps: Float64Array;
  private readonly times: Float64Array;
  private size = 0;
  /** Batches handed to the store, in order; each waits for the one before. */
  private writing: Promise<void> = Promise.resolve();
  /** Batches whose write failed, oldest first, with the first error not yet reported. */
  private readonly unsent: MetricPoint[][] = [];
  private failure: unknown = undefined;
  private inFlight = 0;
  /** Points written to the store so far. */
  written = 0;

  constructor(
    private readonly store: TrackingStore,
    readonly runId: string,
    readonly capacity = 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidInputError(`metric buffer capacity must be a positive integer; got ${capacity}`);
    this.keys = new Array<string>(capacity);
    this.values = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  /** Queue one point (step default 0, timestamp default now); a full buffer starts a write. */
  log(key: string, value: number, step = 0, timestamp = Date.now()): void {
    const i = this.size;
    this.keys[i] = key;
    this.values[i] = value;
    this.steps[i] = step;
    this.times[i] = timestamp;
    this.size = i + 1;
    if (this.size === this.capacity) void this.send(this.take());
  }

  /** Points not yet written (queued, being written, or refused). */
  get pending(): number {
    return this.size + this.inFlight + this.unsent.reduce((n, b) => n + b.length, 0);
  }

  private take(): MetricPoint[] {
    const n = this.size;
    const metrics = new Array<MetricPoint>(n);
    for (let i = 0; i < n; i++) metrics[i] = { key: this.keys[i], value: this.values[i], step: this.steps[i], timestamp: this.times[i] };
    this.size = 0;
    return metrics;
  }

  private send(metrics: MetricPoint[]): Promise<void> {
    this.inFlight += metrics.length;
    this.writing = this.writing.then(async () => {
      try {
        await this.store.logBatch(this.runId, { metrics });
        this.written += metrics.length;
      } catch (err) {
        this.unsent.push(metrics);
        this.failure ??= err;
      } finally {
        this.inFlight -= metrics.length;
      }
    });
    return this.writing;
  }

  /** Write everything queued (earlier refused batches first); throws the first failed write. */
  async flush(): Promise<void> {
    await this.writing;
    const retry = this.unsent.splice(0);
    this.failure = undefined;
    for (const batch of retry) await this.send(batch);
    if (this.size > 0) await this.send(this.take());
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.flush();
  }
}
