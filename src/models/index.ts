export * from './artifact.js';
export * from './ensemble/index.js';
export * from './io.js';
export * from './kinds.js';
export { type LabelInput, LabelEncoder } from './labels.js';
export * from './linear/index.js';
export * from './metrics/index.js';
export * from './neural/index.js';
// Boosting's losses; the name Objective is tuning's (the function a study optimises).
export { type Objective as BoostingObjective, type ObjectiveFactory, createObjective, objectives } from './objectives/index.js';
export * from './pipeline.js';
export * from './registry.js';
export { DEFAULT_METRICS, metricFor, scoreModel } from './scoring.js';
export { WARNINGS_TAG, warningTags } from './warnings.js';
export * from './tree/index.js';
export * from './types.js';
export * from './validation-cache.js';
