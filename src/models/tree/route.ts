import { copyRun, moveBlock } from './partition.js';

/**
 * Batch prediction by routing rows through each tree the way the learner partitions them,
 * instead of walking every row from the root. Rows are ordered once by the primary categorical
 * code; a "code k" split is then a binary search plus a block move, and other splits are one
 * stable partition of the node's rows. On data whose trees are long chains of code splits
 * (most rows pass every level) this does far less work than row-by-row walks, whose every step
 * is a dependent load and a mispredicted branch.
 */
export class RowRouter {
  readonly nRows: number;
  private readonly primary: number;
  /** Row index of each position (positions sorted by primary code). */
  private readonly order: Int32Array;
  /** Feature columns in position order. */
  private readonly cols: Float64Array[];
  private readonly idx: Int32Array;
  private readonly scratch: Int32Array;
  private readonly sums: Float64Array;
  private stack = new Int32Array(3 * 64);

  /** `x` row-major (nFeatures per row); `primary` the categorical feature to order by (-1: none). */
  constructor(x: Float64Array, nRows: number, nFeatures: number, primary: number) {
    this.nRows = nRows;
    this.primary = primary;
    this.order = new Int32Array(nRows);
    if (primary >= 0) {
      let maxCode = 0;
      for (let i = 0; i < nRows; i++) {
        const c = x[i * nFeatures + primary];
        if (c > maxCode) maxCode = c;
      }
      // Stable counting sort by code (codes are small non-negative integers).
      const start = new Int32Array(maxCode + 2);
      for (let i = 0; i < nRows; i++) start[x[i * nFeatures + primary] + 1]++;
      for (let c = 0; c <= maxCode; c++) start[c + 1] += start[c];
      for (let i = 0; i < nRows; i++) this.order[start[x[i * nFeatures + primary]]++] = i;
    } else {
      for (let i = 0; i < nRows; i++) this.order[i] = i;
    }
    this.cols = [];
    for (let f = 0; f < nFeatures; f++) {
      const col = new Float64Array(nRows);
      for (let k = 0; k < nRows; k++) col[k] = x[this.order[k] * nFeatures + f];
      this.cols.push(col);
    }
    this.idx = new Int32Array(nRows);
    this.scratch = new Int32Array(nRows);
    this.sums = new Float64Array(nRows);
  }

  /**
   * How many times routing touches a row of tree `root`, expected per predicted row: the share of
   * training rows (`count`) reaching each split it partitions row by row, i.e. every split but
   * "code k" on the primary feature (a binary search and a block move). Without counts, every
   * split counts in full.
   */
  static partitionsPerRow(feature: Int32Array, lo: Float64Array, hi: Float64Array, child: Int32Array, count: Int32Array, root: number, primary: number): number {
    const total = count[root];
    let sum = 0;
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      const f = feature[n];
      if (f < 0) continue;
      if (!(f === primary && lo[n] === hi[n])) sum += total > 0 ? count[n] / total : 1;
      stack.push(child[n], child[n] + 1);
    }
    return sum;
  }

  /** Whether routing pays off over row walks for this data (a categorical to order by, enough rows). */
  static worthIt(nRows: number, primary: number): boolean {
    return primary >= 0 && nRows >= 256;
  }

  /**
   * out[row] += scale x output, for each tree of [from, to) in turn: the very sums (in the same
   * order) a walk of each row down each tree gives.
   */
  addTrees(
    feature: Int32Array,
    lo: Float64Array,
    hi: Float64Array,
    child: Int32Array,
    value: Float64Array,
    roots: Int32Array,
    from: number,
    to: number,
    scale: number,
    out: Float64Array,
  ): void {
    const { sums, order, nRows } = this;
    // Sums start from out's values (in position order), so each row gets its terms added one
    // after another, as a walk adds them.
    for (let k = 0; k < nRows; k++) sums[k] = out[order[k]];
    for (let t = from; t < to; t++) this.routeTree(feature, lo, hi, child, value, roots[t], scale);
    for (let k = 0; k < nRows; k++) out[order[k]] = sums[k];
  }

  private routeTree(feature: Int32Array, lo: Float64Array, hi: Float64Array, child: Int32Array, value: Float64Array, root: number, scale: number): void {
    const { idx, scratch, sums, cols, primary } = this;
    const n = this.nRows;
    for (let k = 0; k < n; k++) idx[k] = k;
    let stack = this.stack;
    let top = 0;
    stack[top++] = root;
    stack[top++] = 0;
    stack[top++] = n;
    while (top > 0) {
      const e = stack[--top];
      const s = stack[--top];
      const node = stack[--top];
      const f = feature[node];
      if (f < 0) {
        const v = scale * value[node];
        for (let i = s; i < e; i++) sums[idx[i]] += v;
        continue;
      }
      const a = child[node];
      if (feature[a] < 0 && feature[a + 1] < 0 && !(f === primary && lo[node] === hi[node])) {
        // Both children are leaves: add their values without moving rows.
        const col = cols[f];
        const l0 = lo[node];
        const h0 = hi[node];
        const b = a + 1;
        for (let i = s; i < e; i++) {
          const j = idx[i];
          const v = col[j];
          // The leaf's own value (not vB + (vA - vB), which can differ in the last bit).
          sums[j] += scale * value[b - (Number(l0 <= v) & Number(v <= h0))];
        }
        continue;
      }
      let aS: number;
      let aE: number;
      let bS: number;
      let bE: number;
      if (f === primary && lo[node] === hi[node]) {
        // Rows are ascending positions, hence ordered by code: find the block of this code.
        const code = lo[node];
        const col = cols[f];
        let l = s;
        let r = e;
        while (l < r) {
          const mid = (l + r) >>> 1;
          if (col[idx[mid]] < code) l = mid + 1;
          else r = mid;
        }
        const first = l;
        r = e;
        while (l < r) {
          const mid = (l + r) >>> 1;
          if (col[idx[mid]] <= code) l = mid + 1;
          else r = mid;
        }
        const last = l;
        if (first === last) {
          [aS, aE, bS, bE] = [s, s, s, e];
        } else {
          const toFront = first - s <= e - last;
          moveBlock(idx, scratch, s, e, first, last, toFront);
          const cnt = last - first;
          if (toFront) [aS, aE, bS, bE] = [s, s + cnt, s + cnt, e];
          else [aS, aE, bS, bE] = [e - cnt, e, s, e - cnt];
        }
      } else {
        const col = cols[f];
        const l0 = lo[node];
        const h0 = hi[node];
        let w = s;
        let q = 0;
        for (let i = s; i < e; i++) {
          const j = idx[i];
          const v = col[j];
          const inside = Number(l0 <= v) & Number(v <= h0);
          idx[w] = j;
          scratch[q] = j;
          w += inside;
          q += 1 - inside;
        }
        copyRun(idx, w, scratch, 0, q);
        [aS, aE, bS, bE] = [s, w, w, e];
      }
      if (top + 6 > stack.length) {
        const bigger = new Int32Array(stack.length * 2);
        bigger.set(stack);
        this.stack = stack = bigger;
      }
      if (bE > bS) {
        stack[top++] = a + 1;
        stack[top++] = bS;
        stack[top++] = bE;
      }
      if (aE > aS) {
        stack[top++] = a;
        stack[top++] = aS;
        stack[top++] = aE;
      }
    }
  }
}
