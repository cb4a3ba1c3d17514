/**
 * A small keep-alive JSON client for the tracking workloads whose requests depend on earlier
 * answers (create a run, then log to it): the same client, over one connection, drives tunekit's
 * server and MLflow's, so both sides pay the same client cost per request.
 */
import http from 'node:http';

export class JsonClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Requests sent so far. */
  requests = 0;

  constructor(readonly baseUrl: string) {}

  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.send<T>('POST', path, JSON.stringify(body));
  }

  get<T = Record<string, unknown>>(path: string, query: Readonly<Record<string, string>> = {}): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    return this.send<T>('GET', qs ? `${path}?${qs}` : path);
  }

  close(): void {
    this.agent.destroy();
  }

  private send<T>(method: string, path: string, body?: string): Promise<T> {
    this.requests++;
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) {
              reject(new Error(`${method} ${url.pathname}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch {
              reject(new Error(`${method} ${url.pathname}: not JSON: ${text.slice(0, 300)}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
