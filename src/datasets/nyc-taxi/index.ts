/** NYC TLC trip records: reading and preparing a month, finding or fetching it, the course's features, a seeded generator of the same shape. */
export { taxiFeatures } from './features.js';
export { GREEN_TAXI_COLUMNS, type GenerateTaxiOptions, generateTaxiBatches, generateTaxiParquet, generateTaxiTable, writeTaxiParquet } from './generate.js';
export {
  type DownloadOptions,
  type GenerateFallbackOptions,
  TLC_TRIP_DATA_URL,
  type TaxiMonth,
  type TaxiMonthSource,
  type TaxiSourceKind,
  type TaxiSourceOptions,
  resolveTaxiMonth,
  taxiFileName,
} from './sources.js';
export { type PrepareTaxiOptions, TAXI_COLUMNS, type TaxiColor, type TaxiTrips, concatTrips, prepareTaxi, readTaxiTrips } from './trips.js';
