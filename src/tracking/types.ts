/**
 * Plain, frozen records that cross the store boundary. Nothing here is a live object: every value
 * is structured-clone safe, so records can go to workers or be serialised as JSON.
 */

export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type TerminalStatus = Exclude<RunStatus, 'RUNNING'>;

export type Tags = Readonly<Record<string, string>>;

/** Experiments and runs are deleted softly (MLflow's lifecycle stage) and can be restored. */
export type LifecycleStage = 'active' | 'deleted';
/** Which lifecycle stages a search returns (MLflow's ViewType); default ACTIVE_ONLY. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

export interface Experiment {
  /** Store-assigned id (a decimal string). */
  readonly experimentId: string;
  readonly name: string;
  readonly tags: Tags;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Last change of the experiment's name, tags or lifecycle stage. */
  readonly updatedAt: number;
  readonly lifecycleStage: LifecycleStage;
  /** Where its runs' artifacts live (a folder for file-backed stores). */
  readonly artifactLocation: string;
}

export interface RunInfo {
  /** 32 hex characters, unique across processes. */
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string | null;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly parentRunId: string | null;
  /** Where the run's artifacts live (a folder for file-backed stores). */
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
}

export interface MetricPoint {
  readonly key: string;
  /** NaN and +-Infinity are allowed (a diverging loss is worth recording). */
  readonly value: number;
  readonly step: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

export interface ParamEntry {
  readonly key: string;
  readonly value: string;
}

export interface TagEntry {
  readonly key: string;
  readonly value: string;
}

export interface Run {
  readonly info: RunInfo;
  readonly params: Readonly<Record<string, string>>;
  /** The latest point per key: the highest step; among equal steps the newest timestamp. */
  readonly metrics: Readonly<Record<string, MetricPoint>>;
  readonly tags: Tags;
}

/** One atomic write to a run: all of it lands, or none of it. */
export interface RunBatch {
  readonly params?: readonly ParamEntry[];
  readonly metrics?: readonly MetricPoint[];
  readonly tags?: readonly TagEntry[];
}

export interface CreateRunInput {
  readonly experimentId: string;
  readonly runName?: string | null;
  readonly parentRunId?: string | null;
  readonly tags?: Tags;
  /** Milliseconds since the epoch; defaults to now. */
  readonly startTime?: number;
}

export interface SearchRunsQuery {
  /** Restrict to these experiments; all experiments when omitted. */
  readonly experimentIds?: readonly string[];
  /** e.g. "metrics.rmse < 6.7 and params.maxDepth = '10'" (see search/parser.ts). */
  readonly filter?: string;
  /** e.g. ['metrics.rmse asc', 'attributes.start_time desc']. */
  readonly orderBy?: readonly string[];
  /** Page size; default 1000, at most 50,000. */
  readonly maxResults?: number;
  readonly pageToken?: string;
  /** Default ACTIVE_ONLY: deleted runs (and runs of deleted experiments) are left out. */
  readonly viewType?: ViewType;
}

/** What `updateRun` may change; omitted fields stay as they are. */
export interface RunUpdate {
  /** RUNNING -> a terminal status (setting the current status again is a no-op). */
  readonly status?: RunStatus;
  /** Milliseconds since the epoch; with a terminal status, defaults to now. */
  readonly endTime?: number;
  readonly runName?: string;
}

/** Which RUNNING runs `failRuns` marks: those matching all of the given conditions. */
export interface FailRunsQuery {
  readonly experimentIds?: readonly string[];
  /** A search filter, e.g. "tags.`tunekit.host` = 'a' and start_time < 1700000000000". */
  readonly filter?: string;
}

export interface SearchExperimentsQuery {
  /** Fields: name, creation_time, last_update_time, tags.K; e.g. "name like 'taxi%'". */
  readonly filter?: string;
  /** Default: creation_time descending, then id. */
  readonly orderBy?: readonly string[];
  /** Page size; default 1000, at most 50,000. */
  readonly maxResults?: number;
  readonly pageToken?: string;
  readonly viewType?: ViewType;
}

export interface ExperimentPage {
  readonly experiments: readonly Experiment[];
  readonly nextPageToken?: string;
}

export interface RunPage {
  readonly runs: readonly Run[];
  /** Pass back as `pageToken` for the next page; absent on the last page. */
  readonly nextPageToken?: string;
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root, '/'-separated. */
  readonly path: string;
  readonly isDir: boolean;
  /** Bytes (files only). */
  readonly size: number | null;
}

export interface RegisteredModel {
  readonly name: string;
  readonly description: string;
  readonly tags: Tags;
  /** alias -> version */
  readonly aliases: Readonly<Record<string, number>>;
  /** The highest version number, null before the first version. */
  readonly latestVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** MLflow's (deprecated but still reported) model version stages; aliases replace them. */
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];
/** A version's registration status as MLflow reports it; tunekit's versions are READY when made. */
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  /** e.g. 'runs:/<runId>/model'. */
  readonly source: string;
  readonly runId: string | null;
  readonly description: string;
  readonly tags: Tags;
  readonly aliases: readonly string[];
  readonly stage: ModelStage;
  readonly status: ModelVersionStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface CreateModelVersionInput {
  readonly source: string;
  readonly runId?: string | null;
  readonly description?: string;
  readonly tags?: Tags;
}

export interface SearchRegisteredModelsQuery {
  /** Fields: name, tags.K; e.g. "name like 'taxi%' and tags.team = 'ml'". */
  readonly filter?: string;
  /** Fields: name, creation_timestamp, last_updated_timestamp. Default: name ascending. */
  readonly orderBy?: readonly string[];
  /** Page size; default 1000, at most 50,000. */
  readonly maxResults?: number;
  readonly pageToken?: string;
}

export interface RegisteredModelPage {
  readonly models: readonly RegisteredModel[];
  readonly nextPageToken?: string;
}

export interface SearchModelVersionsQuery {
  /** Fields: name, version (or version_number), run_id, source (or source_path), current_stage, tags.K. */
  readonly filter?: string;
  /** Default: name ascending, then version descending. */
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
  readonly pageToken?: string;
}

export interface ModelVersionPage {
  readonly versions: readonly ModelVersion[];
  readonly nextPageToken?: string;
}
