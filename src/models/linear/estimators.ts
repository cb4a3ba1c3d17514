import { type ParamsOf, defineParams, resolveParams } from '../../core/params.js';
import type { Matrix } from '../../features/matrix.js';
import type { ModelKind } from '../registry.js';
import type { Estimator, FitOptions, ModelInput } from '../types.js';
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

type Params = Readonly<Record<string, unknown>>;

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

/** Ordinary least squares: the exact (minimum-norm) solution. */
export class LinearRegression implements Estimator<Matrix, LinearModel> {
  static readonly kind = 'linear_regression';
  static readonly spec = linearRegressionParams;
  readonly kind = LinearRegression.kind;
  readonly params: LinearRegressionParams;
  constructor(params: Partial<LinearRegressionParams> = {}) {
    this.params = resolveParams('LinearRegression', linearRegressionParams, params);
  }
  fit(X: Matrix, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
    return leastSquaresFit(this.kind, this.params, { ...this.params, alpha: 0 }, X, y, options);
  }
}

/** L2-penalised least squares, solved exactly. */
export class Ridge implements Estimator<Matrix, LinearModel> {
  static readonly kind = 'ridge';
  static readonly spec = ridgeParams;
  readonly kind = Ridge.kind;
  readonly params: RidgeParams;
  constructor(params: Partial<RidgeParams> = {}) {
    this.params = resolveParams('Ridge', ridgeParams, params);
  }
  fit(X: Matrix, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
    return leastSquaresFit(this.kind, this.params, this.params, X, y, options);
  }
}

/** L1-penalised least squares by coordinate descent. */
export class Lasso implements Estimator<Matrix, LinearModel> {
  static readonly kind = 'lasso';
  static readonly spec = lassoParams;
  readonly kind = Lasso.kind;
  readonly params: LassoParams;
  constructor(params: Partial<LassoParams> = {}) {
    this.params = resolveParams('Lasso', lassoParams, params);
  }
  fit(X: Matrix, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
    return elasticNetFit(this.kind, this.params, { ...this.params, l1Ratio: 1 }, X, y, options);
  }
}

/** L1 + L2 penalised least squares by coordinate descent. */
export class ElasticNet implements Estimator<Matrix, LinearModel> {
  static readonly kind = 'elastic_net';
  static readonly spec = elasticNetParams;
  readonly kind = ElasticNet.kind;
  readonly params: ElasticNetParams;
  constructor(params: Partial<ElasticNetParams> = {}) {
    this.params = resolveParams('ElasticNet', elasticNetParams, params);
  }
  fit(X: Matrix, y: Float64Array, options?: FitOptions<Matrix>): LinearModel {
    return elasticNetFit(this.kind, this.params, this.params, X, y, options);
  }
}

type LinearCtor = (new (params?: Record<string, unknown>) => Estimator<ModelInput>) & {
  readonly kind: string;
  readonly spec: typeof linearRegressionParams | typeof ridgeParams | typeof lassoParams | typeof elasticNetParams;
};

function linearKind(ctor: LinearCtor, doc: string): ModelKind {
  return {
    kind: ctor.kind,
    doc,
    input: 'matrix',
    paramsSpec: ctor.spec,
    create: (params) => new ctor(params ?? {}),
    load: (artifact) => LinearModel.fromArtifact(artifact, ctor.kind, ctor.spec),
  };
}

export const linearRegressionKind = linearKind(LinearRegression as unknown as LinearCtor, 'Ordinary least squares (exact, minimum-norm).');
export const ridgeKind = linearKind(Ridge as unknown as LinearCtor, 'Ridge regression (exact).');
export const lassoKind = linearKind(Lasso as unknown as LinearCtor, 'Lasso by coordinate descent.');
export const elasticNetKind = linearKind(ElasticNet as unknown as LinearCtor, 'Elastic net by coordinate descent.');
export const linearKinds: readonly ModelKind[] = [linearRegressionKind, ridgeKind, lassoKind, elasticNetKind];
