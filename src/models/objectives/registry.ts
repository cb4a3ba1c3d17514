import { Registry } from '../../core/registry.js';
import { binaryLogLoss, softmax } from './log-loss.js';
import type { Objective } from './objective.js';
import { squaredError } from './squared-error.js';

/** Makes an objective for a task with `nClasses` classes (1 for regression). */
export type ObjectiveFactory = (nClasses: number) => Objective;

/** Objectives by name (XGBoost's REGISTER_OBJECTIVE): register more with `objectives.register`. */
export const objectives = new Registry<ObjectiveFactory>('objective', [
  ['squared_error', squaredError],
  ['binary_log_loss', binaryLogLoss],
  ['softmax', softmax],
]);

/** The objective `name` for `nClasses` classes (1 for regression). */
export function createObjective(name: string, nClasses = 1): Objective {
  return objectives.get(name)(nClasses);
}
