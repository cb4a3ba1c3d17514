/** tunekit's public surface. Internals not exported here are not part of the API. */
export * from './core/index.js';
export * from './data/index.js';
export * from './features/index.js';
export * from './models/index.js';
export * from './tuning/index.js';
export * from './tracking/index.js';
