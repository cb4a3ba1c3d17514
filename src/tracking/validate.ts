import { InvalidInputError } from '../core/errors.js';
import { ARTIFACT_PATH_MAX_BYTES, ARTIFACT_SEGMENT_MAX_BYTES } from '../core/limits.js';
import { ArtifactPathError, RunStateError } from './errors.js';
import { MODEL_STAGES, type ModelStage, RUN_STATUSES, type RunBatch, type RunInfo, type RunStatus, type RunUpdate, type Tags } from './types.js';

/** Shared input checks, so every store accepts and refuses exactly the same things. */

const KEY_RE = /^[\w\-. /:]+$/;
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_LENGTH = 6000;
export const MAX_TAG_LENGTH = 8000;
export const MAX_RESULTS_LIMIT = 50_000;
export const DEFAULT_MAX_RESULTS = 1000;

export function checkKey(what: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY_RE.test(key)) {
    throw new InvalidInputError(
      `${what} key ${JSON.stringify(key)} is invalid: use 1-${MAX_KEY_LENGTH} letters, digits, '_', '-', '.', ' ', '/' or ':'`,
    );
  }
  return key;
}

function checkText(what: string, key: string, value: unknown, max: number): void {
  if (typeof value !== 'string') throw new InvalidInputError(`${what} '${key}' must be a string; got ${typeof value}`);
  if (value.length > max) throw new InvalidInputError(`${what} '${key}' is ${value.length} characters long (at most ${max})`);
}

export function checkStatus(status: unknown): RunStatus {
  if (!(RUN_STATUSES as readonly unknown[]).includes(status)) {
    throw new InvalidInputError(`run status ${JSON.stringify(status)} is invalid (one of ${RUN_STATUSES.join(', ')})`);
  }
  return status as RunStatus;
}

export function checkTimestamp(what: string, t: unknown): number {
  if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw new InvalidInputError(`${what} must be an integer (milliseconds); got ${String(t)}`);
  return t;
}

/** Validate a whole batch before any of it is written; duplicate param keys must agree. */
export function checkBatch(batch: RunBatch): void {
  const seen = new Map<string, string>();
  for (const p of batch.params ?? []) {
    checkKey('param', p.key);
    checkText('param', p.key, p.value, MAX_PARAM_LENGTH);
    const prev = seen.get(p.key);
    if (prev !== undefined && prev !== p.value) {
      throw new InvalidInputError(`param '${p.key}' appears twice in one batch with different values (${JSON.stringify(prev)}, ${JSON.stringify(p.value)})`);
    }
    seen.set(p.key, p.value);
  }
  // Batches from hot loops repeat a few keys thousands of times: check each key once.
  let lastKey = '';
  const metricKeys = new Set<string>();
  for (const m of batch.metrics ?? []) {
    const key = m.key;
    if (key !== lastKey && !metricKeys.has(key)) {
      checkKey('metric', key);
      metricKeys.add(key);
    }
    lastKey = key;
    if (typeof m.value !== 'number') throw new InvalidInputError(`metric '${key}' value must be a number; got ${typeof m.value}`);
    if (!Number.isSafeInteger(m.step)) throw new InvalidInputError(`metric '${key}' step must be an integer; got ${m.step}`);
    if (!Number.isSafeInteger(m.timestamp)) checkTimestamp(`metric '${key}' timestamp`, m.timestamp);
  }
  for (const t of batch.tags ?? []) {
    checkKey('tag', t.key);
    checkText('tag', t.key, t.value, MAX_TAG_LENGTH);
  }
}

const NUMERIC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** The number a param/tag string spells, or null: lets filters compare `params.maxDepth > 5`. */
export function numericValue(s: string): number | null {
  if (!NUMERIC_RE.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * Normalise a relative artifact path to 'a/b/c'. Refuses empty, absolute, drive-letter,
 * backslash, NUL and '..' segments: nothing can name a place outside the run's folder.
 */
export function normalizeArtifactPath(path: string, allowEmpty = false): string {
  if (typeof path !== 'string') throw new ArtifactPathError(String(path), 'not a string');
  if (path.includes('\0')) throw new ArtifactPathError(path, 'contains a NUL byte');
  if (path.includes('\\')) throw new ArtifactPathError(path, "contains '\\' (use '/')");
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw new ArtifactPathError(path, 'is absolute');
  const parts = path.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) throw new ArtifactPathError(path, "contains '..'");
  if (parts.length === 0 && !allowEmpty) throw new ArtifactPathError(path, 'is empty');
  const joined = parts.join('/');
  // Long names fail in the file system with its own error (and the store's absolute path): refuse
  // them here, the same way for every store.
  if (Buffer.byteLength(joined) > ARTIFACT_PATH_MAX_BYTES) throw new ArtifactPathError(shorten(path), `is longer than ${ARTIFACT_PATH_MAX_BYTES} bytes`);
  for (const part of parts) {
    if (Buffer.byteLength(part) > ARTIFACT_SEGMENT_MAX_BYTES) {
      throw new ArtifactPathError(shorten(path), `has a name longer than ${ARTIFACT_SEGMENT_MAX_BYTES} bytes ('${shorten(part)}')`);
    }
  }
  return joined;
}

function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 60)}...(${s.length} characters)` : s;
}

/** Run ids are 32 lowercase hex characters; anything else is refused before reaching a file path. */
export function checkRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !/^[0-9a-f]{32}$/.test(runId)) throw new InvalidInputError(`run id ${JSON.stringify(runId)} is invalid (32 hex characters)`);
  return runId;
}

const MODEL_NAME_RE = /^[\w][\w.\- ]*$/;
export function checkModelName(name: unknown): string {
  if (typeof name !== 'string' || name.length > MAX_KEY_LENGTH || !MODEL_NAME_RE.test(name)) {
    throw new InvalidInputError(`registered model name ${JSON.stringify(name)} is invalid: letters, digits, '_', '-', '.', ' ' (no '/' or '@')`);
  }
  return name;
}

const ALIAS_RE = /^[A-Za-z_][\w-]*$/;
export function checkAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias.length > MAX_KEY_LENGTH || !ALIAS_RE.test(alias) || alias === 'latest') {
    throw new InvalidInputError(`model alias ${JSON.stringify(alias)} is invalid: a letter or '_' then letters, digits, '_', '-' ('latest' is reserved)`);
  }
  return alias;
}

export function checkExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_KEY_LENGTH) {
    throw new InvalidInputError(`experiment name ${JSON.stringify(name)} is invalid (1-${MAX_KEY_LENGTH} characters, not blank)`);
  }
  return name;
}

export function checkMaxResults(n: unknown): number {
  if (n === undefined) return DEFAULT_MAX_RESULTS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_RESULTS_LIMIT) {
    throw new InvalidInputError(`maxResults must be an integer in [1, ${MAX_RESULTS_LIMIT}]; got ${String(n)}`);
  }
  return n;
}

/** Page tokens are opaque to callers: base64url of {"offset": n}. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new InvalidInputError(`page token ${JSON.stringify(token)} is invalid`);
  return offset;
}

/**
 * A frozen plain record from key/value pairs. Keys are own data properties whatever they are
 * (a param named '__proto__' stays a param, never the prototype).
 */
export function recordOf<V>(entries: Iterable<readonly [string, V]>): Readonly<Record<string, V>> {
  return Object.freeze(Object.fromEntries(entries));
}

/** Tags given as a record, checked: keys valid, values strings. */
export function checkTags(what: string, tags: Tags | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(tags ?? {})) {
    checkKey(what, k);
    checkText(what, k, String(v), MAX_TAG_LENGTH);
    out.push([k, String(v)]);
  }
  return out;
}

/**
 * A run's info after `update`, or the same object when nothing changes. Status moves only from
 * RUNNING to a terminal status (the same status again is a no-op, keeping the first end time);
 * anything else throws RunStateError.
 */
export function nextRunState(info: RunInfo, update: RunUpdate): RunInfo {
  let next = info;
  if (update.runName !== undefined && update.runName !== info.runName) {
    if (typeof update.runName !== 'string' || update.runName.length > MAX_KEY_LENGTH) throw new InvalidInputError(`run name must be a string of at most ${MAX_KEY_LENGTH} characters`);
    next = { ...next, runName: update.runName };
  }
  if (update.status !== undefined) {
    const status = checkStatus(update.status);
    if (status !== info.status) {
      if (info.status !== 'RUNNING' || status === 'RUNNING') throw new RunStateError(info.runId, info.status, status);
      next = { ...next, status, endTime: checkTimestamp('endTime', update.endTime ?? Date.now()) };
    }
  } else if (update.endTime !== undefined) {
    next = { ...next, endTime: checkTimestamp('endTime', update.endTime) };
  }
  return next === info ? info : Object.freeze(next);
}

export function checkModelStage(stage: unknown): ModelStage {
  if (!(MODEL_STAGES as readonly unknown[]).includes(stage)) throw new InvalidInputError(`model stage ${JSON.stringify(stage)} is invalid (one of ${MODEL_STAGES.join(', ')})`);
  return stage as ModelStage;
}

/** Model version numbers are positive integers. */
export function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new InvalidInputError(`model version ${JSON.stringify(version)} is not a positive integer`);
  return version;
}
