export * from './parquet.js';
export * from './write.js';
