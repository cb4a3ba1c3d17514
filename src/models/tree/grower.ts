import type { Rng } from '../../core/rng.js';
import { KernelArena, type TreeKernels } from './arena.js';
import type { BinnedDataset } from './binning.js';
import { CodeListArena, type CodeLists, type ListBuilder } from './code-lists.js';
import { FeatureSampler } from './feature-sampler.js';
import { HistogramPool } from './histogram-pool.js';
import { NodeTable } from './node-table.js';
import { RowPartition } from './rows.js';
import {
  BEST_AUX,
  BEST_BIN,
  BEST_FEATURE,
  BEST_G,
  BEST_GAIN,
  BEST_H,
  BEST_MISSING_LEFT,
  BEST_SIZE,
  NODE_G,
  NODE_H,
  NODE_N,
  NODE_SCORE,
  NODE_SIZE,
  type SplitRules,
  leafScore,
  leafValue,
  resetBest,
  scanCategoricalHistogram,
  scanCodeList,
  scanNumeric,
} from './split.js';
import { SplitThreshold, randomBin } from './threshold.js';
import { type TreeArrays, nextUp } from './tree.js';

/** How one tree grows. Counts are in distinct (in-bag) rows; weights are hessian sums. */
export interface GrowParams extends SplitRules {
  /** Infinity = unlimited. */
  readonly maxDepth: number;
  /** Infinity = depth-first growth; a number = best-first (leaf-wise) growth up to that many leaves. */
  readonly maxLeaves: number;
  readonly minSamplesSplit: number;
  /** A split must gain more than this. */
  readonly minGain: number;
  /** Features examined per node (sampled without replacement when fewer than the active ones). */
  readonly maxFeatures: number;
  /** Extremely randomised trees: one random threshold per numeric feature and node. */
  readonly randomThresholds: boolean;
}

/** Histogram slots reserved with the grower's memory (more are added as needed). */
const INITIAL_SLOTS = 16;

/**
 * The histogram tree learner. It grows one tree at a time over the in-bag rows the caller wrote
 * to `ibPos`/`ibG`/`ibH` (ascending positions in `data.order`, rows ordered by the primary
 * categorical's code) and never sees labels or the loss. It composes small parts over one
 * WebAssembly memory (a KernelArena, where the hot loops run as kernels.wat):
 * - `RowPartition`: the in-bag rows, each node's rows contiguous in one index array, the bins;
 * - `NodeTable`: the nodes, open and finished;
 * - `HistogramPool`: the histograms of open nodes (the smaller child is scanned, the larger one
 *   is the parent minus the smaller, in the parent's slot);
 * - `CodeListArena`: the primary categorical's per-node code lists ("code k vs rest" splits in
 *   O(rows in node), whatever the number of categories);
 * - `FeatureSampler` and `SplitThreshold`: which features a node examines, and where a numeric
 *   split's threshold lies.
 * All scratch is allocated once per grower and reused.
 */
export class TreeGrower implements ListBuilder {
  readonly data: BinnedDataset;
  readonly capacity: number;
  private readonly arena: KernelArena;
  private readonly kernels: TreeKernels;
  private readonly rows: RowPartition;
  private readonly nodes = new NodeTable();
  private readonly histograms: HistogramPool;
  private readonly lists: CodeListArena | undefined;
  private readonly features: FeatureSampler;
  private readonly threshold = new SplitThreshold();
  private readonly primary: number;
  /** The buffer the parts' views were made on. */
  private viewBuffer: ArrayBuffer;
  private readonly best = new Float64Array(BEST_SIZE);
  /** The node findBest is splitting, as the kernels read it (see NODE_SIZE). */
  private readonly node = new Float64Array(NODE_SIZE);
  /** The partner feature's histogram is built with the code lists in this tree (-1: not). */
  private fused = -1;

  /** This thread's grower while no fit uses it (weak: a large one is freed once memory is needed). */
  private static idle: WeakRef<TreeGrower> | undefined;

  /**
   * Run `work` (a fit) with this thread's grower for `data` (fits are synchronous: one at a time per
   * thread, unless a fit runs another inside a callback, which then gets its own grower). A tuner
   * fitting trial after trial on data binned once keeps one grower; a fit on other data takes over
   * the idle grower's memory, so consecutive fits allocate (and fault in) their scratch once.
   * The grower is valid only inside `work`.
   */
  static run<T>(data: BinnedDataset, work: (grower: TreeGrower) => T): T {
    let grower = TreeGrower.idle?.deref();
    TreeGrower.idle = undefined;
    if (grower?.data !== data || grower.capacity !== data.nRows) {
      grower = new TreeGrower(data, data.nRows, grower?.arena);
    }
    try {
      return work(grower);
    } finally {
      TreeGrower.idle = new WeakRef(grower);
    }
  }

  /** `reuse`: memory to take over (its contents are cleared); by default a new one. */
  constructor(data: BinnedDataset, capacity = data.nRows, reuse?: KernelArena) {
    this.data = data;
    this.capacity = capacity;
    this.primary = data.primary;
    // A node lists at most one entry per code: the scratch list needs no more than the code count.
    const listCap = this.primary >= 0 ? capacity : 0;
    const scratchCap = this.primary >= 0 ? Math.min(capacity, data.features[this.primary].nBins) : 0;
    const bytes = RowPartition.bytes(data, capacity) + CodeListArena.bytes(listCap, scratchCap) + HistogramPool.bytes(data.features, this.primary, INITIAL_SLOTS);
    this.arena = reuse?.reset() ?? new KernelArena(bytes);
    this.kernels = this.arena.kernels;
    this.rows = new RowPartition(this.arena, data, capacity);
    this.lists = this.primary >= 0 ? new CodeListArena(this.arena, listCap, scratchCap) : undefined;
    this.histograms = new HistogramPool(this.arena, data.features, this.primary);
    this.features = new FeatureSampler(data.features.length, this.primary);
    this.viewBuffer = this.arena.buffer;
    // Every part allocated before any view was made: one remap covers a growth on the way.
    this.remap();
  }

  /**
   * In-bag row i: its position in data.order (ascending), gradient and hessian (weights folded
   * in). Views of the grower's memory, valid until the next `grow`: read them from the grower
   * before each tree.
   */
  get ibPos(): Int32Array {
    return this.rows.pos;
  }

  get ibG(): Float64Array {
    return this.rows.g;
  }

  get ibH(): Float64Array {
    return this.rows.h;
  }

  /**
   * Grow one tree on in-bag rows 0..nInBag-1 of ibPos/ibG/ibH. `featureMask` (1 = usable) limits
   * the features of this tree; `rng` drives per-node feature sampling and random thresholds.
   * `allRows` says ibPos is 0..n-1 (every row in bag): the bins are then read in place.
   */
  grow(nInBag: number, params: GrowParams, rng: Rng, featureMask?: Uint8Array, allRows = false): TreeArrays {
    if (nInBag > this.capacity) throw new RangeError(`grower holds ${this.capacity} rows, asked for ${nInBag}`);
    const features = this.features;
    features.selectTree(featureMask);
    const rows = this.rows;
    rows.startTree(nInBag, features.active, features.nActive, allRows && nInBag === this.data.nRows);
    const partner = rows.partner;
    let partnerActive = false;
    for (let h = 0; h < features.nHist; h++) if (features.histActive[h] === partner) partnerActive = true;
    this.fused = features.listActive && partnerActive ? partner : -1;
    let G = 0;
    let H = 0;
    for (let i = 0; i < nInBag; i++) {
      G += rows.g[i];
      H += rows.h[i];
    }
    const nodes = this.nodes;
    nodes.size = 1;
    nodes.init(0, 0, nInBag, 0, G, H);
    nodes.value[0] = leafValue(G, H, params.lambda, params.alpha);
    const open: number[] = [];
    if (nInBag > 0 && this.canSplit(0, params)) {
      nodes.slot[0] = this.acquireSlot();
      if (this.lists && features.listActive) this.lists.buildRoot(nodes, 0, this);
      for (let h = 0; h < features.nHist; h++) {
        const f = features.histActive[h];
        if (f !== this.fused) this.buildHistogram(nodes.slot[0], f, 0, nInBag);
      }
      if (this.findBest(0, params, rng)) open.push(0);
      else this.makeLeaf(0);
    } else {
      this.makeLeaf(0);
    }
    const bestFirst = Number.isFinite(params.maxLeaves);
    let leaves = 1;
    while (open.length > 0) {
      if (leaves >= params.maxLeaves) {
        for (const n of open) this.makeLeaf(n);
        break;
      }
      let pick = open.length - 1;
      if (bestFirst) {
        for (let k = 0; k < open.length - 1; k++) if (nodes.gain[open[k]] > nodes.gain[open[pick]]) pick = k;
      }
      const n = open[pick];
      open[pick] = open[open.length - 1];
      open.pop();
      const first = this.split(n, params);
      leaves++;
      for (let c = first; c < first + 2; c++) {
        if (this.canSplit(c, params) && this.findBest(c, params, rng)) open.push(c);
        else this.makeLeaf(c);
      }
    }
    return nodes.output();
  }

  /**
   * Add `scale` x leaf value of the last grown tree to out[k] for every in-bag row, where k is
   * the row's position in data.order (out is indexed like data.order).
   */
  addLeafValues(out: Float64Array, scale: number): void {
    this.rows.addLeafValues(this.nodes, out, scale);
  }

  /** Add `scale` x the output of `tree` to out[k] for rows k (order positions) with inBag[k] === 0. */
  addOutOfBag(tree: TreeArrays, inBag: Uint8Array, out: Float64Array, scale: number): void {
    this.rows.addOutOfBag(tree, inBag, out, scale);
  }

  /**
   * The code list of rows idx[start..end) at entry `at` of `into` (ListBuilder); when the tree
   * fuses, the partner's histogram goes to `slot` in the same pass.
   */
  buildList(into: CodeLists, at: number, start: number, end: number, slot: number): number {
    const f = this.fused;
    if (f < 0) return this.rows.codeList(into, at, start, end);
    const pool = this.histograms;
    const len = this.rows.codeListAndHistogram(into, at, start, end, pool.address(slot, f), pool.rangeAddress);
    pool.keepRange(slot, f);
    return len;
  }

  private canSplit(n: number, p: GrowParams): boolean {
    const nodes = this.nodes;
    const rows = nodes.end[n] - nodes.start[n];
    return nodes.depth[n] < p.maxDepth && rows >= p.minSamplesSplit && rows >= 2 * p.minSamplesLeaf && rows >= 2 && nodes.h[n] >= 2 * p.minChildWeight;
  }

  private makeLeaf(n: number): void {
    const nodes = this.nodes;
    if (nodes.slot[n] >= 0) {
      this.releaseSlot(nodes.slot[n]);
      nodes.slot[n] = -1;
    }
    nodes.feature[n] = -1;
    nodes.child[n] = -1;
    nodes.gain[n] = 0;
  }

  /** A histogram slot; the memory may grow on the way, and then every part remakes its views. */
  private acquireSlot(): number {
    const slot = this.histograms.acquire();
    if (this.arena.buffer !== this.viewBuffer) this.remap();
    return slot;
  }

  private releaseSlot(slot: number): void {
    this.histograms.release(slot, this.features.histActive, this.features.nHist);
  }

  private remap(): void {
    this.viewBuffer = this.arena.buffer;
    this.rows.remap();
    this.lists?.remap();
    this.histograms.remap();
  }

  private buildHistogram(slot: number, f: number, start: number, end: number): void {
    const pool = this.histograms;
    this.rows.histogram(f, pool.address(slot, f), start, end, pool.rangeAddress);
    pool.keepRange(slot, f);
  }

  /** Best split of node n into the node's split fields and its gain into `gain`; false when none. */
  private findBest(n: number, p: GrowParams, rng: Rng): boolean {
    const nodes = this.nodes;
    const best = this.best;
    resetBest(best);
    const G = nodes.g[n];
    const H = nodes.h[n];
    const parentScore = leafScore(G, H, p.lambda, p.alpha);
    const node = this.node;
    node[NODE_G] = G;
    node[NODE_H] = H;
    node[NODE_N] = nodes.end[n] - nodes.start[n];
    node[NODE_SCORE] = parentScore;
    const nCand = this.features.sampleNode(p.maxFeatures, rng);
    const cand = this.features.candidates;
    const slot = nodes.slot[n];
    const pool = this.histograms;
    const hist = slot >= 0 ? pool.view(slot) : undefined;
    for (let c = 0; c < nCand; c++) {
      const f = cand[c];
      const feat = this.data.features[f];
      if (f === this.primary) {
        if (this.lists) scanCodeList(this.kernels, this.lists.lists, nodes.listAt[n], nodes.listLen[n], feat.nBins - 1, node, p, f, best);
        continue;
      }
      if (!hist) continue;
      const lo = pool.lo(slot, f);
      const hi = pool.hi(slot, f);
      if (feat.kind === 'numeric') {
        const nCuts = feat.cuts.length;
        let only = -1;
        if (p.randomThresholds) {
          const top = Math.min(hi, nCuts);
          if (lo >= top) continue;
          only = randomBin(feat, lo, top, rng);
        }
        scanNumeric(hist, pool.offset[f], lo, hi, nCuts, only, node, p, f, best);
      } else {
        scanCategoricalHistogram(hist, pool.offset[f], lo, hi, feat.nBins - 1, node, p, f, best);
      }
    }
    const gain = best[BEST_GAIN];
    // Rounding alone can make a pure node look splittable: demand a gain above noise.
    if (best[BEST_FEATURE] < 0 || !(gain > p.minGain) || gain <= 1e-12 * Math.abs(parentScore)) return false;
    nodes.splitFeature[n] = best[BEST_FEATURE];
    nodes.splitBin[n] = best[BEST_BIN];
    nodes.splitMissingLeft[n] = best[BEST_MISSING_LEFT];
    nodes.splitEntry[n] = best[BEST_AUX];
    nodes.splitG[n] = best[BEST_G];
    nodes.splitH[n] = best[BEST_H];
    nodes.gain[n] = gain;
    return true;
  }

  /** Apply node n's best split; returns the id of child A (child B follows). */
  private split(n: number, p: GrowParams): number {
    const nodes = this.nodes;
    nodes.ensure(nodes.size + 2);
    const rows = this.rows;
    const s = nodes.start[n];
    const e = nodes.end[n];
    const f = nodes.splitFeature[n];
    const feat = this.data.features[f];
    const a = nodes.size;
    const b = a + 1;
    nodes.size += 2;
    const depth = nodes.depth[n] + 1;
    const G = nodes.g[n];
    const H = nodes.h[n];
    const gL = nodes.splitG[n];
    const hL = nodes.splitH[n];
    const bin = nodes.splitBin[n];
    nodes.feature[n] = f;
    nodes.child[n] = a;
    let aStart: number;
    let aEnd: number;
    let bStart: number;
    let bEnd: number;
    // Stats of child A (the interval side).
    let gA = gL;
    let hA = hL;
    let codeSplitOnPrimary = false;
    if (feat.kind === 'numeric') {
      const missingLeft = nodes.splitMissingLeft[n] === 1;
      const nCuts = feat.cuts.length;
      const m = rows.partitionThreshold(f, s, e, bin, missingLeft ? nCuts + 1 : -1);
      const threshold = this.threshold;
      const slot = nodes.slot[n];
      if (p.randomThresholds || slot < 0) threshold.atCut(feat, bin);
      else threshold.exact(feat, bin, this.histograms.view(slot), this.histograms.offset[f], this.histograms.hi(slot, f));
      // Plain assignments (and no double arguments below): this runs once per split.
      if (missingLeft) {
        // Child A = values above the cut; NaN follows child B (left).
        aStart = m;
        aEnd = e;
        bStart = s;
        bEnd = m;
        gA = G - gL;
        hA = H - hL;
        nodes.setInterval(n, f, nextUp(threshold.value), Number.POSITIVE_INFINITY, threshold.bin + 1, nCuts);
      } else {
        aStart = s;
        aEnd = m;
        bStart = m;
        bEnd = e;
        nodes.setInterval(n, f, Number.NEGATIVE_INFINITY, threshold.value, 0, threshold.bin);
      }
    } else if (f === this.primary && this.lists) {
      codeSplitOnPrimary = true;
      const cnt = this.lists.entryCount(nodes, n);
      const blockStart = this.lists.blockStart(nodes, n);
      const toFront = blockStart - s <= e - blockStart - cnt;
      rows.moveBlock(s, e, blockStart, blockStart + cnt, toFront);
      if (toFront) [aStart, aEnd, bStart, bEnd] = [s, s + cnt, s + cnt, e];
      else [aStart, aEnd, bStart, bEnd] = [e - cnt, e, s, e - cnt];
      nodes.setInterval(n, f, bin, bin, bin, bin);
    } else {
      const m = rows.partitionCode(f, s, e, bin);
      [aStart, aEnd, bStart, bEnd] = [s, m, m, e];
      nodes.setInterval(n, f, bin, bin, bin, bin);
    }
    nodes.init(a, aStart, aEnd, depth, gA, hA);
    nodes.init(b, bStart, bEnd, depth, G - gA, H - hA);
    nodes.value[a] = leafValue(gA, hA, p.lambda, p.alpha);
    nodes.value[b] = leafValue(G - gA, H - hA, p.lambda, p.alpha);
    const small = aEnd - aStart <= bEnd - bStart ? a : b;
    const large = small === a ? b : a;
    const smallCan = this.canSplit(small, p);
    const largeCan = this.canSplit(large, p);
    const features = this.features;
    const parentSlot = nodes.slot[n];
    nodes.slot[n] = -1;
    const slot = (smallCan || largeCan) && features.nHist > 0 ? this.acquireSlot() : -1;
    // Code lists of the children (before histograms: both read the parent's segment). When the
    // tree fuses, the smaller child's list is built in the same pass as the partner's histogram.
    const lists = this.lists && features.listActive && (smallCan || largeCan) ? this.lists : undefined;
    if (lists && codeSplitOnPrimary) lists.splitOnCode(nodes, n, a, b);
    else if (lists) lists.splitByMerge(nodes, n, small, large, smallCan, largeCan, this, slot);
    const fused = lists && !codeSplitOnPrimary ? this.fused : -1;
    // Histograms: scan the smaller child, subtract it from the parent for the larger.
    if (slot >= 0) {
      for (let h = 0; h < features.nHist; h++) {
        const ff = features.histActive[h];
        if (ff !== fused) this.buildHistogram(slot, ff, nodes.start[small], nodes.end[small]);
      }
      if (largeCan) {
        this.histograms.subtract(parentSlot, slot, features.histActive, features.nHist);
        nodes.slot[large] = parentSlot;
      } else {
        this.releaseSlot(parentSlot);
      }
      if (smallCan) nodes.slot[small] = slot;
      else this.releaseSlot(slot);
    } else if (parentSlot >= 0) {
      this.releaseSlot(parentSlot);
    }
    return a;
  }
}
