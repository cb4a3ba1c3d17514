import { TunekitError } from '../../core/errors.js';

/**
 * An error a handler answers with: an HTTP status and a stable machine code, sent as
 * `{"error_code": ..., "message": ...}` (the shape MLflow's servers use, so its clients branch on
 * it). The message is for people; it never carries a stack or a path the caller did not send.
 */
export class HttpError extends TunekitError {
  readonly status: number;
  readonly errorCode: string;
  constructor(status: number, errorCode: string, message: string, options?: { cause?: unknown }) {
    super('HTTP', message, options);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** How one server maps the library's typed errors to HTTP answers (its own codes and statuses). */
export type ErrorMapper = (err: TunekitError) => HttpError | undefined;

/**
 * The answer for anything a handler threw. An `HttpError` is sent as is; a `TunekitError` goes
 * through the server's mapper, else becomes a 400 with its message (it names what the caller got
 * wrong); anything else is a bug of ours: a 500 with a generic message (the details go to the
 * server's log, never to the client).
 */
export function toHttpError(err: unknown, mapper?: ErrorMapper): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof TunekitError) return mapper?.(err) ?? new HttpError(400, 'BAD_REQUEST', err.message, { cause: err });
  return new HttpError(500, 'INTERNAL_ERROR', 'internal server error', { cause: err });
}
