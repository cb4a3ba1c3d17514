import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TunekitError } from '../../core/errors.js';
import { TrackingStoreError } from '../errors.js';
import { likeMatch } from '../search/strings.js';
import type { Store } from '../store.js';
import type {
  ArtifactEntry,
  CreateModelVersionInput,
  CreateRunInput,
  Experiment,
  ExperimentPage,
  FailRunsQuery,
  MetricPoint,
  ModelStage,
  ModelVersion,
  ModelVersionPage,
  RegisteredModel,
  RegisteredModelPage,
  Run,
  RunBatch,
  RunInfo,
  RunPage,
  RunUpdate,
  SearchExperimentsQuery,
  SearchModelVersionsQuery,
  SearchRegisteredModelsQuery,
  SearchRunsQuery,
  Tags,
  TerminalStatus,
} from '../types.js';
import { SqliteRegistry } from './sqlite-registry.js';
import { initSchema } from './sqlite-schema.js';
import { SqliteTracking } from './sqlite-tracking.js';

/** SQLite result codes that mean the file itself is not a sound database. */
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_VTAB']);

/**
 * The default store: one SQLite database file (URI `sqlite:path/to/file.db`) in WAL mode, with
 * artifacts in `<file>.artifacts/<experimentId>/<runId>/`. See TrackingStore and
 * ModelRegistryStore for the contract.
 *
 * better-sqlite3 is synchronous and fast (a call is microseconds): each method does its work at
 * once and returns a settled promise, so the asynchronous contract costs no measurable time.
 * Failures of the database (a damaged file, a lock held past the busy timeout, a full disk) become
 * TrackingStoreError naming the file.
 */
export class SqliteStore implements Store {
  readonly uri: string;
  readonly path: string;
  readonly artifactRoot: string;
  private readonly db: Database.Database;
  private readonly tracking: SqliteTracking;
  private readonly registry: SqliteRegistry;
  /** The open `transaction`: calls through its view go ahead, all others wait for `done`. */
  private tx: { readonly done: Promise<void> } | null = null;
  /** Set on a transaction's view of this store (see `transaction`). */
  private txToken: object | undefined;

  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    this.path = resolve(path);
    this.uri = `sqlite:${this.path}`;
    this.artifactRoot = `${this.path}.artifacts`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.db = new Database(this.path, { timeout: options.busyTimeoutMs ?? 60_000 });
    } catch (err) {
      throw this.storeError(err, 'cannot open tracking database');
    }
    try {
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a crash of the process never loses a committed transaction.
      this.db.pragma('synchronous = NORMAL');
      this.db.function('tk_like', { deterministic: true }, (value: unknown, pattern: unknown, ci: unknown) =>
        likeMatch(String(value), String(pattern), ci === 1) ? 1 : 0,
      );
      const immediate = <T>(fn: () => T): T => this.db.transaction(fn).immediate();
      immediate(() => initSchema(this.db, this.path));
      this.tracking = new SqliteTracking(this.db, this.artifactRoot, immediate);
      this.registry = new SqliteRegistry(this.db, immediate);
    } catch (err) {
      this.db.close();
      throw this.storeError(err, 'cannot open tracking database');
    }
  }

  /** A database failure as a typed error naming the file; tunekit's own errors pass through. */
  private storeError(err: unknown, doing = 'tracking database'): unknown {
    if (err instanceof TunekitError) return err;
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    if (typeof code === 'string' && DAMAGED.has(code)) {
      return new TrackingStoreError(this.uri, `${doing} ${this.path}: the file is damaged (${code}: ${message}); restore it from a backup or start a new file`, { cause: err });
    }
    if (code === 'SQLITE_BUSY') return new TrackingStoreError(this.uri, `${doing} ${this.path} stayed locked by another writer past the busy timeout`, { cause: err });
    return new TrackingStoreError(this.uri, `${doing} ${this.path}: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err });
  }

  /**
   * Every call goes through here: it waits while another caller's transaction is open, and maps
   * database failures to TrackingStoreError.
   */
  private async call<T>(fn: () => T): Promise<T> {
    while (this.tx !== null && this.txToken !== this.tx) await this.tx.done;
    if (!this.db.open) throw new TrackingStoreError(this.uri, `tracking store ${this.uri} is closed`);
    try {
      return fn();
    } catch (err) {
      throw this.storeError(err);
    }
  }

  /**
   * BEGIN IMMEDIATE, run `fn` with a view of this store whose calls belong to the transaction,
   * COMMIT (ROLLBACK when `fn` throws). Calls on the store itself wait until it ends. The view
   * is a plain object (no AsyncLocalStorage: that would slow every promise in the process).
   */
  async transaction<T>(fn: (tx: SqliteStore) => Promise<T>): Promise<T> {
    if (this.tx !== null && this.txToken === this.tx) return fn(this);
    while (this.tx !== null) await this.tx.done;
    if (!this.db.open) throw new TrackingStoreError(this.uri, `tracking store ${this.uri} is closed`);
    let release!: () => void;
    const tx = { done: new Promise<void>((r) => (release = r)) };
    const view = Object.create(this) as SqliteStore;
    view.txToken = tx;
    this.tx = tx;
    try {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        throw this.storeError(err);
      }
      let result: T;
      try {
        result = await fn(view);
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
      try {
        this.db.exec('COMMIT');
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw this.storeError(err);
      }
      return result;
    } finally {
      this.tx = null;
      release();
    }
  }

  /** The SQL a run search compiles to (tests and EXPLAIN). */
  compileSearch(query: SearchRunsQuery): { sql: string; params: unknown[]; limit: number; offset: number } {
    return this.tracking.compileSearch(query);
  }

  // Tracking

  createExperiment(name: string, tags?: Tags): Promise<Experiment> {
    return this.call(() => this.tracking.createExperiment(name, tags));
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return this.call(() => this.tracking.getExperiment(experimentId));
  }
  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.call(() => this.tracking.getExperimentByName(name));
  }
  searchExperiments(query?: SearchExperimentsQuery): Promise<ExperimentPage> {
    return this.call(() => this.tracking.searchExperiments(query));
  }
  renameExperiment(experimentId: string, name: string): Promise<Experiment> {
    return this.call(() => this.tracking.renameExperiment(experimentId, name));
  }
  deleteExperiment(experimentId: string): Promise<void> {
    return this.call(() => this.tracking.setExperimentStage(experimentId, 'deleted'));
  }
  restoreExperiment(experimentId: string): Promise<void> {
    return this.call(() => this.tracking.setExperimentStage(experimentId, 'active'));
  }
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.call(() => this.tracking.setExperimentTag(experimentId, key, value));
  }
  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return this.call(() => this.tracking.deleteExperimentTag(experimentId, key));
  }
  createRun(input: CreateRunInput): Promise<RunInfo> {
    return this.call(() => this.tracking.createRun(input));
  }
  getRun(runId: string): Promise<Run> {
    return this.call(() => this.tracking.getRun(runId));
  }
  updateRun(runId: string, update: RunUpdate): Promise<RunInfo> {
    return this.call(() => this.tracking.updateRun(runId, update));
  }
  deleteRun(runId: string): Promise<void> {
    return this.call(() => this.tracking.setRunStage(runId, 'deleted'));
  }
  restoreRun(runId: string): Promise<void> {
    return this.call(() => this.tracking.setRunStage(runId, 'active'));
  }
  logBatch(runId: string, batch: RunBatch): Promise<void> {
    return this.call(() => this.tracking.logBatch(runId, batch));
  }
  deleteTag(runId: string, key: string): Promise<void> {
    return this.call(() => this.tracking.deleteTag(runId, key));
  }
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.call(() => this.tracking.getMetricHistory(runId, key));
  }
  searchRuns(query: SearchRunsQuery): Promise<RunPage> {
    return this.call(() => this.tracking.searchRuns(query));
  }
  failRuns(query: FailRunsQuery, status?: TerminalStatus): Promise<string[]> {
    return this.call(() => this.tracking.failRuns(query, status));
  }
  putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<void> {
    return this.call(() => this.tracking.putArtifact(runId, path, bytes));
  }
  getArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.call(() => this.tracking.getArtifact(runId, path));
  }
  listArtifacts(runId: string, dir?: string): Promise<ArtifactEntry[]> {
    return this.call(() => this.tracking.listArtifacts(runId, dir));
  }

  // Registry

  createRegisteredModel(name: string, options?: { description?: string; tags?: Tags }): Promise<RegisteredModel> {
    return this.call(() => this.registry.createRegisteredModel(name, options));
  }
  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.call(() => this.registry.getRegisteredModel(name));
  }
  searchRegisteredModels(query?: SearchRegisteredModelsQuery): Promise<RegisteredModelPage> {
    return this.call(() => this.registry.searchRegisteredModels(query));
  }
  updateRegisteredModel(name: string, update: { description?: string }): Promise<RegisteredModel> {
    return this.call(() => this.registry.updateRegisteredModel(name, update));
  }
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.call(() => this.registry.renameRegisteredModel(name, newName));
  }
  deleteRegisteredModel(name: string): Promise<void> {
    return this.call(() => this.registry.deleteRegisteredModel(name));
  }
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    return this.call(() => this.registry.setRegisteredModelTag(name, key, value));
  }
  deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    return this.call(() => this.registry.deleteRegisteredModelTag(name, key));
  }
  createModelVersion(name: string, input: CreateModelVersionInput): Promise<ModelVersion> {
    return this.call(() => this.registry.createModelVersion(name, input));
  }
  getModelVersion(name: string, version: number): Promise<ModelVersion> {
    return this.call(() => this.registry.getModelVersion(name, version));
  }
  searchModelVersions(query?: SearchModelVersionsQuery): Promise<ModelVersionPage> {
    return this.call(() => this.registry.searchModelVersions(query));
  }
  updateModelVersion(name: string, version: number, update: { description?: string }): Promise<ModelVersion> {
    return this.call(() => this.registry.updateModelVersion(name, version, update));
  }
  transitionModelVersionStage(name: string, version: number, stage: ModelStage, archiveExisting?: boolean): Promise<ModelVersion> {
    return this.call(() => this.registry.transitionModelVersionStage(name, version, stage, archiveExisting));
  }
  deleteModelVersion(name: string, version: number): Promise<void> {
    return this.call(() => this.registry.deleteModelVersion(name, version));
  }
  setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    return this.call(() => this.registry.setModelVersionTag(name, version, key, value));
  }
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    return this.call(() => this.registry.deleteModelVersionTag(name, version, key));
  }
  getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]> {
    return this.call(() => this.registry.getLatestVersions(name, stages));
  }
  setModelAlias(name: string, alias: string, version: number): Promise<void> {
    return this.call(() => this.registry.setModelAlias(name, alias, version));
  }
  deleteModelAlias(name: string, alias: string): Promise<void> {
    return this.call(() => this.registry.deleteModelAlias(name, alias));
  }
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.call(() => this.registry.getModelVersionByAlias(name, alias));
  }

  async close(): Promise<void> {
    while (this.tx !== null) await this.tx.done;
    if (this.db.open) this.db.close();
  }
}
