import { type ParamsOf, type ParamsSpec, defineParams, resolveParams } from '../../core/params.js';
import type { Matrix } from '../../features/matrix.js';
import type { ModelKind } from '../registry.js';
import type { Estimator, FitOptions, ModelInput, Params } from '../types.js';
import { elasticNetCd } from './coordinate-descent.js';
import { solveLeastSquares } from './least-squares.js';
import { LinearModel, reportValidation } from './model.js';
import { checkTarget, toCsc, toTrainingCsr } from './sparse.js';

/** Linear estimators on CSR (or dense) input. Names and defaults follow scikit-learn. */

const fitIntercept = { type: 'bool', default: true, doc: 'Fit an unpenalised intercept (X and y centred implicitly).' } as const;

export const linearRegressionParams = defineParams({
  fitIntercept,
  tol: {
    type: 'float',
    default: 1e-12,
    min: 0,
    doc: 'Stop when max_j |x_j^T r| / (||x_j|| ||r||) is at or below this (exact least squares: leave it tight).',
  },
  maxIter: {
    type: 'int',
    default: null,
    nullable: true,
    min: 1,
    doc: 'Cap on refinement solves (direct solver, default 10) or LSQR iterations (default 4 x nCols + 100).',
  },
});

export const ridgeParams = defineParams({
  alpha: {
    type: 'float',
    default: 1.0,
    min: 0,
    doc: 'L2 penalty: minimise ||y - Xw - c||² + alpha ||w||² (scikit-learn scaling).',
    search: { low: 1e-4, high: 1e3, log: true },
  },
  fitIntercept,
  tol: linearRegressionParams.tol,
  maxIter: linearRegressionParams.maxIter,
});

const cdAlpha = {
  type: 'float',
  default: 1.0,
  min: 0,
  doc: 'Penalty strength: minimise 1/(2n) ||y - Xw - c||² + alpha l1Ratio ||w||₁ + alpha (1 - l1Ratio)/2 ||w||².',
  search: { low: 1e-5, high: 10, log: true },
} as const;
const cdMaxIter = { type: 'int', default: 1000, min: 1, doc: 'Maximum coordinate-descent epochs.' } as const;
const cdTol = {
  type: 'float',
  default: 1e-4,
  min: 0,
  doc: "Stop when the duality gap < tol ||y - mean(y)||² (checked when updates are small; scikit-learn's rule).",
} as const;

export const lassoParams = defineParams({ alpha: cdAlpha, fitIntercept, maxIter: cdMaxIter, tol: cdTol });

export const elasticNetParams = defineParams({
  alpha: cdAlpha,
  l1Ratio: {
    type: 'float',
    default: 0.5,
    min: 0,
    max: 1,
    doc: 'Mix of L1 (1) and L2 (0) in the penalty.',
    search: { low: 0.05, high: 1 },
  },
  fitIntercept,
  maxIter: cdMaxIter,
  tol: cdTol,
});

export type LinearRegressionParams = ParamsOf<typeof linearRegressionParams>;
export type RidgeParams = ParamsOf<typeof ridgeParams>;
export type LassoParams = ParamsOf<typeof lassoParams>;
export type ElasticNetParams = ParamsOf<typeof elasticNetParams>;

/** `params` are the estimator's (recorded in the model); `solver` the options the solver needs. */
function leastSquaresFit(kind: string, params: Params, solver: RidgeParams, X: Matrix | ModelInput, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
  const csr = toTrainingCsr(kind, X);
  checkTarget(kind, y, csr.nRows);
  const res = solveLeastSquares(csr, y, solver);
  const model = new LinearModel(
    kind,
    params,
    res.coef,
    res.intercept,
    { solver: res.solver, nIter: res.nIter, converged: res.converged, optimality: res.optimality },
    csr.featureNames,
  );
  reportValidation(model, options);
  return model;
}

function elasticNetFit(kind: string, params: Params, solver: ElasticNetParams, X: Matrix | ModelInput, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
  const csr = toTrainingCsr(kind, X);
  checkTarget(kind, y, csr.nRows);
  const res = elasticNetCd(toCsc(csr), y, solver);
  const model = new LinearModel(
    kind,
    params,
    res.coef,
    res.intercept,
    { solver: 'coordinate_descent', nIter: res.nIter, converged: res.converged, dualGap: res.dualGap },
    csr.featureNames,
  );
  reportValidation(model, options);
  return model;
}

type LinearFit<P> = (kind: string, params: P, X: Matrix | ModelInput, y: Float64Array, options?: FitOptions<Matrix>) => LinearModel;

/** The estimator class of one linear kind: params validated against `spec`, `fit` by `solve`. */
function linearEstimator<S extends ParamsSpec>(owner: string, kind: string, spec: S, solve: LinearFit<ParamsOf<S>>) {
  return class implements Estimator<ParamsOf<S>, Matrix, LinearModel> {
    static readonly kind = kind;
    static readonly spec = spec;
    readonly kind = kind;
    readonly params: ParamsOf<S>;
    constructor(params: Partial<ParamsOf<S>> = {}) {
      this.params = resolveParams(owner, spec, params);
    }
    fit(X: Matrix, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
      return solve(this.kind, this.params, X, y, options);
    }
  };
}

/** Ordinary least squares: the exact (minimum-norm) solution. */
export const LinearRegression = linearEstimator('LinearRegression', 'linear_regression', linearRegressionParams, (kind, p, X, y, o) =>
  leastSquaresFit(kind, p, { ...p, alpha: 0 }, X, y, o),
);
export type LinearRegression = InstanceType<typeof LinearRegression>;

/** L2-penalised least squares, solved exactly. */
export const Ridge = linearEstimator('Ridge', 'ridge', ridgeParams, (kind, p, X, y, o) => leastSquaresFit(kind, p, p, X, y, o));
export type Ridge = InstanceType<typeof Ridge>;

/** L1-penalised least squares by coordinate descent. */
export const Lasso = linearEstimator('Lasso', 'lasso', lassoParams, (kind, p, X, y, o) => elasticNetFit(kind, p, { ...p, l1Ratio: 1 }, X, y, o));
export type Lasso = InstanceType<typeof Lasso>;

/** L1 + L2 penalised least squares by coordinate descent. */
export const ElasticNet = linearEstimator('ElasticNet', 'elastic_net', elasticNetParams, (kind, p, X, y, o) => elasticNetFit(kind, p, p, X, y, o));
export type ElasticNet = InstanceType<typeof ElasticNet>;

function linearKind<S extends ParamsSpec>(ctor: ReturnType<typeof linearEstimator<S>>, doc: string): ModelKind {
  return {
    kind: ctor.kind,
    task: 'regression',
    doc,
    input: 'matrix',
    paramsSpec: ctor.spec,
    create: (params) => new ctor(params as Partial<ParamsOf<S>>),
    load: (artifact) => LinearModel.fromArtifact(artifact, ctor.kind, ctor.spec),
  };
}

export const linearRegressionKind = linearKind(LinearRegression, 'Ordinary least squares (exact, minimum-norm).');
export const ridgeKind = linearKind(Ridge, 'Ridge regression (exact).');
export const lassoKind = linearKind(Lasso, 'Lasso by coordinate descent.');
export const elasticNetKind = linearKind(ElasticNet, 'Elastic net by coordinate descent.');
export const linearKinds: readonly ModelKind[] = [linearRegressionKind, ridgeKind, lassoKind, elasticNetKind];
