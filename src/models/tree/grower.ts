import type { Rng } from '../../core/rng.js';
import type { BinnedDataset, BinnedNumericFeature } from './binning.js';
import { KernelArena, type TreeKernels } from './arena.js';
import { buildCodeList, buildHistogram, clearHistogram, subtractHistogram } from './histogram.js';
import { copyRun, moveBlock, partitionByCode, partitionByThreshold } from './partition.js';
import {
  BEST_AUX,
  BEST_BIN,
  BEST_FEATURE,
  BEST_G,
  BEST_GAIN,
  BEST_H,
  BEST_MISSING_LEFT,
  BEST_SIZE,
  type CodeLists,
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

type BinArray = Uint8Array | Int32Array;

/** Histogram buffers reserved with the grower's memory (more are added as needed). */
const INITIAL_SLOTS = 16;

/**
 * The histogram tree learner. It grows one tree at a time over the in-bag rows the caller wrote
 * to `ibPos`/`ibG`/`ibH`, ascending positions in `data.order` (rows ordered by the primary
 * categorical code), and never sees labels or the loss. All scratch is allocated once per grower
 * and reused; the bins are copied once into `data.order` so every gather is sequential.
 *
 * Rows of a node are contiguous in `idx` and ascending, hence ordered by primary code. The
 * primary categorical is searched through a per-node list of the codes present, in code order
 * (O(rows in node) to build). Each open node owns a region of the list arrays as long as its row
 * count; a split gives the parent's region to its children, the first part to the child that
 * keeps the parent's list in place. A "code k vs rest" split is a block move of rows and the
 * removal of one list entry; after any other split the smaller child's list is built and the
 * larger one's is the parent's minus it, merged in place. Other features use histograms: the
 * smaller child is scanned, the larger one is the parent minus the smaller (in its buffer).
 *
 * The row, list and histogram scratch lives in one WebAssembly memory (a KernelArena), where the
 * hot loops run as WebAssembly (kernels.wat); the JavaScript side reads the same memory through
 * typed-array views, remade whenever the memory grows.
 */
export class TreeGrower {
  readonly data: BinnedDataset;
  readonly capacity: number;
  /**
   * In-bag row i: its position in data.order (ascending), gradient and hessian (weights folded
   * in). Views of the grower's memory, valid until the next `grow`: read them from the grower
   * before each tree.
   */
  ibPos!: Int32Array;
  ibG!: Float64Array;
  ibH!: Float64Array;
  private readonly arena: KernelArena;
  private readonly kernels: TreeKernels;
  /** The buffer the views below were made on. */
  private viewBuffer!: ArrayBuffer;
  // Addresses in the arena.
  private readonly atIbPos: number;
  private readonly atIbG: number;
  private readonly atIbH: number;
  private readonly atIdx: number;
  private readonly atScratch: number;
  /** Addresses of the list arena's and the scratch list's four arrays. */
  private readonly listAt: ListAddresses;
  private readonly scratchAt: ListAddresses;
  private readonly atRange: number;
  private readonly slotAt: number[] = [];
  private readonly ibBins: BinArray[];
  /** The bins this tree reads: ibBins, or orderedBins itself when every row is in bag. */
  private readonly treeBins: BinArray[];
  private readonly orderedBins: BinArray[];
  /**
   * Data of one primary categorical and one numeric feature (the common case): per row
   * code << 8 | bin in data.order, and its in-bag copy (addresses). A tree using both features
   * reads these, through the WebAssembly kernels, instead of the two bin arrays. -1 otherwise.
   */
  private readonly atOrderedKeys: number = -1;
  private readonly atIbKeys: number = -1;
  /** The keys this tree reads, or -1 when it reads treeBins. */
  private treeKeys = -1;
  private idx!: Int32Array;
  private scratch!: Int32Array;
  private readonly nFeatures: number;
  private readonly primary: number;
  private readonly histOffset: Int32Array;
  private readonly histSize: number;
  /** The list arena and the scratch list, as addresses and views. */
  private lists!: CodeLists;
  private scratchLists!: CodeLists;
  private readonly listCap: number;
  private readonly scratchCap: number;
  // Histogram buffers (a pool, at slotAt) with per-feature bin spans.
  private slots: Float64Array[] = [];
  private readonly spans: Int32Array[] = [];
  private readonly freeSlots: number[] = [];
  private range!: Int32Array;
  private readonly best = new Float64Array(BEST_SIZE);
  /** The node findBest is splitting, as the kernels read it (see NODE_SIZE). */
  private readonly node = new Float64Array(NODE_SIZE);
  /** Set by findExactThreshold: the threshold and the last bin entirely at or below it. */
  private threshold = 0;
  private thresholdBin = 0;
  // Per-tree feature sets.
  private readonly active: Int32Array;
  private nActive = 0;
  private readonly histActive: Int32Array;
  private nHistActive = 0;
  private listActive = false;
  private readonly candidates: Int32Array;
  // Node table (grows by doubling).
  private cap = 0;
  private nNodes = 0;
  private nStart = new Int32Array(0);
  private nEnd = new Int32Array(0);
  private nDepth = new Int32Array(0);
  private nG = new Float64Array(0);
  private nH = new Float64Array(0);
  private nSlot = new Int32Array(0);
  private nListAt = new Int32Array(0);
  private nListLen = new Int32Array(0);
  private bFeature = new Int32Array(0);
  private bBin = new Int32Array(0);
  private bMissingLeft = new Uint8Array(0);
  private bAux = new Int32Array(0);
  private bG = new Float64Array(0);
  private bH = new Float64Array(0);
  private oFeature = new Int32Array(0);
  private oLo = new Float64Array(0);
  private oHi = new Float64Array(0);
  private oBinLo = new Float64Array(0);
  private oBinHi = new Float64Array(0);
  private oChild = new Int32Array(0);
  private oValue = new Float64Array(0);
  private oGain = new Float64Array(0);
  private oCount = new Int32Array(0);

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
    this.nFeatures = data.features.length;
    this.primary = data.primary;
    this.ibBins = data.features.map((f) => (f.kind === 'numeric' ? new Uint8Array(capacity) : new Int32Array(capacity)));
    this.treeBins = [...this.ibBins];
    this.orderedBins = data.features.map((f) => {
      const out = f.kind === 'numeric' ? new Uint8Array(data.nRows) : new Int32Array(data.nRows);
      const order = data.order;
      const bins = f.bins;
      for (let k = 0; k < out.length; k++) out[k] = bins[order[k]];
      return out;
    });
    this.histOffset = new Int32Array(this.nFeatures).fill(-1);
    let size = 0;
    data.features.forEach((f, j) => {
      if (j === this.primary) return;
      this.histOffset[j] = size;
      size += 3 * f.nBins;
    });
    this.histSize = size;
    const numeric = data.features.findIndex((f) => f.kind === 'numeric');
    const packed = this.primary >= 0 && data.features.length === 2 && numeric >= 0 && data.features[this.primary].nBins <= 1 << 23;
    const listCap = this.primary >= 0 ? capacity : 0;
    this.listCap = listCap;
    // A node lists at most one entry per code: scratch lists need no more than the code count.
    this.scratchCap = this.primary >= 0 ? Math.min(capacity, data.features[this.primary].nBins) : 0;
    const fixedBytes = (packed ? 4 * (data.nRows + capacity) : 0) + 28 * capacity + 24 * listCap + 24 * this.scratchCap + 8;
    this.arena = reuse?.reset() ?? new KernelArena(fixedBytes + INITIAL_SLOTS * 8 * this.histSize + 64 * 8);
    this.kernels = this.arena.kernels;
    const arena = this.arena;
    if (packed) {
      this.atOrderedKeys = arena.alloc(4 * data.nRows);
      this.atIbKeys = arena.alloc(4 * capacity);
    }
    this.atIbPos = arena.alloc(4 * capacity);
    this.atIbG = arena.alloc(8 * capacity);
    this.atIbH = arena.alloc(8 * capacity);
    this.atIdx = arena.alloc(4 * capacity);
    this.atScratch = arena.alloc(4 * capacity);
    this.listAt = allocLists(arena, listCap);
    this.scratchAt = allocLists(arena, this.scratchCap);
    this.atRange = arena.alloc(8);
    this.remap();
    if (packed) {
      const codes = this.orderedBins[this.primary];
      const bins = this.orderedBins[numeric];
      const keys = arena.int32(this.atOrderedKeys, data.nRows);
      for (let k = 0; k < keys.length; k++) keys[k] = (codes[k] << 8) | bins[k];
    }
    this.active = new Int32Array(this.nFeatures);
    this.histActive = new Int32Array(this.nFeatures);
    this.candidates = new Int32Array(this.nFeatures);
    this.ensureNodes(256);
  }

  /**
   * Grow one tree on in-bag rows 0..nInBag-1 of ibPos/ibG/ibH. `featureMask` (1 = usable) limits
   * the features of this tree; `rng` drives per-node feature sampling and random thresholds.
   * `allRows` says ibPos is 0..n-1 (every row in bag): the bins are then read in place.
   */
  grow(nInBag: number, params: GrowParams, rng: Rng, featureMask?: Uint8Array, allRows = false): TreeArrays {
    if (nInBag > this.capacity) throw new RangeError(`grower holds ${this.capacity} rows, asked for ${nInBag}`);
    this.selectFeatures(featureMask);
    const inPlace = allRows && nInBag === this.data.nRows;
    this.treeKeys = -1;
    if (this.atOrderedKeys >= 0 && this.nActive === 2) {
      // Both features in use: the packed keys replace the two bin arrays for this tree.
      if (inPlace) this.treeKeys = this.atOrderedKeys;
      else {
        this.kernels.gather(this.atIbKeys, this.atOrderedKeys, this.atIbPos, nInBag);
        this.treeKeys = this.atIbKeys;
      }
    }
    for (let a = 0; a < this.nActive; a++) {
      if (this.treeKeys >= 0) break;
      const f = this.active[a];
      const src = this.orderedBins[f];
      if (inPlace) {
        this.treeBins[f] = src;
        continue;
      }
      const dst = this.ibBins[f];
      this.treeBins[f] = dst;
      const pos = this.ibPos;
      for (let i = 0; i < nInBag; i++) dst[i] = src[pos[i]];
    }
    const idx = this.idx;
    for (let i = 0; i < nInBag; i++) idx[i] = i;
    let G = 0;
    let H = 0;
    for (let i = 0; i < nInBag; i++) {
      G += this.ibG[i];
      H += this.ibH[i];
    }
    this.nNodes = 1;
    this.initNode(0, 0, nInBag, 0, G, H);
    this.oValue[0] = leafValue(G, H, params.lambda, params.alpha);
    const open: number[] = [];
    if (nInBag > 0 && this.canSplit(0, params)) {
      // (Acquiring a slot can grow the memory: views are read from `this` after it.)
      const slot = this.acquireSlot();
      this.nSlot[0] = slot;
      if (this.listActive) this.nListLen[0] = this.buildList(this.lists, 0, 0, nInBag, slot);
      const fused = this.fusedFeature();
      for (let h = 0; h < this.nHistActive; h++) if (this.histActive[h] !== fused) this.buildFeature(slot, this.histActive[h], 0, nInBag);
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
        for (let k = 0; k < open.length - 1; k++) if (this.oGain[open[k]] > this.oGain[open[pick]]) pick = k;
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
    return this.output();
  }

  /**
   * Add `scale` x leaf value of the last grown tree to out[k] for every in-bag row, where k is
   * the row's position in data.order (out is indexed like data.order).
   */
  addLeafValues(out: Float64Array, scale: number): void {
    const { idx, ibPos } = this;
    for (let n = 0; n < this.nNodes; n++) {
      if (this.oFeature[n] >= 0) continue;
      const v = scale * this.oValue[n];
      for (let i = this.nStart[n], e = this.nEnd[n]; i < e; i++) out[ibPos[idx[i]]] += v;
    }
  }

  /** Add `scale` x the output of `tree` to out[k] for rows k (order positions) with inBag[k] === 0. */
  addOutOfBag(tree: TreeArrays, inBag: Uint8Array, out: Float64Array, scale: number): void {
    const bins = this.orderedBins;
    const { feature, binLo, binHi, child, value } = tree;
    for (let k = 0; k < out.length; k++) {
      if (inBag[k] !== 0) continue;
      let n = 0;
      let f = feature[0];
      while (f >= 0) {
        const v = bins[f][k];
        n = child[n] + 1 - (Number(binLo[n] <= v) & Number(v <= binHi[n]));
        f = feature[n];
      }
      out[k] += scale * value[n];
    }
  }

  private selectFeatures(mask: Uint8Array | undefined): void {
    this.nActive = 0;
    this.nHistActive = 0;
    this.listActive = false;
    for (let f = 0; f < this.nFeatures; f++) {
      if (mask && !mask[f]) continue;
      this.active[this.nActive++] = f;
      if (f === this.primary) this.listActive = true;
      else this.histActive[this.nHistActive++] = f;
    }
  }

  private canSplit(n: number, p: GrowParams): boolean {
    const rows = this.nEnd[n] - this.nStart[n];
    return (
      this.nDepth[n] < p.maxDepth &&
      rows >= p.minSamplesSplit &&
      rows >= 2 * p.minSamplesLeaf &&
      rows >= 2 &&
      this.nH[n] >= 2 * p.minChildWeight
    );
  }

  private initNode(n: number, start: number, end: number, depth: number, G: number, H: number): void {
    this.nStart[n] = start;
    this.nEnd[n] = end;
    this.nDepth[n] = depth;
    this.nG[n] = G;
    this.nH[n] = H;
    this.nSlot[n] = -1;
    this.nListAt[n] = 0;
    this.nListLen[n] = 0;
    this.bFeature[n] = -1;
    this.oFeature[n] = -1;
    this.oChild[n] = -1;
    this.oGain[n] = 0;
    this.oCount[n] = end - start;
    this.oLo[n] = 0;
    this.oHi[n] = 0;
    this.oBinLo[n] = 0;
    this.oBinHi[n] = 0;
  }

  private makeLeaf(n: number): void {
    if (this.nSlot[n] >= 0) {
      this.releaseSlot(this.nSlot[n]);
      this.nSlot[n] = -1;
    }
    this.oFeature[n] = -1;
    this.oChild[n] = -1;
    this.oGain[n] = 0;
  }

  private acquireSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    this.slotAt.push(this.arena.alloc(8 * this.histSize));
    this.spans.push(new Int32Array(2 * this.nFeatures));
    this.remap();
    return this.slotAt.length - 1;
  }

  /** (Re)make the typed-array views of the arena: after construction and whenever it grew. */
  private remap(): void {
    const arena = this.arena;
    const n = this.slots.length;
    if (arena.buffer === this.viewBuffer) {
      for (let s = n; s < this.slotAt.length; s++) this.slots.push(arena.float64(this.slotAt[s], this.histSize));
      return;
    }
    this.viewBuffer = arena.buffer;
    const cap = this.capacity;
    this.ibPos = arena.int32(this.atIbPos, cap);
    this.ibG = arena.float64(this.atIbG, cap);
    this.ibH = arena.float64(this.atIbH, cap);
    this.idx = arena.int32(this.atIdx, cap);
    this.scratch = arena.int32(this.atScratch, cap);
    this.lists = listViews(arena, this.listAt, this.listCap);
    this.scratchLists = listViews(arena, this.scratchAt, this.scratchCap);
    this.range = arena.int32(this.atRange, 2);
    this.slots = this.slotAt.map((at) => arena.float64(at, this.histSize));
  }

  private releaseSlot(slot: number): void {
    const hist = this.slots[slot];
    const span = this.spans[slot];
    for (let h = 0; h < this.nHistActive; h++) {
      const f = this.histActive[h];
      clearHistogram(hist, this.histOffset[f], span[2 * f], span[2 * f + 1]);
    }
    this.freeSlots.push(slot);
  }

  private buildFeature(slot: number, f: number, start: number, end: number): void {
    // With packed keys the one histogram feature is the numeric one: its bin is the key's low byte.
    if (this.treeKeys >= 0) this.kernels.histogram(this.slotAt[slot] + 8 * this.histOffset[f], this.atIdx, start, end, this.treeKeys, this.atIbG, this.atIbH, this.atRange);
    else buildHistogram(this.slots[slot], this.histOffset[f], this.idx, start, end, this.treeBins[f], this.ibG, this.ibH, this.range);
    const span = this.spans[slot];
    span[2 * f] = this.range[0];
    span[2 * f + 1] = this.range[1];
  }

  /** Best split of node n into the node's b* fields and its gain into oGain; false when none. */
  private findBest(n: number, p: GrowParams, rng: Rng): boolean {
    const best = this.best;
    resetBest(best);
    const G = this.nG[n];
    const H = this.nH[n];
    const parentScore = leafScore(G, H, p.lambda, p.alpha);
    const node = this.node;
    node[NODE_G] = G;
    node[NODE_H] = H;
    node[NODE_N] = this.nEnd[n] - this.nStart[n];
    node[NODE_SCORE] = parentScore;
    const cand = this.candidates;
    let nCand = this.nActive;
    for (let i = 0; i < nCand; i++) cand[i] = this.active[i];
    if (p.maxFeatures < nCand) {
      for (let i = 0; i < p.maxFeatures; i++) {
        const j = i + rng.below(nCand - i);
        const t = cand[i];
        cand[i] = cand[j];
        cand[j] = t;
      }
      nCand = p.maxFeatures;
    }
    const slot = this.nSlot[n];
    const hist = slot >= 0 ? this.slots[slot] : undefined;
    const span = slot >= 0 ? this.spans[slot] : undefined;
    for (let c = 0; c < nCand; c++) {
      const f = cand[c];
      const feat = this.data.features[f];
      if (f === this.primary) {
        scanCodeList(this.kernels, this.lists, this.nListAt[n], this.nListLen[n], feat.nBins - 1, node, p, f, best);
        continue;
      }
      if (!hist || !span) continue;
      const lo = span[2 * f];
      const hi = span[2 * f + 1];
      if (feat.kind === 'numeric') {
        const nCuts = feat.cuts.length;
        let only = -1;
        if (p.randomThresholds) {
          const top = Math.min(hi, nCuts);
          if (lo >= top) continue;
          only = randomBin(feat, lo, top, rng);
        }
        scanNumeric(hist, this.histOffset[f], lo, hi, nCuts, only, node, p, f, best);
      } else {
        scanCategoricalHistogram(hist, this.histOffset[f], lo, hi, feat.nBins - 1, node, p, f, best);
      }
    }
    const gain = best[BEST_GAIN];
    // Rounding alone can make a pure node look splittable: demand a gain above noise.
    if (best[BEST_FEATURE] < 0 || !(gain > p.minGain) || gain <= 1e-12 * Math.abs(parentScore)) return false;
    this.bFeature[n] = best[BEST_FEATURE];
    this.bBin[n] = best[BEST_BIN];
    this.bMissingLeft[n] = best[BEST_MISSING_LEFT];
    this.bAux[n] = best[BEST_AUX];
    this.bG[n] = best[BEST_G];
    this.bH[n] = best[BEST_H];
    this.oGain[n] = gain;
    return true;
  }

  /** Apply node n's best split; returns the id of child A (child B follows). */
  private split(n: number, p: GrowParams): number {
    this.ensureNodes(this.nNodes + 2);
    const s = this.nStart[n];
    const e = this.nEnd[n];
    const f = this.bFeature[n];
    const feat = this.data.features[f];
    const a = this.nNodes;
    const b = a + 1;
    this.nNodes += 2;
    const depth = this.nDepth[n] + 1;
    const G = this.nG[n];
    const H = this.nH[n];
    const gL = this.bG[n];
    const hL = this.bH[n];
    this.oFeature[n] = f;
    this.oChild[n] = a;
    let aStart: number;
    let aEnd: number;
    let bStart: number;
    let bEnd: number;
    // Stats of child A (the interval side).
    let gA = gL;
    let hA = hL;
    let codeSplitOnPrimary = false;
    if (feat.kind === 'numeric') {
      const thr = this.bBin[n];
      const missingLeft = this.bMissingLeft[n] === 1;
      const nCuts = feat.cuts.length;
      const m =
        this.treeKeys >= 0
          ? this.kernels.partition(this.atIdx, this.atScratch, s, e, this.treeKeys, thr, missingLeft ? nCuts + 1 : -1)
          : partitionByThreshold(this.idx, this.scratch, s, e, this.treeBins[f], thr, nCuts + 1, missingLeft);
      if (p.randomThresholds) {
        this.threshold = thr < nCuts ? feat.cuts[thr] : Number.POSITIVE_INFINITY;
        this.thresholdBin = thr;
      } else {
        this.findExactThreshold(n, f, feat, thr);
      }
      // Plain assignments (and no double arguments below): this runs once per split.
      if (missingLeft) {
        // Child A = values above the cut; NaN follows child B (left).
        aStart = m;
        aEnd = e;
        bStart = s;
        bEnd = m;
        gA = G - gL;
        hA = H - hL;
      } else {
        aStart = s;
        aEnd = m;
        bStart = m;
        bEnd = e;
      }
      this.setThresholdInterval(n, f, missingLeft, nCuts);
    } else if (f === this.primary) {
      codeSplitOnPrimary = true;
      const cnt = this.lists.count[this.bAux[n]];
      const blockStart = this.codeBlockStart(n);
      const toFront = blockStart - s <= e - blockStart - cnt;
      moveBlock(this.idx, this.scratch, s, e, blockStart, blockStart + cnt, toFront);
      if (toFront) [aStart, aEnd, bStart, bEnd] = [s, s + cnt, s + cnt, e];
      else [aStart, aEnd, bStart, bEnd] = [e - cnt, e, s, e - cnt];
      this.setInterval(n, f, this.bBin[n], this.bBin[n], this.bBin[n], this.bBin[n]);
    } else {
      const m = partitionByCode(this.idx, this.scratch, s, e, this.treeBins[f] as Int32Array, this.bBin[n]);
      [aStart, aEnd, bStart, bEnd] = [s, m, m, e];
      this.setInterval(n, f, this.bBin[n], this.bBin[n], this.bBin[n], this.bBin[n]);
    }
    this.initNode(a, aStart, aEnd, depth, gA, hA);
    this.initNode(b, bStart, bEnd, depth, G - gA, H - hA);
    this.oValue[a] = leafValue(gA, hA, p.lambda, p.alpha);
    this.oValue[b] = leafValue(G - gA, H - hA, p.lambda, p.alpha);
    const small = aEnd - aStart <= bEnd - bStart ? a : b;
    const large = small === a ? b : a;
    const smallCan = this.canSplit(small, p);
    const largeCan = this.canSplit(large, p);
    const parentSlot = this.nSlot[n];
    this.nSlot[n] = -1;
    const slot = (smallCan || largeCan) && this.nHistActive > 0 ? this.acquireSlot() : -1;
    // Per-code lists of the children (before histograms: both read the parent's segment). With
    // packed keys the smaller child's list is built in the same pass as its numeric histogram.
    const lists = this.listActive && (smallCan || largeCan);
    if (lists && codeSplitOnPrimary) this.splitListOnCode(n, a, b);
    else if (lists) this.splitListByMerge(n, small, large, smallCan, largeCan, slot);
    const fused = lists && !codeSplitOnPrimary ? this.fusedFeature() : -1;
    // Histograms: scan the smaller child, subtract it from the parent for the larger.
    if (slot >= 0) {
      for (let h = 0; h < this.nHistActive; h++) {
        const ff = this.histActive[h];
        if (ff !== fused) this.buildFeature(slot, ff, this.nStart[small], this.nEnd[small]);
      }
      if (largeCan) {
        const ph = this.slots[parentSlot];
        const ps = this.spans[parentSlot];
        const sh = this.slots[slot];
        for (let h = 0; h < this.nHistActive; h++) {
          const ff = this.histActive[h];
          subtractHistogram(ph, sh, this.histOffset[ff], ps[2 * ff], ps[2 * ff + 1], this.range);
          ps[2 * ff] = this.range[0];
          ps[2 * ff + 1] = this.range[1];
        }
        this.nSlot[large] = parentSlot;
      } else {
        this.releaseSlot(parentSlot);
      }
      if (smallCan) this.nSlot[small] = slot;
      else this.releaseSlot(slot);
    } else if (parentSlot >= 0) {
      this.releaseSlot(parentSlot);
    }
    return a;
  }

  /**
   * The threshold an exact splitter would use: midway between the largest value left of the
   * split and the smallest value right of it. Per-bin value ranges stand in for the node's
   * values (exact when each bin holds one distinct value). Sets `threshold` and `thresholdBin`
   * (the last bin entirely at or below it, for bin-space prediction): fields, not a returned
   * pair or number, since V8 would box either once per split.
   */
  private findExactThreshold(n: number, f: number, feat: BinnedNumericFeature, bin: number): void {
    const slot = this.nSlot[n];
    const nCuts = feat.cuts.length;
    this.thresholdBin = bin;
    if (slot < 0) {
      this.threshold = bin < nCuts ? feat.cuts[bin] : Number.POSITIVE_INFINITY;
      return;
    }
    const hist = this.slots[slot];
    const off = this.histOffset[f];
    const hi = Math.min(this.spans[slot][2 * f + 1], nCuts);
    let next = bin + 1;
    while (next <= hi && hist[off + 3 * next + 2] === 0) next++;
    if (next > hi) {
      this.thresholdBin = nCuts;
      this.threshold = Number.POSITIVE_INFINITY;
      return;
    }
    const a = feat.binMax[bin];
    const b = feat.binMin[next];
    let t = a / 2 + b / 2;
    if (t >= b) t = a;
    let binThr = bin;
    while (binThr + 1 < next && feat.binMax[binThr + 1] <= t) binThr++;
    this.thresholdBin = binThr;
    this.threshold = t;
  }

  /**
   * Node n's interval for the threshold split in `threshold` / `thresholdBin`: child A takes the
   * values above it when missing values go left (`above`), else the values at or below it.
   */
  private setThresholdInterval(n: number, f: number, above: boolean, nCuts: number): void {
    this.oFeature[n] = f;
    if (above) {
      this.oLo[n] = nextUp(this.threshold);
      this.oHi[n] = Number.POSITIVE_INFINITY;
      this.oBinLo[n] = this.thresholdBin + 1;
      this.oBinHi[n] = nCuts;
    } else {
      this.oLo[n] = Number.NEGATIVE_INFINITY;
      this.oHi[n] = this.threshold;
      this.oBinLo[n] = 0;
      this.oBinHi[n] = this.thresholdBin;
    }
  }

  private setInterval(n: number, f: number, lo: number, hi: number, binLo: number, binHi: number): void {
    this.oFeature[n] = f;
    this.oLo[n] = lo;
    this.oHi[n] = hi;
    this.oBinLo[n] = binLo;
    this.oBinHi[n] = binHi;
  }

  /** First row position of the block of node n's chosen list entry: counts summed from the nearer end. */
  private codeBlockStart(n: number): number {
    const at = this.nListAt[n];
    const k = this.bAux[n];
    const last = at + this.nListLen[n] - 1;
    const count = this.lists.count;
    let rows = 0;
    if (k - at <= last - k) {
      for (let i = at; i < k; i++) rows += count[i];
      return this.nStart[n] + rows;
    }
    for (let i = k; i <= last; i++) rows += count[i];
    return this.nEnd[n] - rows;
  }

  /**
   * Children lists after a primary code split: B keeps the parent's list without the chosen
   * entry, in place; A (the one code) gets one entry after B's region.
   */
  private splitListOnCode(n: number, a: number, b: number): void {
    const at = this.nListAt[n];
    const len = this.nListLen[n];
    const k = this.bAux[n];
    const { code: lCode, count: lCount, g: lG, h: lH } = this.lists;
    const code = lCode[k];
    const cnt = lCount[k];
    const g = lG[k];
    const h = lH[k];
    lCode.copyWithin(k, k + 1, at + len);
    lCount.copyWithin(k, k + 1, at + len);
    lG.copyWithin(k, k + 1, at + len);
    lH.copyWithin(k, k + 1, at + len);
    this.nListAt[b] = at;
    this.nListLen[b] = len - 1;
    const aAt = at + this.nEnd[b] - this.nStart[b];
    lCode[aAt] = code;
    lCount[aAt] = cnt;
    lG[aAt] = g;
    lH[aAt] = h;
    this.nListAt[a] = aAt;
    this.nListLen[a] = 1;
  }

  /**
   * Children lists after any other split: the smaller child's list is built from its rows; the
   * larger child's is the parent's minus it, subtracted in place (each entry written at or
   * before the one read).
   */
  private splitListByMerge(n: number, small: number, large: number, smallCan: boolean, largeCan: boolean, slot: number): void {
    const at = this.nListAt[n];
    const len = this.nListLen[n];
    const smallAt = at + this.nEnd[large] - this.nStart[large];
    // The small list goes straight to its region unless that region still holds the parent's list.
    const direct = at + len <= smallAt;
    const into = direct ? this.lists : this.scratchLists;
    const s0 = direct ? smallAt : 0;
    const lenS = this.buildList(into, s0, this.nStart[small], this.nEnd[small], slot);
    if (largeCan) {
      const l = this.lists;
      this.nListAt[large] = at;
      this.nListLen[large] = this.kernels.subtractList(l.at.code, l.at.count, l.at.g, l.at.h, at, len, into.at.code, into.at.count, into.at.g, into.at.h, s0, lenS);
    }
    if (smallCan) {
      if (!direct) {
        const l = this.lists;
        copyRun(l.code, smallAt, into.code, 0, lenS);
        copyRun(l.count, smallAt, into.count, 0, lenS);
        copyRun(l.g, smallAt, into.g, 0, lenS);
        copyRun(l.h, smallAt, into.h, 0, lenS);
      }
      this.nListAt[small] = smallAt;
      this.nListLen[small] = lenS;
    }
  }

  /**
   * The per-code list of rows idx[start..end), written at entry `at` of `into`; returns its
   * length. With packed keys the same WebAssembly pass builds the numeric feature's histogram in
   * `slot` (the `fusedFeature`).
   */
  private buildList(into: CodeLists, at: number, start: number, end: number, slot: number): number {
    const fused = this.fusedFeature();
    if (fused < 0) return buildCodeList(this.idx, start, end, this.treeBins[this.primary] as Int32Array, this.ibG, this.ibH, into.code, into.count, into.g, into.h, at);
    const hist = this.slotAt[slot] + 8 * this.histOffset[fused];
    const len = this.kernels.listAndHistogram(this.atIdx, start, end, this.treeKeys, this.atIbG, this.atIbH, into.at.code, into.at.count, into.at.g, into.at.h, at, hist, this.atRange);
    this.spans[slot][2 * fused] = this.range[0];
    this.spans[slot][2 * fused + 1] = this.range[1];
    return len;
  }

  /** The histogram feature `buildList` fills along with the list (packed keys), or -1. */
  private fusedFeature(): number {
    return this.treeKeys >= 0 ? this.histActive[0] : -1;
  }

  private output(): TreeArrays {
    const n = this.nNodes;
    return {
      nNodes: n,
      feature: prefix(this.oFeature, n),
      lo: prefix(this.oLo, n),
      hi: prefix(this.oHi, n),
      binLo: prefix(this.oBinLo, n),
      binHi: prefix(this.oBinHi, n),
      child: prefix(this.oChild, n),
      value: prefix(this.oValue, n),
      gain: prefix(this.oGain, n),
      count: prefix(this.oCount, n),
    };
  }

  private ensureNodes(need: number): void {
    if (need > this.cap) this.growNodes(need);
  }

  /** Separate from the check: its closures would allocate a context on every call. */
  private growNodes(need: number): void {
    let cap = Math.max(256, this.cap);
    while (cap < need) cap *= 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (len: number) => T): T => {
      const out = make(cap);
      out.set(old as never);
      return out;
    };
    const i32 = (len: number) => new Int32Array(len);
    const f64 = (len: number) => new Float64Array(len);
    this.nStart = grow(this.nStart, i32);
    this.nEnd = grow(this.nEnd, i32);
    this.nDepth = grow(this.nDepth, i32);
    this.nG = grow(this.nG, f64);
    this.nH = grow(this.nH, f64);
    this.nSlot = grow(this.nSlot, i32);
    this.nListAt = grow(this.nListAt, i32);
    this.nListLen = grow(this.nListLen, i32);
    this.bFeature = grow(this.bFeature, i32);
    this.bBin = grow(this.bBin, i32);
    this.bMissingLeft = grow(this.bMissingLeft, (len) => new Uint8Array(len));
    this.bAux = grow(this.bAux, i32);
    this.bG = grow(this.bG, f64);
    this.bH = grow(this.bH, f64);
    this.oFeature = grow(this.oFeature, i32);
    this.oLo = grow(this.oLo, f64);
    this.oHi = grow(this.oHi, f64);
    this.oBinLo = grow(this.oBinLo, f64);
    this.oBinHi = grow(this.oBinHi, f64);
    this.oChild = grow(this.oChild, i32);
    this.oValue = grow(this.oValue, f64);
    this.oGain = grow(this.oGain, f64);
    this.oCount = grow(this.oCount, i32);
    this.cap = cap;
  }
}

/** A random threshold bin for extremely randomised trees: uniform in the node's value range. */
function randomBin(feat: BinnedNumericFeature, lo: number, top: number, rng: Rng): number {
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

/** A copy of a[0..n) (new + set: a plain memory copy, faster than slice in V8). */
function prefix<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const out = new (a.constructor as new (len: number) => T)(n);
  out.set(a.subarray(0, n) as never);
  return out;
}

type ListAddresses = CodeLists['at'];

/** Per-code list arrays of `cap` entries in the arena. */
function allocLists(arena: KernelArena, cap: number): ListAddresses {
  return { code: arena.alloc(4 * cap), count: arena.alloc(4 * cap), g: arena.alloc(8 * cap), h: arena.alloc(8 * cap) };
}

function listViews(arena: KernelArena, at: ListAddresses, cap: number): CodeLists {
  return {
    at,
    code: arena.int32(at.code, cap),
    count: arena.int32(at.count, cap),
    g: arena.float64(at.g, cap),
    h: arena.float64(at.h, cap),
  };
}
