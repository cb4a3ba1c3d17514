export * from './artifact.js';
export * from './kinds.js';
export * from './registry.js';
export * from './types.js';
