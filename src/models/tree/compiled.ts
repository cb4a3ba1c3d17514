import type { ForestArrays } from './tree.js';

/**
 * Trees compiled to lookup tables for batch prediction. A tree that splits on few features is a
 * function of which of the tree's own intervals each feature value falls in (its "class" per
 * feature), so its leaf is one table lookup on the row's classes. A row's class comes from its
 * rank among the forest's interval endpoints, computed once per row and feature:
 *
 *   endpoints e_0 < ... < e_{m-1} (every lo/hi of the feature's splits, NaN excluded);
 *   rank(v) = 2i + 1 when v = e_i, 2i when e_{i-1} < v < e_i, 2m + 1 when v is NaN.
 *
 * Then lo = e_a <= v  <=>  rank(v) >= 2a + 1 and v <= hi = e_b  <=>  rank(v) <= 2b + 1 for every
 * v (NaN fails both, as it fails every interval), so a split's test is an interval of ranks and,
 * per tree, of classes: the lookup reaches exactly the leaf a walk from the root would.
 * Trees not asked for, or whose table would be too large, are left to another kernel
 * (`tables[t]` is null).
 */
export class CompiledForest {
  readonly nFeatures: number;
  /** Per feature: rank lookup over the endpoints of its splits (no endpoints: no tree splits on it). */
  readonly rankers: Ranker[];
  /** Per tree: its table, or null when the tree is left to another kernel. */
  readonly tables: (TreeTable | null)[];
  private readonly value: Float64Array;

  /** `options.trees`: which trees to compile (default all); the others get no table. */
  constructor(forest: ForestArrays, lo: Float64Array, hi: Float64Array, nFeatures: number, options: CompileOptions = {}) {
    const limits = options.limits ?? DEFAULT_TABLE_LIMITS;
    const wanted = options.trees ?? new Uint8Array(forest.roots.length).fill(1);
    this.nFeatures = nFeatures;
    this.value = forest.value;
    this.rankers = forestEndpoints(forest, wanted, lo, hi, nFeatures).map((e) => new Ranker(e));
    const compiler = new TreeCompiler(forest, lo, hi, this.rankers, Math.min(limits.maxCellsPerTree, 1 << 16));
    this.tables = [];
    let size = 0;
    for (let t = 0; t < forest.roots.length; t++) {
      const table = wanted[t] ? compiler.compile(forest.roots[t]) : null;
      const tableSize = table === null ? 0 : table.cells.length + table.maps.reduce((s, m) => s + m.length, 0);
      const fits = table !== null && size + tableSize <= limits.maxCells;
      if (fits) size += tableSize;
      this.tables.push(fits ? table : null);
    }
  }

  /** Rank columns of `x` (row-major, nFeatures per row) for the features any tree splits on. */
  ranks(x: Float64Array, nRows: number): Int32Array[] {
    return this.rankers.map((r, f) => {
      const out = new Int32Array(r.used ? nRows : 0);
      if (r.used) r.rankColumn(x, f, this.nFeatures, nRows, out);
      return out;
    });
  }

  /**
   * out[row] += value of the leaf each tree of [from, to) sends the row to, tree after tree (every
   * one of those trees must have a table). `ranks` come from `ranks()`.
   */
  addTrees(ranks: Int32Array[], nRows: number, from: number, to: number, out: Float64Array): void {
    const tables = this.tables;
    let t = from;
    while (t < to) {
      if (t + 4 <= to && sameTwoFeatures(tables, t, 4)) {
        this.addFourTrees(ranks, nRows, t, out);
        t += 4;
      } else {
        this.addTree(ranks, nRows, t, out);
        t += 1;
      }
    }
  }

  private addTree(ranks: Int32Array[], nRows: number, t: number, out: Float64Array): void {
    const table = this.tables[t];
    if (table === null) throw new Error(`tree ${t} has no table`);
    const { root, features, maps, cells } = table;
    const value = this.value;
    if (features.length === 0) {
      const v = value[root + cells[0]];
      for (let i = 0; i < nRows; i++) out[i] += v;
    } else if (features.length === 1) {
      const r0 = ranks[features[0]];
      const m0 = maps[0];
      for (let i = 0; i < nRows; i++) out[i] += value[root + cells[m0[r0[i]]]];
    } else if (features.length === 2) {
      const r0 = ranks[features[0]];
      const r1 = ranks[features[1]];
      const m0 = maps[0];
      const m1 = maps[1];
      for (let i = 0; i < nRows; i++) out[i] += value[root + cells[m0[r0[i]] + m1[r1[i]]]];
    } else {
      const K = features.length;
      for (let i = 0; i < nRows; i++) {
        let c = 0;
        for (let k = 0; k < K; k++) c += maps[k][ranks[features[k]][i]];
        out[i] += value[root + cells[c]];
      }
    }
  }

  /** Four trees on the same two features in one pass over the rows (same sums, fewer passes). */
  private addFourTrees(ranks: Int32Array[], nRows: number, t: number, out: Float64Array): void {
    const [a, b, c, d] = this.tables.slice(t, t + 4) as TreeTable[];
    const value = this.value;
    const r0 = ranks[a.features[0]];
    const r1 = ranks[a.features[1]];
    const [a0, a1] = a.maps;
    const [b0, b1] = b.maps;
    const [c0, c1] = c.maps;
    const [d0, d1] = d.maps;
    const { cells: aCells, root: aRoot } = a;
    const { cells: bCells, root: bRoot } = b;
    const { cells: cCells, root: cRoot } = c;
    const { cells: dCells, root: dRoot } = d;
    for (let i = 0; i < nRows; i++) {
      const g0 = r0[i];
      const g1 = r1[i];
      out[i] =
        out[i] +
        value[aRoot + aCells[a0[g0] + a1[g1]]] +
        value[bRoot + bCells[b0[g0] + b1[g1]]] +
        value[cRoot + cCells[c0[g0] + c1[g1]]] +
        value[dRoot + dCells[d0[g0] + d1[g1]]];
    }
  }
}

/** Whether trees [t, t + n) all have tables on the same two features. */
function sameTwoFeatures(tables: (TreeTable | null)[], t: number, n: number): boolean {
  const first = tables[t];
  if (first === null || first.features.length !== 2) return false;
  for (let k = t + 1; k < t + n; k++) {
    const other = tables[k];
    if (other === null || other.features.length !== 2 || other.features[0] !== first.features[0] || other.features[1] !== first.features[1]) return false;
  }
  return true;
}

export interface CompileOptions {
  /** Per tree: compile it (non-zero) or leave it to another kernel (0). */
  readonly trees?: ArrayLike<number>;
  readonly limits?: TableLimits;
}

/** Size limits of the tables, in 2-byte entries (cells and map entries). */
export interface TableLimits {
  /** Cells of one tree's table (at most 65536: cell offsets are 16-bit). */
  readonly maxCellsPerTree: number;
  /** Cells and map entries of all tables together. */
  readonly maxCells: number;
}

/** A tree's table stays small enough for the cache; a forest's tables stay within 32 MB. */
export const DEFAULT_TABLE_LIMITS: TableLimits = { maxCellsPerTree: 1 << 16, maxCells: 1 << 24 };

/** One tree as a table: leaf = root + cells[sum over k of maps[k][rank of features[k]]]. */
export interface TreeTable {
  readonly root: number;
  /** The features the tree splits on. */
  readonly features: Int32Array;
  /** Per feature of `features`: rank -> its class times the table stride of that feature. */
  readonly maps: Uint16Array[];
  /** Leaf of each class combination, as an offset from the root. */
  readonly cells: Uint16Array;
}

/**
 * Rank of a value among sorted distinct endpoints (see CompiledForest). A uniform grid over the
 * finite endpoints narrows the search to the few endpoints in the value's grid cell: the cell
 * index is monotone in the value, so the endpoints of lower cells are below it and those of
 * higher cells above it.
 */
export class Ranker {
  readonly endpoints: Float64Array;
  readonly used: boolean;
  private readonly origin: number;
  private readonly inv: number;
  private readonly nCells: number;
  /** first[c] = index of the first endpoint in grid cell c or above (nCells + 1 entries). */
  private readonly first: Int32Array;

  constructor(endpoints: Float64Array) {
    const e = endpoints;
    const m = e.length;
    this.endpoints = e;
    this.used = m > 0;
    let a = 0;
    while (a < m && !Number.isFinite(e[a])) a++;
    let b = m - 1;
    while (b >= a && !Number.isFinite(e[b])) b--;
    const span = b > a ? e[b] - e[a] : 0;
    this.nCells = span > 0 && Number.isFinite(span) ? Math.min(4 * m, 1 << 16) : 1;
    this.origin = a < m ? e[a] : 0;
    this.inv = this.nCells > 1 ? this.nCells / span : 0;
    this.first = new Int32Array(this.nCells + 1);
    let c = 0;
    for (let i = 0; i < m; i++) {
      const ci = this.cellOf(e[i]);
      while (c <= ci) this.first[c++] = i;
    }
    while (c <= this.nCells) this.first[c++] = m;
  }

  private cellOf(v: number): number {
    const t = (v - this.origin) * this.inv;
    // NaN (infinite v with a one-cell grid) lands in cell 0 like every other value then.
    return t > 0 ? (t < this.nCells ? t | 0 : this.nCells - 1) : 0;
  }

  rank(v: number): number {
    const e = this.endpoints;
    // biome-ignore lint/suspicious/noSelfCompare: NaN test without a call.
    if (v !== v) return 2 * e.length + 1;
    const c = this.cellOf(v);
    let l = this.first[c];
    let r = this.first[c + 1];
    while (l < r) {
      const mid = (l + r) >>> 1;
      if (e[mid] < v) l = mid + 1;
      else r = mid;
    }
    return l < e.length && e[l] === v ? 2 * l + 1 : 2 * l;
  }

  /** out[i] = rank of x[i * stride + f]. */
  rankColumn(x: Float64Array, f: number, stride: number, nRows: number, out: Int32Array): void {
    for (let i = 0, at = f; i < nRows; i++, at += stride) out[i] = this.rank(x[at]);
  }
}

function forestEndpoints(forest: ForestArrays, wanted: ArrayLike<number>, lo: Float64Array, hi: Float64Array, nFeatures: number): Float64Array[] {
  const { feature, child, roots } = forest;
  // Mark the nodes of the wanted trees, then gather their splits' lo and hi per feature.
  const mark = new Uint8Array(forest.nNodes);
  const queue = new Int32Array(forest.nNodes);
  for (let t = 0; t < roots.length; t++) {
    if (!wanted[t] || mark[roots[t]]) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = roots[t];
    mark[roots[t]] = 1;
    while (head < tail) {
      const n = queue[head++];
      if (feature[n] < 0) continue;
      for (let c = child[n]; c <= child[n] + 1; c++) {
        if (mark[c] || tail >= queue.length) continue;
        mark[c] = 1;
        queue[tail++] = c;
      }
    }
  }
  const count = new Int32Array(nFeatures);
  for (let n = 0; n < forest.nNodes; n++) if (mark[n] && feature[n] >= 0) count[feature[n]] += 2;
  const lists = Array.from(count, (k) => new Float64Array(k));
  count.fill(0);
  for (let n = 0; n < forest.nNodes; n++) {
    const f = feature[n];
    if (!mark[n] || f < 0) continue;
    lists[f][count[f]++] = lo[n];
    lists[f][count[f]++] = hi[n];
  }
  return lists.map((sorted) => {
    sorted.sort();
    let m = 0;
    for (let i = 0; i < sorted.length; i++) {
      const v = sorted[i];
      if (!Number.isNaN(v) && (m === 0 || v !== sorted[m - 1])) sorted[m++] = v;
    }
    return sorted.slice(0, m);
  });
}

/** Compiles the trees of one forest, one at a time, with scratch reused across trees. */
class TreeCompiler {
  private readonly feature: Int32Array;
  private readonly child: Int32Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly rankers: Ranker[];
  /**
   * Per node of the tree being compiled: its test as a rank interval [L, H] (L > H: none pass),
   * then as an interval of the tree's classes.
   */
  private readonly testLo: Int32Array;
  private readonly testHi: Int32Array;
  private readonly nRanks: Int32Array;
  private readonly maxCells: number;
  /** Per feature: its index in the current tree's feature list, or -1. */
  private readonly slot: Int32Array;
  private readonly nodes: Int32Array;
  // The tree being compiled: its root, per-feature class counts and strides, cells,
  // and the box of classes (per feature [boxLo, boxHi]) sent down the tree.
  private root = 0;
  private readonly nClasses: Int32Array;
  private readonly stride: Int32Array;
  private cells = new Uint16Array(0);
  private readonly boxLo: Int32Array;
  private readonly boxHi: Int32Array;
  private readonly at: Int32Array;

  constructor(forest: ForestArrays, lo: Float64Array, hi: Float64Array, rankers: Ranker[], maxCells: number) {
    this.feature = forest.feature;
    this.child = forest.child;
    this.lo = lo;
    this.hi = hi;
    this.rankers = rankers;
    this.testLo = new Int32Array(forest.nNodes);
    this.testHi = new Int32Array(forest.nNodes);
    this.maxCells = maxCells;
    const F = rankers.length;
    this.nRanks = Int32Array.from(rankers, (r) => 2 * r.endpoints.length + 2);
    this.slot = new Int32Array(F).fill(-1);
    this.nodes = new Int32Array(forest.nNodes);
    this.nClasses = new Int32Array(F);
    this.stride = new Int32Array(F);
    this.boxLo = new Int32Array(F);
    this.boxHi = new Int32Array(F);
    this.at = new Int32Array(F);
  }

  compile(root: number): TreeTable | null {
    const { feature, child, testLo, testHi, slot, nodes, nClasses } = this;
    // The tree's nodes, parents first, and the features it splits on.
    let nNodes = 0;
    nodes[nNodes++] = root;
    const used: number[] = [];
    for (let k = 0; k < nNodes; k++) {
      const n = nodes[k];
      const f = feature[n];
      if (f < 0) continue;
      if (child[n] + 1 - root >= 1 << 16 || nNodes + 2 > nodes.length) return this.reset(used, null);
      nodes[nNodes++] = child[n];
      nodes[nNodes++] = child[n] + 1;
      if (slot[f] < 0) {
        slot[f] = 0;
        used.push(f);
      }
      const ok = !Number.isNaN(this.lo[n]) && !Number.isNaN(this.hi[n]);
      testLo[n] = ok ? this.rankers[f].rank(this.lo[n]) : 1;
      testHi[n] = ok ? this.rankers[f].rank(this.hi[n]) : 0;
    }
    used.sort((a, b) => a - b);
    const K = used.length;
    for (let k = 0; k < K; k++) slot[used[k]] = k;
    // Per feature, classes of ranks: a test [L, H] starts a class at L and at H + 1. Ranks in
    // no test's interval fail every test of the tree alike: they share class 0. `events` holds
    // (rank << 1 | 1) for a start, (rank << 1) for an end, so a sort orders ends first.
    const events: Int32Array[] = [];
    let size = 1;
    for (let k = 0; k < K; k++) {
      const f = used[k];
      let m = 0;
      for (let j = 0; j < nNodes; j++) if (feature[nodes[j]] === f) m += 2;
      const ev = new Int32Array(m);
      m = 0;
      for (let j = 0; j < nNodes; j++) {
        const n = nodes[j];
        if (feature[n] !== f || testLo[n] > testHi[n]) continue;
        ev[m++] = 2 * testLo[n] + 1;
        ev[m++] = 2 * (testHi[n] + 1);
      }
      const sorted = ev.subarray(0, m).sort();
      // Distinct ranks where a class starts: class count = 1 (class 0) + those inside a test.
      let c = 0;
      for (let j = 0, depth = 0; j < m; j++) {
        depth += sorted[j] & 1 ? 1 : -1;
        if (j + 1 < m && sorted[j + 1] >> 1 === sorted[j] >> 1) continue;
        if (depth > 0) c++;
      }
      events.push(sorted);
      nClasses[k] = c + 1;
      size *= c + 1;
      if (size > this.maxCells) return this.reset(used, null);
    }
    const stride = this.stride;
    for (let k = K - 1, s = 1; k >= 0; k--) {
      stride[k] = s;
      s *= nClasses[k];
    }
    // Maps rank -> class x stride (below 2^16: the table has at most 2^16 cells), filled range
    // by range between events.
    const classOf: Uint16Array[] = [];
    for (let k = 0; k < K; k++) {
      const ev = events[k];
      const m = ev.length;
      const map = new Uint16Array(this.nRanks[used[k]]);
      let c = 0;
      for (let j = 0, depth = 0; j < m; j++) {
        const g = ev[j] >> 1;
        depth += ev[j] & 1 ? 1 : -1;
        if (j + 1 < m && ev[j + 1] >> 1 === g) continue;
        if (depth > 0) map.fill(++c * stride[k], g, j + 1 < m ? ev[j + 1] >> 1 : g);
      }
      classOf.push(map);
    }
    // Tests as class intervals from here on (the classes of a test's ranks are consecutive and
    // none of them is class 0; an empty test gets [nClasses, nClasses - 1]).
    for (let j = 0; j < nNodes; j++) {
      const n = nodes[j];
      const f = feature[n];
      if (f < 0) continue;
      const k = slot[f];
      if (testLo[n] > testHi[n]) {
        testLo[n] = nClasses[k];
        testHi[n] = nClasses[k] - 1;
      } else {
        testLo[n] = classOf[k][testLo[n]] / stride[k];
        testHi[n] = classOf[k][testHi[n]] / stride[k];
      }
    }
    this.root = root;
    this.cells = new Uint16Array(size);
    for (let k = 0; k < K; k++) {
      this.boxLo[k] = 0;
      this.boxHi[k] = nClasses[k] - 1;
    }
    this.fill(root, K);
    return this.reset(used, { root, features: Int32Array.from(used), maps: classOf, cells: this.cells });
  }

  private reset(used: number[], table: TreeTable | null): TreeTable | null {
    for (const f of used) this.slot[f] = -1;
    this.cells = new Uint16Array(0);
    return table;
  }

  /** Send the box down from node n; each leaf fills the cells of the boxes that reach it. */
  private fill(n: number, K: number): void {
    const f = this.feature[n];
    if (f < 0) {
      this.fillBox(n - this.root, K);
      return;
    }
    const { boxLo, boxHi } = this;
    const k = this.slot[f];
    const a = this.child[n];
    const cLo = this.testLo[n];
    const cHi = this.testHi[n];
    const lo0 = boxLo[k];
    const hi0 = boxHi[k];
    const inLo = lo0 > cLo ? lo0 : cLo;
    const inHi = hi0 < cHi ? hi0 : cHi;
    if (inLo <= inHi) {
      boxLo[k] = inLo;
      boxHi[k] = inHi;
      this.fill(a, K);
    }
    if (lo0 < cLo) {
      boxLo[k] = lo0;
      boxHi[k] = hi0 < cLo - 1 ? hi0 : cLo - 1;
      this.fill(a + 1, K);
    }
    if (hi0 > cHi) {
      boxLo[k] = lo0 > cHi + 1 ? lo0 : cHi + 1;
      boxHi[k] = hi0;
      this.fill(a + 1, K);
    }
    boxLo[k] = lo0;
    boxHi[k] = hi0;
  }

  /** cells[c] = leaf for every cell c in the box. */
  private fillBox(leaf: number, K: number): void {
    const { cells, boxLo, boxHi, stride, at } = this;
    if (K === 0) {
      cells[0] = leaf;
      return;
    }
    const last = K - 1;
    for (let k = 0; k < last; k++) at[k] = boxLo[k];
    for (;;) {
      let base = 0;
      for (let k = 0; k < last; k++) base += at[k] * stride[k];
      for (let c = base + boxLo[last], end = base + boxHi[last]; c <= end; c++) cells[c] = leaf;
      let k = last - 1;
      while (k >= 0 && at[k] === boxHi[k]) {
        at[k] = boxLo[k];
        k--;
      }
      if (k < 0) return;
      at[k]++;
    }
  }
}
