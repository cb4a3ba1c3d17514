/**
 * Naive references for logistic regression, on plain arrays: the objective written from its
 * definition, and a dense Newton solve (full Hessian, Gaussian elimination) for tiny problems.
 */

export interface DenseProblem {
  /** Rows of features (no intercept column). */
  readonly X: number[][];
  /** Class codes (binary: 0/1). */
  readonly y: number[];
  readonly weight: number[];
  /** 1 = binary (sigmoid), k >= 3 = softmax. */
  readonly k: number;
  /** Intercept column value (0: none). */
  readonly s: number;
  readonly penaliseIntercept: boolean;
  readonly l2: number;
}

/** theta laid out as [feature j][output c], the intercept as feature p. */
export function denseObjective(P: DenseProblem, theta: number[]): number {
  const p = P.X[0].length;
  const k = P.k;
  const rows = P.X.map((x) => (P.s > 0 ? [...x, P.s] : x));
  let f = 0;
  rows.forEach((x, i) => {
    const z = Array.from({ length: k }, (_, c) => x.reduce((a, v, j) => a + v * theta[j * k + c], 0));
    if (k === 1) {
      const m = P.y[i] === 1 ? -z[0] : z[0];
      f += P.weight[i] * Math.log(1 + Math.exp(m));
    } else {
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v), 0));
      f += P.weight[i] * (lse - z[P.y[i]]);
    }
  });
  const penalised = P.s > 0 && !P.penaliseIntercept ? p * k : theta.length;
  for (let j = 0; j < penalised; j++) f += 0.5 * P.l2 * theta[j] * theta[j];
  return f;
}

/** Gradient and Hessian of `denseObjective` by central differences. */
export function numericGradient(f: (t: number[]) => number, theta: number[], h = 1e-5): number[] {
  return theta.map((_, j) => {
    const a = [...theta];
    const b = [...theta];
    a[j] += h;
    b[j] -= h;
    return (f(a) - f(b)) / (2 * h);
  });
}

/** Analytic gradient and Hessian written from the formulas, then Newton with a dense solve. */
export function denseNewton(P: DenseProblem, iterations = 50, ridge = 0): number[] {
  const p = P.X[0].length;
  const k = P.k;
  const rows = P.X.map((x) => (P.s > 0 ? [...x, P.s] : x));
  const q = rows[0].length;
  const n = q * k;
  const penalised = P.s > 0 && !P.penaliseIntercept ? p * k : n;
  let theta = new Array<number>(n).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(n).fill(0);
    const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    rows.forEach((x, i) => {
      const z = Array.from({ length: k }, (_, c) => x.reduce((a, v, j) => a + v * theta[j * k + c], 0));
      const w = P.weight[i];
      if (k === 1) {
        const pr = 1 / (1 + Math.exp(-z[0]));
        const r = w * (pr - P.y[i]);
        const d = w * pr * (1 - pr);
        for (let a = 0; a < q; a++) {
          g[a] += r * x[a];
          for (let b = 0; b < q; b++) H[a][b] += d * x[a] * x[b];
        }
      } else {
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, v) => a + v, 0);
        const pr = e.map((v) => v / sum);
        for (let a = 0; a < q; a++) {
          for (let c = 0; c < k; c++) {
            g[a * k + c] += w * (pr[c] - (P.y[i] === c ? 1 : 0)) * x[a];
            for (let b = 0; b < q; b++) {
              for (let c2 = 0; c2 < k; c2++) {
                H[a * k + c][b * k + c2] += w * ((c === c2 ? pr[c] : 0) - pr[c] * pr[c2]) * x[a] * x[b];
              }
            }
          }
        }
      }
    });
    for (let j = 0; j < n; j++) {
      const l = j < penalised ? P.l2 : ridge;
      g[j] += l * theta[j];
      H[j][j] += l;
    }
    const step = solve(H, g);
    theta = theta.map((t, j) => t - step[j]);
  }
  return theta;
}

/** Solve A x = b by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let j = c; j <= n; j++) M[r][j] -= f * M[c][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let j = r + 1; j < n; j++) s -= M[r][j] * x[j];
    x[r] = s / M[r][r];
  }
  return x;
}
