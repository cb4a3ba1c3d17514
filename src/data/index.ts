export * from './parquet.js';
export * from './taxi.js';
