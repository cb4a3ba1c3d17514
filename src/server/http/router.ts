import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets: the request, the response, the path's named parts and the parsed query. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly path: string;
}

export type Handler = (ctx: RequestContext) => unknown | Promise<unknown>;

interface PatternRoute {
  readonly parts: readonly string[];
  /** The name of a trailing `*name` part that takes the rest of the path, if any. */
  readonly rest: string | undefined;
  readonly handlers: Map<string, Handler>;
}

/**
 * Routes by method and path. Literal paths are one map lookup; patterns have `:name` parts (one
 * segment) and may end in `*name` (the rest of the path, for artifact paths). A path that exists
 * with another method is a 405 naming the allowed ones; an unknown path a 404.
 */
export class Router {
  private readonly exact = new Map<string, Map<string, Handler>>();
  private readonly patterns: PatternRoute[] = [];

  add(method: Method | readonly Method[], path: string, handler: Handler): this {
    const methods = typeof method === 'string' ? [method] : method;
    const parts = path.split('/').filter((p) => p.length > 0);
    const last = parts.at(-1);
    const rest = last?.startsWith('*') ? last.slice(1) : undefined;
    const fixed = rest === undefined ? parts : parts.slice(0, -1);
    let handlers: Map<string, Handler>;
    if (rest === undefined && !fixed.some((p) => p.startsWith(':'))) {
      const key = `/${fixed.join('/')}`;
      handlers = this.exact.get(key) ?? new Map();
      this.exact.set(key, handlers);
    } else {
      const same = this.patterns.find((r) => r.rest === rest && r.parts.join('/') === fixed.join('/'));
      handlers = same?.handlers ?? new Map();
      if (!same) this.patterns.push({ parts: fixed, rest, handlers });
    }
    for (const m of methods) {
      if (handlers.has(m)) throw new Error(`route ${m} ${path} is defined twice`);
      handlers.set(m, handler);
    }
    return this;
  }

  /** The handler and path parameters for a request, or throws a 404 / 405 HttpError. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const exact = this.exact.get(trimmed);
    if (exact) return { handler: pick(exact, method, path), params: {} };
    const segments = trimmed.split('/').filter((p) => p.length > 0);
    for (const route of this.patterns) {
      const params = matchParts(route, segments);
      if (params) return { handler: pick(route.handlers, method, path), params };
    }
    throw new HttpError(404, 'ENDPOINT_NOT_FOUND', `no endpoint ${path}`);
  }
}

function pick(handlers: Map<string, Handler>, method: string, path: string): Handler {
  const h = handlers.get(method) ?? (method === 'HEAD' ? handlers.get('GET') : undefined);
  if (h) return h;
  throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path} (allowed: ${[...handlers.keys()].join(', ')})`);
}

function matchParts(route: PatternRoute, segments: readonly string[]): Record<string, string> | undefined {
  const { parts, rest } = route;
  if (rest === undefined ? segments.length !== parts.length : segments.length < parts.length) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.startsWith(':')) params[p.slice(1)] = decodeSegment(segments[i]);
    else if (p !== segments[i]) return undefined;
  }
  // Segments are decoded one by one, so an encoded '/' or '..' arrives decoded: the handler checks
  // what a path may hold (the artifact stores refuse '..', absolute paths and links).
  if (rest !== undefined) params[rest] = segments.slice(parts.length).map(decodeSegment).join('/');
  return params;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', `malformed percent-encoding in path segment '${s}'`);
  }
}
