import type { FeatureColumns, Matrix } from '../features/matrix.js';
import type { ModelArtifact } from './artifact.js';
import type { ForestArrays, TreeArrays } from './tree/tree.js';
import type { ValidationCache } from './validation-cache.js';

/** What a model consumes: a matrix (linear models) or the column view (trees). */
export type ModelInput = Matrix | FeatureColumns;

/** The data view a model kind trains on; the tuner hands each kind the view it names. */
export type InputView = 'matrix' | 'columns';

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
}

/** Validation data of a fit; `cache` keeps what fits derive from X for the next fit on it. */
export interface ValidationSet<X = ModelInput> {
  readonly X: X;
  readonly y: Float64Array;
  readonly cache?: ValidationCache;
}

export interface FitOptions<X = ModelInput> {
  /**
   * Validation data: early stopping and per-iteration reports are computed on it. With a `cache`,
   * what a fit derives from X is kept there for the next fit on the same X (which must not change).
   */
  readonly validation?: ValidationSet<X>;
  /** Metric for reports and early stopping (a name from the metrics registry); default 'rmse'. */
  readonly metric?: string;
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
 * Parameters apart from learned state: an estimator holds validated, frozen params;
 * `fit` returns a new fitted Model. Only models predict.
 */
export interface Estimator<X = ModelInput, M extends Model<X> = Model<X>> {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Single-threaded fit. */
  fit(X: X, y: Float64Array, options?: FitOptions<X>): M;
  /** Same result as `fit` (same seed, same model); may use worker threads (`nJobs`). */
  fitAsync?(X: X, y: Float64Array, options?: FitOptions<X>): Promise<M>;
}

export interface Model<X = ModelInput> {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly nFeatures: number;
  readonly featureNames?: readonly string[];
  predict(X: X): Float64Array;
  /** Plain data (JSON header + typed arrays) that `loadModel` turns back into this model. */
  toArtifact(): ModelArtifact;
}
