import { ArtifactError, ConvergenceWarning, InvalidInputError, InvalidParameterError, TunekitError } from '../../core/errors.js';
import { type ParamsOf, defineParams, resolveParams } from '../../core/params.js';
import type { CsrMatrix, Matrix } from '../../features/matrix.js';
import { type JsonValue, type ModelArtifact, checkHeader, makeHeader, requireArray } from '../artifact.js';
import { LabelEncoder } from '../labels.js';
import { argmaxCodes } from '../metrics/classification.js';
import type { ClassificationKind } from '../registry.js';
import { metricFor } from '../scoring.js';
import type { ClassificationModel, Estimator, FitOptions, Labels, ModelInput } from '../types.js';
import { emitWarning, warningTags } from '../warnings.js';
import { l1Newton } from './logistic-l1.js';
import { LogisticObjective, type LogisticProblem, sigmoid } from './logistic-loss.js';
import { type SolveResult, newtonCg } from './logistic-newton.js';
import { requireMatrix, toTrainingCsr } from './sparse.js';

/** Class weights: 'balanced' (n / (k * count of the class)), or a weight per label (missing labels weigh 1). */
export type ClassWeight = 'balanced' | Readonly<Record<string, number>>;

function checkClassWeight(value: unknown): string | undefined {
  if (value === 'balanced') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return "must be 'balanced', a map of label -> weight, or null";
  for (const [label, w] of Object.entries(value)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) return `must map labels to finite weights >= 0 (label ${JSON.stringify(label)})`;
  }
  return undefined;
}

/**
 * Parameters with scikit-learn's names and defaults. `solver` names the problem scikit-learn's
 * solver of that name solves; tunekit solves it by Newton's method to its tolerance:
 * - 'lbfgs' (default): unpenalised intercept; 'l2' or 'none'; multinomial (softmax) for 3+ classes.
 * - 'liblinear': the intercept is the weight of a constant column of `interceptScaling`, penalised
 *   like the others; 'l1' or 'l2'; one-vs-rest for 3+ classes.
 */
export const logisticRegressionParams = defineParams({
  penalty: { type: 'enum', values: ['l2', 'l1', 'none'], default: 'l2', doc: "Penalty on the coefficients: 'l2', 'l1' (solver 'liblinear') or 'none' (solver 'lbfgs')." },
  C: {
    type: 'float',
    default: 1.0,
    min: 0,
    exclusiveMin: true,
    doc: 'Inverse penalty strength: minimise sum_i w_i loss_i + (1/C) penalty (L2: 1/(2C) ||coef||^2; L1: 1/C ||coef||_1).',
    search: { low: 1e-4, high: 1e4, log: true },
  },
  fitIntercept: { type: 'bool', default: true, doc: 'Fit an intercept (per class).' },
  interceptScaling: {
    type: 'float',
    default: 1.0,
    min: 0,
    exclusiveMin: true,
    doc: "Solver 'liblinear': the value of the constant column whose weight is the intercept (its penalty shrinks as this grows).",
  },
  classWeight: {
    type: 'json',
    default: null as ClassWeight | null,
    check: checkClassWeight,
    doc: "Weight of each class's rows in the loss: 'balanced', a map {label: weight}, or null (all 1).",
  },
  solver: { type: 'enum', values: ['lbfgs', 'liblinear'], default: 'lbfgs', doc: 'Which of scikit-learn\'s problems to solve (see the kind\'s doc).' },
  tol: {
    type: 'float',
    default: 1e-4,
    min: 0,
    doc: 'Stop when every entry of the (minimum-norm sub)gradient of the objective is at most this in absolute value.',
  },
  maxIter: { type: 'int', default: 100, min: 1, doc: 'Maximum Newton iterations (per class for one-vs-rest); more ends with a ConvergenceWarning.' },
});

export type LogisticRegressionParams = ParamsOf<typeof logisticRegressionParams>;

/** 'binary': one coefficient row for classes[1]; 'multinomial': softmax over k rows; 'ovr': k one-vs-rest rows. */
export type LogisticScheme = 'binary' | 'multinomial' | 'ovr';

/** How a logistic fit ended (recorded in the artifact). */
export interface LogisticFitInfo {
  readonly scheme: LogisticScheme;
  /** Newton iterations (the most over one-vs-rest classes). */
  readonly nIter: number;
  readonly converged: boolean;
  /** Largest |gradient| entry at the solution (the worst over one-vs-rest classes). */
  readonly gradMax: number;
}

function checkCombination(params: LogisticRegressionParams): void {
  if (params.solver === 'lbfgs' && params.penalty === 'l1') {
    throw new InvalidParameterError('LogisticRegression', 'penalty', 'l1', "needs solver 'liblinear' (solver 'lbfgs' supports 'l2' or 'none')");
  }
  if (params.solver === 'liblinear' && params.penalty === 'none') {
    throw new InvalidParameterError('LogisticRegression', 'penalty', 'none', "needs solver 'lbfgs' (solver 'liblinear' supports 'l1' or 'l2')");
  }
}

/** Logistic regression (binary, multinomial or one-vs-rest) on CSR or dense input. */
export class LogisticRegression implements Estimator<LogisticRegressionParams, Matrix, LogisticModel> {
  static readonly kind = 'logistic_regression';
  static readonly spec = logisticRegressionParams;
  readonly kind = LogisticRegression.kind;
  readonly params: LogisticRegressionParams;

  constructor(params: Partial<LogisticRegressionParams> = {}) {
    this.params = resolveParams('LogisticRegression', logisticRegressionParams, params);
    checkCombination(this.params);
  }

  fit(X: Matrix | ModelInput, y: Labels, options?: FitOptions<Matrix, Labels>): LogisticModel {
    const owner = this.kind;
    const csr = toTrainingCsr(owner, X);
    if (y?.length !== csr.nRows) throw new InvalidInputError(`${owner}: X has ${csr.nRows} rows but y has ${y?.length} labels`);
    const encoder = LabelEncoder.fit(owner, y);
    const k = encoder.nClasses;
    if (k < 2) throw new InvalidInputError(`${owner}: y holds a single class (${JSON.stringify(encoder.classes[0])}); at least two are needed`);
    const codes = encoder.encode(owner, y);
    const weights = classWeights(owner, this.params.classWeight, encoder, codes);
    const { solver, penalty, fitIntercept, interceptScaling, C } = this.params;
    const liblinear = solver === 'liblinear';
    const s = fitIntercept ? (liblinear ? interceptScaling : 1) : 0;
    const scheme: LogisticScheme = k === 2 ? 'binary' : liblinear ? 'ovr' : 'multinomial';
    const nOut = scheme === 'binary' ? 1 : k;
    const p = csr.nCols;
    const coef = new Float64Array(nOut * p);
    const intercept = new Float64Array(nOut);
    const base = { X: csr, interceptScaling: s, penaliseIntercept: liblinear, l2: penalty === 'l2' ? 1 / C : 0 };
    const solveBinary = (target: Int32Array, weight: Float64Array): SolveResult => {
      const problem: LogisticProblem = { ...base, y: target, weight, nOutputs: 1 };
      const objective = new LogisticObjective(problem);
      // L1: every coordinate is penalised but an unpenalised intercept (the last parameter).
      const penalised = s > 0 && !liblinear ? objective.size - 1 : objective.size;
      return penalty === 'l1' ? l1Newton(objective, 1 / C, penalised, this.params) : newtonCg(objective, this.params);
    };
    const results: SolveResult[] = [];
    if (scheme === 'binary') {
      const weight = new Float64Array(codes.length);
      for (let i = 0; i < codes.length; i++) weight[i] = weights[codes[i]];
      const res = solveBinary(codes, weight);
      unpack(res.theta, p, 1, s, coef, intercept);
      results.push(res);
    } else if (scheme === 'ovr') {
      // liblinear's one-vs-rest: the positive class's rows weigh its class weight, the rest 1.
      const target = new Int32Array(codes.length);
      const weight = new Float64Array(codes.length);
      const row = new Float64Array(p);
      const b = new Float64Array(1);
      for (let c = 0; c < k; c++) {
        for (let i = 0; i < codes.length; i++) {
          target[i] = codes[i] === c ? 1 : 0;
          weight[i] = codes[i] === c ? weights[c] : 1;
        }
        const res = solveBinary(target, weight);
        unpack(res.theta, p, 1, s, row, b);
        coef.set(row, c * p);
        intercept[c] = b[0];
        results.push(res);
      }
    } else {
      const weight = new Float64Array(codes.length);
      for (let i = 0; i < codes.length; i++) weight[i] = weights[codes[i]];
      const res = newtonCg(new LogisticObjective({ ...base, y: codes, weight, nOutputs: k }), this.params);
      unpack(res.theta, p, k, s, coef, intercept);
      // Softmax is unchanged by adding one vector to every class: report the centred solution
      // (the intercepts always; the coefficients when unpenalised), as lbfgs from zero does.
      centreClasses(intercept, 1, k);
      if (penalty === 'none') centreClasses(coef, p, k);
      results.push(res);
    }
    const info: LogisticFitInfo = {
      scheme,
      nIter: Math.max(...results.map((r) => r.nIter)),
      converged: results.every((r) => r.converged),
      gradMax: Math.max(...results.map((r) => r.gradMax)),
    };
    const model = new LogisticModel(this.params, encoder, coef, intercept, info, csr.featureNames);
    for (const warning of model.warnings) emitWarning(warning, options?.onWarning);
    reportClassifierValidation(model, options);
    return model;
  }
}

/** Per-class weights (index = class code). */
function classWeights(owner: string, classWeight: ClassWeight | null, encoder: LabelEncoder, codes: Int32Array): Float64Array {
  const k = encoder.nClasses;
  const out = new Float64Array(k).fill(1);
  if (classWeight === null) return out;
  if (classWeight === 'balanced') {
    const counts = new Float64Array(k);
    for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
    for (let c = 0; c < k; c++) out[c] = codes.length / (k * counts[c]);
    return out;
  }
  for (const [label, w] of Object.entries(classWeight)) {
    let c = -1;
    for (let j = 0; j < k; j++) if (String(encoder.classes[j]) === label) c = j;
    if (c < 0) throw new InvalidParameterError(owner, 'classWeight', classWeight, `names label ${JSON.stringify(label)}, which is not a class of y`);
    out[c] = w;
  }
  return out;
}

/** Feature-major solver parameters -> class-major coefficients and intercepts. */
function unpack(theta: Float64Array, p: number, k: number, s: number, coef: Float64Array, intercept: Float64Array): void {
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < p; j++) coef[c * p + j] = theta[j * k + c];
    intercept[c] = s > 0 ? s * theta[p * k + c] : 0;
  }
}

/** Subtract, for each of `width` columns, the mean over the k class rows. */
function centreClasses(a: Float64Array, width: number, k: number): void {
  for (let j = 0; j < width; j++) {
    let m = 0;
    for (let c = 0; c < k; c++) m += a[c * width + j];
    m /= k;
    for (let c = 0; c < k; c++) a[c * width + j] -= m;
  }
}

/** A fitted logistic regression. */
export class LogisticModel implements ClassificationModel<Matrix, LogisticRegressionParams> {
  readonly kind = LogisticRegression.kind;
  readonly task = 'classification';
  readonly nFeatures: number;

  constructor(
    readonly params: LogisticRegressionParams,
    readonly encoder: LabelEncoder,
    /** Class-major coefficients: one row of nFeatures per output (1 for binary: classes[1]). */
    readonly coef: Float64Array,
    readonly intercept: Float64Array,
    readonly info: LogisticFitInfo,
    readonly featureNames?: readonly string[],
  ) {
    this.nFeatures = coef.length / intercept.length;
  }

  get classes(): Labels {
    return this.encoder.classes;
  }

  get nIter(): number {
    return this.info.nIter;
  }

  private input(X: Matrix | ModelInput, what: string): Matrix {
    const m = requireMatrix(`${this.kind}.${what}`, X);
    if (m.nCols !== this.nFeatures) {
      throw new InvalidInputError(`${this.kind}.${what}: X has ${m.nCols} features but the model was fitted on ${this.nFeatures}`);
    }
    return m;
  }

  /** Margins X coef^T + intercept: n x 1 for binary (the positive class), n x k otherwise. */
  decisionFunction(X: Matrix | ModelInput): Float64Array {
    const m = this.input(X, 'decisionFunction');
    const k = this.intercept.length;
    const p = this.nFeatures;
    const out = new Float64Array(m.nRows * k);
    const { coef, intercept } = this;
    if (m.format === 'csr') {
      const { indptr, indices, values } = m as CsrMatrix;
      for (let i = 0; i < m.nRows; i++) {
        for (let c = 0; c < k; c++) {
          let z = intercept[c];
          const row = c * p;
          for (let q = indptr[i]; q < indptr[i + 1]; q++) z += values[q] * coef[row + indices[q]];
          out[i * k + c] = z;
        }
      }
    } else {
      const { data } = m;
      for (let i = 0; i < m.nRows; i++) {
        for (let c = 0; c < k; c++) {
          let z = intercept[c];
          const row = c * p;
          const x = i * p;
          for (let j = 0; j < p; j++) z += data[x + j] * coef[row + j];
          out[i * k + c] = z;
        }
      }
    }
    return out;
  }

  /** Class probabilities, n x k row-major, columns in `classes` order. */
  predictProba(X: Matrix | ModelInput): Float64Array {
    const z = this.decisionFunction(X);
    const n = (X as Matrix).nRows;
    const k = this.encoder.nClasses;
    const out = new Float64Array(n * k);
    const scheme = this.info.scheme;
    if (scheme === 'binary') {
      for (let i = 0; i < n; i++) {
        const p1 = sigmoid(z[i]);
        out[2 * i] = 1 - p1;
        out[2 * i + 1] = p1;
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let sum = 0;
      if (scheme === 'multinomial') {
        let m = z[o];
        for (let c = 1; c < k; c++) if (z[o + c] > m) m = z[o + c];
        for (let c = 0; c < k; c++) sum += out[o + c] = Math.exp(z[o + c] - m);
      } else {
        // One-vs-rest: each class's sigmoid, normalised over the classes (scikit-learn's rule).
        for (let c = 0; c < k; c++) sum += out[o + c] = sigmoid(z[o + c]);
      }
      for (let c = 0; c < k; c++) out[o + c] /= sum;
    }
    return out;
  }

  /** Predicted class codes (the largest margin; ties go to the first class). */
  predictCodes(X: Matrix | ModelInput): Int32Array {
    const z = this.decisionFunction(X);
    const n = (X as Matrix).nRows;
    if (this.info.scheme === 'binary') {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? 1 : 0;
      return out;
    }
    return argmaxCodes(z, n, this.intercept.length);
  }

  /** Predicted labels, in the training labels' type. */
  predict(X: Matrix | ModelInput): Labels {
    return this.encoder.decode(this.predictCodes(X));
  }

  /** Warnings of the fit (a ConvergenceWarning when it did not converge). */
  get warnings(): readonly ConvergenceWarning[] {
    if (this.info.converged) return [];
    const { nIter, gradMax } = this.info;
    return [
      new ConvergenceWarning(
        `${this.kind}: the solver stopped after ${nIter} iterations with a largest gradient entry of ${gradMax.toPrecision(3)} (tol ${this.params.tol}); raise maxIter, or scale the features`,
      ),
    ];
  }

  /** A tracked run's tags: the fit's warnings, when it had any. */
  get tags(): Readonly<Record<string, string>> | undefined {
    return this.info.converged ? undefined : warningTags(this.warnings);
  }

  toArtifact(): ModelArtifact {
    const labels = this.encoder.toArtifactParts();
    const state: Record<string, JsonValue> = { ...labels.state, ...(this.info as unknown as Record<string, JsonValue>) };
    return {
      header: makeHeader(this.kind, this.params, state, this.featureNames),
      arrays: { ...labels.arrays, coef: this.coef, intercept: this.intercept },
    };
  }

  static fromArtifact(artifact: ModelArtifact): LogisticModel {
    const kind = LogisticRegression.kind;
    const header = checkHeader(artifact?.header, kind);
    let params: LogisticRegressionParams;
    try {
      params = resolveParams(kind, logisticRegressionParams, header.params);
      checkCombination(params);
    } catch (err) {
      throw new ArtifactError(`'${kind}' artifact has invalid params: ${(err as Error).message}`, { cause: err });
    }
    const encoder = LabelEncoder.fromArtifact(artifact);
    const { scheme, nIter, converged, gradMax } = header.state as Record<string, unknown>;
    if (scheme !== 'binary' && scheme !== 'multinomial' && scheme !== 'ovr') throw new ArtifactError(`'${kind}' artifact has an unknown scheme ${JSON.stringify(scheme)}`);
    const k = encoder.nClasses;
    const nOut = scheme === 'binary' ? 1 : k;
    if ((scheme === 'binary') !== (k === 2)) throw new ArtifactError(`'${kind}' artifact: scheme '${scheme}' with ${k} classes`);
    const intercept = requireArray(artifact, 'intercept', Float64Array, nOut);
    const coef = requireArray(artifact, 'coef', Float64Array);
    if (coef.length % nOut !== 0 || coef.length === 0) throw new ArtifactError(`'${kind}' artifact: ${coef.length} coefficients for ${nOut} outputs`);
    for (const a of [coef, intercept]) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new ArtifactError(`'${kind}' artifact has a non-finite coefficient`);
    if (header.featureNames && header.featureNames.length !== coef.length / nOut) {
      throw new ArtifactError(`'${kind}' artifact has ${header.featureNames.length} feature names for ${coef.length / nOut} coefficients per class`);
    }
    const info: LogisticFitInfo = {
      scheme,
      nIter: typeof nIter === 'number' ? nIter : 0,
      converged: converged === true,
      gradMax: typeof gradMax === 'number' ? gradMax : Number.NaN,
    };
    return new LogisticModel(params, encoder, coef, intercept, info, header.featureNames);
  }
}

/** After a fit: report the validation metric once (a classification metric; default log loss). */
function reportClassifierValidation(model: LogisticModel, options: FitOptions<Matrix, Labels> | undefined): void {
  if (!options?.validation || !options.onIteration) return;
  const name = options.metric ?? 'logloss';
  const metric = metricFor('classification', name, model.kind);
  const { X, y } = options.validation;
  if (X.nRows !== y.length) throw new InvalidInputError(`${model.kind}: validation X has ${X.nRows} rows but y has ${y.length} labels`);
  const value = metric.fn(model.encoder.encode(`${model.kind} validation`, y), model.predictProba(X));
  if (!Number.isFinite(value)) throw new TunekitError('NON_FINITE_METRIC', `${model.kind}: validation ${name} is ${value}`);
  options.onIteration({ iteration: model.info.nIter, metrics: { [name]: value } });
}

export const logisticRegressionKind: ClassificationKind = {
  kind: LogisticRegression.kind,
  task: 'classification',
  doc: "Logistic regression: binary, multinomial (solver 'lbfgs') or one-vs-rest (solver 'liblinear'); L2, L1 or no penalty; exact Newton solves.",
  input: 'matrix',
  paramsSpec: logisticRegressionParams,
  create: (params) => new LogisticRegression(params as Partial<LogisticRegressionParams>),
  load: (artifact) => LogisticModel.fromArtifact(artifact),
};
