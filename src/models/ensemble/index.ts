export {
  ExtraTreesRegressor,
  type ExtraTreesParams,
  RandomForestRegressor,
  type RandomForestParams,
  extraTreesKind,
  extraTreesParams,
  randomForestKind,
  randomForestParams,
} from './forest.js';
export { GradientBoostingRegressor, type GradientBoostingParams, gradientBoostingKind, gradientBoostingParams } from './gbdt.js';
export type { FeatureSchema, TreeInput } from './input.js';
export { type FeatureImportance, TreeEnsembleModel } from './model.js';
export { closeForestWorkers } from './workers.js';
