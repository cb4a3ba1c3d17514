/**
 * Limits on outside input, in one place: every parser of a file, request, config or filter that
 * someone else may have written checks its input against these before it allocates or recurses,
 * and refuses with a typed error that names the limit; every reader, store and server applies the
 * same ones. A limit is a promise about memory and time (a small input never asks for much more
 * than its own size, no input recurses without bound), not a judgement of what is sensible: each
 * value sits well above what real use needs, with the reason beside it. Where a caller has a real
 * need above a limit, the function that applies it takes an option (e.g. `loadModel(path,
 * { maxBytes })`); the defaults live here.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

// --- files ---------------------------------------------------------------------------------------

/**
 * A model file read by `loadModel`: a forest of 500 deep trees on a month of taxi data is
 * ~100 MB; 1 GiB leaves room for far bigger ones while a stray path (a disk image, a dump) is
 * refused before it is read. Non-regular files (FIFOs, devices) are refused whatever their size.
 */
export const MODEL_FILE_MAX_BYTES = 1 * GiB;

/**
 * A model file's JSON header (kind, params, learned scalars, feature names). A vectorizer of a
 * million features writes ~30 MB of names; parsing 64 MiB of JSON costs a few hundred MB at most.
 */
export const MODEL_HEADER_MAX_BYTES = 64 * MiB;

/** Named arrays in a model file: a kind stores tens (a forest 10, a pipeline its model's). */
export const MODEL_MAX_ARRAYS = 1024;

/**
 * A Parquet file the reader loads. The reader holds the file in memory and hands parquet-wasm the
 * column chunks it decodes, inside a 32-bit wasm memory (4 GiB in all, shared by those chunks and
 * the decoded columns); TLC's largest monthly files are ~0.5 GB.
 */
export const PARQUET_FILE_MAX_BYTES = 2 * GiB;

/** A config file (YAML or JSON): a dataset spec or a search space is a few KB. */
export const CONFIG_MAX_BYTES = 1 * MiB;

/** YAML aliases in one config: stops "billion laughs" expansion (the `yaml` package's own default). */
export const YAML_MAX_ALIASES = 100;

// --- structure -----------------------------------------------------------------------------------

/**
 * Nesting of JSON or YAML values (artifact headers, configs, HTTP bodies). `JSON.parse` itself
 * does not recurse, but walking, cloning or re-serialising a value does: 10,000 levels overflow
 * the stack. Real documents nest under 10.
 */
export const JSON_MAX_DEPTH = 64;

/**
 * Items in one list of a config or request (search-space choices, columns, records of a batch
 * that is not a table). Bigger collections belong in a data file.
 */
export const LIST_MAX_LENGTH = 100_000;

/** Keys of one record given to a served pipeline or one object of a request body. */
export const RECORD_MAX_KEYS = 10_000;

// --- strings -------------------------------------------------------------------------------------

/** Names: metric, param and tag keys, experiment and model names, columns (MLflow's 250). */
export const KEY_MAX_LENGTH = 250;

/** One string value in a record, a CSV field or a request: large enough for any free text. */
export const STRING_MAX_LENGTH = 1 * MiB;

// --- search filters (the tracker's filter language, every store and the HTTP APIs over them) -----

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

// --- artifact paths (relative paths under a run's artifact folder) -------------------------------

/** UTF-8 bytes in one path segment: the NAME_MAX of common file systems. */
export const ARTIFACT_SEGMENT_MAX_BYTES = 255;
/** UTF-8 bytes in a whole relative artifact path (the store's own folder comes on top). */
export const ARTIFACT_PATH_MAX_BYTES = 1024;

// --- tables --------------------------------------------------------------------------------------

/**
 * Rows of one table (read, generated or trained on): the tree kernels index rows with 32-bit
 * integers.
 */
export const TABLE_MAX_ROWS = 2 ** 31 - 1;

/**
 * Rows the taxi generator writes in one call: ~25 bytes of Parquet per row, so 100 M rows is a
 * 2.5 GB file; TLC's largest month has ~20 M trips.
 */
export const GENERATED_MAX_ROWS = 100_000_000;

/** Columns of a CSV file or a table (Excel's 16,384). */
export const TABLE_MAX_COLUMNS = 16_384;

/**
 * One CSV row, all its fields: the reader holds at least one whole row in its buffer. A row of
 * 16,384 columns of long text is well under this; a file without line breaks is refused here.
 */
export const CSV_ROW_MAX_BYTES = 64 * MiB;

// --- HTTP (UI, MLflow REST API, model serving) ---------------------------------------------------

/**
 * A request body. MLflow's `log-batch` is capped at 1 MB of params and tags and 1,000 metrics; a
 * scoring request of 100,000 taxi records in JSON is ~10 MB.
 */
export const HTTP_BODY_MAX_BYTES = 16 * MiB;

/** Request line and headers (Node's own default). */
export const HTTP_HEADER_MAX_BYTES = 16 * KiB;

/** Records in one scoring request; bigger batches go through the library or a file. */
export const SCORING_MAX_RECORDS = 100_000;

/** Time for a client to send its headers (slow-loris connections are closed). */
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;

/** Time for a whole request, body included. */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;

/** An idle keep-alive connection is closed after this. */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 5000;

// --- downloads and threads -----------------------------------------------------------------------

/** A TLC month download: the server must answer within this ... */
export const DOWNLOAD_CONNECT_TIMEOUT_MS = 3000;

/** ... and finish within this (a 50 MB month on a slow link). */
export const DOWNLOAD_TIMEOUT_MS = 300_000;

/**
 * Worker threads one search or command may start. Each costs ~45 MB (a V8 isolate, the kernels'
 * wasm, its share of the data views); on any machine, threads beyond the cores only add memory.
 */
export const WORKER_MAX_THREADS = 64;

// --- checks --------------------------------------------------------------------------------------

/**
 * Whether a parsed JSON value nests deeper than `max` (arrays and objects count one level each).
 * Iterative, so it is safe on any input `JSON.parse` returns.
 */
export function exceedsDepth(value: unknown, max: number = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
