export { type BinOptions, type BinnedCategoricalFeature, type BinnedDataset, type BinnedFeature, type BinnedNumericFeature, DEFAULT_MAX_BINS, binColumns, binLike, isBinnedDataset } from './binning.js';
export { type GrowParams, TreeGrower } from './grower.js';
export { type ForestArrays, type TreeArrays, concatTrees, predictTrees, sliceTree } from './tree.js';
export { RowRouter } from './route.js';
