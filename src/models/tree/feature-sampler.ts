import type { Rng } from '../../core/rng.js';

/**
 * The features a tree may use (a per-tree mask, e.g. boosting's column sampling) and those one
 * node examines (`maxFeatures` of them drawn without replacement, as scikit-learn's
 * `max_features`). The primary categorical is searched through code lists, the others through
 * histograms, so the tree's features are kept in those two groups too.
 */
export class FeatureSampler {
  /** The tree's features, ascending. */
  readonly active: Int32Array;
  nActive = 0;
  /** The tree's features other than the primary (those with histograms). */
  readonly histActive: Int32Array;
  nHist = 0;
  /** The primary categorical is one of the tree's features. */
  listActive = false;
  /** The features the node being split examines: candidates[0..count). */
  readonly candidates: Int32Array;

  constructor(
    private readonly nFeatures: number,
    private readonly primary: number,
  ) {
    this.active = new Int32Array(nFeatures);
    this.histActive = new Int32Array(nFeatures);
    this.candidates = new Int32Array(nFeatures);
  }

  /** The features of the next tree: those with mask[f] = 1 (all without a mask). */
  selectTree(mask: Uint8Array | undefined): void {
    this.nActive = 0;
    this.nHist = 0;
    this.listActive = false;
    for (let f = 0; f < this.nFeatures; f++) {
      if (mask && !mask[f]) continue;
      this.active[this.nActive++] = f;
      if (f === this.primary) this.listActive = true;
      else this.histActive[this.nHist++] = f;
    }
  }

  /** Draw a node's candidates (a partial Fisher-Yates shuffle of the tree's features); returns their count. */
  sampleNode(maxFeatures: number, rng: Rng): number {
    const cand = this.candidates;
    const n = this.nActive;
    for (let i = 0; i < n; i++) cand[i] = this.active[i];
    if (maxFeatures >= n) return n;
    for (let i = 0; i < maxFeatures; i++) {
      const j = i + rng.below(n - i);
      const t = cand[i];
      cand[i] = cand[j];
      cand[j] = t;
    }
    return maxFeatures;
  }
}
