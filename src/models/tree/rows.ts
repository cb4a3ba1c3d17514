import type { KernelArena, TreeKernels } from './arena.js';
import type { BinnedDataset } from './binning.js';
import type { CodeLists } from './code-lists.js';
import type { NodeTable } from './node-table.js';
import { moveBlock } from './partition.js';
import type { TreeArrays } from './tree.js';

/** How a feature's bins are stored (see RowPartition). */
const BYTES = 0;
const CODES = 1;
const KEYS = 2;

/** The primary categorical's codes share a key with a partner's bin while they fit in 23 bits. */
const MAX_PACKED_CODES = 1 << 23;

/**
 * The training rows of the tree being grown (LightGBM's DataPartition, with the bins): the
 * in-bag rows (`pos`, `g`, `h`), the node index array `idx` (each node's rows contiguous and
 * ascending), and every feature's bins in the kernel arena, in `data.order` and as the tree's
 * in-bag copy.
 *
 * Storage: numeric bins are bytes; categorical codes are 32-bit. The primary categorical (rows
 * are ordered by its code) is stored as keys, code << 8 | bin of a partner numeric feature (the
 * first numeric one) when there is one and the codes fit in 23 bits, else the plain code: one
 * load gives both, and one pass builds a node's code list and the partner's histogram.
 */
export class RowPartition {
  readonly capacity: number;
  /** The numeric feature packed with the primary's codes, or -1. */
  readonly partner: number;
  /** Code = key >> shift (8 with a partner, else 0). */
  readonly shift: number;
  pos!: Int32Array;
  g!: Float64Array;
  h!: Float64Array;
  idx!: Int32Array;
  private scratch!: Int32Array;
  private readonly kernels: TreeKernels;
  private readonly nRows: number;
  private readonly primary: number;
  // Addresses in the arena.
  private readonly posAt: number;
  private readonly gAt: number;
  private readonly hAt: number;
  private readonly idxAt: number;
  private readonly scratchAt: number;
  /** Per feature: storage (BYTES, CODES, KEYS), its bins in data.order, its in-bag copy (the partner: the keys'). */
  private readonly storage: Int32Array;
  private readonly orderedAt: Int32Array;
  private readonly inBagAt: Int32Array;
  /** Per feature: the bins this tree reads (orderedAt or inBagAt). */
  private readonly treeAt: Int32Array;
  /** Per feature: bin = (stored value >> shift) & mask. */
  private readonly shiftOf: Int32Array;
  private readonly maskOf: Int32Array;
  private ordered: (Uint8Array | Int32Array)[] = [];

  constructor(
    private readonly arena: KernelArena,
    data: BinnedDataset,
    capacity: number,
  ) {
    this.kernels = arena.kernels;
    this.capacity = capacity;
    this.nRows = data.nRows;
    this.primary = data.primary;
    const F = data.features.length;
    const primary = data.primary;
    const numeric = data.features.findIndex((f) => f.kind === 'numeric');
    this.partner = primary >= 0 && data.features[primary].nBins <= MAX_PACKED_CODES ? numeric : -1;
    this.shift = this.partner >= 0 ? 8 : 0;
    this.posAt = arena.alloc(4 * capacity);
    this.gAt = arena.alloc(8 * capacity);
    this.hAt = arena.alloc(8 * capacity);
    this.idxAt = arena.alloc(4 * capacity);
    this.scratchAt = arena.alloc(4 * capacity);
    this.storage = new Int32Array(F);
    this.orderedAt = new Int32Array(F);
    this.inBagAt = new Int32Array(F);
    this.treeAt = new Int32Array(F);
    this.shiftOf = new Int32Array(F);
    this.maskOf = new Int32Array(F).fill(-1);
    const n = data.nRows;
    for (let f = 0; f < F; f++) {
      if (f === this.partner) continue;
      const numericBins = data.features[f].kind === 'numeric';
      this.storage[f] = f === primary ? KEYS : numericBins ? BYTES : CODES;
      const width = numericBins ? 1 : 4;
      this.orderedAt[f] = arena.alloc(width * n);
      this.inBagAt[f] = arena.alloc(width * capacity);
      if (numericBins) this.maskOf[f] = 255;
    }
    if (primary >= 0) this.shiftOf[primary] = this.shift;
    if (this.partner >= 0) {
      this.storage[this.partner] = KEYS;
      this.orderedAt[this.partner] = this.orderedAt[primary];
      this.inBagAt[this.partner] = this.inBagAt[primary];
      this.maskOf[this.partner] = 255;
    }
    this.remap();
    // Copy the bins in data.order, so every gather is sequential.
    const order = data.order;
    for (let f = 0; f < F; f++) {
      if (f === this.partner) continue;
      const out = this.ordered[f];
      const bins = data.features[f].bins;
      if (f === primary && this.partner >= 0) {
        const partnerBins = data.features[this.partner].bins;
        for (let k = 0; k < n; k++) out[k] = (bins[order[k]] << 8) | partnerBins[order[k]];
      } else {
        for (let k = 0; k < n; k++) out[k] = bins[order[k]];
      }
    }
  }

  /** Arena bytes the partition reserves for `data` and `capacity` in-bag rows. */
  static bytes(data: BinnedDataset, capacity: number): number {
    let bytes = 32 * capacity + 5 * 8;
    const primary = data.primary;
    const packed = primary >= 0 && data.features[primary].nBins <= MAX_PACKED_CODES;
    const partner = packed ? data.features.findIndex((f) => f.kind === 'numeric') : -1;
    data.features.forEach((f, j) => {
      if (j !== partner) bytes += (f.kind === 'numeric' ? 1 : 4) * (data.nRows + capacity) + 16;
    });
    return bytes;
  }

  /** Remake the views (after construction and whenever the arena grew). */
  remap(): void {
    const arena = this.arena;
    const cap = this.capacity;
    this.pos = arena.int32(this.posAt, cap);
    this.g = arena.float64(this.gAt, cap);
    this.h = arena.float64(this.hAt, cap);
    this.idx = arena.int32(this.idxAt, cap);
    this.scratch = arena.int32(this.scratchAt, cap);
    this.ordered = Array.from(this.storage, (s, f) => (s === BYTES ? arena.uint8(this.orderedAt[f], this.nRows) : arena.int32(this.orderedAt[f], this.nRows)));
  }

  /**
   * Set up a tree over in-bag rows 0..nInBag-1 of pos/g/h reading features `active[0..nActive)`:
   * their in-bag bins are gathered, or, with `inPlace` (pos is 0..nRows-1), read where they are.
   * Every node starts as the root: idx = 0..nInBag-1.
   */
  startTree(nInBag: number, active: Int32Array, nActive: number, inPlace: boolean): void {
    let primaryActive = false;
    for (let a = 0; a < nActive; a++) if (active[a] === this.primary) primaryActive = true;
    for (let a = 0; a < nActive; a++) {
      const f = active[a];
      if (inPlace) {
        this.treeAt[f] = this.orderedAt[f];
        continue;
      }
      this.treeAt[f] = this.inBagAt[f];
      // The partner's bins come with the primary's keys: gathered once for both.
      if (f === this.partner && primaryActive) continue;
      if (this.storage[f] === BYTES) this.kernels.gather8(this.inBagAt[f], this.orderedAt[f], this.posAt, nInBag);
      else this.kernels.gather(this.inBagAt[f], this.orderedAt[f], this.posAt, nInBag);
    }
    const idx = this.idx;
    for (let i = 0; i < nInBag; i++) idx[i] = i;
  }

  /** Histogram of feature f (not the primary) over rows idx[start..end) at `hist`; span to `range`. */
  histogram(f: number, hist: number, start: number, end: number, range: number): void {
    if (this.storage[f] === BYTES) this.kernels.histogram8(hist, this.idxAt, start, end, this.treeAt[f], this.gAt, this.hAt, range);
    else this.kernels.histogram(hist, this.idxAt, start, end, this.treeAt[f], this.maskOf[f], this.gAt, this.hAt, range);
  }

  /** Stable partition of idx[start..end) on "bin of f <= threshold" (or == missing, -1 for none); returns the split position. */
  partitionThreshold(f: number, start: number, end: number, threshold: number, missing: number): number {
    if (this.storage[f] === BYTES) return this.kernels.partition8(this.idxAt, this.scratchAt, start, end, this.treeAt[f], threshold, missing);
    return this.kernels.partition(this.idxAt, this.scratchAt, start, end, this.treeAt[f], this.maskOf[f], threshold, missing);
  }

  /** Stable partition of idx[start..end) on "code of f == code" (a categorical other than the primary). */
  partitionCode(f: number, start: number, end: number, code: number): number {
    return this.kernels.partition(this.idxAt, this.scratchAt, start, end, this.treeAt[f], -1, -1, code);
  }

  /** Move the block idx[a..b) to the front (toFront) or the back of idx[start..end), keeping the other rows' order. */
  moveBlock(start: number, end: number, a: number, b: number, toFront: boolean): void {
    moveBlock(this.idx, this.scratch, start, end, a, b, toFront);
  }

  /** The primary's code list of rows idx[start..end) at entry `at` of `into`; returns its length. */
  codeList(into: CodeLists, at: number, start: number, end: number): number {
    const l = into.at;
    return this.kernels.codeList(this.idxAt, start, end, this.treeAt[this.primary], this.shift, this.gAt, this.hAt, l.code, l.count, l.g, l.h, at);
  }

  /** `codeList` and the partner's histogram at `hist` in one pass (span to `range`). */
  codeListAndHistogram(into: CodeLists, at: number, start: number, end: number, hist: number, range: number): number {
    const l = into.at;
    return this.kernels.listAndHistogram(this.idxAt, start, end, this.treeAt[this.primary], this.gAt, this.hAt, l.code, l.count, l.g, l.h, at, hist, range);
  }

  /**
   * Add `scale` x leaf value of the tree in `nodes` to out[k] for every in-bag row, where k is
   * the row's position in data.order (out is indexed like data.order).
   */
  addLeafValues(nodes: NodeTable, out: Float64Array, scale: number): void {
    const { idx, pos } = this;
    for (let n = 0; n < nodes.size; n++) {
      if (nodes.feature[n] >= 0) continue;
      const v = scale * nodes.value[n];
      for (let i = nodes.start[n], e = nodes.end[n]; i < e; i++) out[pos[idx[i]]] += v;
    }
  }

  /** Add `scale` x the output of `tree` to out[k] for rows k (order positions) with inBag[k] === 0. */
  addOutOfBag(tree: TreeArrays, inBag: Uint8Array, out: Float64Array, scale: number): void {
    const { ordered, shiftOf, maskOf } = this;
    const { feature, binLo, binHi, child, value } = tree;
    for (let k = 0; k < out.length; k++) {
      if (inBag[k] !== 0) continue;
      let n = 0;
      let f = feature[0];
      while (f >= 0) {
        const v = (ordered[f][k] >> shiftOf[f]) & maskOf[f];
        n = child[n] + 1 - (Number(binLo[n] <= v) & Number(v <= binHi[n]));
        f = feature[n];
      }
      out[k] += scale * value[n];
    }
  }
}
