/**
 * Plain, frozen records that cross the store boundary. Nothing here is a live object: every value
 * is structured-clone safe, so records can go to workers or be serialised as JSON.
 */

export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type TerminalStatus = Exclude<RunStatus, 'RUNNING'>;

export type Tags = Readonly<Record<string, string>>;

export interface Experiment {
  /** Store-assigned id (a decimal string). */
  readonly experimentId: string;
  readonly name: string;
  readonly tags: Tags;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
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
  readonly latestVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  /** e.g. 'runs:/<runId>/model'. */
  readonly source: string;
  readonly runId: string | null;
  readonly description: string;
  readonly tags: Tags;
  readonly aliases: readonly string[];
  readonly createdAt: number;
}

export interface CreateModelVersionInput {
  readonly source: string;
  readonly runId?: string | null;
  readonly description?: string;
  readonly tags?: Tags;
}
