/**
 * Typed errors. Every error tunekit throws on purpose is a TunekitError with a stable `code`,
 * so callers can branch on `err.code` (or `instanceof`) and messages can change freely.
 */
export class TunekitError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A parameter (of an estimator, sampler, command, ...) has a bad value or is unknown. */
export class InvalidParameterError extends TunekitError {
  readonly owner: string;
  readonly param: string;
  readonly value: unknown;
  constructor(owner: string, param: string, value: unknown, expected: string) {
    super('INVALID_PARAMETER', `${owner}: parameter '${param}' ${expected}; got ${describeValue(value)}`);
    this.owner = owner;
    this.param = param;
    this.value = value;
  }
}

/** Input data (arrays, matrices, records) is malformed: wrong shape, NaN, empty, ... */
export class InvalidInputError extends TunekitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
  }
}

/** A file or data source cannot be read or does not hold what was asked for. */
export class DataSourceError extends TunekitError {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'DATA_SOURCE', `${source}: ${message}`, options);
    this.source = source;
  }
}

/** A saved artifact (model, vectorizer, pipeline) is corrupt, truncated, unknown or too new. */
export class ArtifactError extends TunekitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ARTIFACT', message, options);
  }
}

/** A named thing (model kind, sampler, metric, experiment, run, ...) does not exist. */
export class NotFoundError extends TunekitError {
  constructor(what: string, name: string, known?: readonly string[]) {
    const hint = known && known.length > 0 ? ` (known: ${known.join(', ')})` : '';
    super('NOT_FOUND', `unknown ${what} '${name}'${hint}`);
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return typeof value;
}

/**
 * A non-fatal problem of a computation that still returned its result (scikit-learn's warnings):
 * handed to the caller (a fit's `onWarning`, the model's `warnings`), never thrown.
 */
export class TunekitWarning extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An iterative fit stopped at its iteration cap before meeting its tolerance. */
export class ConvergenceWarning extends TunekitWarning {
  constructor(message: string) {
    super('CONVERGENCE', message);
  }
}
