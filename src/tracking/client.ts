import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { InvalidInputError, NotFoundError, TunekitError } from '../core/errors.js';
import { AlreadyExistsError } from './errors.js';
import { MetricBuffer } from './metric-buffer.js';
import {
  decodeMLmodel,
  encodeMLmodel,
  type JsonData,
  LEGACY_MODEL_META_FILE,
  LOGGED_MODEL_FILE,
  type LoggedModel,
  MLMODEL_FILE,
  type ModelSignature,
  type SignatureColumn,
} from './mlmodel.js';
import { quoteFilterKey, quoteFilterValue } from './search/quote.js';
import type { ModelRegistryStore, Store, TrackingStore } from './store.js';
import { openStore } from './stores/index.js';
import type {
  ArtifactEntry,
  Experiment,
  MetricPoint,
  ModelVersion,
  RegisteredModel,
  Run,
  RunBatch,
  RunInfo,
  RunPage,
  SearchRunsQuery,
  Tags,
  TerminalStatus,
} from './types.js';
import { parseModelUri, runModelUri } from './uri.js';
import { MAX_TAG_LENGTH, normalizeArtifactPath } from './validate.js';

export type { JsonData, LoggedModel, ModelSignature, SignatureColumn };
export { LOGGED_MODEL_FILE, MLMODEL_FILE };

export type ParamInput = string | number | boolean | null;

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

export interface LogModelOptions {
  /** Folder in the run's artifacts; default 'model'. */
  readonly artifactPath?: string;
  readonly signature?: ModelSignature;
  /** A few input rows, as JSON (e.g. an array of records). */
  readonly inputExample?: JsonData;
  readonly metadata?: Readonly<Record<string, JsonData>>;
}

export interface RegisterBestRunOptions {
  /** Experiment name (or give `experimentId`). */
  readonly experiment?: string;
  readonly experimentId?: string;
  /** Metric to rank by, e.g. 'rmse' (its latest value). */
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

/** Run tag set by logModel, one per artifact path: lets a search find runs that have a model. */
export const MODEL_TAG_PREFIX = 'tunekit.model.';
export const PID_TAG = 'tunekit.pid';
export const HOST_TAG = 'tunekit.host';
export const ERROR_TAG = 'tunekit.error';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Run ids per `failRuns` filter when marking stale runs (well inside the filter's value limit). */
const FAIL_CHUNK = 1000;

/** A run bound to its client: the handle `withRun` passes and `activeRun()` returns. */
export class ActiveRun {
  private readonly buffers: MetricBuffer[] = [];
  constructor(
    readonly client: TrackingClient,
    readonly runId: string,
  ) {}

  async info(): Promise<RunInfo> {
    return (await this.client.getRun(this.runId)).info;
  }
  logParam(key: string, value: ParamInput): Promise<void> {
    return this.client.logParam(this.runId, key, value);
  }
  logParams(params: Readonly<Record<string, ParamInput>>): Promise<void> {
    return this.client.logParams(this.runId, params);
  }
  logMetric(key: string, value: number, options?: { step?: number; timestamp?: number }): Promise<void> {
    return this.client.logMetric(this.runId, key, value, options);
  }
  logMetrics(metrics: Readonly<Record<string, number>>, options?: { step?: number; timestamp?: number }): Promise<void> {
    return this.client.logMetrics(this.runId, metrics, options);
  }
  logBatch(batch: BatchInput): Promise<void> {
    return this.client.logBatch(this.runId, batch);
  }
  setTag(key: string, value: string): Promise<void> {
    return this.client.setTag(this.runId, key, value);
  }
  logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    return this.client.logArtifact(this.runId, localPath, artifactPath);
  }
  logText(text: string, artifactPath: string): Promise<void> {
    return this.client.logText(this.runId, text, artifactPath);
  }
  logJson(value: JsonData, artifactPath: string): Promise<void> {
    return this.client.logJson(this.runId, value, artifactPath);
  }
  logModel(bytes: Uint8Array, options?: LogModelOptions): Promise<LoggedModel> {
    return this.client.logModel(this.runId, bytes, options);
  }
  /** A buffer flushed automatically when `withRun` ends this run. */
  metricBuffer(capacity?: number): MetricBuffer {
    const b = this.client.metricBuffer(this.runId, capacity);
    this.buffers.push(b);
    return b;
  }
  /** @internal */
  async flushBuffers(): Promise<void> {
    for (const b of this.buffers) await b.flush();
  }
}

/**
 * The tracking client: explicit run ids everywhere, a store chosen by URI, and an optional
 * "current run" kept in this client's AsyncLocalStorage (never module state), so concurrent
 * `withRun` calls in one process never see each other's runs. Every call returns a promise.
 */
export class TrackingClient {
  readonly store: TrackingStore;
  readonly registry: ModelRegistryStore;
  private readonly current = new AsyncLocalStorage<ActiveRun>();

  /**
   * `source`: a tracking URI ('sqlite:path.db' | 'memory:' | undefined for $TUNEKIT_TRACKING_URI,
   * else sqlite:tunekit.db), a store with its registry, or the two halves apart.
   */
  constructor(source?: string | Store | { readonly tracking: TrackingStore; readonly registry: ModelRegistryStore }) {
    const opened = typeof source === 'object' ? source : openStore(source);
    if (typeof (opened as Partial<Store>).createRun === 'function') {
      this.store = opened as Store;
      this.registry = opened as Store;
    } else {
      const parts = opened as { readonly tracking: TrackingStore; readonly registry: ModelRegistryStore };
      this.store = parts.tracking;
      this.registry = parts.registry;
    }
  }

  get trackingUri(): string {
    return this.store.uri;
  }

  async close(): Promise<void> {
    await this.store.close();
    if ((this.registry as unknown) !== this.store) await this.registry.close();
  }

  // Experiments

  createExperiment(name: string, tags?: Tags): Promise<Experiment> {
    return this.store.createExperiment(name, tags);
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }
  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.store.getExperimentByName(name);
  }
  /** The experiment with this name, created if missing (safe against a concurrent creator). */
  async getOrCreateExperiment(name: string, tags?: Tags): Promise<Experiment> {
    const found = await this.store.getExperimentByName(name);
    if (found) return found;
    try {
      return await this.store.createExperiment(name, tags);
    } catch (err) {
      const raced = err instanceof AlreadyExistsError ? await this.store.getExperimentByName(name) : undefined;
      if (raced) return raced;
      throw err;
    }
  }
  /** Every active experiment, oldest first. */
  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.searchExperiments({ orderBy: ['creation_time asc'], pageToken });
      out.push(...page.experiments);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.store.setExperimentTag(experimentId, key, value);
  }

  // Runs

  /** Create a RUNNING run; records this process's pid and host as tags (for crash recovery). */
  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const parent = this.current.getStore();
    const parentRunId = options.parentRunId === undefined ? (parent?.runId ?? null) : options.parentRunId;
    let experimentId = options.experimentId;
    if (experimentId === undefined && options.experimentName !== undefined) experimentId = (await this.getOrCreateExperiment(options.experimentName)).experimentId;
    if (experimentId === undefined && parentRunId !== null) experimentId = (await this.store.getRun(parentRunId)).info.experimentId;
    if (experimentId === undefined) throw new InvalidInputError('createRun needs experimentId or experimentName');
    return this.store.createRun({
      experimentId,
      runName: options.runName ?? null,
      parentRunId,
      tags: { [PID_TAG]: String(process.pid), [HOST_TAG]: hostname(), ...options.tags },
    });
  }

  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  endRun(runId: string, status: TerminalStatus = 'FINISHED'): Promise<RunInfo> {
    return this.store.updateRun(runId, { status });
  }

  async logBatch(runId: string, batch: BatchInput): Promise<void> {
    return this.store.logBatch(runId, toRunBatch(batch));
  }

  async logParam(runId: string, key: string, value: ParamInput): Promise<void> {
    await this.store.logBatch(runId, { params: [{ key, value: paramString(key, value) }] });
  }
  logParams(runId: string, params: Readonly<Record<string, ParamInput>>): Promise<void> {
    return this.logBatch(runId, { params });
  }
  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    return this.store.logBatch(runId, { metrics: [{ key, value, step: options.step ?? 0, timestamp: options.timestamp ?? Date.now() }] });
  }
  async logMetrics(runId: string, metrics: Readonly<Record<string, number>>, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    const step = options.step ?? 0;
    return this.store.logBatch(runId, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step, timestamp })) });
  }
  async setTag(runId: string, key: string, value: string): Promise<void> {
    return this.store.logBatch(runId, { tags: [{ key, value: String(value) }] });
  }
  setTags(runId: string, tags: Tags): Promise<void> {
    return this.logBatch(runId, { tags });
  }
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
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
  async searchRuns(query: SearchRunsQuery & { readonly experimentNames?: readonly string[] } = {}): Promise<RunPage> {
    const { experimentNames, ...rest } = query;
    if (experimentNames === undefined) return this.store.searchRuns(rest);
    const ids: string[] = [];
    for (const n of experimentNames) {
      const e = await this.store.getExperimentByName(n);
      if (e) ids.push(e.experimentId);
    }
    return this.store.searchRuns({ ...rest, experimentIds: [...(rest.experimentIds ?? []), ...ids] });
  }

  /** Every run matching the query, following page tokens. */
  async searchAllRuns(query: SearchRunsQuery & { readonly experimentNames?: readonly string[] } = {}): Promise<Run[]> {
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...query, pageToken });
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
    const info = await this.createRun(options);
    const run = new ActiveRun(this, info.runId);
    let result: T;
    try {
      result = await this.current.run(run, () => fn(run));
    } catch (err) {
      try {
        await this.finish(run, 'FAILED', err);
      } catch {
        // The callback's error is the one worth reporting.
      }
      throw err;
    }
    await this.finish(run, 'FINISHED');
    return result;
  }

  private async finish(run: ActiveRun, status: TerminalStatus, err?: unknown): Promise<void> {
    await run.flushBuffers();
    if ((await this.store.getRun(run.runId)).info.status !== 'RUNNING') return;
    if (err !== undefined) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await this.setTag(run.runId, ERROR_TAG, message.slice(0, MAX_TAG_LENGTH));
    }
    await this.store.updateRun(run.runId, { status });
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
  async markStaleRunsFailed(options: { olderThanMs?: number } = {}): Promise<string[]> {
    const failed: string[] = [];
    if (options.olderThanMs !== undefined) {
      failed.push(...(await this.store.failRuns({ filter: `start_time < ${Date.now() - options.olderThanMs}` })));
    }
    // Whether a process is alive is known only here: find the candidates, test their pids, then
    // fail exactly those runs (each still only if RUNNING).
    const candidates = await this.searchAllRuns({
      filter: `status = 'RUNNING' and tags.${quoteFilterKey(HOST_TAG)} = ${quoteFilterValue(hostname())} and tags.${quoteFilterKey(PID_TAG)} is not null`,
      viewType: 'ALL',
    });
    const dead = candidates
      .filter((run) => {
        const pid = Number(run.tags[PID_TAG]);
        return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
      })
      .map((run) => run.info.runId);
    for (let i = 0; i < dead.length; i += FAIL_CHUNK) {
      const ids = dead.slice(i, i + FAIL_CHUNK).map(quoteFilterValue);
      failed.push(...(await this.store.failRuns({ filter: `run_id in (${ids.join(', ')})` })));
    }
    return failed;
  }

  // Artifacts

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const target = normalizeArtifactPath(artifactPath ?? basename(localPath));
    return this.store.putArtifact(runId, target, new Uint8Array(readFileSync(localPath)));
  }

  /** Copy a local folder's files (recursively; symlinks skipped) under `artifactDir`. */
  async logArtifacts(runId: string, localDir: string, artifactDir = ''): Promise<number> {
    const base = normalizeArtifactPath(artifactDir, true);
    const files: [string, string][] = [];
    const visit = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        const to = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) visit(full, to);
        else if (e.isFile() && !lstatSync(full).isSymbolicLink()) files.push([full, to]);
      }
    };
    visit(localDir, base);
    for (const [from, to] of files) await this.store.putArtifact(runId, to, new Uint8Array(readFileSync(from)));
    return files.length;
  }

  logBytes(runId: string, bytes: Uint8Array, artifactPath: string): Promise<void> {
    return this.store.putArtifact(runId, artifactPath, bytes);
  }
  async logText(runId: string, text: string, artifactPath: string): Promise<void> {
    return this.store.putArtifact(runId, artifactPath, encoder.encode(text));
  }
  async logJson(runId: string, value: JsonData, artifactPath: string): Promise<void> {
    return this.logText(runId, `${toJson(value, artifactPath)}\n`, artifactPath);
  }
  readArtifact(runId: string, artifactPath: string): Promise<Uint8Array> {
    return this.store.getArtifact(runId, artifactPath);
  }
  async readText(runId: string, artifactPath: string): Promise<string> {
    return decoder.decode(await this.store.getArtifact(runId, artifactPath));
  }
  listArtifacts(runId: string, dir?: string): Promise<ArtifactEntry[]> {
    return this.store.listArtifacts(runId, dir);
  }

  // Models

  /**
   * Store model bytes (opaque here; typically a tunekit model artifact) under
   * `<artifactPath>/model.tkm`, with an `MLmodel` file beside it (MLflow's format: signature,
   * input example, sha256), and tag the run `tunekit.model.<artifactPath>`. Returns the record,
   * with `uri` 'runs:/<id>/<path>'.
   */
  async logModel(runId: string, bytes: Uint8Array, options: LogModelOptions = {}): Promise<LoggedModel> {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidInputError('logModel needs the model bytes as a non-empty Uint8Array');
    const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model');
    const header = peekModelHeader(bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const info: LoggedModel = Object.freeze({
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
    });
    await this.store.getRun(runId);
    await this.store.putArtifact(runId, `${artifactPath}/${LOGGED_MODEL_FILE}`, bytes);
    await this.store.putArtifact(runId, `${artifactPath}/${MLMODEL_FILE}`, encoder.encode(encodeMLmodel(info, randomUUID().replaceAll('-', ''))));
    // The tag goes last: a run counts as having a model only once both files are in place.
    await this.setTag(runId, MODEL_TAG_PREFIX + artifactPath, sha256);
    return info;
  }

  /** Resolve a model URI (runs:/, models:/name/version, models:/name@alias) to the run and path holding it. */
  async resolveModelUri(uri: string): Promise<{ runId: string; artifactPath: string; version: ModelVersion | null }> {
    const parsed = parseModelUri(uri);
    if (parsed.kind === 'run') return { runId: parsed.runId, artifactPath: parsed.artifactPath, version: null };
    let version: ModelVersion;
    if (parsed.kind === 'alias') version = await this.registry.getModelVersionByAlias(parsed.name, parsed.alias);
    else if (parsed.version === 'latest') {
      const latest = (await this.registry.getRegisteredModel(parsed.name)).latestVersion;
      if (latest === null) throw new TunekitError('NOT_FOUND', `registered model '${parsed.name}' has no versions`);
      version = await this.registry.getModelVersion(parsed.name, latest);
    } else version = await this.registry.getModelVersion(parsed.name, parsed.version);
    const source = parseModelUri(version.source);
    if (source.kind !== 'run') throw new TunekitError('ARTIFACT', `model version ${version.name}/${version.version} has source ${version.source}, not a runs:/ URI`);
    return { runId: source.runId, artifactPath: source.artifactPath, version };
  }

  /** The logged model's record (its MLmodel file) for a model URI. */
  async getLoggedModel(uri: string): Promise<LoggedModel> {
    const { runId, artifactPath } = await this.resolveModelUri(uri);
    const runUri = runModelUri(runId, artifactPath);
    let text: string;
    try {
      text = decoder.decode(await this.store.getArtifact(runId, `${artifactPath}/${MLMODEL_FILE}`));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      // Models logged by earlier versions carry a JSON record instead.
      const legacy = JSON.parse(decoder.decode(await this.store.getArtifact(runId, `${artifactPath}/${LEGACY_MODEL_META_FILE}`))) as LoggedModel;
      return Object.freeze({ ...legacy, uri: runUri });
    }
    return decodeMLmodel(text, runUri);
  }

  /** The stored model bytes for a model URI; the sha256 recorded at logging time is verified. */
  async loadModelBytes(uri: string): Promise<Uint8Array> {
    return (await this.loadModel(uri)).bytes;
  }

  async loadModel(uri: string): Promise<{ bytes: Uint8Array; info: LoggedModel }> {
    const { runId, artifactPath } = await this.resolveModelUri(uri);
    const info = await this.getLoggedModel(runModelUri(runId, artifactPath));
    const bytes = await this.store.getArtifact(runId, `${artifactPath}/${LOGGED_MODEL_FILE}`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== info.sha256) throw new TunekitError('ARTIFACT', `model ${uri}: stored bytes do not match the sha256 recorded when it was logged`);
    return { bytes, info };
  }

  // Registry

  createRegisteredModel(name: string, options?: { description?: string; tags?: Tags }): Promise<RegisteredModel> {
    return this.registry.createRegisteredModel(name, options);
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.registry.getRegisteredModel(name);
  }
  /** Every registered model, by name. */
  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.registry.searchRegisteredModels({ pageToken });
      out.push(...page.models);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }
  updateRegisteredModel(name: string, update: { description?: string }): Promise<RegisteredModel> {
    return this.registry.updateRegisteredModel(name, update);
  }
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    return this.registry.setRegisteredModelTag(name, key, value);
  }
  getModelVersion(name: string, version: number): Promise<ModelVersion> {
    return this.registry.getModelVersion(name, version);
  }
  /** Every version of a registered model, oldest first. */
  async listModelVersions(name: string): Promise<ModelVersion[]> {
    await this.registry.getRegisteredModel(name);
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.registry.searchModelVersions({ filter: `name = ${quoteFilterValue(name)}`, orderBy: ['version asc'], pageToken });
      out.push(...page.versions);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }
  setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    return this.registry.setModelVersionTag(name, version, key, value);
  }
  setModelAlias(name: string, alias: string, version: number): Promise<void> {
    return this.registry.setModelAlias(name, alias, version);
  }
  deleteModelAlias(name: string, alias: string): Promise<void> {
    return this.registry.deleteModelAlias(name, alias);
  }
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.registry.getModelVersionByAlias(name, alias);
  }

  /**
   * Register the model at `source` (a runs:/ URI with a logged model) as the next version of
   * `name`, creating the registered model when missing; optionally point `alias` at it.
   */
  async registerModel(source: string, name: string, options: { alias?: string; description?: string; tags?: Tags } = {}): Promise<ModelVersion> {
    const parsed = parseModelUri(source);
    if (parsed.kind !== 'run') throw new InvalidInputError(`registerModel needs a runs:/<runId>/<path> source; got ${source}`);
    await this.getLoggedModel(source);
    try {
      await this.registry.getRegisteredModel(name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      try {
        await this.registry.createRegisteredModel(name);
      } catch (raced) {
        if (!(raced instanceof AlreadyExistsError)) throw raced;
      }
    }
    const created = await this.registry.createModelVersion(name, { source, runId: parsed.runId, description: options.description, tags: options.tags });
    if (options.alias === undefined) return created;
    await this.registry.setModelAlias(name, options.alias, created.version);
    return this.registry.getModelVersion(name, created.version);
  }

  /**
   * Find the FINISHED run with a logged model and the best latest value of `metric` (lowest for
   * mode 'min'), optionally matching `filter`, and register it under `name` (with `alias`).
   */
  async registerBestRun(options: RegisterBestRunOptions): Promise<{ run: Run; version: ModelVersion }> {
    const mode = options.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max') throw new InvalidInputError(`registerBestRun: mode must be 'min' or 'max'; got ${JSON.stringify(mode)}`);
    let experimentId = options.experimentId;
    if (experimentId === undefined) {
      if (options.experiment === undefined) throw new InvalidInputError('registerBestRun needs experiment (a name) or experimentId');
      const exp = await this.store.getExperimentByName(options.experiment);
      if (!exp) throw new TunekitError('NOT_FOUND', `unknown experiment '${options.experiment}'`);
      experimentId = exp.experimentId;
    } else await this.store.getExperiment(experimentId);
    const artifactPath = normalizeArtifactPath(options.artifactPath ?? 'model');
    const metric = `metrics.${quoteFilterKey(options.metric)}`;
    let filter = `status = 'FINISHED' and ${metric} is not null and tags.${quoteFilterKey(MODEL_TAG_PREFIX + artifactPath)} is not null`;
    if (options.filter !== undefined && options.filter.trim() !== '') filter += ` and (${options.filter})`;
    const page = await this.store.searchRuns({ experimentIds: [experimentId], filter, orderBy: [`${metric} ${mode === 'min' ? 'asc' : 'desc'}`], maxResults: 1 });
    const best = page.runs[0];
    if (!best || Number.isNaN(best.metrics[options.metric].value)) {
      throw new TunekitError('NO_ELIGIBLE_RUN', `no FINISHED run in experiment ${experimentId} has metric '${options.metric}' and a logged model at '${artifactPath}'${options.filter ? ` and matches ${JSON.stringify(options.filter)}` : ''}`);
    }
    const version = await this.registerModel(runModelUri(best.info.runId, artifactPath), options.name, {
      alias: options.alias,
      description: options.description,
      tags: { 'tunekit.metric': options.metric, 'tunekit.metric_value': String(best.metrics[options.metric].value), ...options.tags },
    });
    return { run: best, version };
  }
}

/** A client batch (records of params, metrics and tags) as the store's write primitive takes it. */
export function toRunBatch(batch: BatchInput): RunBatch {
  const now = Date.now();
  const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({ key, value: paramString(key, value) }));
  const metrics: MetricPoint[] = Array.isArray(batch.metrics)
    ? (batch.metrics as readonly MetricInput[]).map((m) => ({ key: m.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp ?? now }))
    : Object.entries((batch.metrics ?? {}) as Record<string, number>).map(([key, value]) => ({ key, value, step: 0, timestamp: now }));
  const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  return { params, metrics, tags };
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
