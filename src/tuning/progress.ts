import type { Direction } from './trial.js';

interface Sink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): boolean;
}

/**
 * One redrawn line on a terminal: `[#####.....] 7/15 best 6.6312 ETA 4s`. Silent when disabled
 * or when the sink (stderr by default) is not a TTY, so logs and CI output stay clean.
 */
export class ProgressBar {
  private readonly active: boolean;
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private startDone = -1;

  constructor(
    private readonly total: number,
    enabled: boolean,
    private readonly direction: Direction,
    private readonly sink: Sink = process.stderr,
  ) {
    this.active = enabled && sink.isTTY === true && total > 0;
  }

  get enabled(): boolean {
    return this.active;
  }

  /** The line for `done` trials and the best value so far (exposed for tests). */
  line(done: number, best: number | undefined, elapsedMs: number): string {
    const width = 20;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const bestText = best === undefined ? '' : ` best ${formatValue(best)} (${this.direction === 'minimize' ? 'min' : 'max'})`;
    const fresh = done - Math.max(0, this.startDone);
    const remaining = this.total - done;
    const eta = fresh > 0 && remaining > 0 ? ` ETA ${formatSeconds(((elapsedMs / fresh) * remaining) / 1000)}` : '';
    return `${bar} ${done}/${this.total}${bestText}${eta}`;
  }

  update(done: number, best: number | undefined): void {
    if (!this.active) return;
    if (this.startDone < 0) this.startDone = done;
    const now = performance.now();
    if (done < this.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.sink.write(`\r${this.line(done, best, now - this.t0).slice(0, (this.sink.columns ?? 80) - 1)}\x1b[K`);
  }

  done(): void {
    if (this.active) this.sink.write('\n');
  }
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(5);
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
