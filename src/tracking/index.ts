export * from './client.js';
export * from './errors.js';
export * from './metric-buffer.js';
export type { FilterNode, OrderTerm } from './search/ast.js';
export { parseFilter, parseOrderBy } from './search/parser.js';
export type { TrackingStore } from './store.js';
export * from './stores/index.js';
export * from './types.js';
export * from './uri.js';
