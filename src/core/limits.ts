/**
 * Limits on input from outside the process (files, filters, requests), in one place so every
 * reader, store and server applies the same ones. Each limit says what it bounds and why.
 */

// Search filters (the tracker's filter language, every store and the HTTP APIs over them)

/** Characters in one filter string: room for a 10,000-value IN list of run ids (~360 KB). */
export const FILTER_MAX_LENGTH = 1_000_000;
/**
 * Nesting of parentheses and `not` in a filter. Parsers, evaluators and SQL compilers recurse
 * on it; real filters nest a few levels, and this keeps every store far from its stack limits.
 */
export const FILTER_MAX_DEPTH = 50;
/** Predicates (comparisons, LIKE, IN, IS NULL) in one filter. */
export const FILTER_MAX_PREDICATES = 5_000;
/**
 * Literal values in one filter, IN lists included. With FILTER_MAX_PREDICATES this bounds the
 * bound parameters of the SQL a filter compiles to well inside SQLite's 32,766.
 */
export const FILTER_MAX_VALUES = 10_000;

/**
 * Distinct metric/param/tag keys one filter names. The SQLite store joins one table per key (a
 * join of at most 64 tables), and real filters name a handful.
 */
export const FILTER_MAX_KEYS = 32;
/** Clauses in one search's order-by list (each may cost a join too). */
export const SEARCH_MAX_ORDER_TERMS = 16;

// Artifact paths (relative paths under a run's artifact folder)

/** UTF-8 bytes in one path segment: the NAME_MAX of common file systems. */
export const ARTIFACT_SEGMENT_MAX_BYTES = 255;
/** UTF-8 bytes in a whole relative artifact path (the store's own folder comes on top). */
export const ARTIFACT_PATH_MAX_BYTES = 1024;
