import type { TreeArrays } from './tree.js';

/**
 * The nodes of the tree being grown, as parallel typed arrays indexed by node id (grown by
 * doubling): where each node's rows and code list lie and its sums while it is open, the best
 * split found for it, and what the finished tree records (the `TreeArrays` fields).
 */
export class NodeTable {
  /** Nodes in use. */
  size = 0;
  private cap = 0;
  // An open node: rows idx[start..end), depth, gradient and hessian sums, histogram slot (-1:
  // none), its entries [listAt, listAt + listLen) of the code-list arena.
  start: Int32Array = new Int32Array(0);
  end: Int32Array = new Int32Array(0);
  depth: Int32Array = new Int32Array(0);
  g: Float64Array = new Float64Array(0);
  h: Float64Array = new Float64Array(0);
  slot: Int32Array = new Int32Array(0);
  listAt: Int32Array = new Int32Array(0);
  listLen: Int32Array = new Int32Array(0);
  // Its best split: feature (-1: none), bin (numeric: last bin on the left; categorical: the
  // code), missing values left (0/1), list entry (code lists), left sums.
  splitFeature: Int32Array = new Int32Array(0);
  splitBin: Int32Array = new Int32Array(0);
  splitMissingLeft: Uint8Array = new Uint8Array(0);
  splitEntry: Int32Array = new Int32Array(0);
  splitG: Float64Array = new Float64Array(0);
  splitH: Float64Array = new Float64Array(0);
  // The tree (see TreeArrays).
  feature: Int32Array = new Int32Array(0);
  lo: Float64Array = new Float64Array(0);
  hi: Float64Array = new Float64Array(0);
  binLo: Float64Array = new Float64Array(0);
  binHi: Float64Array = new Float64Array(0);
  child: Int32Array = new Int32Array(0);
  value: Float64Array = new Float64Array(0);
  gain: Float64Array = new Float64Array(0);
  count: Int32Array = new Int32Array(0);

  constructor(initial = 256) {
    this.ensure(initial);
  }

  ensure(need: number): void {
    if (need > this.cap) this.grow(need);
  }

  /** A new open node over rows [start, end) with sums G, H (a leaf until it is split). */
  init(n: number, start: number, end: number, depth: number, G: number, H: number): void {
    this.start[n] = start;
    this.end[n] = end;
    this.depth[n] = depth;
    this.g[n] = G;
    this.h[n] = H;
    this.slot[n] = -1;
    this.listAt[n] = 0;
    this.listLen[n] = 0;
    this.splitFeature[n] = -1;
    this.feature[n] = -1;
    this.child[n] = -1;
    this.gain[n] = 0;
    this.count[n] = end - start;
    this.lo[n] = 0;
    this.hi[n] = 0;
    this.binLo[n] = 0;
    this.binHi[n] = 0;
  }

  /** Node n's split: child A (child[n]) takes the values in [lo, hi] (bins [binLo, binHi]). */
  setInterval(n: number, f: number, lo: number, hi: number, binLo: number, binHi: number): void {
    this.feature[n] = f;
    this.lo[n] = lo;
    this.hi[n] = hi;
    this.binLo[n] = binLo;
    this.binHi[n] = binHi;
  }

  /** The tree of nodes [0, size), copied out. */
  output(): TreeArrays {
    const n = this.size;
    return {
      nNodes: n,
      feature: prefix(this.feature, n),
      lo: prefix(this.lo, n),
      hi: prefix(this.hi, n),
      binLo: prefix(this.binLo, n),
      binHi: prefix(this.binHi, n),
      child: prefix(this.child, n),
      value: prefix(this.value, n),
      gain: prefix(this.gain, n),
      count: prefix(this.count, n),
    };
  }

  /** Separate from the check: its closures would allocate a context on every call. */
  private grow(need: number): void {
    let cap = Math.max(256, this.cap);
    while (cap < need) cap *= 2;
    const i32 = (old: Int32Array) => widen(old, new Int32Array(cap));
    const f64 = (old: Float64Array) => widen(old, new Float64Array(cap));
    this.start = i32(this.start);
    this.end = i32(this.end);
    this.depth = i32(this.depth);
    this.g = f64(this.g);
    this.h = f64(this.h);
    this.slot = i32(this.slot);
    this.listAt = i32(this.listAt);
    this.listLen = i32(this.listLen);
    this.splitFeature = i32(this.splitFeature);
    this.splitBin = i32(this.splitBin);
    this.splitMissingLeft = widen(this.splitMissingLeft, new Uint8Array(cap));
    this.splitEntry = i32(this.splitEntry);
    this.splitG = f64(this.splitG);
    this.splitH = f64(this.splitH);
    this.feature = i32(this.feature);
    this.lo = f64(this.lo);
    this.hi = f64(this.hi);
    this.binLo = f64(this.binLo);
    this.binHi = f64(this.binHi);
    this.child = i32(this.child);
    this.value = f64(this.value);
    this.gain = f64(this.gain);
    this.count = i32(this.count);
    this.cap = cap;
  }
}

function widen<T extends Int32Array | Float64Array | Uint8Array>(old: T, out: T): T {
  out.set(old as never);
  return out;
}

/** A copy of a[0..n) (new + set: a plain memory copy, faster than slice in V8). */
function prefix<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const out = new (a.constructor as new (len: number) => T)(n);
  out.set(a.subarray(0, n) as never);
  return out;
}
