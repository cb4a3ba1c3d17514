import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { LabelEncoder } from './labels.js';
import { type Metric, metrics } from './metrics/index.js';
import type { Labels, Model, Task } from './types.js';

/**
 * Score a fitted model with metrics of the registry, whatever its task: a regressor's predictions
 * against values, a classifier's probabilities against the codes of its labels (labels it was not
 * fitted on cannot be scored and throw). The tuner's trials, the CLI's reports and autolog use it.
 */

/** The metrics a task reports by default (the first is the objective a search minimises or maximises). */
export const DEFAULT_METRICS: Readonly<Record<Task, readonly string[]>> = {
  regression: ['rmse', 'mae', 'r2'],
  classification: ['logloss', 'accuracy', 'roc_auc'],
};

/** The registry's metric `name`, checked to score models of `task` (a typed error names the others). */
export function metricFor(task: Task, name: string, owner = 'metric'): Metric {
  const metric = metrics.get(name);
  if (metric.task !== task) {
    const fitting = metrics.names().filter((m) => metrics.get(m).task === task);
    throw new InvalidParameterError(owner, 'metric', name, `scores ${metric.task} models; a ${task} model needs one of ${fitting.join(', ')}`);
  }
  return metric;
}

/**
 * Values of `names` for `model` on (X, y). `prediction` saves the pass over X when the caller has
 * it: a regressor's predictions, or a classifier's probabilities (n x k).
 */
export function scoreModel<X>(model: Model<X>, X: X, y: Float64Array | Labels, names: readonly string[], prediction?: Float64Array): Record<string, number> {
  const scored = names.map((name) => metricFor(model.task, name, `${model.kind} scoring`));
  const out: Record<string, number> = {};
  if (model.task === 'regression') {
    if (!(y instanceof Float64Array)) throw new InvalidInputError(`${model.kind} scoring: a regressor is scored against a Float64Array of values, not labels`);
    const pred = prediction ?? model.predict(X);
    for (const m of scored) out[m.name] = m.fn(y, pred);
    return out;
  }
  const codes = LabelEncoder.of(model.kind, model.classes).encode(`${model.kind} scoring`, y);
  const proba = prediction ?? model.predictProba(X);
  for (const m of scored) out[m.name] = m.fn(codes, proba);
  return out;
}
