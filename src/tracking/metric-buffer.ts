import { InvalidInputError } from '../core/errors.js';
import type { TrackingStore } from './store.js';
import type { MetricPoint } from './types.js';

/**
 * Buffered metric logging for hot loops (per-iteration losses): points go into preallocated
 * typed arrays and reach the store `capacity` at a time, one atomic logBatch each. Call
 * `flush()` (or `close()`) when done; buffers made through `ActiveRun` flush when the run ends.
 */
export class MetricBuffer {
  private readonly keys: string[];
  private readonly values: Float64Array;
  private readonly steps: Float64Array;
  private readonly times: Float64Array;
  private size = 0;
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

  /** Queue one point (step default 0, timestamp default now); flushes when the buffer is full. */
  log(key: string, value: number, step = 0, timestamp = Date.now()): void {
    const i = this.size;
    this.keys[i] = key;
    this.values[i] = value;
    this.steps[i] = step;
    this.times[i] = timestamp;
    this.size = i + 1;
    if (this.size === this.capacity) this.flush();
  }

  get pending(): number {
    return this.size;
  }

  /** Write the queued points in one batch. On error the points stay queued. */
  flush(): void {
    const n = this.size;
    if (n === 0) return;
    const metrics = new Array<MetricPoint>(n);
    for (let i = 0; i < n; i++) metrics[i] = { key: this.keys[i], value: this.values[i], step: this.steps[i], timestamp: this.times[i] };
    this.store.logBatch(this.runId, { metrics });
    this.size = 0;
    this.written += n;
  }

  close(): void {
    this.flush();
  }
}
