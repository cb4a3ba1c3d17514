import { Rng } from '../../../src/core/rng.js';
import type { CsrMatrix, DenseMatrix } from '../../../src/features/matrix.js';

/** Tiny dense reference solvers and problem generators for the linear-model tests. */

export function toDense(X: CsrMatrix): number[][] {
  const out = Array.from({ length: X.nRows }, () => new Array<number>(X.nCols).fill(0));
  for (let i = 0; i < X.nRows; i++) for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) out[i][X.indices[k]] += X.values[k];
  return out;
}

export function denseMatrix(rows: number[][]): DenseMatrix {
  const nRows = rows.length;
  const nCols = rows[0]?.length ?? 0;
  return { format: 'dense', nRows, nCols, data: Float64Array.from(rows.flat()) };
}

export function csrFromDense(rows: number[][]): CsrMatrix {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    row.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        values.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return {
    format: 'csr',
    nRows: rows.length,
    nCols: rows[0].length,
    indptr: Int32Array.from(indptr),
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  };
}

/** Symmetric eigen-decomposition by cyclic Jacobi rotations: A = V diag(d) V^T. */
function jacobiEigen(a0: number[][]): { d: number[]; v: number[][] } {
  const n = a0.length;
  const a = a0.map((r) => r.slice());
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { d: a.map((r, i) => r[i]), v };
}

/**
 * Reference (ridge) least squares with an unpenalised intercept, via the centred normal equations
 * and an eigen pseudo-inverse: w = (Xc^T Xc + alpha I)^+ Xc^T yc (the minimum-norm w when alpha = 0).
 */
export function referenceLeastSquares(X: number[][], y: ArrayLike<number>, alpha: number, fitIntercept = true): { coef: number[]; intercept: number } {
  const n = X.length;
  const p = X[0].length;
  const mean = new Array<number>(p).fill(0);
  let yMean = 0;
  if (fitIntercept) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) mean[j] += X[i][j] / n;
      yMean += y[i] / n;
    }
  }
  const xc = X.map((row) => row.map((v, j) => v - mean[j]));
  const yc = Array.from({ length: n }, (_, i) => y[i] - yMean);
  const g = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => xc.reduce((s, row) => s + row[a] * row[b], 0) + (a === b ? alpha : 0)));
  const rhs = Array.from({ length: p }, (_, a) => xc.reduce((s, row, i) => s + row[a] * yc[i], 0));
  const { d, v } = jacobiEigen(g);
  // Rank cut relative to the uncentred column scale (a constant column centres to rounding noise).
  let scale = alpha;
  for (let j = 0; j < p; j++) scale = Math.max(scale, X.reduce((s, row) => s + row[j] * row[j], 0));
  const coef = new Array<number>(p).fill(0);
  for (let k = 0; k < p; k++) {
    if (Math.abs(d[k]) <= 1e-10 * scale) continue;
    let proj = 0;
    for (let a = 0; a < p; a++) proj += v[a][k] * rhs[a];
    for (let a = 0; a < p; a++) coef[a] += (v[a][k] * proj) / d[k];
  }
  const intercept = fitIntercept ? yMean - coef.reduce((s, w, j) => s + w * mean[j], 0) : 0;
  return { coef, intercept };
}

/**
 * A taxi-shaped problem: one categorical (one-hot, every row in exactly one category, so the design
 * with an intercept is rank-deficient) plus `nNumeric` numeric columns, with some heavy outliers.
 */
export function oneHotProblem(seed: number, nRows: number, nCats: number, nNumeric = 1): { X: CsrMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const catEffect = Array.from({ length: nCats }, () => rng.normal(0, 5));
  const slope = Array.from({ length: nNumeric }, () => rng.normal(2, 1));
  const nCols = nCats + nNumeric;
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(nRows * (1 + nNumeric));
  const values = new Float64Array(nRows * (1 + nNumeric));
  const y = new Float64Array(nRows);
  let p = 0;
  for (let i = 0; i < nRows; i++) {
    // Skewed category frequencies, like pickup/dropoff pairs.
    const c = Math.min(nCats - 1, Math.floor(nCats * rng.float() ** 2));
    indices[p] = c;
    values[p++] = 1;
    let target = 10 + catEffect[c] + rng.normal(0, 3);
    for (let t = 0; t < nNumeric; t++) {
      let d = rng.float() * 10;
      if (rng.float() < 0.01) d *= 1000;
      target += slope[t] * Math.min(d, 30);
      indices[p] = nCats + t;
      values[p++] = d;
    }
    y[i] = target;
    indptr[i + 1] = p;
  }
  return { X: { format: 'csr', nRows, nCols, indptr, indices: indices.subarray(0, p), values: values.subarray(0, p) }, y };
}

export function randomDense(seed: number, nRows: number, nCols: number): { rows: number[][]; y: Float64Array } {
  const rng = new Rng(seed);
  const rows = Array.from({ length: nRows }, () => Array.from({ length: nCols }, () => (rng.float() < 0.3 ? 0 : rng.normal())));
  const y = Float64Array.from(rows, (r) => r.reduce((s, v, j) => s + v * (j + 1), 0) + rng.normal(0, 0.5));
  return { rows, y };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
