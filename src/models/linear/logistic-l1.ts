import type { LogisticObjective } from './logistic-loss.js';
import { type SolveOptions, type SolveResult, pcg } from './logistic-newton.js';

/** Sufficient-decrease constant of the line search. */
const SIGMA = 1e-4;
const MAX_HALVINGS = 40;
/**
 * Damping added to the Hessian's diagonal, relative to each entry: without an L2 term, collinear
 * columns (an intercept beside a full one-hot block) make the free block singular.
 */
const DAMPING = 1e-8;

/**
 * L1-penalised logistic regression:
 *
 *   minimise  f(theta) + lambda sum_{j < penalised} |theta_j|
 *
 * (f: the smooth objective, `obj`; coordinates from `penalised` on, an unpenalised intercept, carry
 * no L1 term) by orthant-wise Newton steps: on the orthant the signs of theta and of the
 * pseudo-gradient choose, the objective is smooth; each step solves the Newton system on the
 * coordinates free to move (nonzero, or zero with a pseudo-gradient pointing out of zero) by
 * preconditioned conjugate gradients, then backtracks along the step projected back onto the
 * orthant (a coordinate that would change sign stops at zero). Coordinate descent, the textbook
 * method, crawls when columns are collinear (an intercept beside a full one-hot block, raw
 * unscaled columns); conjugate gradients do not.
 */
export function l1Newton(obj: LogisticObjective, lambda: number, penalised: number, options: SolveOptions): SolveResult {
  const n = obj.size;
  const theta = new Float64Array(n);
  const trial = new Float64Array(n);
  const g = new Float64Array(n);
  const pg = new Float64Array(n);
  const d = new Float64Array(n);
  const diag = new Float64Array(n);
  const free = new Uint8Array(n);
  const l1 = (t: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < penalised; j++) s += Math.abs(t[j]);
    return lambda * s;
  };
  let f = obj.evaluate(theta, g) + l1(theta);
  let iter = 0;
  let gradMax = pseudoGradient(g, theta, lambda, penalised, pg);
  let converged = gradMax <= options.tol;
  const pg0 = norm2(pg);
  while (!converged && iter < options.maxIter) {
    iter++;
    for (let j = 0; j < n; j++) free[j] = theta[j] !== 0 || pg[j] !== 0 ? 1 : 0;
    obj.hessDiag(diag);
    const precondition = (r: Float64Array, z: Float64Array) => {
      for (let j = 0; j < n; j++) z[j] = r[j] / (diag[j] > 0 ? diag[j] * (1 + DAMPING) : 1);
    };
    pcg(obj, pg, d, { precondition, eta: Math.min(0.5, Math.sqrt(norm2(pg) / pg0)), mask: free, damping: { factor: DAMPING, diag } });
    let slope = 0;
    for (let j = 0; j < n; j++) slope += pg[j] * d[j];
    if (!(slope < 0)) {
      for (let j = 0; j < n; j++) d[j] = free[j] ? -pg[j] / (diag[j] > 0 ? diag[j] : 1) : 0;
    }
    // Backtrack along the orthant projection of theta + step d.
    const noise = 1e-13 * Math.abs(f);
    let step = 1;
    let accepted = false;
    for (let h = 0; h <= MAX_HALVINGS; h++, step *= 0.5) {
      let decrease = 0;
      for (let j = 0; j < n; j++) {
        const t = theta[j];
        let v = t + step * d[j];
        if (j < penalised) {
          // The orthant: the sign of theta_j, or for a zero the sign of -pg_j.
          const sign = t !== 0 ? Math.sign(t) : -Math.sign(pg[j]);
          if (v * sign < 0) v = 0;
        }
        trial[j] = v;
        decrease += pg[j] * (v - t);
      }
      const fTrial = obj.value(trial) + l1(trial);
      if (fTrial <= f + SIGMA * decrease + noise) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    theta.set(trial);
    f = obj.evaluate(theta, g) + l1(theta);
    gradMax = pseudoGradient(g, theta, lambda, penalised, pg);
    converged = gradMax <= options.tol;
  }
  return { theta, nIter: iter, converged, gradMax };
}

/**
 * The minimum-norm subgradient of f + lambda |theta| (the optimality violation of each
 * coordinate) into `pg`; returns its largest absolute entry.
 */
export function pseudoGradient(g: Float64Array, theta: Float64Array, lambda: number, penalised: number, pg: Float64Array): number {
  let max = 0;
  for (let j = 0; j < g.length; j++) {
    let v = g[j];
    if (j < penalised) {
      const t = theta[j];
      if (t > 0) v += lambda;
      else if (t < 0) v -= lambda;
      else v = v > lambda ? v - lambda : v < -lambda ? v + lambda : 0;
    }
    pg[j] = v;
    const a = Math.abs(v);
    if (a > max) max = a;
  }
  return max;
}

function norm2(a: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * a[j];
  return Math.sqrt(s);
}
