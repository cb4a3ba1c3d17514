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
 * Trees whose table would be too large are left to another kernel (`tables[t]` is null).
 */
export class CompiledForest {
  readonly nFeatures: number;
  /** Per feature: rank lookup over the endpoints of its splits (no endpoints: no tree splits on it). */
  readonly rankers: Ranker[];
  /** Per tree: its table, or null when the tree is left to another kernel. */
  readonly tables: (TreeTable | null)[];
  private readonly value: Float64Array;

  constructor(forest: ForestArrays, lo: Float64Array, hi: Float64Array, nFeatures: number, limits: TableLimits = DEFAULT_TABLE_LIMITS) {
    this.nFeatures = nFeatures;
    this.value = forest.value;
    this.rankers = forestEndpoints(forest.feature, lo, hi, nFeatures).map((e) => new Ranker(e));
    // Each split's test as a rank interval [L, H] (L > H: no value passes).
    const n = forest.nNodes;
    const testLo = new Int32Array(n);
    const testHi = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const f = forest.feature[i];
      if (f < 0) continue;
      const r = this.rankers[f];
      const ok = !Number.isNaN(lo[i]) && !Number.isNaN(hi[i]);
      testLo[i] = ok ? r.rank(lo[i]) : 1;
      testHi[i] = ok ? r.rank(hi[i]) : 0;
    }
    const compiler = new TreeCompiler(forest, testLo, testHi, this.rankers, limits.maxCellsPerTree);
    this.tables = [];
    let cells = 0;
    for (let t = 0; t < forest.roots.length; t++) {
      const table = compiler.compile(forest.roots[t]);
      const fits = table !== null && cells + table.cells.length <= limits.maxCells;
      if (fits) cells += table.cells.length;
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

/** Size limits of the tables (cells are 2 bytes each). */
export interface TableLimits {
  readonly maxCellsPerTree: number;
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
  readonly maps: Int32Array[];
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

function forestEndpoints(feature: Int32Array, lo: Float64Array, hi: Float64Array, nFeatures: number): Float64Array[] {
  const count = new Int32Array(nFeatures);
  for (let n = 0; n < feature.length; n++) if (feature[n] >= 0) count[feature[n]] += 2;
  const lists = Array.from(count, (c) => new Float64Array(c));
  count.fill(0);
  for (let n = 0; n < feature.length; n++) {
    const f = feature[n];
    if (f < 0) continue;
    lists[f][count[f]++] = lo[n];
    lists[f][count[f]++] = hi[n];
  }
  return lists.map((list) => {
    const sorted = list.sort();
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
  private readonly testLo: Int32Array;
  private readonly testHi: Int32Array;
  private readonly rankers: Ranker[];
  private readonly maxCells: number;
  /** Per feature: its index in the current tree's feature list, or -1. */
  private readonly slot: Int32Array;

  constructor(forest: ForestArrays, testLo: Int32Array, testHi: Int32Array, rankers: Ranker[], maxCells: number) {
    this.feature = forest.feature;
    this.child = forest.child;
    this.testLo = testLo;
    this.testHi = testHi;
    this.rankers = rankers;
    this.maxCells = maxCells;
    this.slot = new Int32Array(rankers.length).fill(-1);
  }

  compile(root: number): TreeTable | null {
    const { feature, child, testLo, testHi, slot } = this;
    // The tree's nodes, parents first.
    const nodes = [root];
    for (let k = 0; k < nodes.length; k++) {
      const n = nodes[k];
      if (feature[n] < 0) continue;
      if (child[n] + 1 - root >= 1 << 16) return null;
      nodes.push(child[n], child[n] + 1);
    }
    const used: number[] = [];
    for (const n of nodes) {
      const f = feature[n];
      if (f >= 0 && slot[f] < 0) {
        slot[f] = 0;
        used.push(f);
      }
    }
    used.sort((a, b) => a - b);
    used.forEach((f, k) => {
      slot[f] = k;
    });
    const K = used.length;
    // Per feature, classes of ranks: a test [L, H] starts a class at L and at H + 1. Ranks in
    // no test's interval fail every test of the tree alike: they share class 0.
    const classOf: Int32Array[] = [];
    const nClasses = new Int32Array(K);
    let size = 1;
    let fits = true;
    for (let k = 0; k < K && fits; k++) {
      const nRanks = 2 * this.rankers[used[k]].endpoints.length + 2;
      const cover = new Int32Array(nRanks + 1);
      const start = new Uint8Array(nRanks + 1);
      for (const n of nodes) {
        if (feature[n] !== used[k] || testLo[n] > testHi[n]) continue;
        cover[testLo[n]]++;
        cover[testHi[n] + 1]--;
        start[testLo[n]] = 1;
        start[testHi[n] + 1] = 1;
      }
      const map = new Int32Array(nRanks);
      let c = 0;
      for (let g = 0, depth = 0; g < nRanks; g++) {
        depth += cover[g];
        if (depth === 0) map[g] = 0;
        else map[g] = start[g] === 1 || g === 0 ? ++c : c;
      }
      classOf.push(map);
      nClasses[k] = c + 1;
      size *= c + 1;
      fits = size <= this.maxCells;
    }
    for (const f of used) slot[f] = -1;
    if (!fits) return null;
    const stride = new Int32Array(K);
    for (let k = K - 1, s = 1; k >= 0; k--) {
      stride[k] = s;
      s *= nClasses[k];
    }
    const cells = new Uint16Array(size);
    const boxLo = new Int32Array(K);
    const boxHi = Int32Array.from(nClasses, (c) => c - 1);
    // Send boxes of classes (per feature an interval [boxLo, boxHi]) down the tree; each leaf
    // fills the cells of the boxes that reach it.
    const fill = (n: number): void => {
      const f = feature[n];
      if (f < 0) {
        fillBox(cells, boxLo, boxHi, stride, n - root);
        return;
      }
      const k = used.indexOf(f);
      const a = child[n];
      const empty = testLo[n] > testHi[n];
      // Classes of a test's ranks are consecutive (none of them is class 0).
      const cLo = empty ? nClasses[k] : classOf[k][testLo[n]];
      const cHi = empty ? nClasses[k] - 1 : classOf[k][testHi[n]];
      const lo0 = boxLo[k];
      const hi0 = boxHi[k];
      if (Math.max(lo0, cLo) <= Math.min(hi0, cHi)) {
        boxLo[k] = Math.max(lo0, cLo);
        boxHi[k] = Math.min(hi0, cHi);
        fill(a);
      }
      if (lo0 < cLo) {
        boxLo[k] = lo0;
        boxHi[k] = Math.min(hi0, cLo - 1);
        fill(a + 1);
      }
      if (hi0 > cHi) {
        boxLo[k] = Math.max(lo0, cHi + 1);
        boxHi[k] = hi0;
        fill(a + 1);
      }
      boxLo[k] = lo0;
      boxHi[k] = hi0;
    };
    fill(root);
    const maps = classOf.map((m, k) => {
      for (let g = 0; g < m.length; g++) m[g] *= stride[k];
      return m;
    });
    return { root, features: Int32Array.from(used), maps, cells };
  }
}

/** cells[c] = leaf for every cell c in the box. */
function fillBox(cells: Uint16Array, boxLo: Int32Array, boxHi: Int32Array, stride: Int32Array, leaf: number): void {
  const K = boxLo.length;
  if (K === 0) {
    cells[0] = leaf;
    return;
  }
  const at = boxLo.slice();
  for (;;) {
    let base = 0;
    for (let k = 0; k < K - 1; k++) base += at[k] * stride[k];
    cells.fill(leaf, base + boxLo[K - 1], base + boxHi[K - 1] + 1);
    let k = K - 2;
    while (k >= 0 && at[k] === boxHi[k]) {
      at[k] = boxLo[k];
      k--;
    }
    if (k < 0) return;
    at[k]++;
  }
}
