import type {
  ArtifactEntry,
  CreateModelVersionInput,
  CreateRunInput,
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

/**
 * The storage contract every tracking backend implements (`memory:`, `sqlite:`); the contract
 * test suite in tests/tracking runs against each one.
 *
 * Writes
 * - `logBatch` is the one write primitive for run data (params, metrics, tags). A batch is
 *   validated in full before anything is written and applied atomically: all of it, or none of it
 *   (a param conflict or a bad key leaves the run untouched).
 * - Params are write-once: logging the same key with the same value again is a no-op; a different
 *   value throws ParamOverwriteError. Metrics are append-only history (every point is kept); the
 *   "latest" value per key is the point with the highest step, then the newest timestamp, and the
 *   later write on a full tie. Tags are mutable (last write wins).
 * - Experiment names and registered model names are unique; model versions are numbered 1, 2, ...
 *   per name without gaps or duplicates, even with concurrent writers.
 * - A run's status moves only from RUNNING to a terminal status (FINISHED, FAILED, KILLED);
 *   setting the status it already has is a no-op; anything else throws RunStateError. Logging to a
 *   terminal run is allowed (e.g. a model logged after training ends).
 *
 * Reads return plain frozen records (structured-clone safe), never live objects.
 *
 * Concurrency
 * - Every method is synchronous and safe to call from any number of async tasks in one thread.
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
  createExperiment(name: string, tags?: Tags): Experiment;
  /** Throws NotFoundError. */
  getExperiment(experimentId: string): Experiment;
  getExperimentByName(name: string): Experiment | undefined;
  listExperiments(): Experiment[];
  setExperimentTag(experimentId: string, key: string, value: string): void;

  // Runs
  createRun(input: CreateRunInput): RunInfo;
  /** Throws NotFoundError. */
  getRun(runId: string): Run;
  /** RUNNING -> terminal status, recording `endTime` (default now). Returns the updated info. */
  endRun(runId: string, status: TerminalStatus, endTime?: number): RunInfo;
  logBatch(runId: string, batch: RunBatch): void;
  /** Every point of one metric, ordered by step, then timestamp, then write order. */
  getMetricHistory(runId: string, key: string): MetricPoint[];
  /** Default order: start_time descending, then run id. */
  searchRuns(query: SearchRunsQuery): RunPage;
  /**
   * Mark RUNNING runs terminal in one transaction; `pick` chooses among them (all when omitted).
   * Returns the ids changed. Used to recover runs left behind by a crashed process.
   */
  failRuns(pick?: (run: Run) => boolean, status?: TerminalStatus): string[];

  // Artifacts
  putArtifact(runId: string, path: string, bytes: Uint8Array): void;
  /** Throws NotFoundError when absent. */
  getArtifact(runId: string, path: string): Uint8Array;
  /** Entries directly under `dir` (the run's root by default), sorted by path. */
  listArtifacts(runId: string, dir?: string): ArtifactEntry[];

  // Model registry
  createRegisteredModel(name: string, options?: { description?: string; tags?: Tags }): RegisteredModel;
  /** Throws NotFoundError. */
  getRegisteredModel(name: string): RegisteredModel;
  listRegisteredModels(): RegisteredModel[];
  updateRegisteredModel(name: string, update: { description?: string }): RegisteredModel;
  setRegisteredModelTag(name: string, key: string, value: string): void;
  /** The next version number for `name` (the model must exist). */
  createModelVersion(name: string, input: CreateModelVersionInput): ModelVersion;
  /** Throws NotFoundError. */
  getModelVersion(name: string, version: number): ModelVersion;
  listModelVersions(name: string): ModelVersion[];
  setModelVersionTag(name: string, version: number, key: string, value: string): void;
  /** Point `alias` at `version` (moving it if it pointed elsewhere). */
  setModelAlias(name: string, alias: string, version: number): void;
  deleteModelAlias(name: string, alias: string): void;
  /** Throws NotFoundError. */
  getModelVersionByAlias(name: string, alias: string): ModelVersion;

  close(): void;
}
