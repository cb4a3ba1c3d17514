import type { CsrMatrix } from '../../features/matrix.js';

/**
 * The logistic objective the solvers minimise, on CSR input:
 *
 *   f(theta) = sum_i c_i loss_i(z_i) + lambda/2 ||theta_penalised||^2      (L2; L1 solvers add their own term)
 *
 * with z_i = x_i W + s b (s: the intercept column's value; 0 = no intercept). Binary (one output):
 * loss_i = log(1 + exp(-z_i)) for positives, log(1 + exp(z_i)) otherwise. Multinomial (k outputs):
 * loss_i = logsumexp(z_i) - z_i[y_i]. With s = scikit-learn's intercept_scaling and the intercept
 * penalised this is liblinear's problem; with s = 1 and the intercept unpenalised it is lbfgs's.
 *
 * Parameters are one Float64Array, feature-major: theta[j * k + c] for feature j (j = nCols is
 * the intercept column) and output c, so a row's nonzeros read and write contiguous runs.
 */
export interface LogisticProblem {
  readonly X: CsrMatrix;
  /** Binary: 1 for a positive row, 0 otherwise. Multinomial: the class code. */
  readonly y: Int32Array;
  /** c_i: the weight of each row's loss (class weights, sample weights). */
  readonly weight: Float64Array;
  /** 1 (binary, sigmoid) or the number of classes (multinomial, softmax). */
  readonly nOutputs: number;
  /** The intercept column's value; 0 fits no intercept. */
  readonly interceptScaling: number;
  /** Whether the penalty covers the intercept (liblinear) or not. */
  readonly penaliseIntercept: boolean;
  /** L2 strength 1/C of the smooth objective (0 for the L1 solver, which adds its own penalty). */
  readonly l2: number;
}

/** Number of parameters of a problem: (nCols + intercept) x outputs. */
export function parameterCount(p: LogisticProblem): number {
  return (p.X.nCols + (p.interceptScaling > 0 ? 1 : 0)) * p.nOutputs;
}

/** 1 / (1 + exp(-t)) without overflow. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/** out = X~ theta (n x k, row-major), X~ = [X, s]. */
export function forward(p: LogisticProblem, theta: Float64Array, out: Float64Array): void {
  const { indptr, indices, values, nRows, nCols } = p.X;
  const k = p.nOutputs;
  const s = p.interceptScaling;
  if (k === 1) {
    const b = s > 0 ? s * theta[nCols] : 0;
    for (let i = 0; i < nRows; i++) {
      let z = b;
      for (let q = indptr[i]; q < indptr[i + 1]; q++) z += values[q] * theta[indices[q]];
      out[i] = z;
    }
    return;
  }
  const ib = nCols * k;
  for (let i = 0; i < nRows; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) out[o + c] = s > 0 ? s * theta[ib + c] : 0;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const v = values[q];
      const w = indices[q] * k;
      for (let c = 0; c < k; c++) out[o + c] += v * theta[w + c];
    }
  }
}

/** out = X~^T r (r: n x k, row-major), overwriting out. */
export function backward(p: LogisticProblem, r: Float64Array, out: Float64Array): void {
  const { indptr, indices, values, nRows, nCols } = p.X;
  const k = p.nOutputs;
  const s = p.interceptScaling;
  out.fill(0);
  if (k === 1) {
    let sb = 0;
    for (let i = 0; i < nRows; i++) {
      const ri = r[i];
      if (ri === 0) continue;
      sb += ri;
      for (let q = indptr[i]; q < indptr[i + 1]; q++) out[indices[q]] += values[q] * ri;
    }
    if (s > 0) out[nCols] = s * sb;
    return;
  }
  const ib = nCols * k;
  for (let i = 0; i < nRows; i++) {
    const o = i * k;
    for (let q = indptr[i]; q < indptr[i + 1]; q++) {
      const v = values[q];
      const w = indices[q] * k;
      for (let c = 0; c < k; c++) out[w + c] += v * r[o + c];
    }
    if (s > 0) for (let c = 0; c < k; c++) out[ib + c] += s * r[o + c];
  }
}

/**
 * The smooth (L2 or unpenalised) objective with what Newton's method needs: value and gradient,
 * Hessian-vector products and the Hessian's diagonal at the last evaluated point, and values
 * along a direction without further passes over X (z is linear in the step).
 */
export class LogisticObjective {
  readonly size: number;
  /** Margins z at the current point (n x k). */
  private readonly z: Float64Array;
  /** Binary: c_i p_i (1 - p_i). Multinomial: the probabilities p (n x k). */
  private readonly curv: Float64Array;
  /** Scratch rows (n x k): residuals, then products. */
  private readonly rows: Float64Array;
  /** Margins of the search direction (n x k). */
  private readonly zd: Float64Array;
  private readonly theta: Float64Array;
  private readonly dir: Float64Array;
  /** First parameter index of the intercept (== size when it has none or it is penalised). */
  private readonly freeFrom: number;

  constructor(readonly problem: LogisticProblem) {
    const n = problem.X.nRows * problem.nOutputs;
    this.size = parameterCount(problem);
    this.z = new Float64Array(n);
    this.curv = new Float64Array(n);
    this.rows = new Float64Array(n);
    this.zd = new Float64Array(n);
    this.theta = new Float64Array(this.size);
    this.dir = new Float64Array(this.size);
    this.freeFrom = problem.interceptScaling > 0 && !problem.penaliseIntercept ? problem.X.nCols * problem.nOutputs : this.size;
  }

  private penalty(theta: Float64Array): number {
    let s = 0;
    for (let j = 0; j < this.freeFrom; j++) s += theta[j] * theta[j];
    return 0.5 * this.problem.l2 * s;
  }

  /** f(theta); fills grad and keeps what the Hessian needs. */
  evaluate(theta: Float64Array, grad: Float64Array): number {
    const p = this.problem;
    this.theta.set(theta);
    forward(p, theta, this.z);
    const loss = this.rowsAt(this.z, true);
    backward(p, this.rows, grad);
    const l2 = p.l2;
    for (let j = 0; j < this.freeFrom; j++) grad[j] += l2 * theta[j];
    return loss + this.penalty(theta);
  }

  /** f(theta) alone (one pass over X). */
  value(theta: Float64Array): number {
    forward(this.problem, theta, this.zd);
    return this.rowsAt(this.zd, false) + this.penalty(theta);
  }

  /**
   * Sum of weighted losses at margins z. With `prepare`, also the residuals c_i (p - y) into
   * `rows` and the curvature terms into `curv`.
   */
  private rowsAt(z: Float64Array, prepare: boolean): number {
    const { y, weight, nOutputs: k } = this.problem;
    const n = y.length;
    const rows = this.rows;
    const curv = this.curv;
    let loss = 0;
    if (k === 1) {
      // One exp per row, inline: e = exp(-|z|) gives log(1 + exp(+-z)) and the sigmoid without
      // overflow (a call returning a double would box it on every row).
      for (let i = 0; i < n; i++) {
        const c = weight[i];
        const zi = z[i];
        const pos = y[i] === 1;
        const e = Math.exp(zi > 0 ? -zi : zi);
        const lp = Math.log1p(e);
        // softplus(m) for m = -z (positive rows) or z: m + log1p(e) when m > 0, else log1p(e).
        const m = pos ? -zi : zi;
        loss += c * (m > 0 ? m + lp : lp);
        if (prepare) {
          const pi = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
          rows[i] = c * (pi - (pos ? 1 : 0));
          curv[i] = c * pi * (1 - pi);
        }
      }
      return loss;
    }
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let m = z[o];
      for (let c = 1; c < k; c++) if (z[o + c] > m) m = z[o + c];
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[o + c] - m);
      const c0 = weight[i];
      const yi = y[i];
      loss += c0 * (m + Math.log(sum) - z[o + yi]);
      if (prepare) {
        for (let c = 0; c < k; c++) {
          const pc = Math.exp(z[o + c] - m) / sum;
          curv[o + c] = pc;
          rows[o + c] = c0 * (pc - (c === yi ? 1 : 0));
        }
      }
    }
    return loss;
  }

  /** out = H v at the last evaluated point. */
  hessVec(v: Float64Array, out: Float64Array): void {
    const p = this.problem;
    const { weight, nOutputs: k } = p;
    const n = weight.length;
    const u = this.rows;
    forward(p, v, u);
    const curv = this.curv;
    if (k === 1) {
      for (let i = 0; i < n; i++) u[i] *= curv[i];
    } else {
      // Softmax curvature: c_i (diag(p) - p p^T) u_i.
      for (let i = 0; i < n; i++) {
        const o = i * k;
        let pu = 0;
        for (let c = 0; c < k; c++) pu += curv[o + c] * u[o + c];
        const c0 = weight[i];
        for (let c = 0; c < k; c++) u[o + c] = c0 * curv[o + c] * (u[o + c] - pu);
      }
    }
    backward(p, u, out);
    const l2 = p.l2;
    for (let j = 0; j < this.freeFrom; j++) out[j] += l2 * v[j];
  }

  /**
   * The Hessian's diagonal blocks at the last evaluated point: for each feature (and the
   * intercept) the k x k block coupling its outputs, row-major, into `out` ((nCols + 1) k^2).
   * For one output these are the diagonal entries.
   */
  hessBlocks(out: Float64Array): void {
    const p = this.problem;
    const { indptr, indices, values, nRows, nCols } = p.X;
    const { weight, nOutputs: k, interceptScaling: s } = p;
    const kk = k * k;
    const curv = this.curv;
    out.fill(0);
    if (k === 1) {
      for (let i = 0; i < nRows; i++) {
        const h = curv[i];
        if (h === 0) continue;
        for (let q = indptr[i]; q < indptr[i + 1]; q++) out[indices[q]] += h * values[q] * values[q];
        if (s > 0) out[nCols] += h * s * s;
      }
    } else {
      // Softmax: c_i x_ij^2 (diag(p_i) - p_i p_i^T) per nonzero.
      const block = new Float64Array(kk);
      for (let i = 0; i < nRows; i++) {
        const o = i * k;
        const c0 = weight[i];
        for (let a = 0; a < k; a++) {
          const pa = curv[o + a];
          for (let b = 0; b < k; b++) block[a * k + b] = c0 * ((a === b ? pa : 0) - pa * curv[o + b]);
        }
        for (let q = indptr[i]; q < indptr[i + 1]; q++) {
          const x2 = values[q] * values[q];
          const base = indices[q] * kk;
          for (let t = 0; t < kk; t++) out[base + t] += x2 * block[t];
        }
        if (s > 0) for (let t = 0; t < kk; t++) out[nCols * kk + t] += s * s * block[t];
      }
    }
    const l2 = p.l2;
    const nPen = this.freeFrom / k;
    for (let j = 0; j < nPen; j++) for (let a = 0; a < k; a++) out[j * kk + a * k + a] += l2;
  }

  /** The Hessian's diagonal at the last evaluated point. */
  hessDiag(out: Float64Array): void {
    const k = this.problem.nOutputs;
    if (k === 1) {
      this.hessBlocks(out);
      return;
    }
    const blocks = new Float64Array(out.length * k);
    this.hessBlocks(blocks);
    for (let j = 0; j < out.length; j++) out[j] = blocks[j * k + (j % k)];
  }

  /** Set a search direction from the last evaluated point (one pass over X). */
  setDirection(d: Float64Array): void {
    this.dir.set(d);
    forward(this.problem, d, this.zd);
  }

  /** f(theta + alpha d) for the last evaluated theta and direction, without passes over X. */
  valueAlong(alpha: number): number {
    const z = this.rows;
    for (let i = 0; i < z.length; i++) z[i] = this.z[i] + alpha * this.zd[i];
    const loss = this.rowsAt(z, false);
    const l2 = this.problem.l2;
    let s = 0;
    for (let j = 0; j < this.freeFrom; j++) {
      const t = this.theta[j] + alpha * this.dir[j];
      s += t * t;
    }
    return loss + 0.5 * l2 * s;
  }
}
