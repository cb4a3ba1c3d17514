export { BinaryLogLoss, Softmax, sigmoid } from './log-loss.js';
export { type Objective, checkClassIndices } from './objective.js';
export { type ObjectiveFactory, createObjective, objectives } from './registry.js';
export { SquaredError } from './squared-error.js';
