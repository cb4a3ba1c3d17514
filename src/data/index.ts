export * from './parquet.js';
export * from './write.js';
export { warmParquet } from './wasm.js';
