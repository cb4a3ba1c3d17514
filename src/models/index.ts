export * from './artifact.js';
export * from './io.js';
export * from './kinds.js';
export * from './linear/index.js';
export * from './metrics/index.js';
export * from './pipeline.js';
export * from './registry.js';
export * from './types.js';
