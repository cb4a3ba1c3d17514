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
} from './types.js';

/**
 * The tracking store contract (MLflow's tracking `AbstractStore`): experiments, runs, their data,
 * search and artifacts. Every backend (`memory:`, `sqlite:`, `http:` for an MLflow server)
 * implements it, and `describeTrackingStore` (tunekit/testing) checks each one with the same
 * assertions. Every method is asynchronous: a store may be a database file or a server.
 *
 * Writes
 * - `logBatch` is the one write primitive for run data (params, metrics, tags). A batch is
 *   validated in full before anything is written and applied atomically: all of it, or none of it
 *   (a param conflict or a bad key leaves the run untouched). A REST store splits batches larger
 *   than the server's limits into several requests; each request is atomic.
 * - Params are write-once: logging the same key with the same value again is a no-op; a different
 *   value throws ParamOverwriteError. Metrics are append-only history (every point is kept); the
 *   "latest" value per key is the point with the highest step, then the newest timestamp, and the
 *   later write on a full tie. Tags are mutable (last write wins) and can be deleted.
 * - Experiment names are unique (a deleted experiment keeps its name until it is purged).
 * - A run's status moves only from RUNNING to a terminal status (FINISHED, FAILED, KILLED);
 *   setting the status it already has is a no-op; anything else throws RunStateError. Logging to a
 *   terminal run is allowed (e.g. a model logged after training ends).
 * - Deleting an experiment or a run is soft (lifecycle stage 'deleted', MLflow's semantics):
 *   searches leave them out unless asked (viewType), `get*` still finds them, restore undoes it.
 *   Deleting an experiment deletes its runs; restoring it restores them.
 *
 * Reads return plain frozen records (structured-clone safe), never live objects.
 *
 * Concurrency
 * - Calls may be made from any number of async tasks at once.
 * - `sqlite:` is process-safe: any number of processes may read and write one database file;
 *   each write is one IMMEDIATE transaction in WAL mode with a busy timeout, so concurrent
 *   writers queue and nothing is lost or torn. A process killed mid-write leaves the database at
 *   its last committed transaction. Its runs stay RUNNING until `failRuns` marks them.
 * - `memory:` lives in one process and is lost when it exits.
 *
 * Artifacts are bytes under the run's artifact folder; paths are relative, '/'-separated and
 * may not escape the folder ('..', absolute paths and symlinks leading out are refused with
 * ArtifactPathError).
 */
export interface TrackingStore {
  /** The URI this store was opened from, e.g. 'sqlite:/abs/path/tunekit.db'. */
  readonly uri: string;

  // Experiments
  createExperiment(name: string, tags?: Tags): Promise<Experiment>;
  /** Throws NotFoundError (deleted experiments are found, with lifecycleStage 'deleted'). */
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Default order: creation time descending, then id. */
  searchExperiments(query?: SearchExperimentsQuery): Promise<ExperimentPage>;
  /** Rename; throws AlreadyExistsError when the name is taken. */
  renameExperiment(experimentId: string, name: string): Promise<Experiment>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  /** Throws NotFoundError when the tag is absent. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  // Runs
  createRun(input: CreateRunInput): Promise<RunInfo>;
  /** Throws NotFoundError. */
  getRun(runId: string): Promise<Run>;
  /** Change status (RUNNING -> terminal), end time or name; returns the updated info. */
  updateRun(runId: string, update: RunUpdate): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  logBatch(runId: string, batch: RunBatch): Promise<void>;
  /** Throws NotFoundError when the tag is absent. */
  deleteTag(runId: string, key: string): Promise<void>;
  /** Every point of one metric, ordered by step, then timestamp, then write order. */
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Default order: start_time descending, then run id. */
  searchRuns(query: SearchRunsQuery): Promise<RunPage>;
  /**
   * Mark the RUNNING runs matching `query` terminal (FAILED by default) and return their ids.
   * A run another writer ends first is left as that writer ended it. Used to recover runs left
   * behind by a crashed process.
   */
  failRuns(query: FailRunsQuery, status?: TerminalStatus): Promise<string[]>;

  // Artifacts
  putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<void>;
  /** Throws NotFoundError when absent. */
  getArtifact(runId: string, path: string): Promise<Uint8Array>;
  /** Entries directly under `dir` (the run's root by default), sorted by path. */
  listArtifacts(runId: string, dir?: string): Promise<ArtifactEntry[]>;

  /**
   * Optional capability: run `fn` as one atomic unit. The calls `fn` makes on `tx` (this store,
   * bound to the transaction) commit together or not at all; calls on the store itself wait
   * until the transaction ends, so inside `fn` use `tx` only (awaiting a call on the store itself
   * there would wait forever). Keep `fn` short (another process waits for the database while it
   * runs). Absent on stores that cannot group writes (memory, REST): callers then make the calls
   * one by one.
   */
  transaction?<T>(fn: (tx: TrackingStore) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

/**
 * The model registry contract (MLflow's model-registry `AbstractStore`): registered models, their
 * numbered versions, tags, aliases and (MLflow's deprecated) stages. `describeModelRegistryStore`
 * (tunekit/testing) checks every backend.
 *
 * - Registered model names are unique; versions are numbered 1, 2, ... per name without gaps or
 *   duplicates, even with concurrent writers (a deleted version's number is not reused).
 * - An alias points at one version; deleting a version deletes its aliases; deleting a model
 *   deletes its versions.
 */
export interface ModelRegistryStore {
  readonly uri: string;

  createRegisteredModel(name: string, options?: { description?: string; tags?: Tags }): Promise<RegisteredModel>;
  /** Throws NotFoundError. */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Default order: name ascending. */
  searchRegisteredModels(query?: SearchRegisteredModelsQuery): Promise<RegisteredModelPage>;
  updateRegisteredModel(name: string, update: { description?: string }): Promise<RegisteredModel>;
  /** Throws AlreadyExistsError when `newName` is taken. Versions and aliases move with it. */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  /** The next version number for `name` (the model must exist). */
  createModelVersion(name: string, input: CreateModelVersionInput): Promise<ModelVersion>;
  /** Throws NotFoundError. */
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  /** Default order: name ascending, then version descending. */
  searchModelVersions(query?: SearchModelVersionsQuery): Promise<ModelVersionPage>;
  updateModelVersion(name: string, version: number, update: { description?: string }): Promise<ModelVersion>;
  /**
   * Move a version to a stage; with `archiveExisting`, other versions in that stage (Staging or
   * Production) move to Archived.
   */
  transitionModelVersionStage(name: string, version: number, stage: ModelStage, archiveExisting?: boolean): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: number): Promise<void>;
  setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;
  /** The highest version in each stage (only the given stages when `stages` is set). */
  getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]>;

  /** Point `alias` at `version` (moving it if it pointed elsewhere). */
  setModelAlias(name: string, alias: string, version: number): Promise<void>;
  deleteModelAlias(name: string, alias: string): Promise<void>;
  /** Throws NotFoundError. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  close(): Promise<void>;
}

/** What a store URI opens: both halves (one object for the built-in backends). */
export type Store = TrackingStore & ModelRegistryStore;
