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
export { ModelSearch, type ModelSearchOptions, TrialPool, type TrialPoolOptions, modelSearch } from './pool.js';
export * from './pruners.js';
export { pruners, samplers } from './registries.js';
export { GridSampler, type GridSamplerOptions, type PendingTrial, RandomSampler, type Sampler, type SamplerContext } from './sampler.js';
export { HpParam, type Space, type SpaceOfParams, type ValueOf, hp, sampleSpace, spaceFromParams, spaceParams } from './space.js';
export * from './study.js';
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
