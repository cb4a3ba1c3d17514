import type { CscMatrix } from './sparse.js';

/**
 * Elastic-net coordinate descent on a column view, scikit-learn's objective:
 *
 *   1/(2n) ||y - X w - c||² + alpha l1Ratio ||w||₁ + alpha (1 - l1Ratio)/2 ||w||²
 *
 * The intercept is not penalised: X and y are centred implicitly (never densified). We keep the
 * uncentred residual r̃ = y_c - X w (sparse updates) and the scalar x̄·w; the centred residual is
 * r = r̃ + x̄·w. Cyclic updates; the duality gap is checked (scikit-learn's rule) when the largest
 * coefficient change is small relative to the largest coefficient, and fitting stops when
 * gap < tol ||y_c||².
 */
export interface ElasticNetOptions {
  readonly alpha: number;
  readonly l1Ratio: number;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
}

export interface ElasticNetResult {
  readonly coef: Float64Array;
  readonly intercept: number;
  /** Epochs (full passes over the columns) run. */
  readonly nIter: number;
  readonly dualGap: number;
  readonly converged: boolean;
}

export function elasticNetCd(X: CscMatrix, y: Float64Array, opts: ElasticNetOptions): ElasticNetResult {
  const { nRows: n, nCols: p, colPtr, rowIdx, values } = X;
  const l1 = opts.alpha * opts.l1Ratio * n;
  const l2 = opts.alpha * (1 - opts.l1Ratio) * n;

  const mean = new Float64Array(p);
  const norm2 = new Float64Array(p);
  let yMean = 0;
  if (opts.fitIntercept) {
    for (let i = 0; i < n; i++) yMean += y[i];
    yMean /= n;
  }
  for (let j = 0; j < p; j++) {
    let s = 0;
    let s2 = 0;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) {
      s += values[k];
      s2 += values[k] * values[k];
    }
    const mu = opts.fitIntercept ? s / n : 0;
    mean[j] = mu;
    norm2[j] = Math.max(s2 - n * mu * mu, 0);
  }
  const yc = new Float64Array(n);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    yc[i] = y[i] - yMean;
    yy += yc[i] * yc[i];
  }
  const tol = opts.tol * yy;
  const w = new Float64Array(p);
  const rt = yc.slice(); // r̃ = y_c - X w
  let rtSum = 0;
  for (let i = 0; i < n; i++) rtSum += rt[i];
  let xw = 0; // x̄·w

  let gap = tol + 1;
  let nIter = 0;
  let converged = false;
  if (yy === 0) return { coef: w, intercept: yMean, nIter: 0, dualGap: 0, converged: true };
  for (let epoch = 0; epoch < opts.maxIter; epoch++) {
    nIter = epoch + 1;
    let wMax = 0;
    let dwMax = 0;
    for (let j = 0; j < p; j++) {
      const nj = norm2[j];
      if (nj === 0) continue;
      const wOld = w[j];
      // x_cj · r = Σ_nz v r̃ - x̄_j Σ r̃
      let s = 0;
      for (let k = colPtr[j]; k < colPtr[j + 1]; k++) s += values[k] * rt[rowIdx[k]];
      const tmp = s - mean[j] * rtSum + nj * wOld;
      const a = Math.abs(tmp) - l1;
      const wNew = a > 0 ? (tmp > 0 ? a : -a) / (nj + l2) : 0;
      const d = wNew - wOld;
      if (d !== 0) {
        w[j] = wNew;
        for (let k = colPtr[j]; k < colPtr[j + 1]; k++) rt[rowIdx[k]] -= d * values[k];
        rtSum -= d * mean[j] * n;
        xw += d * mean[j];
        const ad = Math.abs(d);
        if (ad > dwMax) dwMax = ad;
      }
      const aw = Math.abs(wNew);
      if (aw > wMax) wMax = aw;
    }
    if (wMax === 0 || dwMax / wMax < opts.tol || epoch === opts.maxIter - 1) {
      gap = dualityGap(X, yc, w, rt, xw, mean, l1, l2);
      if (gap < tol) {
        converged = true;
        break;
      }
    }
  }
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= mean[j] * w[j];
  return { coef: w, intercept: opts.fitIntercept ? intercept : 0, nIter, dualGap: gap, converged };
}

/** scikit-learn's elastic-net duality gap (unscaled by n), from the centred residual r = r̃ + x̄·w. */
function dualityGap(
  X: CscMatrix,
  yc: Float64Array,
  w: Float64Array,
  rt: Float64Array,
  xw: number,
  mean: Float64Array,
  l1: number,
  l2: number,
): number {
  const { nRows: n, nCols: p, colPtr, rowIdx, values } = X;
  let rNorm2 = 0;
  let ry = 0;
  let rSum = 0;
  for (let i = 0; i < n; i++) {
    const r = rt[i] + xw;
    rNorm2 += r * r;
    ry += r * yc[i];
    rSum += r;
  }
  let dualNorm = 0;
  let wNorm2 = 0;
  let l1Norm = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) s += values[k] * (rt[rowIdx[k]] + xw);
    const xta = s - mean[j] * rSum - l2 * w[j];
    const a = Math.abs(xta);
    if (a > dualNorm) dualNorm = a;
    wNorm2 += w[j] * w[j];
    l1Norm += Math.abs(w[j]);
  }
  let scale = 1;
  let gap: number;
  if (dualNorm > l1) {
    scale = l1 / dualNorm;
    gap = 0.5 * (rNorm2 + rNorm2 * scale * scale);
  } else {
    gap = rNorm2;
  }
  return gap + l1 * l1Norm - scale * ry + 0.5 * l2 * (1 + scale * scale) * wNorm2;
}
