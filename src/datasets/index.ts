/**
 * Named datasets, apart from the library layers (as sklearn.datasets is): readers, downloaders
 * and generators that feed `tunekit/data` and `tunekit/features`. Only applications (the CLI,
 * examples, benchmarks, tests) import this layer; the library never does.
 */
export {
  type DownloadOptions,
  GREEN_TAXI_COLUMNS,
  type GenerateFallbackOptions,
  type GenerateTaxiOptions,
  type PrepareTaxiOptions,
  TAXI_COLUMNS,
  TLC_TRIP_DATA_URL,
  type TaxiColor,
  type TaxiMonth,
  type TaxiMonthSource,
  type TaxiSourceKind,
  type TaxiSourceOptions,
  type TaxiTrips,
  concatTrips,
  generateTaxiBatches,
  generateTaxiParquet,
  generateTaxiTable,
  prepareTaxi,
  readTaxiTrips,
  resolveTaxiMonth,
  taxiFeatures,
  taxiFileName,
  writeTaxiParquet,
} from './nyc-taxi/index.js';
export { NYC_TAXI_FEATURES, NYC_TAXI_TARGET, type NycTaxiOptions, loadNycTaxi, nycTaxiSpec } from './nyc-taxi/preset.js';
export { type DatasetPreset, type PresetSourceOptions, datasetPresets } from './presets.js';
