export * from './errors.js';
export * from './params.js';
export * from './registry.js';
export * from './rng.js';
export * from './typed.js';
export * from './version.js';
export * from './workers.js';
export * as limits from './limits.js';
