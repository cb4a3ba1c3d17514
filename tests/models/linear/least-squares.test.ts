import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { LinearRegression, Ridge, solveLeastSquares } from '../../../src/models/linear/index.js';
import { csrFromDense, denseMatrix, maxAbsDiff, oneHotProblem, randomDense, referenceLeastSquares, toDense } from './reference.js';

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(scale, 1);
};

describe('LinearRegression (exact minimum-norm least squares)', () => {
  it('matches the pseudo-inverse answer on a rank-deficient one-hot + numeric design', () => {
    const { X, y } = oneHotProblem(11, 400, 25, 1);
    const ref = referenceLeastSquares(toDense(X), y, 0);
    const model = new LinearRegression().fit(X, y);
    expect(relErr(model.coef, ref.coef)).toBeLessThan(1e-9);
    expect(Math.abs(model.intercept - ref.intercept)).toBeLessThan(1e-8);
    expect(model.info.solver).toBe('direct');
    expect(model.info.converged).toBe(true);
    expect(model.nIter).toBeGreaterThanOrEqual(1);
    expect(model.info.optimality).toBeLessThanOrEqual(1e-12);
    // The minimum-norm answer is orthogonal to the null direction (all one-hot coefficients + 1).
    let sum = 0;
    for (let j = 0; j < 25; j++) sum += model.coef[j];
    expect(Math.abs(sum)).toBeLessThan(1e-8);
  });

  it('matches the reference with two numeric columns and several outliers', () => {
    const { X, y } = oneHotProblem(12, 600, 40, 2);
    const ref = referenceLeastSquares(toDense(X), y, 0);
    const model = new LinearRegression().fit(X, y);
    expect(relErr(model.coef, ref.coef)).toBeLessThan(1e-9);
    expect(Math.abs(model.intercept - ref.intercept)).toBeLessThan(1e-8);
  });

  it('matches the reference on a dense design with a linearly dependent column, CSR and dense input alike', () => {
    const { rows, y } = randomDense(13, 60, 6);
    for (const r of rows) r.push(2 * r[1] - r[4]);
    const ref = referenceLeastSquares(rows, y, 0);
    const fromCsr = new LinearRegression().fit(csrFromDense(rows), y);
    const fromDense = new LinearRegression().fit(denseMatrix(rows), y);
    expect(relErr(fromCsr.coef, ref.coef)).toBeLessThan(1e-9);
    expect(maxAbsDiff(fromDense.coef, fromCsr.coef)).toBeLessThan(1e-12);
    expect(maxAbsDiff(fromDense.predict(denseMatrix(rows)), fromCsr.predict(csrFromDense(rows)))).toBeLessThan(1e-9);
  });

  it('fits without an intercept', () => {
    const { rows, y } = randomDense(14, 50, 5);
    const ref = referenceLeastSquares(rows, y, 0, false);
    const model = new LinearRegression({ fitIntercept: false }).fit(csrFromDense(rows), y);
    expect(model.intercept).toBe(0);
    expect(relErr(model.coef, ref.coef)).toBeLessThan(1e-9);
  });

  it('the LSQR fallback reaches the same minimum-norm answer', () => {
    const { X, y } = oneHotProblem(15, 300, 20, 1);
    const ref = referenceLeastSquares(toDense(X), y, 0);
    const res = solveLeastSquares(X, y, { alpha: 0, fitIntercept: true, tol: 1e-14, maxIter: 5000, solver: 'lsqr' });
    expect(res.solver).toBe('lsqr');
    expect(res.nIter).toBeGreaterThan(1);
    expect(relErr(res.coef, ref.coef)).toBeLessThan(1e-7);
  });

  it('two one-hot blocks (pickup and dropoff apart) + a numeric column: the wide reduced system is exact too', () => {
    const a = oneHotProblem(17, 500, 12, 1);
    const b = oneHotProblem(18, 500, 9, 0);
    // Columns: block A (12), block B (9), numeric; both blocks cover every row (two null directions).
    const rows = toDense(a.X).map((row, i) => [...row.slice(0, 12), ...toDense(b.X)[i], row[12]]);
    const y = Float64Array.from(a.y, (v, i) => v + b.y[i]);
    const ref = referenceLeastSquares(rows, y, 0);
    for (const solver of ['direct', 'gram'] as const) {
      const res = solveLeastSquares(csrFromDense(rows), y, { alpha: 0, fitIntercept: true, tol: 1e-12, maxIter: null, solver });
      expect(res.converged).toBe(true);
      expect(res.reducedRank).toBeLessThan(res.reducedSize ?? 0);
      expect(relErr(res.coef, ref.coef)).toBeLessThan(1e-9);
    }
  });

  it('predicts X w + c', () => {
    const { X, y } = oneHotProblem(16, 200, 10, 1);
    const model = new LinearRegression().fit(X, y);
    const dense = toDense(X);
    const naive = dense.map((row) => row.reduce((s, v, j) => s + v * model.coef[j], model.intercept));
    expect(maxAbsDiff(model.predict(X), naive)).toBeLessThan(1e-9);
  });
});

describe('Ridge (exact)', () => {
  it('matches the dense normal equations on one-hot data and on dense data', () => {
    const { X, y } = oneHotProblem(21, 400, 30, 1);
    for (const alpha of [0.5, 10]) {
      const ref = referenceLeastSquares(toDense(X), y, alpha);
      const model = new Ridge({ alpha }).fit(X, y);
      expect(relErr(model.coef, ref.coef)).toBeLessThan(1e-9);
      expect(Math.abs(model.intercept - ref.intercept)).toBeLessThan(1e-8);
    }
    const { rows, y: yd } = randomDense(22, 40, 8);
    const refD = referenceLeastSquares(rows, yd, 3);
    const dense = new Ridge({ alpha: 3 }).fit(denseMatrix(rows), yd);
    expect(relErr(dense.coef, refD.coef)).toBeLessThan(1e-9);
    const lsqr = solveLeastSquares(csrFromDense(rows), yd, { alpha: 3, fitIntercept: true, tol: 1e-14, maxIter: 5000, solver: 'lsqr' });
    expect(relErr(lsqr.coef, refD.coef)).toBeLessThan(1e-7);
  });

  it('alpha = 0 gives the minimum-norm least-squares answer', () => {
    const { X, y } = oneHotProblem(23, 300, 15, 1);
    const a = new Ridge({ alpha: 0 }).fit(X, y);
    const b = new LinearRegression().fit(X, y);
    expect(maxAbsDiff(a.coef, b.coef)).toBeLessThan(1e-12);
  });
});

describe('least squares on many small random designs', () => {
  it('LinearRegression and Ridge (QR and Gram paths) equal the pseudo-inverse reference (zero, constant, duplicate and one-hot columns)', () => {
    const rng = new Rng(99);
    let worst = 0;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + rng.below(25);
      const p = 1 + rng.below(8);
      const kind = rng.below(4);
      const rows = Array.from({ length: n }, (_, i) =>
        Array.from({ length: p }, (_, j) => {
          if (kind === 0) return rng.float() < 0.5 ? 0 : rng.normal();
          if (kind === 1) return j === i % p ? 1 : 0; // one-hot
          if (kind === 2) return rng.float() < 0.3 ? rng.int(-2, 2) : 0; // small integers: repeats likely
          return j === 0 ? 0 : rng.float() < 0.4 ? 1 : 0; // an all-zero column + overlapping indicators
        }),
      );
      if (rng.float() < 0.3 && p > 1) for (const r of rows) r[p - 1] = r[0]; // duplicate column
      const y = Float64Array.from({ length: n }, () => rng.normal(3, 2));
      const fitIntercept = rng.float() < 0.8;
      const alpha = rng.float() < 0.5 ? 0 : rng.float() * 2;
      const X = csrFromDense(rows);
      if (X.values.length === 0) continue;
      const ref = referenceLeastSquares(rows, y, alpha, fitIntercept);
      const model = alpha === 0 ? new LinearRegression({ fitIntercept }).fit(X, y) : new Ridge({ alpha, fitIntercept }).fit(X, y);
      // The Gram-matrix factorisation (used when the reduced system is wide) must agree too.
      const gram = solveLeastSquares(X, y, { alpha, fitIntercept, tol: 1e-12, maxIter: null, solver: 'gram' });
      const scale = Math.max(1, ...ref.coef.map(Math.abs));
      for (const fit of [model, gram]) {
        worst = Math.max(worst, maxAbsDiff(fit.coef, ref.coef) / scale, Math.abs(fit.intercept - ref.intercept) / scale);
      }
    }
    expect(worst).toBeLessThan(1e-8);
  });
});

describe('fit options', () => {
  it('reports the validation metric once through onIteration', () => {
    const { X, y } = oneHotProblem(61, 300, 10, 1);
    const reports: { iteration: number; metrics: Readonly<Record<string, number>> }[] = [];
    const model = new Ridge({ alpha: 2 }).fit(X, y, { validation: { X, y }, metric: 'mae', onIteration: (r) => void reports.push(r) });
    const pred = model.predict(X);
    const mae = pred.reduce((s, p, i) => s + Math.abs(p - y[i]), 0) / y.length;
    expect(reports).toHaveLength(1);
    expect(reports[0].iteration).toBe(model.nIter);
    expect(reports[0].metrics.mae).toBeCloseTo(mae, 12);
  });
});
