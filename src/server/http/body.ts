import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * The request body as bytes, refused with 413 as soon as it passes `maxBytes` (a declared
 * Content-Length over the limit is refused before a byte is read) and with 400 when the client
 * stops sending before the end. Chunks are kept as they come and joined once.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume(); // drain, so a keep-alive connection stays usable for the error answer
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        req.resume();
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'BAD_REQUEST', 'the request body ended early', { cause: err });
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'REQUEST_TOO_LARGE', `the request body is larger than the limit of ${maxBytes} bytes`);
}

/** The media type of a request, lower case, without parameters ('' when absent). */
export function mediaType(req: IncomingMessage): string {
  const type = req.headers['content-type'];
  if (!type) return '';
  const semi = type.indexOf(';');
  return (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
}

/**
 * The body parsed as JSON; malformed JSON is a 400 naming the position JSON.parse reports. An
 * empty body is `undefined` (many MLflow GET-style calls send none).
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'MALFORMED_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}
