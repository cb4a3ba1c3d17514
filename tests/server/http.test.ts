import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import { HttpError, Router, type RunningServer, readJson, sendJson, startHttpServer } from '../../src/server/http/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (node:http, so the Host and Origin headers are ours to set). */
function call(server: RunningServer, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(router: Router, options: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<RunningServer> {
  const s = await startHttpServer({ router, ...options });
  servers.push(s);
  return s;
}

function echoRouter(): Router {
  return new Router()
    .add('GET', '/hello', ({ res }) => sendJson(res, 200, { hello: 'world' }))
    .add('POST', '/echo', async ({ req, res }) => sendJson(res, 200, { got: await readJson(req, 64) }))
    .add('GET', '/runs/:id', ({ res, params, query }) => sendJson(res, 200, { id: params.id, q: query.get('q') }))
    .add(['GET', 'PUT'], '/artifacts/:run/*path', ({ res, params, req }) => sendJson(res, 200, { run: params.run, path: params.path, method: req.method }))
    .add('GET', '/bug', () => {
      throw new Error('secret internal detail at /home/x/y.ts:12');
    })
    .add('GET', '/missing', () => {
      throw new NotFoundError('run', 'abc');
    })
    .add('GET', '/bad', () => {
      throw new InvalidInputError('bad thing');
    });
}

describe('HTTP plumbing', () => {
  it('binds 127.0.0.1 on an ephemeral port and routes literal, parameter and rest paths', async () => {
    const s = await start(echoRouter());
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.port).toBeGreaterThan(0);
    expect(JSON.parse((await call(s, 'GET', '/hello')).body)).toEqual({ hello: 'world' });
    expect(JSON.parse((await call(s, 'GET', '/runs/a%20b?q=x%3Dy')).body)).toEqual({ id: 'a b', q: 'x=y' });
    expect(JSON.parse((await call(s, 'PUT', '/artifacts/r1/dir/model.tkm')).body)).toEqual({ run: 'r1', path: 'dir/model.tkm', method: 'PUT' });
    // HEAD falls back to GET
    expect((await call(s, 'HEAD', '/hello')).status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as JSON', async () => {
    const s = await start(echoRouter());
    const nf = await call(s, 'GET', '/nope');
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body).error_code).toBe('ENDPOINT_NOT_FOUND');
    const na = await call(s, 'DELETE', '/hello');
    expect(na.status).toBe(405);
    expect(JSON.parse(na.body).message).toContain('allowed: GET');
    const bad = await call(s, 'GET', '/runs/%E0%A4%A');
    expect(bad.status).toBe(400);
  });

  it('maps typed errors to JSON answers and hides internal errors', async () => {
    const seen: unknown[] = [];
    const s = await start(echoRouter(), {
      onServerError: (e) => seen.push(e),
      errors: (e) => (e.code === 'NOT_FOUND' ? new HttpError(404, 'RESOURCE_DOES_NOT_EXIST', e.message) : undefined),
    });
    const bug = await call(s, 'GET', '/bug');
    expect(bug.status).toBe(500);
    expect(bug.body).not.toContain('secret');
    expect(bug.body).not.toContain('.ts');
    expect(JSON.parse(bug.body)).toEqual({ error_code: 'INTERNAL_ERROR', message: 'internal server error' });
    expect((seen[0] as Error).message).toContain('secret internal detail');
    const missing = await call(s, 'GET', '/missing');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "unknown run 'abc'" });
    const bad = await call(s, 'GET', '/bad');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error_code: 'BAD_REQUEST', message: 'bad thing' });
  });

  it('reads JSON bodies within the limit; refuses larger ones with 413 and bad JSON with 400', async () => {
    const s = await start(echoRouter());
    const ok = await call(s, 'POST', '/echo', { body: '{"a":[1,2]}', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(ok.body)).toEqual({ got: { a: [1, 2] } });
    const big = await call(s, 'POST', '/echo', { body: `{"a":"${'x'.repeat(100)}"}` });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error_code).toBe('REQUEST_TOO_LARGE');
    // No Content-Length (chunked): the limit holds while streaming.
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/echo' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(20));
      req.end();
    });
    expect(chunked.status).toBe(413);
    const malformed = await call(s, 'POST', '/echo', { body: '{"a":' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error_code).toBe('MALFORMED_REQUEST');
  });

  it('refuses foreign Host headers (DNS rebinding) and accepts the allowed ones', async () => {
    const s = await start(echoRouter(), { allowedHosts: ['tunekit.internal'] });
    expect((await call(s, 'GET', '/hello', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await call(s, 'GET', '/hello', { headers: { host: `evil.example:${s.port}` } })).status).toBe(403);
    expect((await call(s, 'GET', '/hello', { headers: { host: `localhost:${s.port}` } })).status).toBe(200);
    expect((await call(s, 'GET', '/hello', { headers: { host: `tunekit.internal:${s.port}` } })).status).toBe(200);
  });

  it('refuses writes from other origins unless CORS allows them; read-only refuses every write', async () => {
    const s = await start(echoRouter());
    const foreign = await call(s, 'POST', '/echo', { body: '{}', headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error_code).toBe('FORBIDDEN_ORIGIN');
    const own = await call(s, 'POST', '/echo', { body: '{}', headers: { origin: s.url } });
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
    // A read from another origin is answered, but without CORS headers the browser hides it.
    const read = await call(s, 'GET', '/hello', { headers: { origin: 'http://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();

    const withCors = await start(echoRouter(), { corsOrigins: ['http://app.example'] });
    const pre = await call(withCors, 'OPTIONS', '/echo', { headers: { origin: 'http://app.example', 'access-control-request-headers': 'content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://app.example');
    expect((await call(withCors, 'POST', '/echo', { body: '{}', headers: { origin: 'http://app.example' } })).status).toBe(200);

    const ro = await start(echoRouter(), { readOnly: true });
    expect((await call(ro, 'POST', '/echo', { body: '{}' })).status).toBe(403);
    expect((await call(ro, 'GET', '/hello')).status).toBe(200);
  });

  it('close() lets a request in flight finish, then stops accepting', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const router = new Router().add('GET', '/slow', async ({ res }) => {
      await gate;
      sendJson(res, 200, { done: true });
    });
    const s = await startHttpServer({ router });
    const inflight = call(s, 'GET', '/slow');
    await new Promise((r) => setTimeout(r, 50));
    const closed = s.close();
    release();
    const reply = await inflight;
    expect(JSON.parse(reply.body)).toEqual({ done: true });
    await closed;
    await expect(call(s, 'GET', '/slow')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a bad port', async () => {
    await expect(startHttpServer({ router: new Router(), port: 70000 })).rejects.toThrow(/port/);
  });
});
