import type { CompiledForest } from './compiled.js';
import { RowRouter } from './route.js';
import { type ForestArrays, predictTrees } from './tree.js';

/**
 * Adds trees' outputs for one batch of rows, each tree with the kernel that suits it: its lookup
 * table when it has one, else routing the rows (ordered by the primary code) when that pays, else
 * walking each row. Every kernel adds each tree's leaf value to a row's running sum, tree after
 * tree, so the sums are bit for bit those of walks.
 */
export class TreeOutputs {
  private readonly ranks: Int32Array[] | undefined;
  private router: RowRouter | undefined;

  /**
   * `x` row-major (nFeatures per row); `lo`/`hi` the forest's intervals for raw values or for bins;
   * `routerOf` gives a router of these rows when one is kept elsewhere (else one is made here).
   */
  constructor(
    private readonly forest: ForestArrays,
    private readonly lo: Float64Array,
    private readonly hi: Float64Array,
    private readonly x: Float64Array,
    private readonly nRows: number,
    private readonly nFeatures: number,
    private readonly primary: number,
    private readonly compiled?: CompiledForest,
    private readonly routerOf?: () => RowRouter,
  ) {
    this.ranks = compiled?.tables.some((table) => table !== null) ? compiled.ranks(x, nRows) : undefined;
  }

  /** out[row] += the output of each tree of [from, to), in tree order. */
  add(from: number, to: number, out: Float64Array): void {
    const { forest, lo, hi, x, nRows, nFeatures, primary, compiled, ranks } = this;
    const tabled = (t: number): boolean => ranks !== undefined && compiled?.tables[t] !== null;
    for (let t = from; t < to; ) {
      // A run of trees with tables, or a run without.
      const withTables = tabled(t);
      let end = t + 1;
      while (end < to && tabled(end) === withTables) end++;
      if (withTables && compiled && ranks) {
        compiled.addTrees(ranks, nRows, t, end, out);
      } else if (RowRouter.worthIt(nRows, primary)) {
        this.router ??= this.routerOf ? this.routerOf() : new RowRouter(x, nRows, nFeatures, primary);
        this.router.addTrees(forest.feature, lo, hi, forest.child, forest.value, forest.roots, t, end, 1, out);
      } else {
        predictTrees(forest.feature, lo, hi, forest.child, forest.value, forest.roots, t, end, x, nRows, nFeatures, 1, out);
      }
      t = end;
    }
  }
}
