import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidParameterError } from '../../core/errors.js';
import { type ErrorMapper, HttpError, toHttpError } from './errors.js';
import type { Router } from './router.js';

export interface HttpServerOptions {
  readonly router: Router;
  /** Interface to bind (default 127.0.0.1: only this machine can connect). */
  readonly host?: string;
  /** Port (default 0: an ephemeral port, see `url`). */
  readonly port?: number;
  /**
   * Host header values accepted besides localhost, 127.0.0.1, [::1] and the bound host (each with
   * the bound port): a browser page of another site that resolves its own name to 127.0.0.1 (DNS
   * rebinding) sends its own name and is refused.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Origins allowed to call from a browser (CORS). Without it, no CORS headers are sent and a
   * write (any method but GET/HEAD/OPTIONS) whose Origin is not this server's own is refused.
   */
  readonly corsOrigins?: readonly string[];
  /** Refuse every write with 403. */
  readonly readOnly?: boolean;
  /** How the library's typed errors become HTTP answers on this server. */
  readonly errors?: ErrorMapper;
  /** Told of every 5xx (a bug or an outage): the client gets a generic message, this gets the error. */
  readonly onServerError?: (err: unknown, req: IncomingMessage) => void;
  /** Seconds a client may take to send a request's headers and body (default 60). */
  readonly requestTimeoutSeconds?: number;
}

export interface RunningServer {
  /** e.g. 'http://127.0.0.1:5000' (the bound port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stop accepting, let requests in flight finish, close idle keep-alive connections. */
  close(): Promise<void>;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How often a closing server closes connections that have turned idle. */
const CLOSE_SWEEP_MS = 20;

/**
 * An HTTP server over `node:http` with the checks every tunekit server needs: Host allow-list,
 * same-origin writes, optional CORS and read-only mode, JSON errors (never a stack), request
 * timeouts and a graceful close. Routing and bodies are the router's and handlers' business.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidParameterError('server', 'port', port, 'must be an integer in [0, 65535]');
  const cors = new Set(options.corsOrigins ?? []);
  let allowedHosts = new Set<string>();
  let selfOrigins = new Set<string>();

  const server = createServer({ keepAlive: true, requestTimeout: (options.requestTimeoutSeconds ?? 60) * 1000 }, (req, res) => {
    handle(req, res).catch((err) => {
      // Only a failure to write the error itself lands here: the socket is gone.
      options.onServerError?.(err, req);
      res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    try {
      const hostHeader = (req.headers.host ?? '').toLowerCase();
      if (!allowedHosts.has(hostHeader)) throw new HttpError(403, 'FORBIDDEN_HOST', `host '${hostHeader}' is not allowed (start the server with --allowed-hosts to add it)`);
      const origin = req.headers.origin;
      const corsOk = origin !== undefined && cors.has(origin);
      if (corsOk) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
      }
      if (method === 'OPTIONS' && corsOk) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
        res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type');
        res.writeHead(204).end();
        return;
      }
      if (!READ_METHODS.has(method)) {
        if (origin !== undefined && !corsOk && !selfOrigins.has(origin)) throw new HttpError(403, 'FORBIDDEN_ORIGIN', `writes from origin '${origin}' are not allowed`);
        if (options.readOnly) throw new HttpError(403, 'READ_ONLY', 'this server is read-only');
      }
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const path = q < 0 ? raw : raw.slice(0, q);
      const { handler, params } = options.router.match(method, path);
      await handler({ req, res, params, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)), path });
    } catch (err) {
      const httpErr = toHttpError(err, options.errors);
      if (httpErr.status >= 500) options.onServerError?.(httpErr.cause ?? err, req);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, httpErr.status, { error_code: httpErr.errorCode, message: httpErr.message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const names = ['localhost', '127.0.0.1', '[::1]', urlHost.toLowerCase(), ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())];
  allowedHosts = new Set(names.flatMap((h) => [`${h}:${bound}`, ...(bound === 80 ? [h] : [])]));
  selfOrigins = new Set(names.map((h) => `http://${h}:${bound}`));
  const url = `http://${urlHost}:${bound}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // A keep-alive connection whose request was in flight turns idle when it is answered:
        // close idle ones until the server is down, instead of waiting for the keep-alive timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), CLOSE_SWEEP_MS);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Send a JSON answer (the body is serialised once; Content-Length is set). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
