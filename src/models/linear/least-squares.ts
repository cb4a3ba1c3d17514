import type { CsrMatrix } from '../../features/matrix.js';
import { type CscMatrix, linearPredict, toCsc } from './sparse.js';

/**
 * Exact (ridge-)regularised least squares with an unpenalised intercept:
 *
 *   minimise ||y - X w - c||² + alpha ||w||²      (alpha = 0: the minimum-norm w among all minimisers)
 *
 * Block elimination. The columns of X are split greedily into S, a set of columns whose row
 * supports are pairwise disjoint (a one-hot block: S^T S is diagonal), and the few remaining
 * columns R (plus the intercept column), together Z = [R 1] with m columns. Eliminating the S
 * coefficients leaves an m x m system whose matrix is Z̃^T Z̃, Z̃ = W^½ Z (W = I - S(D+αI)^-1 S^T is
 * block diagonal, one block per S column), factorised by Householder QR with column pivoting, which
 * also reveals the null space when alpha = 0. The minimum-norm solution is then picked inside that
 * null space exactly. Each solve costs O(nnz + n m); rounding is removed by iterative refinement
 * (corrected semi-normal equations) until the gradient is at the rounding level, and the number of
 * solves is reported as the iteration count.
 *
 * When R is wider (e.g. pickup and dropoff one-hot blocks apart), the m x m matrix is formed from
 * sparse products and factorised by pivoted Cholesky instead of forming Z̃. Beyond that (very many
 * overlapping columns), LSQR on the implicitly centred operator is used (started at zero it
 * converges to the minimum-norm solution).
 */
export interface LeastSquaresOptions {
  /** Ridge penalty on the coefficients (never on the intercept); 0 gives ordinary least squares. */
  readonly alpha: number;
  readonly fitIntercept: boolean;
  /** Stop when the relative gradient (optimality) is at or below this. */
  readonly tol: number;
  /** Cap on solves (direct) or iterations (LSQR); null: 10 refinement solves / 4 x nCols + 100 LSQR steps. */
  readonly maxIter: number | null;
  /**
   * Force the solver (tests): 'direct' (QR of the reduced matrix), 'gram' (its Gram matrix), 'lsqr'.
   * Default: QR when the reduced system is small, Gram when it is wider, else LSQR.
   */
  readonly solver?: 'auto' | 'direct' | 'gram' | 'lsqr';
}

export interface LeastSquaresResult {
  readonly coef: Float64Array;
  readonly intercept: number;
  readonly nIter: number;
  readonly solver: 'direct' | 'lsqr';
  /** max_j |gradient_j| / (||x_j|| ||r|| + alpha |w_j|) at the returned solution. */
  readonly optimality: number;
  readonly converged: boolean;
  /** Size and rank of the reduced (non-one-hot + intercept) system, for the direct solver. */
  readonly reducedSize?: number;
  readonly reducedRank?: number;
}

/**
 * Direct path limits: rows x m² flops for the QR (beyond it the Gram route is much cheaper, at the
 * price of a rank decision on squared values), nCols x m doubles for the coupling block.
 */
const DIRECT_QR_BUDGET = 3e7;
const DIRECT_COUPLING_BUDGET = 5e7;
/** Widest reduced system factored through its Gram matrix (m³/3 flops). */
const GRAM_MAX_COLS = 1500;

export function solveLeastSquares(X: CsrMatrix, y: Float64Array, opts: LeastSquaresOptions): LeastSquaresResult {
  const csc = toCsc(X);
  const choice = opts.solver ?? 'auto';
  if (choice !== 'lsqr') {
    const direct = DirectSystem.build(csc, opts.alpha, opts.fitIntercept, choice === 'direct' ? 'qr' : choice);
    if (direct) return refine(X, csc, y, direct, opts);
  }
  return lsqr(X, csc, y, opts);
}

/** Greedy partition: ascending nnz, a column joins S when none of its rows is already claimed. */
function partition(csc: CscMatrix): Partition {
  const { nRows, nCols, colPtr, rowIdx, values } = csc;
  // Counting sort of columns by nnz.
  const counts = new Int32Array(nRows + 2);
  for (let j = 0; j < nCols; j++) counts[colPtr[j + 1] - colPtr[j] + 1]++;
  for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
  const order = new Int32Array(nCols);
  for (let j = 0; j < nCols; j++) order[counts[colPtr[j + 1] - colPtr[j]]++] = j;
  const owner = new Int32Array(nRows).fill(-1);
  const ownerVal = new Float64Array(nRows);
  const inS = new Uint8Array(nCols);
  const rest: number[] = [];
  for (let o = 0; o < nCols; o++) {
    const j = order[o];
    let free = true;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) {
      if (owner[rowIdx[k]] >= 0) {
        free = false;
        break;
      }
    }
    if (!free) {
      rest.push(j);
      continue;
    }
    inS[j] = 1;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) {
      owner[rowIdx[k]] = j;
      ownerVal[rowIdx[k]] = values[k];
    }
  }
  rest.sort((a, b) => a - b);
  return { owner, ownerVal, inS, rest };
}

/** The factorised block system; `solve` maps a gradient (normal-equations right side) to a step. */
class DirectSystem {
  private constructor(
    readonly nCols: number,
    readonly inS: Uint8Array,
    readonly rest: Int32Array,
    readonly m: number,
    readonly fitIntercept: boolean,
    /** 1 / (D_j + alpha) for S columns (0 for empty ones). */
    readonly dInv: Float64Array,
    /** C[j*m + t] = x_j · z_t for S columns j. */
    readonly coupling: Float64Array,
    /** Upper-triangular R (row-major m x m): R^T R = P^T (scaled reduced matrix) P, from QR or Cholesky. */
    readonly r: Float64Array,
    readonly perm: Int32Array,
    readonly scale: Float64Array,
    readonly rank: number,
    /** Null directions of the full problem (alpha = 0): full-length coefficient steps and intercept steps. */
    readonly nullW: Float64Array[],
    readonly nullC: Float64Array,
    /** Cholesky factor (row-major q x q, lower) of nullW^T nullW. */
    readonly nullGramChol: Float64Array,
  ) {}

  static build(csc: CscMatrix, alpha: number, fitIntercept: boolean, mode: 'auto' | 'qr' | 'gram'): DirectSystem | undefined {
    const { nRows: n, nCols: p } = csc;
    const part = partition(csc);
    const { inS, rest } = part;
    const nR = rest.length;
    const m = nR + (fitIntercept ? 1 : 0);
    const N = n + (alpha > 0 ? nR : 0);
    if (mode === 'auto') {
      if (p * m > DIRECT_COUPLING_BUDGET) return undefined;
      if (N * m * m <= DIRECT_QR_BUDGET) mode = 'qr';
      else if (m <= GRAM_MAX_COLS) mode = 'gram';
      else return undefined;
    }
    const f = mode === 'qr' ? factorQr(csc, part, alpha, fitIntercept) : factorGram(csc, part, alpha, fitIntercept);
    const { dInv, coupling, scale, r, perm, rank } = f;

    // Null space (alpha = 0 only): x = [-R11^-1 R12 e_j; e_j] in scaled, permuted coordinates.
    const nullW: Float64Array[] = [];
    const nullCList: number[] = [];
    if (alpha === 0) {
      for (let jj = rank; jj < m; jj++) {
        const x = new Float64Array(m);
        x[jj] = 1;
        for (let k = rank - 1; k >= 0; k--) {
          let s = -r[k * m + jj];
          for (let t = k + 1; t < rank; t++) s -= r[k * m + t] * x[t];
          x[k] = s / r[k * m + k];
        }
        const pz = new Float64Array(m);
        for (let k = 0; k < m; k++) pz[perm[k]] = x[k] / scale[perm[k]];
        const w = new Float64Array(p);
        for (let j = 0; j < p; j++) {
          if (!inS[j] || dInv[j] === 0) continue;
          let s = 0;
          for (let t = 0; t < m; t++) s += coupling[j * m + t] * pz[t];
          w[j] = -dInv[j] * s;
        }
        for (let t = 0; t < nR; t++) w[rest[t]] = pz[t];
        nullW.push(w);
        nullCList.push(fitIntercept ? pz[m - 1] : 0);
      }
    }
    const q = nullW.length;
    const gram = new Float64Array(q * q);
    for (let a = 0; a < q; a++) for (let b = 0; b <= a; b++) gram[a * q + b] = gram[b * q + a] = dot(nullW[a], nullW[b]);
    return new DirectSystem(p, inS, Int32Array.from(rest), m, fitIntercept, dInv, coupling, r, perm, scale, rank, nullW, Float64Array.from(nullCList), cholesky(gram, q));
  }

  /**
   * Solve the normal equations [S Z]^T [S Z] + alpha E for the step given the gradient `g` (per
   * coefficient) and `gc` (intercept), into `out`; returns the intercept step.
   */
  solve(g: Float64Array, gc: number, out: Float64Array, scratch: Float64Array): number {
    const { m, nCols: p, inS, rest, dInv, coupling: C, r, perm, scale, rank } = this;
    const rhs = scratch.subarray(0, m);
    const x = scratch.subarray(m, 2 * m);
    for (let t = 0; t < rest.length; t++) rhs[t] = g[rest[t]];
    if (this.fitIntercept) rhs[m - 1] = gc;
    for (let j = 0; j < p; j++) {
      if (!inS[j]) continue;
      const u = dInv[j] * g[j];
      out[j] = u;
      if (u !== 0) for (let t = 0; t < m; t++) rhs[t] -= C[j * m + t] * u;
    }
    // R^T R x = P^T S^-1 rhs (leading rank block), then p = S^-1 P x.
    for (let k = 0; k < rank; k++) {
      let s = rhs[perm[k]] / scale[perm[k]];
      for (let t = 0; t < k; t++) s -= r[t * m + k] * x[t];
      x[k] = s / r[k * m + k];
    }
    for (let k = rank - 1; k >= 0; k--) {
      let s = x[k];
      for (let t = k + 1; t < rank; t++) s -= r[k * m + t] * x[t];
      x[k] = s / r[k * m + k];
    }
    for (let k = 0; k < m; k++) rhs[perm[k]] = k < rank ? x[k] / scale[perm[k]] : 0;
    for (let j = 0; j < p; j++) {
      if (!inS[j] || dInv[j] === 0) continue;
      let s = 0;
      for (let t = 0; t < m; t++) s += C[j * m + t] * rhs[t];
      out[j] -= dInv[j] * s;
    }
    for (let t = 0; t < rest.length; t++) out[rest[t]] = rhs[t];
    return this.fitIntercept ? rhs[m - 1] : 0;
  }

  /** Move (w, c) along the null space to the minimum-norm w (exact: a q x q projection). */
  projectMinNorm(w: Float64Array, c: number): number {
    const q = this.nullW.length;
    if (q === 0) return c;
    const theta = new Float64Array(q);
    for (let a = 0; a < q; a++) theta[a] = -dot(this.nullW[a], w);
    choleskySolve(this.nullGramChol, q, theta);
    for (let a = 0; a < q; a++) {
      const v = this.nullW[a];
      const th = theta[a];
      for (let j = 0; j < w.length; j++) w[j] += th * v[j];
      c += th * this.nullC[a];
    }
    return c;
  }
}

interface Partition {
  readonly owner: Int32Array;
  readonly ownerVal: Float64Array;
  readonly inS: Uint8Array;
  readonly rest: number[];
}

/** The eliminated system: S block diagonal, coupling C = S^T Z, and the factor R of the reduced matrix. */
interface Factored {
  readonly dInv: Float64Array;
  readonly coupling: Float64Array;
  readonly scale: Float64Array;
  readonly r: Float64Array;
  readonly perm: Int32Array;
  readonly rank: number;
}

/** S block: squared column norms -> dInv (0 for empty columns). Returns the squared norms. */
function diagonalBlock(csc: CscMatrix, inS: Uint8Array, alpha: number, dInv: Float64Array): Float64Array {
  const { nCols: p, colPtr, values } = csc;
  const d = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (!inS[j]) continue;
    let s = 0;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) s += values[k] * values[k];
    d[j] = s;
    if (s + alpha > 0) dInv[j] = 1 / (s + alpha);
  }
  return d;
}

/**
 * Small m: form Z̃ = W^½ Z densely (N x m) and factor it by Householder QR with column pivoting
 * (rank decided at rounding level on the unsquared matrix).
 */
function factorQr(csc: CscMatrix, part: Partition, alpha: number, fitIntercept: boolean): Factored {
  const { nRows: n, nCols: p, colPtr, rowIdx, values } = csc;
  const { owner, ownerVal, inS, rest } = part;
  const nR = rest.length;
  const m = nR + (fitIntercept ? 1 : 0);
  const N = n + (alpha > 0 ? nR : 0);
  // Z = [R 1] (column-major, N rows incl. the sqrt(alpha) rows of the ridge augmentation).
  const z = new Float64Array(N * m);
  for (let t = 0; t < nR; t++) {
    const j = rest[t];
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) z[t * N + rowIdx[k]] = values[k];
  }
  if (fitIntercept) z.fill(1, nR * N, nR * N + n);
  const sqNorm = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s2 = t < nR ? alpha : 0;
    for (let i = 0; i < n; i++) s2 += z[t * N + i] * z[t * N + i];
    sqNorm[t] = s2;
  }
  const dInv = new Float64Array(p);
  const d = diagonalBlock(csc, inS, alpha, dInv);
  const coupling = new Float64Array(p * m);
  for (let i = 0; i < n; i++) {
    const j = owner[i];
    if (j < 0) continue;
    const v = ownerVal[i];
    for (let t = 0; t < m; t++) coupling[j * m + t] += v * z[t * N + i];
  }
  // W^½ = I - gamma v v^T on each S column's rows (alpha = 0: the projection, gamma = 1/d).
  const gammaInv = new Float64Array(p);
  for (let j = 0; j < p; j++) if (d[j] > 0) gammaInv[j] = alpha === 0 ? d[j] : d[j] / (1 - Math.sqrt(alpha / (d[j] + alpha)));
  for (let i = 0; i < n; i++) {
    const j = owner[i];
    if (j < 0) continue;
    // Divide by 1/gamma (not multiply by gamma): keeps count/count exactly 1 for indicator columns.
    const v = ownerVal[i];
    const g = gammaInv[j];
    for (let t = 0; t < m; t++) z[t * N + i] -= (v * coupling[j * m + t]) / g;
  }
  if (alpha > 0) for (let t = 0; t < nR; t++) z[t * N + n + t] = Math.sqrt(alpha);
  // Scale by the norms of the columns before elimination: a column that elimination reduces to
  // rounding noise (in the span of S, like the intercept next to a full one-hot block) then shows
  // up as a negligible pivot, and the rank decision does not depend on units.
  const scale = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    scale[t] = sqNorm[t] > 0 ? Math.sqrt(sqNorm[t]) : 1;
    const inv = 1 / scale[t];
    for (let i = 0; i < N; i++) z[t * N + i] *= inv;
  }
  return { dInv, coupling, scale, ...pivotedQr(z, N, m) };
}

/**
 * Wider m (several one-hot blocks, e.g. pickup and dropoff zones apart): form the m x m reduced
 * matrix Z^T Z + alpha E - C^T (D + alpha)^-1 C from sparse products, O(nnz·m + Σ_j nnz(C_j)²),
 * and factor it by pivoted Cholesky. Squaring loosens the rank decision to ~1e-6 relative
 * singular values; refinement then restores full accuracy on the retained directions.
 */
function factorGram(csc: CscMatrix, part: Partition, alpha: number, fitIntercept: boolean): Factored {
  const { nRows: n, nCols: p, colPtr, rowIdx, values } = csc;
  const { owner, ownerVal, inS, rest } = part;
  const nR = rest.length;
  const m = nR + (fitIntercept ? 1 : 0);
  // Z^T Z row by row (each row has few entries in R): transpose the R columns first.
  const rowPtr = new Int32Array(n + 1);
  for (let t = 0; t < nR; t++) for (let k = colPtr[rest[t]]; k < colPtr[rest[t] + 1]; k++) rowPtr[rowIdx[k] + 1]++;
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  const next = rowPtr.slice(0, n);
  const rowCol = new Int32Array(rowPtr[n]);
  const rowVal = new Float64Array(rowPtr[n]);
  for (let t = 0; t < nR; t++) {
    for (let k = colPtr[rest[t]]; k < colPtr[rest[t] + 1]; k++) {
      const q = next[rowIdx[k]]++;
      rowCol[q] = t;
      rowVal[q] = values[k];
    }
  }
  const g = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    for (let a = rowPtr[i]; a < rowPtr[i + 1]; a++) {
      const t = rowCol[a];
      const vt = rowVal[a];
      for (let b = a; b < rowPtr[i + 1]; b++) g[t * m + rowCol[b]] += vt * rowVal[b];
      if (fitIntercept) g[t * m + m - 1] += vt;
    }
  }
  for (let t = 0; t < nR; t++) g[t * m + t] += alpha;
  if (fitIntercept) g[m * m - 1] = n;
  const dInv = new Float64Array(p);
  diagonalBlock(csc, inS, alpha, dInv);
  const coupling = new Float64Array(p * m);
  for (let t = 0; t < nR; t++) {
    const jt = rest[t];
    for (let k = colPtr[jt]; k < colPtr[jt + 1]; k++) {
      const i = rowIdx[k];
      const j = owner[i];
      if (j >= 0) coupling[j * m + t] += ownerVal[i] * values[k];
    }
  }
  if (fitIntercept) {
    for (let j = 0; j < p; j++) {
      if (!inS[j]) continue;
      let s = 0;
      for (let k = colPtr[j]; k < colPtr[j + 1]; k++) s += values[k];
      coupling[j * m + m - 1] = s;
    }
  }
  // Subtract C_j C_j^T / (D_j + alpha) over the nonzeros of each coupling row.
  const nz = new Int32Array(m);
  for (let j = 0; j < p; j++) {
    if (!inS[j] || dInv[j] === 0) continue;
    let cnt = 0;
    for (let t = 0; t < m; t++) if (coupling[j * m + t] !== 0) nz[cnt++] = t;
    const di = dInv[j];
    for (let a = 0; a < cnt; a++) {
      const t = nz[a];
      const ct = coupling[j * m + t] * di;
      for (let b = a; b < cnt; b++) g[t * m + nz[b]] -= ct * coupling[j * m + nz[b]];
    }
  }
  // Scale by the original column norms (diagonal of Z^T Z + alpha E); mirror to full symmetric.
  const scale = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s2 = 0;
    if (t < nR) {
      const jt = rest[t];
      for (let k = colPtr[jt]; k < colPtr[jt + 1]; k++) s2 += values[k] * values[k];
      s2 += alpha;
    } else s2 = n;
    scale[t] = s2 > 0 ? Math.sqrt(s2) : 1;
  }
  for (let t = 0; t < m; t++) {
    for (let u = t; u < m; u++) {
      const v = g[t * m + u] / (scale[t] * scale[u]);
      g[t * m + u] = v;
      g[u * m + t] = v;
    }
  }
  return { dInv, coupling, scale, ...pivotedCholesky(g, m, 1e-14 * Math.max(m, 16)) };
}

/**
 * Cholesky with diagonal pivoting of a symmetric PSD m x m matrix (row-major, overwritten):
 * R^T R = P^T A P with R upper (row-major); stops when the largest remaining pivot <= tol.
 */
export function pivotedCholesky(a: Float64Array, m: number, tol: number): { r: Float64Array; perm: Int32Array; rank: number } {
  const perm = Int32Array.from({ length: m }, (_, i) => i);
  let rank = m;
  for (let k = 0; k < m; k++) {
    let piv = k;
    for (let t = k + 1; t < m; t++) if (a[t * m + t] > a[piv * m + piv]) piv = t;
    if (!(a[piv * m + piv] > tol)) {
      rank = k;
      break;
    }
    if (piv !== k) {
      for (let i = 0; i < m; i++) {
        const tmp = a[i * m + k];
        a[i * m + k] = a[i * m + piv];
        a[i * m + piv] = tmp;
      }
      for (let j = 0; j < m; j++) {
        const tmp = a[k * m + j];
        a[k * m + j] = a[piv * m + j];
        a[piv * m + j] = tmp;
      }
      const tp = perm[k];
      perm[k] = perm[piv];
      perm[piv] = tp;
    }
    const akk = Math.sqrt(a[k * m + k]);
    a[k * m + k] = akk;
    for (let t = k + 1; t < m; t++) a[k * m + t] /= akk;
    for (let t = k + 1; t < m; t++) {
      const rt = a[k * m + t];
      if (rt === 0) continue;
      for (let u = t; u < m; u++) a[t * m + u] -= rt * a[k * m + u];
    }
    for (let t = k + 1; t < m; t++) for (let u = t + 1; u < m; u++) a[u * m + t] = a[t * m + u];
  }
  const r = new Float64Array(m * m);
  for (let k = 0; k < rank; k++) for (let t = k; t < m; t++) r[k * m + t] = a[k * m + t];
  return { r, perm, rank };
}

/** Iterative refinement: step = solve(gradient) until the relative gradient reaches tol. */
function refine(X: CsrMatrix, csc: CscMatrix, y: Float64Array, sys: DirectSystem, opts: LeastSquaresOptions): LeastSquaresResult {
  const { nRows: n, nCols: p } = X;
  const maxIter = opts.maxIter ?? 10;
  const alpha = opts.alpha;
  const colNorm = columnNorms(csc);
  const w = new Float64Array(p);
  let c = 0;
  const resid = new Float64Array(n);
  const g = new Float64Array(p);
  const step = new Float64Array(p);
  const scratch = new Float64Array(2 * sys.m);
  let nIter = 0;
  let optimality = Number.POSITIVE_INFINITY;
  let best = { w: w.slice(), c, optimality };
  for (;;) {
    linearPredict(X, w, c, resid);
    let rr = 0;
    let gc = 0;
    for (let i = 0; i < n; i++) {
      const ri = y[i] - resid[i];
      resid[i] = ri;
      rr += ri * ri;
      gc += ri;
    }
    gradient(csc, resid, w, alpha, g);
    optimality = relativeGradient(g, gc, w, colNorm, Math.sqrt(rr), alpha, n, opts.fitIntercept);
    if (nIter > 0 && optimality < best.optimality) best = { w: w.slice(), c, optimality };
    // Stop when converged, out of budget, or no longer improving (rounding level reached).
    if (nIter > 0 && (optimality <= opts.tol || nIter >= maxIter || optimality > best.optimality)) break;
    if (!opts.fitIntercept) gc = 0;
    const dc = sys.solve(g, gc, step, scratch);
    for (let j = 0; j < p; j++) w[j] += step[j];
    c += dc;
    if (alpha === 0) c = sys.projectMinNorm(w, c);
    nIter++;
  }
  return {
    coef: best.w,
    intercept: best.c,
    nIter,
    solver: 'direct',
    optimality: best.optimality,
    converged: best.optimality <= opts.tol,
    reducedSize: sys.m,
    reducedRank: sys.rank,
  };
}

/** g = X^T r - alpha w (column view). */
function gradient(csc: CscMatrix, r: Float64Array, w: Float64Array, alpha: number, g: Float64Array): void {
  const { nCols, colPtr, rowIdx, values } = csc;
  for (let j = 0; j < nCols; j++) {
    let s = 0;
    for (let k = colPtr[j]; k < colPtr[j + 1]; k++) s += values[k] * r[rowIdx[k]];
    g[j] = s - alpha * w[j];
  }
}

function columnNorms(csc: CscMatrix): Float64Array {
  const out = new Float64Array(csc.nCols);
  for (let j = 0; j < csc.nCols; j++) {
    let s = 0;
    for (let k = csc.colPtr[j]; k < csc.colPtr[j + 1]; k++) s += csc.values[k] * csc.values[k];
    out[j] = Math.sqrt(s);
  }
  return out;
}

function relativeGradient(
  g: Float64Array,
  gc: number,
  w: Float64Array,
  colNorm: Float64Array,
  rNorm: number,
  alpha: number,
  n: number,
  fitIntercept: boolean,
): number {
  let worst = fitIntercept && rNorm > 0 ? Math.abs(gc) / (Math.sqrt(n) * rNorm) : 0;
  for (let j = 0; j < g.length; j++) {
    if (g[j] === 0) continue;
    const denom = colNorm[j] * rNorm + alpha * Math.abs(w[j]);
    if (denom === 0) return Number.POSITIVE_INFINITY;
    const v = Math.abs(g[j]) / denom;
    if (v > worst) worst = v;
  }
  return worst;
}

/**
 * Householder QR with column pivoting of a column-major N x m matrix (overwritten). Returns R
 * (row-major m x m, upper), the column permutation and the numerical rank.
 */
export function pivotedQr(a: Float64Array, N: number, m: number): { r: Float64Array; perm: Int32Array; rank: number } {
  const perm = Int32Array.from({ length: m }, (_, i) => i);
  const r = new Float64Array(m * m);
  const colSq = new Float64Array(m);
  let rank = m;
  let r00 = 0;
  const rtol = Number.EPSILON * Math.max(N, m);
  for (let k = 0; k < m; k++) {
    // Remaining column norms recomputed exactly (m is small; avoids downdating error).
    let piv = k;
    for (let t = k; t < m; t++) {
      let s = 0;
      for (let i = k; i < N; i++) s += a[t * N + i] * a[t * N + i];
      colSq[t] = s;
      if (s > colSq[piv]) piv = t;
    }
    if (piv !== k) {
      for (let i = 0; i < N; i++) {
        const tmp = a[k * N + i];
        a[k * N + i] = a[piv * N + i];
        a[piv * N + i] = tmp;
      }
      const tp = perm[k];
      perm[k] = perm[piv];
      perm[piv] = tp;
      const ts = colSq[k];
      colSq[k] = colSq[piv];
      colSq[piv] = ts;
    }
    const normx = Math.sqrt(colSq[k]);
    if (k === 0) r00 = normx;
    if (normx <= rtol * Math.max(r00, 1) || normx === 0) {
      rank = k;
      break;
    }
    // Householder vector v = x - beta e1 stored in place of column k (rows k..N-1).
    const x0 = a[k * N + k];
    const beta = x0 >= 0 ? -normx : normx;
    const v0 = x0 - beta;
    a[k * N + k] = v0;
    const vv = colSq[k] - x0 * x0 + v0 * v0;
    for (let t = k + 1; t < m; t++) {
      let s = 0;
      for (let i = k; i < N; i++) s += a[k * N + i] * a[t * N + i];
      const f = (2 * s) / vv;
      for (let i = k; i < N; i++) a[t * N + i] -= f * a[k * N + i];
    }
    r[k * m + k] = beta;
  }
  // Off-diagonal R entries are read at the end: later pivots swap whole columns.
  for (let k = 0; k < rank; k++) for (let t = k + 1; t < m; t++) r[k * m + t] = a[t * N + k];
  return { r, perm, rank };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cholesky factor L (row-major, lower) of a small SPD matrix. */
function cholesky(a: Float64Array, q: number): Float64Array {
  const l = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * q + j];
      for (let k = 0; k < j; k++) s -= l[i * q + k] * l[j * q + k];
      l[i * q + j] = i === j ? Math.sqrt(Math.max(s, Number.MIN_VALUE)) : s / l[j * q + j];
    }
  }
  return l;
}

function choleskySolve(l: Float64Array, q: number, b: Float64Array): void {
  for (let i = 0; i < q; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * q + k] * b[k];
    b[i] = s / l[i * q + i];
  }
  for (let i = q - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < q; k++) s -= l[k * q + i] * b[k];
    b[i] = s / l[i * q + i];
  }
}

/**
 * LSQR (Paige & Saunders) on the implicitly centred operator [X - 1 x̄^T; sqrt(alpha) I], from zero.
 * Stops when ||A^T r|| / (||A||_F ||r||) <= tol or the residual vanishes.
 */
function lsqr(X: CsrMatrix, csc: CscMatrix, y: Float64Array, opts: LeastSquaresOptions): LeastSquaresResult {
  const { nRows: n, nCols: p } = X;
  const maxIter = opts.maxIter ?? 4 * p + 100;
  const damp = Math.sqrt(opts.alpha);
  const mean = new Float64Array(p);
  let yMean = 0;
  if (opts.fitIntercept) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = csc.colPtr[j]; k < csc.colPtr[j + 1]; k++) s += csc.values[k];
      mean[j] = s / n;
    }
    for (let i = 0; i < n; i++) yMean += y[i];
    yMean /= n;
  }
  let aNorm2 = damp * damp * p;
  const colNorm = columnNorms(csc);
  for (let j = 0; j < p; j++) aNorm2 += colNorm[j] * colNorm[j] - n * mean[j] * mean[j];
  const aNorm = Math.sqrt(Math.max(aNorm2, 0));

  // A v = X v - (x̄·v) 1 ;  A^T u = X^T u - x̄ Σu
  const av = (v: Float64Array, out: Float64Array): void => {
    linearPredict(X, v, -dot(mean, v), out);
  };
  const atu = (u: Float64Array, out: Float64Array): void => {
    let su = 0;
    for (let i = 0; i < n; i++) su += u[i];
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = csc.colPtr[j]; k < csc.colPtr[j + 1]; k++) s += csc.values[k] * u[csc.rowIdx[k]];
      out[j] = s - mean[j] * su;
    }
  };
  const norm = (a: Float64Array): number => Math.sqrt(dot(a, a));

  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = y[i] - yMean;
  const x = new Float64Array(p);
  const v = new Float64Array(p);
  const w = new Float64Array(p);
  const tmpN = new Float64Array(n);
  const tmpP = new Float64Array(p);
  let beta = norm(u);
  const bNorm = beta;
  let nIter = 0;
  let optimality = 0;
  if (beta > 0) {
    for (let i = 0; i < n; i++) u[i] /= beta;
    atu(u, v);
    let alpha = norm(v);
    if (alpha > 0) for (let j = 0; j < p; j++) v[j] /= alpha;
    w.set(v);
    let phibar = beta;
    let rhobar = alpha;
    let res2 = 0;
    optimality = alpha === 0 ? 0 : Number.POSITIVE_INFINITY;
    while (alpha > 0 && nIter < maxIter) {
      nIter++;
      av(v, tmpN);
      for (let i = 0; i < n; i++) u[i] = tmpN[i] - alpha * u[i];
      beta = norm(u);
      if (beta > 0) for (let i = 0; i < n; i++) u[i] /= beta;
      atu(u, tmpP);
      for (let j = 0; j < p; j++) v[j] = tmpP[j] - beta * v[j];
      alpha = norm(v);
      if (alpha > 0) for (let j = 0; j < p; j++) v[j] /= alpha;
      // Eliminate the damping, then the subdiagonal beta (plane rotations).
      const rhobar1 = Math.hypot(rhobar, damp);
      const cs1 = rhobar / rhobar1;
      const sn1 = damp / rhobar1;
      const psi = sn1 * phibar;
      phibar *= cs1;
      const rho = Math.hypot(rhobar1, beta);
      const cs = rhobar1 / rho;
      const sn = beta / rho;
      const theta = sn * alpha;
      rhobar = -cs * alpha;
      const phi = cs * phibar;
      phibar *= sn;
      const t1 = phi / rho;
      const t2 = -theta / rho;
      for (let j = 0; j < p; j++) {
        x[j] += t1 * w[j];
        w[j] = v[j] + t2 * w[j];
      }
      res2 += psi * psi;
      const rNorm = Math.sqrt(phibar * phibar + res2);
      const arNorm = alpha * Math.abs(sn * phi);
      optimality = rNorm > 0 ? arNorm / (aNorm * rNorm) : 0;
      if (optimality <= opts.tol || rNorm <= opts.tol * bNorm) break;
    }
  }
  const intercept = opts.fitIntercept ? yMean - dot(mean, x) : 0;
  return { coef: x, intercept, nIter, solver: 'lsqr', optimality, converged: optimality <= opts.tol };
}
