import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { DenseMatrix, FeatureColumns } from '../../../src/features/matrix.js';
import { RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import { GradientBoostingRegressor } from '../../../src/models/ensemble/gbdt.js';
import { naiveCartPredict } from '../../../src/models/tree/reference.js';
import { nextUp } from '../../../src/models/tree/tree.js';

/** A small taxi-like problem: a categorical with a few levels and a numeric column. */
function problem(seed: number, n: number, nCodes: number) {
  const rng = new Rng(seed);
  const codes = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const effect = Float64Array.from({ length: nCodes }, () => rng.normal(0, 3));
  for (let i = 0; i < n; i++) {
    codes[i] = rng.below(nCodes);
    x[i] = Math.round(rng.float() * 40) / 4;
    y[i] = effect[codes[i]] + 0.8 * x[i] + rng.normal(0, 0.5);
  }
  const categories = Array.from({ length: nCodes }, (_, k) => `c${k}`);
  const columns = (c: Int32Array, v: Float64Array): FeatureColumns => ({
    format: 'columns',
    nRows: c.length,
    columns: [
      { kind: 'categorical', name: 'cat', codes: c, categories },
      { kind: 'numeric', name: 'x', values: v },
    ],
  });
  const oneHot = (c: Int32Array, v: Float64Array): DenseMatrix => {
    const width = nCodes + 1;
    const data = new Float64Array(c.length * width);
    for (let i = 0; i < c.length; i++) {
      if (c[i] < nCodes) data[i * width + c[i]] = 1;
      data[i * width + nCodes] = v[i];
    }
    return { format: 'dense', nRows: c.length, nCols: width, data };
  };
  return { codes, x, y, columns, oneHot };
}

const singleTree = (maxDepth: number) => new RandomForestRegressor({ nEstimators: 1, bootstrap: false, maxDepth });

describe('tree grower', () => {
  it('on a tiny one-hot problem makes the splits of a brute-force exact CART search', () => {
    const { codes, x, y, oneHot, columns } = problem(1, 150, 6);
    const test = problem(2, 80, 7); // code 6 is unseen in training
    for (const depth of [1, 2, 4]) {
      const dense = oneHot(codes, x);
      const testDense = oneHot(test.codes, test.x);
      const ref = naiveCartPredict(dense.data, dense.nRows, dense.nCols, y, depth, testDense.data, testDense.nRows);
      const fromDense = singleTree(depth).fit(dense, y).predict(testDense);
      // Native categorical: the same "code k vs rest" splits without the one-hot matrix; the
      // unseen code follows the "rest" side like an all-zero one-hot row.
      const testCodes = Int32Array.from(test.codes, (c) => (c === 6 ? 6 : c));
      const fromColumns = singleTree(depth).fit(columns(codes, x), y).predict(columns(testCodes, test.x));
      for (let i = 0; i < ref.length; i++) {
        expect(fromDense[i]).toBeCloseTo(ref[i], 9);
        expect(fromColumns[i]).toBeCloseTo(ref[i], 9);
      }
    }
  });

  it('on a tiny table of two categoricals and two numerics makes the splits of a brute-force exact CART search', () => {
    const rng = new Rng(21);
    const levels = [7, 4];
    const make = (n: number) => {
      const codes = levels.map((k) => Int32Array.from({ length: n }, () => rng.below(k)));
      const nums = [Float64Array.from({ length: n }, () => Math.round(rng.float() * 30) / 3), Float64Array.from({ length: n }, () => rng.below(5))];
      const y = Float64Array.from({ length: n }, (_, i) => (codes[0][i] % 3) * 2 - (codes[1][i] === 2 ? 3 : 0) + 0.7 * nums[0][i] + (nums[1][i] > 2 ? 1.5 : 0) + rng.float());
      const width = levels[0] + levels[1] + 2;
      const dense = new Float64Array(n * width);
      for (let i = 0; i < n; i++) {
        dense[i * width + codes[0][i]] = 1;
        dense[i * width + levels[0] + codes[1][i]] = 1;
        dense[i * width + width - 2] = nums[0][i];
        dense[i * width + width - 1] = nums[1][i];
      }
      const X: FeatureColumns = {
        format: 'columns',
        nRows: n,
        columns: [
          { kind: 'numeric', name: 'a', values: nums[0] },
          { kind: 'categorical', name: 'c0', codes: codes[0], categories: Array.from({ length: levels[0] }, (_, k) => `p${k}`) },
          { kind: 'categorical', name: 'c1', codes: codes[1], categories: Array.from({ length: levels[1] }, (_, k) => `q${k}`) },
          { kind: 'numeric', name: 'b', values: nums[1] },
        ],
      };
      return { X, y, dense, width };
    };
    const train = make(600);
    const test = make(90);
    // Deeper, nodes of a few rows tie between features that split them alike, and a tie may go
    // either way: depths up to 4 on 600 rows.
    for (const depth of [1, 2, 3, 4]) {
      const ref = naiveCartPredict(train.dense, 600, train.width, train.y, depth, test.dense, 90);
      const got = singleTree(depth).fit(train.X, train.y).predict(test.X);
      for (let i = 0; i < ref.length; i++) expect(got[i], `depth ${depth} row ${i}`).toBeCloseTo(ref[i], 9);
    }
  });

  it('treats a negative or out-of-range code at predict time as the unseen category', () => {
    const { codes, x, y, columns } = problem(4, 300, 8);
    const model = singleTree(4).fit(columns(codes, x), y);
    const probe = Float64Array.from([1, 4, 7]);
    const unseen = model.predict(columns(Int32Array.from([8, 8, 8]), probe));
    expect(Array.from(model.predict(columns(Int32Array.from([-1, 99, 8]), probe)))).toEqual(Array.from(unseen));
  });

  it('sends NaN to the better side and remembers it for prediction', () => {
    for (const nanHigh of [true, false]) {
      const n = 200;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = i % 10 === 0 ? Number.NaN : (i % 100) / 10;
        const high = Number.isNaN(x[i]) ? nanHigh : x[i] > 5;
        y[i] = high ? 10 : 0;
      }
      const X: DenseMatrix = { format: 'dense', nRows: n, nCols: 1, data: x };
      const model = singleTree(1).fit(X, y);
      const p = model.predict({ format: 'dense', nRows: 3, nCols: 1, data: Float64Array.from([Number.NaN, 1, 9]) });
      expect(p[0]).toBeCloseTo(nanHigh ? 10 : 0, 9);
      expect(p[1]).toBeCloseTo(0, 9);
      expect(p[2]).toBeCloseTo(10, 9);
    }
  });

  it('best-first growth stops at maxLeafNodes leaves; minSamplesLeaf holds in every leaf', () => {
    const { codes, x, y, columns } = problem(3, 400, 20);
    const model = new RandomForestRegressor({ nEstimators: 1, bootstrap: false, maxLeafNodes: 7 }).fit(columns(codes, x), y);
    const leaves = Array.from(model.trees.feature).filter((f) => f < 0).length;
    expect(leaves).toBe(7);
    const m2 = new RandomForestRegressor({ nEstimators: 1, bootstrap: false, minSamplesLeaf: 9 }).fit(columns(codes, x), y);
    const t = m2.trees;
    for (let n = 0; n < t.nNodes; n++) if (t.feature[n] < 0) expect(t.count[n]).toBeGreaterThanOrEqual(9);
  });

  it('grows the same trees whatever other columns sit beside the packed pair (primary categorical + partner numeric), also when its memory grows', () => {
    const { codes, x, y, columns } = problem(4, 3000, 150);
    const two = columns(codes, x);
    // A constant third column: never split on, but histogrammed, partitioned and gathered on its own.
    const three: FeatureColumns = { ...two, columns: [...two.columns, { kind: 'numeric', name: 'z', values: new Float64Array(3000).fill(1) }] };
    // Best-first growth to 300 leaves keeps more histograms open than the memory first reserves.
    for (const params of [{ maxLeafNodes: 300 }, { maxDepth: 12 }]) {
      const a = new RandomForestRegressor({ nEstimators: 3, seed: 9, ...params }).fit(two, y).trees;
      const b = new RandomForestRegressor({ nEstimators: 3, seed: 9, ...params }).fit(three, y).trees;
      expect(a.nNodes).toBeGreaterThan(params.maxLeafNodes ? 3 * 2 * 250 : 100);
      for (const key of ['feature', 'lo', 'hi', 'binLo', 'binHi', 'child', 'value', 'gain', 'count'] as const) {
        expect(Array.from(a[key]), key).toEqual(Array.from(b[key]));
      }
    }
  });

  it('fits on alternating datasets, and a fit nested in another fit\'s callback, give the models of fits on their own', () => {
    const a = problem(5, 2000, 60);
    const b = problem(6, 1500, 30);
    const Xa = a.columns(a.codes, a.x);
    const Xb = b.columns(b.codes, b.x);
    const forest = () => new RandomForestRegressor({ nEstimators: 4, maxDepth: 8, seed: 2 });
    const boost = () => new GradientBoostingRegressor({ nEstimators: 6, maxDepth: 5, learningRate: 0.3 });
    const aloneA = forest().fit(Xa, a.y).predict(Xa);
    const aloneB = boost().fit(Xb, b.y).predict(Xb);
    // Boosting on B; after each round a forest on A runs in the same thread.
    const nested: Float64Array[] = [];
    const outer = boost().fit(Xb, b.y, {
      validation: { X: Xb, y: b.y },
      onIteration: () => {
        nested.push(forest().fit(Xa, a.y).predict(Xa));
        return true;
      },
    });
    expect(Array.from(outer.predict(Xb))).toEqual(Array.from(aloneB));
    expect(nested).toHaveLength(6);
    for (const p of nested) expect(Array.from(p)).toEqual(Array.from(aloneA));
    expect(Array.from(forest().fit(Xa, a.y).predict(Xa))).toEqual(Array.from(aloneA));
  });
});

describe('nextUp', () => {
  // Reference: one step of the 64-bit pattern with BigInts.
  const reference = (x: number): number => {
    if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
    if (x === 0) return Number.MIN_VALUE;
    const f = Float64Array.of(x);
    const u = new BigUint64Array(f.buffer);
    u[0] = x > 0 ? u[0] + 1n : u[0] - 1n;
    return f[0];
  };

  it('is the next double up, across word carries, signs, subnormals and the ends of the range', () => {
    const rng = new Rng(3);
    const values = [0, -0, 1, -1, 0.1, -0.1, 2 ** 32, -(2 ** 32), 2 ** -1074, -(2 ** -1074), 2 ** -1022, -(2 ** -1022)];
    values.push(Number.MAX_VALUE, -Number.MAX_VALUE, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN);
    // Low word all ones (carry into the high word going up) and zero (borrow going down).
    const carry = new Float64Array(2);
    const words = new Uint32Array(carry.buffer);
    words.set([0xffffffff, 0x3ff00000, 0, 0xbff00001]);
    values.push(carry[0], carry[1]);
    for (let i = 0; i < 2000; i++) values.push((rng.float() - 0.5) * 10 ** rng.below(40));
    for (const x of values) expect(Object.is(nextUp(x), reference(x)), `nextUp(${x})`).toBe(true);
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextUp(Number.MAX_VALUE)).toBe(Number.POSITIVE_INFINITY);
  });
});
