import type { LogisticObjective } from './logistic-loss.js';

/** How a logistic solve ended. */
export interface SolveResult {
  /** The parameters, feature-major (see `LogisticProblem`). */
  readonly theta: Float64Array;
  /** Newton (outer) iterations. */
  readonly nIter: number;
  readonly converged: boolean;
  /** Largest absolute entry of the (minimum-norm sub)gradient at `theta`. */
  readonly gradMax: number;
}

export interface SolveOptions {
  /** Stop when every entry of the gradient of the objective is at most this in absolute value. */
  readonly tol: number;
  readonly maxIter: number;
}

/** Armijo constant of the backtracking line search. */
const ARMIJO = 1e-4;
/** Halvings before a line search gives up (2^-40 of a Newton step moves nothing). */
const MAX_HALVINGS = 40;

/**
 * Minimise a smooth logistic objective by Newton's method: each step solves H d = -g by
 * conjugate gradients preconditioned with H's diagonal, to a relative residual that tightens as
 * the gradient falls (the inexact-Newton forcing term min(0.5, sqrt(|g| / |g0|)), which keeps
 * convergence superlinear), then backtracks along d until the objective falls enough. Each
 * Hessian-vector product is two passes over the nonzeros of X; the line search costs none.
 */
export function newtonCg(obj: LogisticObjective, options: SolveOptions): SolveResult {
  const n = obj.size;
  const theta = new Float64Array(n);
  const g = new Float64Array(n);
  const d = new Float64Array(n);
  const k = obj.problem.nOutputs;
  const blocks = new Float64Array(n * k);
  let f = obj.evaluate(theta, g);
  const g0 = norm2(g);
  let gradMax = maxAbs(g);
  let iter = 0;
  let converged = gradMax <= options.tol;
  while (!converged && iter < options.maxIter) {
    iter++;
    obj.hessBlocks(blocks);
    const precondition = blockInverse(blocks, k);
    pcg(obj, g, d, { precondition, eta: Math.min(0.5, Math.sqrt(norm2(g) / g0)) });
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // No descent from CG (it stopped at once): take the preconditioned gradient step.
      precondition(g, d);
      for (let j = 0; j < n; j++) d[j] = -d[j];
      gd = dot(g, d);
    }
    obj.setDirection(d);
    // Rounding noise of f: near the optimum a true Newton step may not show its (tiny) decrease.
    const noise = 1e-13 * Math.abs(f);
    let step = 1;
    let accepted = false;
    for (let h = 0; h <= MAX_HALVINGS; h++, step *= 0.5) {
      const fNew = obj.valueAlong(step);
      if (fNew <= f + ARMIJO * step * gd + noise) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    for (let j = 0; j < n; j++) theta[j] += step * d[j];
    f = obj.evaluate(theta, g);
    gradMax = maxAbs(g);
    converged = gradMax <= options.tol;
  }
  return { theta, nIter: iter, converged, gradMax };
}

export interface PcgOptions {
  /** z = M^-1 r for the preconditioner M. */
  readonly precondition: (r: Float64Array, z: Float64Array) => void;
  /** Stop when the residual is at most eta |g|. */
  readonly eta: number;
  /** Solve over these coordinates only (the others stay 0); all when undefined. */
  readonly mask?: Uint8Array;
  /** Add damping * diag_j to each coordinate's curvature (relative, so scale-free). */
  readonly damping?: { readonly factor: number; readonly diag: Float64Array };
}

/**
 * Preconditioned conjugate gradients from d = 0 on H d = -g (H plus the damping, over the
 * mask). Stops early on a direction of no curvature (the unpenalised intercepts of softmax,
 * separable data).
 */
export function pcg(obj: LogisticObjective, g: Float64Array, d: Float64Array, options: PcgOptions): void {
  const n = obj.size;
  const { precondition, mask, damping } = options;
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const hp = new Float64Array(n);
  d.fill(0);
  for (let j = 0; j < n; j++) r[j] = mask && !mask[j] ? 0 : -g[j];
  const target = options.eta * norm2(r);
  const restrict = (a: Float64Array) => {
    if (mask) for (let j = 0; j < n; j++) if (!mask[j]) a[j] = 0;
  };
  precondition(r, z);
  restrict(z);
  p.set(z);
  let rz = dot(r, z);
  for (let it = 0; it < n; it++) {
    obj.hessVec(p, hp);
    if (damping) for (let j = 0; j < n; j++) hp[j] += damping.factor * damping.diag[j] * p[j];
    restrict(hp);
    const php = dot(p, hp);
    if (!(php > 0)) break;
    const a = rz / php;
    for (let j = 0; j < n; j++) {
      d[j] += a * p[j];
      r[j] -= a * hp[j];
    }
    if (norm2(r) <= target) break;
    precondition(r, z);
    restrict(z);
    const rzNext = dot(r, z);
    const beta = rzNext / rz;
    rz = rzNext;
    for (let j = 0; j < n; j++) p[j] = z[j] + beta * p[j];
  }
}

/**
 * Block-Jacobi preconditioner: each k x k diagonal block of H (one per feature: the coupling of
 * its outputs under softmax; plain diagonal entries when k = 1) Cholesky-factored once, then
 * z = B^-1 r block by block. A singular block (an unpenalised intercept's, whose rows sum to
 * zero) gets a ridge of 1e-10 of its mean diagonal.
 */
export function blockInverse(blocks: Float64Array, k: number): (r: Float64Array, z: Float64Array) => void {
  const kk = k * k;
  const nBlocks = blocks.length / kk;
  if (k === 1) {
    const inv = new Float64Array(nBlocks);
    for (let j = 0; j < nBlocks; j++) inv[j] = blocks[j] > 0 ? 1 / blocks[j] : 1;
    return (r, z) => {
      for (let j = 0; j < nBlocks; j++) z[j] = r[j] * inv[j];
    };
  }
  const L = blocks;
  for (let j = 0; j < nBlocks; j++) choleskyInPlace(L, j * kk, k);
  const y = new Float64Array(k);
  return (r, z) => {
    for (let j = 0; j < nBlocks; j++) {
      const o = j * kk;
      const v = j * k;
      // Forward then back substitution with L (lower, row-major).
      for (let a = 0; a < k; a++) {
        let t = r[v + a];
        for (let b = 0; b < a; b++) t -= L[o + a * k + b] * y[b];
        y[a] = t / L[o + a * k + a];
      }
      for (let a = k - 1; a >= 0; a--) {
        let t = y[a];
        for (let b = a + 1; b < k; b++) t -= L[o + b * k + a] * z[v + b];
        z[v + a] = t / L[o + a * k + a];
      }
    }
  };
}

/** Cholesky factor of the k x k block at `o` (lower triangle, in place), with a ridge when needed. */
function choleskyInPlace(A: Float64Array, o: number, k: number): void {
  let trace = 0;
  for (let a = 0; a < k; a++) trace += A[o + a * k + a];
  const base = trace > 0 ? trace / k : 1;
  const saved = A.slice(o, o + k * k);
  for (let ridge = 1e-10 * base; ; ridge *= 100) {
    let ok = true;
    for (let a = 0; a < k && ok; a++) {
      for (let b = 0; b <= a; b++) {
        let t = A[o + a * k + b];
        for (let c = 0; c < b; c++) t -= A[o + a * k + c] * A[o + b * k + c];
        if (a === b) {
          if (!(t > 0)) {
            ok = false;
            break;
          }
          A[o + a * k + a] = Math.sqrt(t);
        } else {
          A[o + a * k + b] = t / A[o + b * k + b];
        }
      }
    }
    if (ok) return;
    // Start over from the block plus a ridge.
    A.set(saved, o);
    for (let a = 0; a < k; a++) A[o + a * k + a] += ridge;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

function norm2(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let j = 0; j < a.length; j++) {
    const v = Math.abs(a[j]);
    if (v > m) m = v;
  }
  return m;
}
