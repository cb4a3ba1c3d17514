import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { DenseMatrix, FeatureColumns } from '../../../src/features/matrix.js';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import { GradientBoostingRegressor } from '../../../src/models/ensemble/gbdt.js';
import { predictionRows } from '../../../src/models/ensemble/input.js';
import { TreeEnsembleModel } from '../../../src/models/ensemble/model.js';
import { binLike, binColumns } from '../../../src/models/tree/binning.js';
import { CompiledForest, Ranker } from '../../../src/models/tree/compiled.js';
import { RowRouter } from '../../../src/models/tree/route.js';
import { type ForestArrays, concatTrees, predictTrees, sliceTree } from '../../../src/models/tree/tree.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits } from '../../helpers/taxi.js';

/** The reference: each row walked from each root, outputs added tree after tree. */
function walked(t: ForestArrays, lo: Float64Array, hi: Float64Array, x: Float64Array, nRows: number, nFeatures: number): Float64Array {
  const out = new Float64Array(nRows);
  predictTrees(t.feature, lo, hi, t.child, t.value, t.roots, 0, t.roots.length, x, nRows, nFeatures, 1, out);
  return out;
}

function tabled(c: CompiledForest, x: Float64Array, nRows: number, from: number, to: number): Float64Array {
  const out = new Float64Array(nRows);
  c.addTrees(c.ranks(x, nRows), nRows, from, to, out);
  return out;
}

/** A categorical with many levels (some unseen later) and a numeric with NaN, ties and outliers. */
function mixed(seed: number, n: number, nCodes: number, codeRange: number) {
  const rng = new Rng(seed);
  const codes = Int32Array.from({ length: n }, () => Math.min(codeRange - 1, Math.floor(codeRange * rng.float() ** 2)));
  const dist = Float64Array.from({ length: n }, () => {
    const u = rng.float();
    if (u < 0.03) return Number.NaN;
    if (u < 0.05) return 1e5 * rng.float();
    return Math.round(-Math.log(1 - rng.float()) * 300) / 100;
  });
  const y = Float64Array.from({ length: n }, (_, i) => (codes[i] % 7) * 3 + (Number.isNaN(dist[i]) ? 5 : Math.min(dist[i], 20)) + rng.normal());
  const X: FeatureColumns = {
    format: 'columns',
    nRows: n,
    columns: [
      { kind: 'categorical', name: 'code', codes: codes.map((c) => (c >= nCodes ? nCodes + 5 : c)), categories: Array.from({ length: nCodes }, (_, k) => `c${k}`) },
      { kind: 'numeric', name: 'x', values: dist },
    ],
  };
  return { X, y };
}

describe('Ranker', () => {
  it('ranks like counting endpoints below and equal to the value, NaN last', () => {
    const rng = new Rng(3);
    const naiveRank = (e: Float64Array, v: number) => {
      if (Number.isNaN(v)) return 2 * e.length + 1;
      let below = 0;
      for (const p of e) if (p < v) below++;
      return below < e.length && e[below] === v ? 2 * below + 1 : 2 * below;
    };
    const sets = [
      Float64Array.from([]),
      Float64Array.from([0]),
      Float64Array.from([-0, 1]),
      Float64Array.from([Number.NEGATIVE_INFINITY, 0.005, 0.25, 0.251, 3, 1e5]),
      Float64Array.from([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]),
      Float64Array.from({ length: 300 }, (_, k) => k * k * 0.01 - 4).sort(),
      Float64Array.from([2, 52, 86, 97, 99, 13151, 13186]),
    ];
    for (const e of sets) {
      const r = new Ranker(e);
      const probes = [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, -0, -1e300, 1e300, ...e];
      for (const p of e) probes.push(p - 1e-9, p + 1e-9, p * (1 + 1e-16));
      for (let k = 0; k < 500; k++) probes.push(rng.normal(0, 50), Math.floor(rng.float() * 14000));
      const x = Float64Array.from(probes);
      const col = new Int32Array(x.length);
      r.rankColumn(x, 0, 1, x.length, col);
      for (let i = 0; i < x.length; i++) {
        expect(r.rank(x[i])).toBe(naiveRank(e, x[i]));
        expect(col[i]).toBe(naiveRank(e, x[i]));
      }
    }
  });
});

describe('CompiledForest (trees as lookup tables)', () => {
  const train = mixed(1, 5000, 300, 300);
  const test = mixed(2, 3000, 300, 330);

  it('gives bit-identical sums to walking rows, on raw values and on bins', () => {
    const model = new RandomForestRegressor({ nEstimators: 12, maxDepth: 10, seed: 5 }).fit(train.X, train.y);
    const t = model.trees;
    const { x, nRows } = predictionRows('t', test.X, model.schema);
    const raw = new CompiledForest(t, t.lo, t.hi, 2);
    expect(raw.tables.every((tb) => tb !== null)).toBe(true);
    expect(Array.from(tabled(raw, x, nRows, 0, t.roots.length))).toEqual(Array.from(walked(t, t.lo, t.hi, x, nRows, 2)));
    // Ranges of trees (4-tree passes and single trees) add the same terms.
    const partial = tabled(raw, x, nRows, 3, 10);
    const ref = new Float64Array(nRows);
    predictTrees(t.feature, t.lo, t.hi, t.child, t.value, t.roots, 3, 10, x, nRows, 2, 1, ref);
    expect(Array.from(partial)).toEqual(Array.from(ref));
    const binned = binLike(binColumns(train.X), test.X);
    const b = predictionRows('t', binned, model.schema);
    const onBins = new CompiledForest(t, t.binLo, t.binHi, 2);
    expect(Array.from(tabled(onBins, b.x, b.nRows, 0, t.roots.length))).toEqual(Array.from(walked(t, t.binLo, t.binHi, b.x, b.nRows, 2)));
  });

  it('handles trees on one feature, on three or more, and single leaves', () => {
    const rng = new Rng(9);
    const n = 4000;
    const F = 4;
    const data = Float64Array.from({ length: n * F }, () => (rng.float() < 0.02 ? Number.NaN : Math.round(rng.normal(0, 3) * 20) / 20));
    const at = (k: number) => (Number.isNaN(data[k]) ? 0 : data[k]);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(at(i * F)) + (at(i * F + 1) > 0 ? 1 : 0) * at(i * F + 2) + rng.normal(0, 0.1));
    const X: DenseMatrix = { format: 'dense', nRows: n, nCols: F, data };
    const many = new RandomForestRegressor({ nEstimators: 6, maxDepth: 5, seed: 1 }).fit(X, y).trees;
    const one = new RandomForestRegressor({ nEstimators: 3, maxDepth: 6, maxFeatures: 1, seed: 2 }).fit({ ...X, nCols: 1, data: data.filter((_, k) => k % F === 0) }, y).trees;
    const leaf = new RandomForestRegressor({ nEstimators: 2, maxDepth: 1, minSamplesSplit: n + 1 }).fit(X, y).trees;
    // Widen single-feature and single-leaf trees to F features (they split on feature 0 only).
    const trees = concatTrees([sliceTree(one, 0), sliceTree(many, 0), sliceTree(leaf, 0), sliceTree(many, 1), sliceTree(one, 1), sliceTree(many, 2)]);
    const c = new CompiledForest(trees, trees.lo, trees.hi, F);
    const kinds = c.tables.map((tb) => tb?.features.length);
    expect(kinds).toContain(0);
    expect(kinds).toContain(1);
    expect(kinds.some((k) => k !== undefined && k >= 3)).toBe(true);
    const probe = Float64Array.from({ length: 2000 * F }, () => (rng.float() < 0.03 ? Number.NaN : Math.round(rng.normal(0, 4) * 40) / 40));
    expect(Array.from(tabled(c, probe, 2000, 0, trees.roots.length))).toEqual(Array.from(walked(trees, trees.lo, trees.hi, probe, 2000, F)));
  });

  it('leaves trees too large for a table to another kernel, and the model mixes both in tree order', () => {
    const rng = new Rng(4);
    const n = 3000;
    const F = 3;
    const data = Float64Array.from({ length: n * F }, () => rng.float());
    const y = Float64Array.from({ length: n }, (_, i) => data[i * F] * 3 + data[i * F + 1] * data[i * F + 2] + rng.normal(0, 0.05));
    const X: DenseMatrix = { format: 'dense', nRows: n, nCols: F, data };
    const big = new GradientBoostingRegressor({ nEstimators: 3, maxDepth: 12, learningRate: 0.5 }).fit(X, y);
    const small = new RandomForestRegressor({ nEstimators: 3, maxDepth: 3, seed: 3 }).fit(X, y);
    const trees = concatTrees([sliceTree(small.trees, 0), sliceTree(big.trees, 0), sliceTree(big.trees, 1), sliceTree(small.trees, 1), sliceTree(big.trees, 2)]);
    // Deep trees on three features would need far more cells than a table may have.
    const c = new CompiledForest(trees, trees.lo, trees.hi, F);
    expect(c.tables.map((tb) => tb !== null)).toEqual([true, false, false, true, false]);
    // A forest's tables stop once its budget of cells is spent.
    const first = c.tables[0]!;
    const firstSize = first.cells.length + first.maps.reduce((s, m) => s + m.length, 0);
    const budget = new CompiledForest(trees, trees.lo, trees.hi, F, { limits: { maxCellsPerTree: 1 << 16, maxCells: firstSize } });
    expect(budget.tables.map((tb) => tb !== null)).toEqual([true, false, false, false, false]);
    // Trees left out on request get no table.
    const some = new CompiledForest(trees, trees.lo, trees.hi, F, { trees: [0, 0, 0, 1, 0] });
    expect(some.tables.map((tb) => tb !== null)).toEqual([false, false, false, true, false]);
    const probe3 = Float64Array.from({ length: 500 * F }, () => rng.float());
    const one = new Float64Array(500);
    predictTrees(trees.feature, trees.lo, trees.hi, trees.child, trees.value, trees.roots, 3, 4, probe3, 500, F, 1, one);
    expect(Array.from(tabled(some, probe3, 500, 3, 4))).toEqual(Array.from(one));
    // The model's predict: tables for some trees, walks for the others, every term in tree order.
    const model = new TreeEnsembleModel('gradient_boosting', {}, big.schema, trees, 0.25, 1);
    const m = 20_000;
    const probe: DenseMatrix = { format: 'dense', nRows: m, nCols: F, data: Float64Array.from({ length: m * F }, () => rng.float() * 1.2 - 0.1) };
    const ref = walked(trees, trees.lo, trees.hi, probe.data, m, F).map((s) => 0.25 + 1 * s);
    expect(Array.from(model.predict(probe))).toEqual(Array.from(ref));
  });

  it('model predict: same output before and after the tables are built, and after an artifact round trip', () => {
    const model = new RandomForestRegressor({ nEstimators: 8, maxDepth: 10, seed: 6 }).fit(train.X, train.y);
    const t = model.trees;
    const { x, nRows } = predictionRows('t', test.X, model.schema);
    const ref = walked(t, t.lo, t.hi, x, nRows, 2).map((s) => 0 + model.scale * s);
    // 3000 rows: the first calls walk or route rows; after 16384 rows the tables are built.
    const outs = Array.from({ length: 7 }, () => Array.from(model.predict(test.X)));
    for (const o of outs) expect(o).toEqual(Array.from(ref));
    const loaded = TreeEnsembleModel.fromArtifact(decodeArtifact(encodeArtifact(model.toArtifact())), model.kind);
    expect(Array.from(loaded.predict(test.X))).toEqual(Array.from(ref));
  });

  it('model predict routes chains of code splits and looks up the other trees, in tree order', () => {
    const both = new RandomForestRegressor({ nEstimators: 3, maxDepth: 10, seed: 2 }).fit(train.X, train.y);
    const codesOnly: FeatureColumns = { ...train.X, columns: [train.X.columns[0]] };
    const chains = new RandomForestRegressor({ nEstimators: 3, maxDepth: 10, seed: 3 }).fit(codesOnly, train.y);
    const trees = concatTrees([sliceTree(both.trees, 0), sliceTree(chains.trees, 0), sliceTree(chains.trees, 1), sliceTree(both.trees, 1), sliceTree(both.trees, 2), sliceTree(chains.trees, 2)]);
    const passes = Array.from(trees.roots, (root) => RowRouter.partitionsPerRow(trees.feature, trees.lo, trees.hi, trees.child, trees.count, root, 0));
    // The reference: the share of training rows reaching each split other than "code k".
    const naivePasses = Array.from(trees.roots, (root, t) => {
      const end = t + 1 < trees.roots.length ? trees.roots[t + 1] : trees.nNodes;
      let sum = 0;
      for (let n = root; n < end; n++) {
        if (trees.feature[n] >= 0 && !(trees.feature[n] === 0 && trees.lo[n] === trees.hi[n])) sum += trees.count[n] / trees.count[root];
      }
      return sum;
    });
    for (const [t, p] of passes.entries()) expect(p).toBeCloseTo(naivePasses[t], 12);
    expect(passes.map((p) => p >= 2)).toEqual([true, false, false, true, true, false]);
    const model = new TreeEnsembleModel('random_forest', {}, both.schema, trees, 0, 1 / 6);
    const big = mixed(7, 20_000, 300, 330);
    const { x, nRows } = predictionRows('t', big.X, model.schema);
    const ref = walked(trees, trees.lo, trees.hi, x, nRows, 2).map((v) => 0 + (1 / 6) * v);
    expect(Array.from(model.predict(big.X))).toEqual(Array.from(ref));
  });

  it('RowRouter adds each leaf value exactly as a walk does', () => {
    const model = new RandomForestRegressor({ nEstimators: 10, maxDepth: 9, seed: 8 }).fit(train.X, train.y);
    const t = model.trees;
    const { x, nRows } = predictionRows('t', test.X, model.schema);
    const routed = new Float64Array(nRows).fill(0.5);
    new RowRouter(x, nRows, 2, 0).addTrees(t.feature, t.lo, t.hi, t.child, t.value, t.roots, 0, t.roots.length, 1, routed);
    const ref = new Float64Array(nRows).fill(0.5);
    predictTrees(t.feature, t.lo, t.hi, t.child, t.value, t.roots, 0, t.roots.length, x, nRows, 2, 1, ref);
    expect(Array.from(routed)).toEqual(Array.from(ref));
  });
});

describe.skipIf(!REAL_TAXI_DIR)('CompiledForest on the real taxi months', () => {
  if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);
  it('predicts February exactly as walking each row down each tree', async () => {
    const s = await loadRealTaxiSplits();
    const model = new RandomForestRegressor({ nEstimators: 8, maxDepth: 10, seed: 42 }).fit(s.train.columns, s.train.y);
    const t = model.trees;
    const { x, nRows } = predictionRows('t', s.val.columns, model.schema);
    const ref = walked(t, t.lo, t.hi, x, nRows, 2).map((v) => 0 + model.scale * v);
    expect(Array.from(model.predict(s.val.columns))).toEqual(Array.from(ref));
  }, 60_000);
});
