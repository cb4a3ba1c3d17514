import type { TunekitWarning } from '../core/errors.js';
import type { FeatureColumns, Matrix } from '../features/matrix.js';
import type { ModelArtifact } from './artifact.js';
import type { ForestArrays, TreeArrays } from './tree/tree.js';
import type { ValidationCache } from './validation-cache.js';

/**
 * The model contract every kind implements.
 *
 * - Parameters apart from learned state: an `Estimator<P>` holds validated, frozen params of type
 *   `P`; `fit` returns a new fitted `Model`. Only models predict.
 * - A model is a `RegressionModel` or a `ClassificationModel`, told apart by `task`.
 * - Targets. A regressor fits `y: Float64Array`. A classifier fits `y: Labels`: numbers in a
 *   `Float64Array` (0/1, or any integer or float class values) or strings (`readonly string[]`).
 *   Its `classes` are the distinct values of `y`, sorted (numbers ascending, strings by code
 *   unit, as `np.unique`), in the same form as `y`; `predict` returns labels in that form too, so
 *   labels round-trip: a model fitted on strings predicts strings, on numbers a Float64Array of
 *   class values. `predictProba` is row-major n x k (k = classes.length): entry [i * k + j] is
 *   the probability of `classes[j]` for row i; each row sums to 1.
 * - Nothing of a family's internals belongs here (threads, tree boards, kernels).
 */

/** What a model consumes: a matrix (linear models) or the column view (trees). */
export type ModelInput = Matrix | FeatureColumns;

/** The data view a model kind trains on; the tuner hands each kind the view it names. */
export type InputView = 'matrix' | 'columns';

/** What a model kind learns to predict. */
export type Task = 'regression' | 'classification';

/** Validated params of an estimator (the type `ParamsOf<typeof spec>` gives, frozen). */
export type Params = Readonly<Record<string, unknown>>;

/** Class labels: numbers in a Float64Array, or strings. */
export type Labels = Float64Array | readonly string[];

/** What `fit` takes as y for a model type: labels for classifiers, values for regressors. */
export type TargetOf<M> = M extends ClassificationModel<infer _X, infer _P, infer L> ? L : Float64Array;

/** One per-iteration report (a boosting round, a forest size): validation metric values. */
export interface IterationReport {
  readonly iteration: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a fit hands back besides the model; the caller passes an empty object and reads it after. */
export interface FitOutput {
  /**
   * The returned model's predictions on `FitOptions.validation.X`, exactly as `predict` gives
   * them, when the fit computed them on the way (per-iteration reports): no second predict pass.
   * Left undefined by fits that do not.
   */
  validationPrediction?: Float64Array;
  /** A classifier's `predictProba` on `FitOptions.validation.X`, when the fit computed it on the way. */
  validationProba?: Float64Array;
}

/** Validation data of a fit; `cache` keeps what fits derive from X for the next fit on it. */
export interface ValidationSet<X = ModelInput, Y extends Float64Array | Labels = Float64Array> {
  readonly X: X;
  readonly y: Y;
  readonly cache?: ValidationCache;
}

export interface FitOptions<X = ModelInput, Y extends Float64Array | Labels = Float64Array> {
  /**
   * Validation data: early stopping and per-iteration reports are computed on it. With a `cache`,
   * what a fit derives from X is kept there for the next fit on the same X (which must not change).
   */
  readonly validation?: ValidationSet<X, Y>;
  /** Metric for reports and early stopping (a name from the metrics registry); default 'rmse' (classifiers: 'logloss'). */
  readonly metric?: string;
  /**
   * Receives the fit's non-fatal warnings (e.g. a `ConvergenceWarning`); without it they go to
   * `process.emitWarning`. The fit still returns its model.
   */
  readonly onWarning?: (warning: TunekitWarning) => void;
  /** Called after each iteration; return false to stop training now (pruning). */
  readonly onIteration?: (report: IterationReport) => boolean | undefined;
  /** Filled in by the fit (see `FitOutput`). */
  readonly output?: FitOutput;
  /** Lets other threads grow some of a forest's trees during this fit (other kinds ignore it). */
  readonly treeHelp?: TreeHelp;
}

/**
 * How a forest's fit shares its work with helper threads: all take tree indices from `board`
 * (see `tree-board.ts`) to grow trees, then, when the fit scores its validation rows, from a
 * scoring board to compute trees' outputs. What helpers did arrives through `receive`. The model,
 * reports and predictions are the same as without help.
 */
export interface TreeHelp {
  /** Shared slots: next tree index, trees in the fit, helpers at work. */
  readonly board: Int32Array;
  /** Called once the fit has put its tree count on the board: helpers may start. */
  announce(): void;
  /** Called when the fit starts scoring validation rows: helpers may compute trees' outputs. */
  announceScoring?(job: ScoringJob): void;
  /** The next batch a helper finished, or undefined when none has arrived. */
  receive(): HelpBatch | undefined;
}

/** A forest being scored: its arrays in shared memory and the board its trees are taken from. */
export interface ScoringJob {
  readonly forest: ForestArrays;
  readonly board: Int32Array;
}

/** Trees a helper grew, or the outputs (one per distinct validation row) of trees it scored. */
export type HelpBatch =
  | { readonly indices: readonly number[]; readonly trees: readonly TreeArrays[] }
  | { readonly indices: readonly number[]; readonly outputs: readonly Float64Array[] };

/**
 * An estimator of params `P`: `fit` returns a new fitted model `M` (the estimator keeps no
 * learned state). `X` is the view it trains on.
 */
export interface Estimator<P extends Params = Params, X = ModelInput, M extends Model<X> = Model<X>> {
  readonly kind: string;
  readonly params: Readonly<P>;
  /** Single-threaded fit. */
  fit(X: X, y: TargetOf<M>, options?: FitOptions<X, TargetOf<M>>): M;
  /** Same result as `fit` (same seed, same model); may use worker threads (`nJobs`). */
  fitAsync?(X: X, y: TargetOf<M>, options?: FitOptions<X, TargetOf<M>>): Promise<M>;
}

/** What every fitted model has. */
interface FittedModel<P extends Params> {
  readonly kind: string;
  readonly task: Task;
  readonly params: Readonly<P>;
  readonly nFeatures: number;
  readonly featureNames?: readonly string[];
  /**
   * Facts about how the model was trained that its tracked run records as tags (e.g. the
   * TensorFlow.js backend of a neural model); most models have none.
   */
  readonly tags?: Readonly<Record<string, string>>;
  /** Non-fatal warnings of the fit that made this model (e.g. a ConvergenceWarning), kept with it. */
  readonly warnings?: readonly TunekitWarning[];
  /** Plain data (JSON header + typed arrays) that `loadModel` turns back into this model. */
  toArtifact(): ModelArtifact;
}

/** A fitted regressor: one value per row. */
export interface RegressionModel<X = ModelInput, P extends Params = Params> extends FittedModel<P> {
  readonly task: 'regression';
  predict(X: X): Float64Array;
}

/** A fitted classifier (see the notes at the top for labels and probabilities). */
export interface ClassificationModel<X = ModelInput, P extends Params = Params, L extends Labels = Labels> extends FittedModel<P> {
  readonly task: 'classification';
  /** The distinct training labels, sorted, in the form `y` had. */
  readonly classes: L;
  /** The most probable class per row, as labels in the form of `classes`. */
  predict(X: X): L;
  /** Row-major n x classes.length probabilities; each row sums to 1. */
  predictProba(X: X): Float64Array;
}

/** A fitted model of either task; narrow by `task`. */
export type Model<X = ModelInput, P extends Params = Params> = RegressionModel<X, P> | ClassificationModel<X, P>;
