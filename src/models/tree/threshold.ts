import type { Rng } from '../../core/rng.js';
import type { BinnedNumericFeature } from './binning.js';

/**
 * The threshold of a numeric split chosen in bin space: the value an exact splitter would use,
 * or the cut itself. Results go to fields (`value`, `bin`), not a returned pair or number, since
 * V8 would box either once per split.
 */
export class SplitThreshold {
  /** The threshold: child A takes values <= it. */
  value = 0;
  /** The last bin entirely at or below it (for bin-space prediction). */
  bin = 0;

  /** The cut after bin `bin` (random thresholds, or no histogram to look at). */
  atCut(feat: BinnedNumericFeature, bin: number): void {
    this.bin = bin;
    this.value = bin < feat.cuts.length ? feat.cuts[bin] : Number.POSITIVE_INFINITY;
  }

  /**
   * Midway between the largest value left of the split after `bin` and the smallest value right
   * of it, as an exact splitter places it. Per-bin value ranges stand in for the node's values
   * (exact when each bin holds one distinct value); the node's histogram (feature at `offset`
   * of `hist`, bins up to `spanHi`) says which bins it has rows in.
   */
  exact(feat: BinnedNumericFeature, bin: number, hist: Float64Array, offset: number, spanHi: number): void {
    const nCuts = feat.cuts.length;
    this.bin = bin;
    const hi = Math.min(spanHi, nCuts);
    let next = bin + 1;
    while (next <= hi && hist[offset + 3 * next + 2] === 0) next++;
    if (next > hi) {
      this.bin = nCuts;
      this.value = Number.POSITIVE_INFINITY;
      return;
    }
    const a = feat.binMax[bin];
    const b = feat.binMin[next];
    let t = a / 2 + b / 2;
    if (t >= b) t = a;
    let binThr = bin;
    while (binThr + 1 < next && feat.binMax[binThr + 1] <= t) binThr++;
    this.bin = binThr;
    this.value = t;
  }
}

/** A random threshold bin for extremely randomised trees: uniform in the node's value range (bins [lo, top]). */
export function randomBin(feat: BinnedNumericFeature, lo: number, top: number, rng: Rng): number {
  const cuts = feat.cuts;
  const nCuts = cuts.length;
  const vmin = lo === 0 ? feat.min : cuts[lo - 1];
  const vmax = top === nCuts ? feat.max : cuts[top];
  const t = rng.uniform(vmin, vmax);
  let a = lo;
  let z = top - 1;
  while (a < z) {
    const mid = (a + z) >>> 1;
    if (cuts[mid] >= t) z = mid;
    else a = mid + 1;
  }
  return a;
}
