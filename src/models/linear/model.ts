import { ArtifactError, InvalidInputError, TunekitError } from '../../core/errors.js';
import { type ParamsSpec, resolveParams } from '../../core/params.js';
import type { Matrix } from '../../features/matrix.js';
import { type JsonValue, type ModelArtifact, checkHeader, makeHeader, requireArray } from '../artifact.js';
import { metrics } from '../metrics/index.js';
import type { FitOptions, ModelInput, RegressionModel } from '../types.js';
import { linearPredict, requireMatrix } from './sparse.js';

/** How a linear fit ended (recorded in the artifact). */
export interface LinearFitInfo {
  readonly solver: 'direct' | 'lsqr' | 'coordinate_descent';
  /** Solves (direct), iterations (LSQR) or epochs (coordinate descent) used. */
  readonly nIter: number;
  readonly converged: boolean;
  /** Relative gradient at the solution (least squares solvers). */
  readonly optimality?: number;
  /** Final duality gap (coordinate descent), in scikit-learn's units. */
  readonly dualGap?: number;
}

/** A fitted linear model: y = X coef + intercept. Shared by every linear kind. */
export class LinearModel implements RegressionModel<Matrix> {
  readonly task = 'regression';
  readonly nFeatures: number;
  constructor(
    readonly kind: string,
    readonly params: Readonly<Record<string, unknown>>,
    readonly coef: Float64Array,
    readonly intercept: number,
    readonly info: LinearFitInfo,
    readonly featureNames?: readonly string[],
  ) {
    this.nFeatures = coef.length;
  }

  get nIter(): number {
    return this.info.nIter;
  }

  predict(X: Matrix | ModelInput): Float64Array {
    const m = requireMatrix(`${this.kind}.predict`, X);
    if (m.nCols !== this.nFeatures) {
      throw new InvalidInputError(`${this.kind}.predict: X has ${m.nCols} features but the model was fitted on ${this.nFeatures}`);
    }
    return linearPredict(m, this.coef, this.intercept);
  }

  toArtifact(): ModelArtifact {
    const state: Record<string, JsonValue> = { intercept: this.intercept, ...(this.info as unknown as Record<string, JsonValue>) };
    return {
      header: makeHeader(this.kind, this.params, state, this.featureNames),
      arrays: { coef: this.coef },
    };
  }

  /** Rebuild a model of `kind` from its artifact; params are re-validated against `spec`. */
  static fromArtifact(artifact: ModelArtifact, kind: string, spec: ParamsSpec): LinearModel {
    const header = checkHeader(artifact?.header, kind);
    let params: Readonly<Record<string, unknown>>;
    try {
      params = resolveParams(kind, spec, header.params);
    } catch (err) {
      throw new ArtifactError(`'${kind}' artifact has invalid params: ${(err as Error).message}`, { cause: err });
    }
    const coef = requireArray(artifact, 'coef', Float64Array);
    const { intercept, solver, nIter, converged, optimality, dualGap } = header.state as Record<string, unknown>;
    if (typeof intercept !== 'number' || !Number.isFinite(intercept)) throw new ArtifactError(`'${kind}' artifact has no finite intercept`);
    if (header.featureNames && header.featureNames.length !== coef.length) {
      throw new ArtifactError(`'${kind}' artifact has ${header.featureNames.length} feature names for ${coef.length} coefficients`);
    }
    const info: LinearFitInfo = {
      solver: solver === 'lsqr' || solver === 'coordinate_descent' ? solver : 'direct',
      nIter: typeof nIter === 'number' ? nIter : 0,
      converged: converged === true,
      ...(typeof optimality === 'number' ? { optimality } : {}),
      ...(typeof dualGap === 'number' ? { dualGap } : {}),
    };
    return new LinearModel(kind, params, coef, intercept, info, header.featureNames);
  }
}

/** After a fit: report the validation metric once (linear fits have no per-round state to prune). */
export function reportValidation(model: LinearModel, options: FitOptions<Matrix> | undefined): void {
  if (!options?.validation || !options.onIteration) return;
  const name = options.metric ?? 'rmse';
  const metric = metrics.get(name);
  const { X, y } = options.validation;
  if (X.nRows !== y.length) throw new InvalidInputError(`${model.kind}: validation X has ${X.nRows} rows but y has ${y.length} values`);
  const value = metric.fn(y, model.predict(X));
  if (!Number.isFinite(value)) throw new TunekitError('NON_FINITE_METRIC', `${model.kind}: validation ${name} is ${value}`);
  options.onIteration({ iteration: model.info.nIter, metrics: { [name]: value } });
}
