export * from './parquet.js';
export * from './taxi.js';
export * from './write.js';
export * from './generate.js';
export * from './sources.js';
