/**
 * Autologging, as MLflow's `mlflow.sklearn.autolog()` records a fit, but bound to a client or a
 * run (never to the process): `autolog(client)` logs every fit made through it into the client's
 * active run (the innermost `withRun` around the call), or into a run of its own when there is
 * none; `autolog(run)` into that run.
 *
 * A fit records:
 * - every param of the estimator, defaults included;
 * - training metrics under MLflow's names: training_mean_squared_error,
 *   training_root_mean_squared_error, training_mean_absolute_error, training_r2_score and
 *   training_score (R², what a regressor's `score` returns);
 * - tags estimator_name (the class, e.g. Ridge) and estimator_class (its kind's full name);
 * - the model (or, given the fitted vectorizer, the pipeline of both) with its signature and the
 *   first training rows as an input example.
 */
import { InvalidInputError } from '../../core/errors.js';
import type { FeatureFrame } from '../../data/frame.js';
import type { FittedDictVectorizer } from '../../features/dict-vectorizer.js';
import { mae, mse, r2 } from '../../models/metrics/index.js';
import type { Estimator, FitOptions, ModelInput, Params, RegressionModel } from '../../models/types.js';
import type { Study } from '../../tuning/study.js';
import type { ActiveRun, JsonData, LoggedModel, ModelSignature, ParamInput, TrackingClient } from '../client.js';
import { type StudyTracker, type StudyTrackingOptions, trackStudy } from './study.js';

export interface AutologOptions {
  /** Log the fitted model as the run's 'model' artifact (default true). */
  readonly logModels?: boolean;
  /** Rows of the training data kept as the model's input example (default 5). */
  readonly inputExampleRows?: number;
}

/** What the fit was given besides X and y: the raw features the pipeline predicts from. */
export interface AutologFitContext {
  /** The vectorizer fitted on `frame`; the model is then logged as the pipeline of both. */
  readonly vectorizer?: FittedDictVectorizer;
  /** The training frame (for the pipeline's signature and input example). */
  readonly frame?: FeatureFrame;
  /** Name of the target column, for the signature (default 'target'). */
  readonly target?: string;
}

export interface AutologFit<M> {
  readonly model: M;
  /** The fit alone, without the logging. */
  readonly fitSeconds: number;
  readonly runId: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly loggedModel?: LoggedModel;
}

/** The MLflow names of a regressor's training metrics. */
export function trainingMetrics(y: Float64Array, predicted: Float64Array): Record<string, number> {
  const meanSquared = mse(y, predicted);
  const score = r2(y, predicted);
  return {
    training_mean_squared_error: meanSquared,
    training_root_mean_squared_error: Math.sqrt(meanSquared),
    training_mean_absolute_error: mae(y, predicted),
    training_r2_score: score,
    training_score: score,
  };
}

export class Autolog {
  constructor(
    private readonly target: TrackingClient | ActiveRun,
    readonly options: AutologOptions = {},
  ) {}

  /**
   * Fits `estimator` on (X, y) and records the fit in the active run (a run of its own, named
   * after the estimator, when there is none). The model is returned as `fit` returns it.
   */
  async fit<X extends ModelInput>(
    estimator: Estimator<Params, X, RegressionModel<X>>,
    X: X,
    y: Float64Array,
    fitOptions?: FitOptions<X>,
    context: AutologFitContext = {},
  ): Promise<AutologFit<RegressionModel<X>>> {
    const record = async (run: ActiveRun) => {
      const t0 = performance.now();
      const model = estimator.fit(X, y, fitOptions);
      const fitSeconds = (performance.now() - t0) / 1000;
      if (model.task !== 'regression') throw new InvalidInputError(`autolog: ${estimator.kind} is not a regressor`);
      const metrics = trainingMetrics(y, model.predict(X));
      const name = estimatorName(estimator);
      await run.logBatch({
        params: Object.fromEntries(Object.entries(estimator.params).map(([k, v]) => [k, v as ParamInput])),
        metrics: Object.entries(metrics).map(([key, value]) => ({ key, value })),
        tags: { estimator_name: name, estimator_class: `tunekit.models.${name}`, 'tunekit.model.kind': estimator.kind },
      });
      const loggedModel = this.options.logModels === false ? undefined : await this.logModel(run, model as unknown as RegressionModel<ModelInput>, X, context);
      return { model, fitSeconds, runId: run.runId, metrics, ...(loggedModel ? { loggedModel } : {}) };
    };
    const active = 'runId' in this.target ? this.target : this.target.activeRun();
    if (active) return record(active);
    const client = this.target as TrackingClient;
    return client.withRun({ experimentName: 'Default', runName: estimatorName(estimator), parentRunId: null }, record);
  }

  /**
   * Records a study: a parent run with a child run per trial (as `trackStudy`), and, when an
   * optimize call ends, the best trial's params on the parent as `best_<param>` (as MLflow's
   * autolog records a parameter search).
   */
  async study(study: Study, options: StudyTrackingOptions): Promise<StudyTracker> {
    if ('runId' in this.target) throw new InvalidInputError('autolog: a study is recorded through a client (its runs are new runs)');
    const client = this.target;
    let tracker: StudyTracker | undefined;
    // Added before trackStudy's observer, so the parent run is still open when this one writes.
    study.addObserver({
      async onOptimizeEnd(s) {
        const best = s.bestTrial;
        if (!best || !tracker) return;
        const params = Object.fromEntries(Object.entries(best.params).map(([k, v]) => [`best_${k}`, v as ParamInput]));
        await client.logParams(tracker.parentRunId, params);
      },
    });
    tracker = await trackStudy(client, study, options);
    return tracker;
  }

  private async logModel(run: ActiveRun, model: RegressionModel<ModelInput>, X: ModelInput, context: AutologFitContext): Promise<LoggedModel> {
    // The artifact code (and Arrow JS, which pipelines read) loads only when a model is logged.
    const [{ modelToBytes }, { PipelineModel }] = await Promise.all([import('../../models/io.js'), import('../../models/pipeline.js')]);
    const rows = this.options.inputExampleRows ?? 5;
    const output = [{ name: context.target ?? 'target', type: 'double' }];
    if (context.vectorizer && context.frame) {
      const frame = context.frame;
      const names = Object.keys(frame.columns);
      const signature: ModelSignature = {
        inputs: names.map((name) => ({ name, type: frame.columns[name].kind === 'categorical' ? 'string' : 'double' })),
        outputs: output,
      };
      return run.logModel(modelToBytes(new PipelineModel(context.vectorizer, model)), { signature, inputExample: frameRecords(frame, rows) });
    }
    const names = model.featureNames ?? Array.from({ length: model.nFeatures }, (_, j) => `f${j}`);
    return run.logModel(modelToBytes(model), {
      signature: { inputs: names.map((name) => ({ name, type: 'double' })), outputs: output },
      inputExample: matrixRows(X, rows),
    });
  }
}

/** The estimator's class name, else its kind in PascalCase ('linear_regression' -> 'LinearRegression'). */
function estimatorName(estimator: { readonly kind: string }): string {
  const own = estimator.constructor.name;
  if (own && own !== 'Object') return own;
  return estimator.kind.replace(/(^|_)([a-z])/g, (_, _sep, c: string) => c.toUpperCase());
}

/** Autologging bound to a client (its active run at each fit) or to one run. */
export function autolog(target: TrackingClient | ActiveRun, options?: AutologOptions): Autolog {
  return new Autolog(target, options);
}

/** The first rows of a frame as records (category names as text, missing values as null). */
export function frameRecords(frame: FeatureFrame, n: number): Record<string, string | number | null>[] {
  const rows: Record<string, string | number | null>[] = [];
  for (let i = 0; i < Math.min(n, frame.nRows); i++) {
    const row: Record<string, string | number | null> = {};
    for (const [name, c] of Object.entries(frame.columns)) {
      row[name] = c.kind === 'categorical' ? (c.codes[i] < 0 ? null : c.dictionary[c.codes[i]]) : Number.isNaN(c.values[i]) ? null : c.values[i];
    }
    rows.push(row);
  }
  return rows;
}

/** The first rows of a model input as dense arrays (CSR rows expanded; column views by column). */
function matrixRows(X: ModelInput, n: number): JsonData {
  const rows: (number | null)[][] = [];
  const count = Math.min(n, X.nRows);
  for (let i = 0; i < count; i++) {
    if (X.format === 'csr') {
      const row = new Array<number | null>(X.nCols).fill(0);
      for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) row[X.indices[k]] = X.values[k];
      rows.push(row);
    } else if (X.format === 'dense') {
      rows.push(Array.from(X.data.subarray(i * X.nCols, (i + 1) * X.nCols)));
    } else {
      rows.push(X.columns.map((c) => (c.kind === 'numeric' ? c.values[i] : c.codes[i])));
    }
  }
  return rows.map((r) => r.map((v) => (v === null || Number.isNaN(v) ? null : v)));
}
