/** The tuning layer's public surface (internals such as the worker entry stay unexported). */
export {
  type SearchData,
  type SearchSplit,
  type ShareOptions,
  type SharedSearchData,
  isSharedSearchData,
  openSearchData,
  shareSearchData,
} from './dataset.js';
export {
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type NormalDistribution,
  type ParamPrimitive,
  contains,
  gridValues,
  sampleFromPrior,
} from './distributions.js';
export { ModelSearch, type ModelSearchOptions, modelSearch } from './model-search.js';
export { TrialPool, type TrialPoolOptions } from './parallel/pool.js';
export {
  type MedianPrunerOptions,
  MedianPruner,
  NopPruner,
  type Pruner,
  type PrunerContext,
  type SuccessiveHalvingOptions,
  SuccessiveHalvingPruner,
} from './pruners.js';
export { pruners, samplers } from './registries.js';
export { GridSampler, type GridSamplerOptions, type PendingTrial, RandomSampler, type Sampler, type SamplerContext } from './sampler.js';
export { HpParam, type Space, type SpaceOfParams, type ValueOf, hp, sampleSpace, spaceFromParams, spaceParams } from './space.js';
export { type StudyObserver, type StudyOptions, Study, type TrialOutcome, createStudy } from './study.js';
export type { EarlyStop, Objective, OptimizeOptions, OptimizeResult, TrialCallback, TrialRunner } from './optimize.js';
export { TPESampler, type TPEOptions, defaultGamma, defaultWeights } from './tpe.js';
export {
  type Direction,
  type FrozenTrial,
  type IntermediateValue,
  type JsonLike,
  type NumberSuggestOptions,
  Trial,
  TrialPruned,
  type TrialState,
} from './trial.js';
