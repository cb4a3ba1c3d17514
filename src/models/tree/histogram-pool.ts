import type { KernelArena } from './arena.js';
import type { BinnedFeature } from './binning.js';
import { clearHistogram, subtractHistogram } from './histogram.js';

/**
 * Histogram buffers of open nodes, recycled: a slot holds the histograms of every histogram
 * feature of one node (3 doubles per bin, feature f at `offset[f]`) and, per feature, the span
 * of bins with rows, so clearing, subtracting and scanning touch only that span. Slots live in
 * the kernel arena (the WebAssembly kernels write them); acquiring one may grow the arena, after
 * which the owner remakes every view (`remap`).
 */
export class HistogramPool {
  /** Per feature: its first double in a slot (-1: the feature has no histogram). */
  readonly offset: Int32Array;
  /** Doubles per slot. */
  readonly size: number;
  /** Per slot: its address in the arena, its view, and [lo, hi] bin span per feature. */
  private readonly at: number[] = [];
  private views: Float64Array[] = [];
  private readonly spans: Int32Array[] = [];
  private readonly free: number[] = [];
  private readonly nFeatures: number;
  /** [lo, hi] from the kernels (in the arena: the WebAssembly kernels write it too). */
  private readonly rangeAt: number;
  range!: Int32Array;

  /** Features `skip` (the primary categorical, searched through code lists) get no histogram. */
  constructor(
    private readonly arena: KernelArena,
    features: readonly BinnedFeature[],
    skip: number,
  ) {
    this.nFeatures = features.length;
    this.offset = new Int32Array(this.nFeatures).fill(-1);
    let size = 0;
    features.forEach((f, j) => {
      if (j === skip) return;
      this.offset[j] = size;
      size += 3 * f.nBins;
    });
    this.size = size;
    this.rangeAt = arena.alloc(8);
    this.remap();
  }

  /** Bytes of `slots` slots, to reserve with the arena. */
  static bytes(features: readonly BinnedFeature[], skip: number, slots: number): number {
    let size = 0;
    features.forEach((f, j) => {
      if (j !== skip) size += 3 * f.nBins;
    });
    return 8 * size * slots + 8;
  }

  /** A cleared slot (may grow the arena). */
  acquire(): number {
    const free = this.free.pop();
    if (free !== undefined) return free;
    this.at.push(this.arena.alloc(8 * this.size));
    this.spans.push(new Int32Array(2 * this.nFeatures));
    if (this.range.buffer !== this.arena.buffer) this.remap();
    else this.views.push(this.arena.float64(this.at[this.at.length - 1], this.size));
    return this.at.length - 1;
  }

  /** Clear the spans of features `features[0..n)` and return the slot to the pool. */
  release(slot: number, features: Int32Array, n: number): void {
    const hist = this.views[slot];
    const span = this.spans[slot];
    for (let k = 0; k < n; k++) {
      const f = features[k];
      clearHistogram(hist, this.offset[f], span[2 * f], span[2 * f + 1]);
    }
    this.free.push(slot);
  }

  view(slot: number): Float64Array {
    return this.views[slot];
  }

  /** Arena address of feature f's histogram in a slot. */
  address(slot: number, f: number): number {
    return this.at[slot] + 8 * this.offset[f];
  }

  get rangeAddress(): number {
    return this.rangeAt;
  }

  lo(slot: number, f: number): number {
    return this.spans[slot][2 * f];
  }

  hi(slot: number, f: number): number {
    return this.spans[slot][2 * f + 1];
  }

  /** Feature f of a slot was just built: its span is what the kernel left in `range`. */
  keepRange(slot: number, f: number): void {
    const span = this.spans[slot];
    span[2 * f] = this.range[0];
    span[2 * f + 1] = this.range[1];
  }

  /** parent -= child for features `features[0..n)` (the histogram subtraction trick). */
  subtract(parent: number, child: number, features: Int32Array, n: number): void {
    const ph = this.views[parent];
    const ps = this.spans[parent];
    const ch = this.views[child];
    const range = this.range;
    for (let k = 0; k < n; k++) {
      const f = features[k];
      subtractHistogram(ph, ch, this.offset[f], ps[2 * f], ps[2 * f + 1], range);
      ps[2 * f] = range[0];
      ps[2 * f + 1] = range[1];
    }
  }

  /** Remake the views (after construction and whenever the arena grew). */
  remap(): void {
    const arena = this.arena;
    this.range = arena.int32(this.rangeAt, 2);
    this.views = this.at.map((at) => arena.float64(at, this.size));
  }
}
