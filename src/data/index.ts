export * from './parquet.js';
export * from './write.js';
export { warmParquet } from './wasm.js';
export {
  type ReadTableOptions,
  TABLE_EXTENSIONS,
  TableErrorCode,
  type TableFormat,
  type TableSource,
  formatOfPath,
  readTable,
  streamTable,
  tableFiles,
} from './table.js';
export { CsvError, CsvErrorCode, type CsvOptions, DEFAULT_NULL_VALUES } from './csv.js';
export {
  type CategoricalFrameColumn,
  type FeatureFrame,
  type FeatureRecord,
  type FrameColumn,
  type NumericFrameColumn,
  type TableColumn,
  type TableFrame,
  type TimestampFrameColumn,
  categoriesAsNumbers,
  crossCategories,
  filterRows,
  frameColumn,
  isFeatureFrame,
  numbersAsCategories,
  takeRows,
} from './frame.js';
export {
  type Dataset,
  type DatasetSpec,
  type DatasetTarget,
  type DatasetTask,
  DatasetTransformError,
  datasetFromFrame,
  numericTarget,
} from './dataset.js';
export { type FrameOptions, frameFromTable } from './arrow-frame.js';
export { datasetFromTable, loadDataset, readDatasetTable } from './load.js';
export { type SplitOptions, type SplitSources, type Splits, loadSplits, splitDataset, subset } from './split.js';
