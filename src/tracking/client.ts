import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { InvalidInputError, TunekitError } from '../core/errors.js';
import { AlreadyExistsError } from './errors.js';
import { MetricBuffer } from './metric-buffer.js';
import type { TrackingStore } from './store.js';
import { openStore } from './stores/index.js';
import type { ArtifactEntry, Experiment, MetricPoint, ModelVersion, RegisteredModel, Run, RunInfo, RunPage, SearchRunsQuery, Tags, TerminalStatus } from './types.js';
import { parseModelUri, runModelUri } from './uri.js';
import { MAX_TAG_LENGTH, normalizeArtifactPath } from './validate.js';

export type ParamInput = string | number | boolean | null;
export type JsonData = string | number | boolean | null | JsonData[] | { [key: string]: JsonData };

export interface MetricInput {
  readonly key: string;
  readonly value: number;
  /** Default 0. */
  readonly step?: number;
  /** Milliseconds since the epoch; default now. */
  readonly timestamp?: number;
}

export interface BatchInput {
  readonly params?: Readonly<Record<string, ParamInput>>;
  readonly metrics?: Readonly<Record<string, number>> | readonly MetricInput[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface CreateRunOptions {
  /** Defaults to the parent's experiment inside `withRun`; else give this or `experimentName`. */
  readonly experimentId?: string;
  /** Get-or-create the experiment by name. */
  readonly experimentName?: string;
  readonly runName?: string;
  /** Inside `withRun` the active run is the default parent; pass null for a top-level run. */
  readonly parentRunId?: string | null;
  readonly tags?: Tags;
}

/** A column of a model's input or output. */
export interface SignatureColumn {
  readonly name: string;
  /** e.g. 'double', 'long', 'string', 'category'. */
  readonly type: string;
}

export interface ModelSignature {
  readonly inputs: readonly SignatureColumn[];
  readonly outputs?: readonly SignatureColumn[];
}

export interface LogModelOptions {
  /** Folder in the run's artifacts; default 'model'. */
  readonly artifactPath?: string;
  readonly signature?: ModelSignature;
  /** A few input rows, as JSON (e.g. an array of records). */
  readonly inputExample?: JsonData;
  readonly metadata?: Readonly<Record<string, JsonData>>;
}

/** What `logModel` records beside the bytes (`<artifactPath>/MLmodel.json`). */
export interface LoggedModel {
  readonly uri: string;
  readonly runId: string;
  readonly artifactPath: string;
  readonly size: number;
  readonly sha256: string;
  /** kind/libraryVersion read from a tunekit model artifact header; null for other bytes. */
  readonly kind: string | null;
  readonly libraryVersion: string | null;
  readonly signature: ModelSignature | null;
  readonly inputExample: JsonData | null;
  readonly metadata: Readonly<Record<string, JsonData>>;
  readonly createdAt: number;
}

export interface RegisterBestRunOptions {
  /** Experiment name (or give `experimentId`). */
  readonly experiment?: string;
  readonly experimentId?: string;
  /** MetricPoint to rank by, e.g. 'rmse' (its latest value). */
  readonly metric: string;
  /** 'min' (default) or 'max'. */
  readonly mode?: 'min' | 'max';
  /** Registered model name; created when missing. */
  readonly name: string;
  /** Point this alias (e.g. 'champion') at the new version. */
  readonly alias?: string;
  /** Extra search filter the run must match. */
  readonly filter?: string;
  /** Artifact path of the logged model; default 'model'. */
  readonly artifactPath?: string;
  readonly description?: string;
  readonly tags?: Tags;
}

export const LOGGED_MODEL_FILE = 'model.tkm';
export const LOGGED_MODEL_META_FILE = 'MLmodel.json';
/** Run tag set by logModel, one per artifact path: lets a search find runs that have a model. */
export const MODEL_TAG_PREFIX = 'tunekit.model.';
export const PID_TAG = 'tunekit.pid';
export const HOST_TAG = 'tunekit.host';
export const ERROR_TAG = 'tunekit.error';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A run bound to its client: the handle `withRun` passes and `activeRun()` returns. */
export class ActiveRun {
  private readonly buffers: MetricBuffer[] = [];
  constructor(
    readonly client: TrackingClient,
    readonly runId: string,
  ) {}

  get info(): RunInfo {
    return this.client.getRun(this.runId).info;
  }
  logParam(key: string, value: ParamInput): void {
    this.client.logParam(this.runId, key, value);
  }
  logParams(params: Readonly<Record<string, ParamInput>>): void {
    this.client.logParams(this.runId, params);
  }
  logMetric(key: string, value: number, options?: { step?: number; timestamp?: number }): void {
    this.client.logMetric(this.runId, key, value, options);
  }
  logMetrics(metrics: Readonly<Record<string, number>>, options?: { step?: number; timestamp?: number }): void {
    this.client.logMetrics(this.runId, metrics, options);
  }
  logBatch(batch: BatchInput): void {
    this.client.logBatch(this.runId, batch);
  }
  setTag(key: string, value: string): void {
    this.client.setTag(this.runId, key, value);
  }
  logArtifact(localPath: string, artifactPath?: string): void {
    this.client.logArtifact(this.runId, localPath, artifactPath);
  }
  logText(text: string, artifactPath: string): void {
    this.client.logText(this.runId, text, artifactPath);
  }
  logJson(value: JsonData, artifactPath: string): void {
    this.client.logJson(this.runId, value, artifactPath);
  }
  logModel(bytes: Uint8Array, options?: LogModelOptions): LoggedModel {
    return this.client.logModel(this.runId, bytes, options);
  }
  /** A buffer flushed automatically when `withRun` ends this run. */
  metricBuffer(capacity?: number): MetricBuffer {
    const b = this.client.metricBuffer(this.runId, capacity);
    this.buffers.push(b);
    return b;
  }
  /** @internal */
  flushBuffers(): void {
    for (const b of this.buffers) b.flush();
  }
}

/**
 * The tracking client: explicit run ids everywhere, a store chosen by URI, and an optional
 * "current run" kept in this client's AsyncLocalStorage (never module state), so concurrent
 * `withRun` calls in one process never see each other's runs.
 */
export class TrackingClient {
  readonly store: TrackingStore;
  private readonly current = new AsyncLocalStorage<ActiveRun>();

  /** `uri`: 'sqlite:path.db' | 'memory:' | undefined ($TUNEKIT_TRACKING_URI, else sqlite:tunekit.db). */
  constructor(storeOrUri?: TrackingStore | string) {
    this.store = typeof storeOrUri === 'object' ? storeOrUri : openStore(storeOrUri);
  }

  get trackingUri(): string {
    return this.store.uri;
  }

  close(): void {
    this.store.close();
  }

  // Experiments

  createExperiment(name: string, tags?: Tags): Experiment {
    return this.store.createExperiment(name, tags);
  }
  getExperiment(experimentId: string): Experiment {
    return this.store.getExperiment(experimentId);
  }
  getExperimentByName(name: string): Experiment | undefined {
    return this.store.getExperimentByName(name);
  }
  /** The experiment with this name, created if missing (safe against a concurrent creator). */
  getOrCreateExperiment(name: string, tags?: Tags): Experiment {
    const found = this.store.getExperimentByName(name);
    if (found) return found;
    try {
      return this.store.createExperiment(name, tags);
    } catch (err) {
      const raced = err instanceof AlreadyExistsError ? this.store.getExperimentByName(name) : undefined;
      if (raced) return raced;
      throw err;
    }
  }
  listExperiments(): Experiment[] {
    return this.store.listExperiments();
  }
  setExperimentTag(experimentId: string, key: string, value: string): void {
    this.store.setExperimentTag(experimentId, key, value);
  }

  // Runs

  /** Create a RUNNING run; records this process's pid and host as tags (for crash recovery). */
  createRun(options: CreateRunOptions): RunInfo {
    const parent = this.current.getStore();
    const parentRunId = options.parentRunId === undefined ? (parent?.runId ?? null) : options.parentRunId;
    let experimentId = options.experimentId;
    if (experimentId === undefined && options.experimentName !== undefined) experimentId = this.getOrCreateExperiment(options.experimentName).experimentId;
    if (experimentId === undefined && parentRunId !== null) experimentId = this.store.getRun(parentRunId).info.experimentId;
    if (experimentId === undefined) throw new InvalidInputError('createRun needs experimentId or experimentName');
    return this.store.createRun({
      experimentId,
      runName: options.runName ?? null,
      parentRunId,
      tags: { [PID_TAG]: String(process.pid), [HOST_TAG]: hostname(), ...options.tags },
    });
  }

  getRun(runId: string): Run {
    return this.store.getRun(runId);
  }

  endRun(runId: string, status: TerminalStatus = 'FINISHED'): RunInfo {
    return this.store.endRun(runId, status);
  }

  logBatch(runId: string, batch: BatchInput): void {
    const now = Date.now();
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({ key, value: paramString(key, value) }));
    const metrics: MetricPoint[] = Array.isArray(batch.metrics)
      ? (batch.metrics as readonly MetricInput[]).map((m) => ({ key: m.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp ?? now }))
      : Object.entries((batch.metrics ?? {}) as Record<string, number>).map(([key, value]) => ({ key, value, step: 0, timestamp: now }));
    const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key, value: String(value) }));
    this.store.logBatch(runId, { params, metrics, tags });
  }

  logParam(runId: string, key: string, value: ParamInput): void {
    this.store.logBatch(runId, { params: [{ key, value: paramString(key, value) }] });
  }
  logParams(runId: string, params: Readonly<Record<string, ParamInput>>): void {
    this.logBatch(runId, { params });
  }
  logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): void {
    this.store.logBatch(runId, { metrics: [{ key, value, step: options.step ?? 0, timestamp: options.timestamp ?? Date.now() }] });
  }
  logMetrics(runId: string, metrics: Readonly<Record<string, number>>, options: { step?: number; timestamp?: number } = {}): void {
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    this.store.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp })) });
  }
  setTag(runId: string, key: string, value: string): void {
    this.store.logBatch(runId, { tags: [{ key, value: String(value) }] });
  }
  setTags(runId: string, tags: Tags): void {
    this.logBatch(runId, { tags });
  }
  getMetricHistory(runId: string, key: string): MetricPoint[] {
    return this.store.getMetricHistory(runId, key);
  }

  /** A buffer for hot loops: points are kept in typed arrays and written `capacity` at a time. */
  metricBuffer(runId: string, capacity?: number): MetricBuffer {
    return new MetricBuffer(this.store, runId, capacity);
  }

  /**
   * Search runs. `experimentNames` are resolved to ids (an unknown name matches nothing).
   * See the filter language in search/parser.ts.
   */
  searchRuns(query: SearchRunsQuery & { readonly experimentNames?: readonly string[] } = {}): RunPage {
    const { experimentNames, ...rest } = query;
    if (experimentNames === undefined) return this.store.searchRuns(rest);
    const ids = experimentNames.flatMap((n) => this.store.getExperimentByName(n)?.experimentId ?? []);
    return this.store.searchRuns({ ...rest, experimentIds: [...(rest.experimentIds ?? []), ...ids] });
  }

  /** Every run matching the query, following page tokens. */
  searchAllRuns(query: SearchRunsQuery & { readonly experimentNames?: readonly string[] } = {}): Run[] {
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = this.searchRuns({ ...query, pageToken });
      out.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  // Current-run convenience

  /**
   * Create a run, make it current for everything `fn` awaits, and end it: FINISHED when `fn`
   * resolves, FAILED (with the error message as tag 'tunekit.error') when it throws. A run the
   * callback already ended keeps its status. Nested calls create child runs.
   */
  async withRun<T>(options: CreateRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> {
    const info = this.createRun(options);
    const run = new ActiveRun(this, info.runId);
    let result: T;
    try {
      result = await this.current.run(run, () => fn(run));
    } catch (err) {
      try {
        this.finish(run, 'FAILED', err);
      } catch {
        // The callback's error is the one worth reporting.
      }
      throw err;
    }
    this.finish(run, 'FINISHED');
    return result;
  }

  private finish(run: ActiveRun, status: TerminalStatus, err?: unknown): void {
    run.flushBuffers();
    if (this.store.getRun(run.runId).info.status !== 'RUNNING') return;
    if (err !== undefined) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.setTag(run.runId, ERROR_TAG, message.slice(0, MAX_TAG_LENGTH));
    }
    this.store.endRun(run.runId, status);
  }

  /** The run of the innermost `withRun` around the caller, if any. */
  activeRun(): ActiveRun | undefined {
    return this.current.getStore();
  }

  /**
   * Mark RUNNING runs left by dead processes FAILED: runs whose pid tag names a process on this
   * host that no longer exists; with `olderThanMs`, also any RUNNING run (any host) started longer
   * ago than that. Returns the ids changed.
   */
  markStaleRunsFailed(options: { olderThanMs?: number } = {}): string[] {
    const host = hostname();
    const now = Date.now();
    return this.store.failRuns((run) => {
      if (options.olderThanMs !== undefined && now - run.info.startTime > options.olderThanMs) return true;
      const pid = Number(run.tags[PID_TAG]);
      if (run.tags[HOST_TAG] !== host || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
      return !processAlive(pid);
    });
  }

  // Artifacts

  logArtifact(runId: string, localPath: string, artifactPath?: string): void {
    const target = normalizeArtifactPath(artifactPath ?? basename(localPath));
    this.store.putArtifact(runId, target, new Uint8Array(readFileSync(localPath)));
  }

  /** Copy a local folder's files (recursively; symlinks skipped) under `artifactDir`. */
  logArtifacts(runId: string, localDir: string, artifactDir = ''): number {
    const base = normalizeArtifactPath(artifactDir, true);
    let count = 0;
    const visit = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        const to = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) visit(full, to);
        else if (e.isFile() && !lstatSync(full).isSymbolicLink()) {
          this.store.putArtifact(runId, to, new Uint8Array(readFileSync(full)));
          count++;
        }
      }
    };
    visit(localDir, base);
    return count;
  }

  logBytes(runId: string, bytes: Uint8Array, artifactPath: string): void {
    this.store.putArtifact(runId, artifactPath, bytes);
  }
  logText(runId: string, text: string, artifactPath: string): void {
    this.store.putArtifact(runId, artifactPath, encoder.encode(text));
  }
  logJson(runId: string, value: JsonData, artifactPath: string): void {
    this.logText(runId, `${toJson(value, artifactPath)}\n`, artifactPath);
  }
  readArtifact(runId: string, artifactPath: string): Uint8Array {
    return this.store.getArtifact(runId, artifactPath);
  }
  readText(runId: string, artifactPath: string): string {
    return decoder.decode(this.store.getArtifact(runId, artifactPath));
  }
  listArtifacts(runId: string, dir?: string): ArtifactEntry[] {
    return this.store.listArtifacts(runId, dir);
  }

  // Models

  /**
   * Store model bytes (opaque here; typically a tunekit model artifact) under
   * `<artifactPath>/model.tkm`, with `MLmodel.json` beside it (signature, input example, sha256),
   * and tag the run `tunekit.model.<artifactPath>`. Returns the record, with `uri` 'runs:/<id>/<path>'.
   */
  logModel(runId: string, bytes: Uint8Array, options: LogModelOptions = {}): LoggedModel {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidInputError('logModel needs the model bytes as a non-empty Uint8Array');
    const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model');
    const header = peekModelHeader(bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const info: LoggedModel = {
      uri: runModelUri(runId, artifactPath),
      runId,
      artifactPath,
      size: bytes.length,
      sha256,
      kind: header?.kind ?? null,
      libraryVersion: header?.libraryVersion ?? null,
      signature: options.signature ? checkSignature(options.signature) : null,
      inputExample: options.inputExample === undefined ? null : (JSON.parse(toJson(options.inputExample, 'inputExample')) as JsonData),
      metadata: options.metadata ? (JSON.parse(toJson(options.metadata, 'metadata')) as Record<string, JsonData>) : {},
      createdAt: Date.now(),
    };
    this.store.getRun(runId);
    this.store.putArtifact(runId, `${artifactPath}/${LOGGED_MODEL_FILE}`, bytes);
    this.store.putArtifact(runId, `${artifactPath}/${LOGGED_MODEL_META_FILE}`, encoder.encode(`${JSON.stringify(info, null, 2)}\n`));
    // The tag goes last: a run counts as having a model only once both files are in place.
    this.setTag(runId, MODEL_TAG_PREFIX + artifactPath, sha256);
    return Object.freeze(info);
  }

  /** Resolve a model URI (runs:/, models:/name/version, models:/name@alias) to the run and path holding it. */
  resolveModelUri(uri: string): { runId: string; artifactPath: string; version: ModelVersion | null } {
    const parsed = parseModelUri(uri);
    if (parsed.kind === 'run') return { runId: parsed.runId, artifactPath: parsed.artifactPath, version: null };
    let version: ModelVersion;
    if (parsed.kind === 'alias') version = this.store.getModelVersionByAlias(parsed.name, parsed.alias);
    else if (parsed.version === 'latest') {
      const latest = this.store.getRegisteredModel(parsed.name).latestVersion;
      if (latest === null) throw new TunekitError('NOT_FOUND', `registered model '${parsed.name}' has no versions`);
      version = this.store.getModelVersion(parsed.name, latest);
    } else version = this.store.getModelVersion(parsed.name, parsed.version);
    const source = parseModelUri(version.source);
    if (source.kind !== 'run') throw new TunekitError('ARTIFACT', `model version ${version.name}/${version.version} has source ${version.source}, not a runs:/ URI`);
    return { runId: source.runId, artifactPath: source.artifactPath, version };
  }

  /** The logged model's record (MLmodel.json) for a model URI. */
  getLoggedModel(uri: string): LoggedModel {
    const { runId, artifactPath } = this.resolveModelUri(uri);
    return JSON.parse(decoder.decode(this.store.getArtifact(runId, `${artifactPath}/${LOGGED_MODEL_META_FILE}`))) as LoggedModel;
  }

  /** The stored model bytes for a model URI; the sha256 recorded at logging time is verified. */
  loadModelBytes(uri: string): Uint8Array {
    return this.loadModel(uri).bytes;
  }

  loadModel(uri: string): { bytes: Uint8Array; info: LoggedModel } {
    const { runId, artifactPath } = this.resolveModelUri(uri);
    const info = this.getLoggedModel(runModelUri(runId, artifactPath));
    const bytes = this.store.getArtifact(runId, `${artifactPath}/${LOGGED_MODEL_FILE}`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== info.sha256) throw new TunekitError('ARTIFACT', `model ${uri}: stored bytes do not match the sha256 recorded when it was logged`);
    return { bytes, info };
  }

  // Registry

  createRegisteredModel(name: string, options?: { description?: string; tags?: Tags }): RegisteredModel {
    return this.store.createRegisteredModel(name, options);
  }
  getRegisteredModel(name: string): RegisteredModel {
    return this.store.getRegisteredModel(name);
  }
  listRegisteredModels(): RegisteredModel[] {
    return this.store.listRegisteredModels();
  }
  updateRegisteredModel(name: string, update: { description?: string }): RegisteredModel {
    return this.store.updateRegisteredModel(name, update);
  }
  setRegisteredModelTag(name: string, key: string, value: string): void {
    this.store.setRegisteredModelTag(name, key, value);
  }
  getModelVersion(name: string, version: number): ModelVersion {
    return this.store.getModelVersion(name, version);
  }
  listModelVersions(name: string): ModelVersion[] {
    return this.store.listModelVersions(name);
  }
  setModelVersionTag(name: string, version: number, key: string, value: string): void {
    this.store.setModelVersionTag(name, version, key, value);
  }
  setModelAlias(name: string, alias: string, version: number): void {
    this.store.setModelAlias(name, alias, version);
  }
  deleteModelAlias(name: string, alias: string): void {
    this.store.deleteModelAlias(name, alias);
  }
  getModelVersionByAlias(name: string, alias: string): ModelVersion {
    return this.store.getModelVersionByAlias(name, alias);
  }

  /**
   * Register the model at `source` (a runs:/ URI with a logged model) as the next version of
   * `name`, creating the registered model when missing; optionally point `alias` at it.
   */
  registerModel(source: string, name: string, options: { alias?: string; description?: string; tags?: Tags } = {}): ModelVersion {
    const parsed = parseModelUri(source);
    if (parsed.kind !== 'run') throw new InvalidInputError(`registerModel needs a runs:/<runId>/<path> source; got ${source}`);
    this.getLoggedModel(source);
    try {
      this.store.getRegisteredModel(name);
    } catch {
      try {
        this.store.createRegisteredModel(name);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
    }
    const created = this.store.createModelVersion(name, { source, runId: parsed.runId, description: options.description, tags: options.tags });
    if (options.alias === undefined) return created;
    this.store.setModelAlias(name, options.alias, created.version);
    return this.store.getModelVersion(name, created.version);
  }

  /**
   * Find the FINISHED run with a logged model and the best latest value of `metric` (lowest for
   * mode 'min'), optionally matching `filter`, and register it under `name` (with `alias`).
   */
  registerBestRun(options: RegisterBestRunOptions): { run: Run; version: ModelVersion } {
    const mode = options.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max') throw new InvalidInputError(`registerBestRun: mode must be 'min' or 'max'; got ${JSON.stringify(mode)}`);
    let experimentId = options.experimentId;
    if (experimentId === undefined) {
      if (options.experiment === undefined) throw new InvalidInputError('registerBestRun needs experiment (a name) or experimentId');
      const exp = this.store.getExperimentByName(options.experiment);
      if (!exp) throw new TunekitError('NOT_FOUND', `unknown experiment '${options.experiment}'`);
      experimentId = exp.experimentId;
    } else this.store.getExperiment(experimentId);
    const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model');
    const metric = `metrics.\`${options.metric}\``;
    let filter = `status = 'FINISHED' and ${metric} is not null and tags.\`${MODEL_TAG_PREFIX}${artifactPath}\` is not null`;
    if (options.filter !== undefined && options.filter.trim() !== '') filter += ` and (${options.filter})`;
    const page = this.store.searchRuns({ experimentIds: [experimentId], filter, orderBy: [`${metric} ${mode === 'min' ? 'asc' : 'desc'}`], maxResults: 1 });
    const best = page.runs[0];
    if (!best || Number.isNaN(best.metrics[options.metric].value)) {
      throw new TunekitError('NO_ELIGIBLE_RUN', `no FINISHED run in experiment ${experimentId} has metric '${options.metric}' and a logged model at '${artifactPath}'${options.filter ? ` and matches ${JSON.stringify(options.filter)}` : ''}`);
    }
    const version = this.registerModel(runModelUri(best.info.runId, artifactPath), options.name, {
      alias: options.alias,
      description: options.description,
      tags: { 'tunekit.metric': options.metric, 'tunekit.metric_value': String(best.metrics[options.metric].value), ...options.tags },
    });
    return { run: best, version };
  }
}

function paramString(key: string, value: ParamInput): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return String(value);
  throw new InvalidInputError(`param '${key}' must be a string, number, boolean or null; got ${typeof value}`);
}

function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new InvalidInputError(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (text === undefined) throw new InvalidInputError(`${what} is not JSON-serialisable`);
  return text;
}

function checkSignature(sig: ModelSignature): ModelSignature {
  const cols = (list: unknown, which: string): SignatureColumn[] => {
    if (!Array.isArray(list)) throw new InvalidInputError(`model signature ${which} must be an array of { name, type }`);
    return list.map((c: SignatureColumn, i) => {
      if (typeof c?.name !== 'string' || typeof c?.type !== 'string') throw new InvalidInputError(`model signature ${which}[${i}] must be { name: string, type: string }`);
      return { name: c.name, type: c.type };
    });
  };
  return sig.outputs === undefined ? { inputs: cols(sig.inputs, 'inputs') } : { inputs: cols(sig.inputs, 'inputs'), outputs: cols(sig.outputs, 'outputs') };
}

/**
 * Read kind and library version from a tunekit model artifact's JSON header ("TUNEKIT\0", u32
 * container version, u32 header length, header JSON), without depending on the models layer.
 * Returns undefined for anything else.
 */
export function peekModelHeader(bytes: Uint8Array): { kind: string; libraryVersion: string } | undefined {
  if (bytes.length < 16 || decoder.decode(bytes.subarray(0, 8)) !== 'TUNEKIT\0') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(12, true);
  if (16 + length > bytes.length) return undefined;
  try {
    const h = JSON.parse(decoder.decode(bytes.subarray(16, 16 + length))) as { kind?: unknown; libraryVersion?: unknown };
    return typeof h.kind === 'string' ? { kind: h.kind, libraryVersion: String(h.libraryVersion ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
