import { describe, expect, it } from 'vitest';
import type { CsrMatrix } from '../../../src/features/matrix.js';
import { ElasticNet, Lasso } from '../../../src/models/linear/index.js';
import { csrFromDense, maxAbsDiff, oneHotProblem, randomDense, toDense } from './reference.js';

/** Naive dense coordinate descent with explicit centring (reference only). */
function naiveElasticNet(rows: number[][], y: ArrayLike<number>, alpha: number, l1Ratio: number, epochs: number): { coef: number[]; intercept: number } {
  const n = rows.length;
  const p = rows[0].length;
  const mean = Array.from({ length: p }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const yMean = Array.from(y).reduce((s, v) => s + v, 0) / n;
  const xc = rows.map((r) => r.map((v, j) => v - mean[j]));
  const w = new Array<number>(p).fill(0);
  const r = Array.from(y, (v) => v - yMean);
  for (let e = 0; e < epochs; e++) {
    for (let j = 0; j < p; j++) {
      const nj = xc.reduce((s, row) => s + row[j] * row[j], 0);
      if (nj === 0) continue;
      const rho = xc.reduce((s, row, i) => s + row[j] * (r[i] + row[j] * w[j]), 0);
      const thr = alpha * l1Ratio * n;
      const wNew = Math.sign(rho) * Math.max(Math.abs(rho) - thr, 0) / (nj + alpha * (1 - l1Ratio) * n);
      for (let i = 0; i < n; i++) r[i] -= xc[i][j] * (wNew - w[j]);
      w[j] = wNew;
    }
  }
  return { coef: w, intercept: yMean - w.reduce((s, v, j) => s + v * mean[j], 0) };
}

/** Largest violation of the elastic-net optimality (KKT) conditions, in units of alpha. */
function kktViolation(X: CsrMatrix, y: Float64Array, coef: Float64Array, intercept: number, alpha: number, l1Ratio: number): number {
  const rows = toDense(X);
  const n = rows.length;
  const r = rows.map((row, i) => y[i] - row.reduce((s, v, j) => s + v * coef[j], intercept));
  let worst = Math.abs(r.reduce((s, v) => s + v, 0)) / n; // intercept optimality
  for (let j = 0; j < X.nCols; j++) {
    const g = rows.reduce((s, row, i) => s + row[j] * r[i], 0) / n - alpha * (1 - l1Ratio) * coef[j];
    const l1 = alpha * l1Ratio;
    const v = coef[j] === 0 ? Math.max(0, Math.abs(g) - l1) : Math.abs(g - l1 * Math.sign(coef[j]));
    worst = Math.max(worst, v / alpha);
  }
  return worst;
}

describe('Lasso / ElasticNet coordinate descent', () => {
  it('Lasso satisfies the KKT conditions on one-hot data (rank-deficient with intercept)', () => {
    const { X, y } = oneHotProblem(31, 500, 30, 1);
    const zeros: number[] = [];
    for (const alpha of [0.01, 0.3]) {
      const m = new Lasso({ alpha, tol: 1e-12, maxIter: 100_000 }).fit(X, y);
      expect(m.info.converged).toBe(true);
      expect(kktViolation(X, y, m.coef, m.intercept, alpha, 1)).toBeLessThan(1e-4);
      zeros.push(m.coef.filter((w) => w === 0).length);
    }
    expect(zeros[1]).toBeGreaterThan(zeros[0]);
  });

  it('matches a naive dense coordinate descent (Lasso and ElasticNet)', () => {
    const { rows, y } = randomDense(32, 60, 7);
    const X = csrFromDense(rows);
    const lasso = new Lasso({ alpha: 0.2, tol: 1e-14, maxIter: 10_000 }).fit(X, y);
    const refL = naiveElasticNet(rows, y, 0.2, 1, 2000);
    expect(maxAbsDiff(lasso.coef, refL.coef)).toBeLessThan(1e-8);
    expect(Math.abs(lasso.intercept - refL.intercept)).toBeLessThan(1e-8);
    const enet = new ElasticNet({ alpha: 0.3, l1Ratio: 0.4, tol: 1e-14, maxIter: 10_000 }).fit(X, y);
    const refE = naiveElasticNet(rows, y, 0.3, 0.4, 2000);
    expect(maxAbsDiff(enet.coef, refE.coef)).toBeLessThan(1e-8);
    expect(kktViolation(X, y, enet.coef, enet.intercept, 0.3, 0.4)).toBeLessThan(1e-8);
  });

  it('a penalty above max |x_j^T y| / n zeroes every coefficient and leaves the mean', () => {
    const { X, y } = oneHotProblem(33, 200, 10, 1);
    const m = new Lasso({ alpha: 1e6 }).fit(X, y);
    expect(m.coef.every((w) => w === 0)).toBe(true);
    expect(m.intercept).toBeCloseTo(y.reduce((s, v) => s + v, 0) / y.length, 10);
  });

  it('reports epochs and the duality gap, and stops at maxIter', () => {
    const { X, y } = oneHotProblem(34, 300, 20, 1);
    const capped = new Lasso({ alpha: 0.001, tol: 1e-15, maxIter: 2 }).fit(X, y);
    expect(capped.nIter).toBe(2);
    expect(capped.info.converged).toBe(false);
    expect(capped.info.dualGap).toBeGreaterThan(0);
  });
});
