import type { LifecycleStage, ModelStage, RunInfo } from '../types.js';
import type { RunAttribute } from './ast.js';
import type { FieldReader } from './evaluate.js';

/**
 * How each kind of record exposes the fields its searches name (ast.ts): one reader per kind,
 * shared by every store that evaluates a search in memory.
 */

export interface RunView {
  readonly info: RunInfo;
  readonly params: ReadonlyMap<string, string>;
  readonly tags: ReadonlyMap<string, string>;
  /** Latest value per metric key. */
  readonly metrics: ReadonlyMap<string, number>;
}

function runAttribute(info: RunInfo, key: RunAttribute): string | number | null {
  switch (key) {
    case 'run_id':
      return info.runId;
    case 'run_name':
      return info.runName;
    case 'status':
      return info.status;
    case 'parent_run_id':
      return info.parentRunId;
    case 'start_time':
      return info.startTime;
    case 'end_time':
      return info.endTime;
  }
}

/** A run's fields (NaN metrics count as present). */
export const readRunField: FieldReader<RunView> = (run, f) => {
  switch (f.entity) {
    case 'metric':
      return run.metrics.get(f.key);
    case 'param':
      return run.params.get(f.key);
    case 'tag':
      return run.tags.get(f.key);
    case 'attribute':
      return runAttribute(run.info, f.key as RunAttribute) ?? undefined;
  }
};

/** Runs equal on every term: start_time descending, then run id (what SQL's ORDER BY appends). */
export function runTieBreak(a: RunView, b: RunView): number {
  if (a.info.startTime !== b.info.startTime) return b.info.startTime - a.info.startTime;
  return a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0;
}

export interface ExperimentView {
  readonly id: string;
  readonly name: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly stage: LifecycleStage;
}

export const readExperimentField: FieldReader<ExperimentView> = (e, f) => {
  if (f.entity === 'tag') return e.tags.get(f.key);
  switch (f.key) {
    case 'experiment_id':
      return e.id;
    case 'name':
      return e.name;
    case 'creation_time':
      return e.createdAt;
    default:
      return e.updatedAt;
  }
};

/** Experiments equal on every term: newest first, then id. */
export function experimentTieBreak(a: ExperimentView, b: ExperimentView): number {
  return b.createdAt - a.createdAt || Number(a.id) - Number(b.id);
}

export interface ModelView {
  readonly name: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const readModelField: FieldReader<ModelView> = (m, f) => {
  if (f.entity === 'tag') return m.tags.get(f.key);
  return f.key === 'name' ? m.name : f.key === 'creation_timestamp' ? m.createdAt : m.updatedAt;
};

export interface VersionView {
  readonly name: string;
  readonly version: number;
  readonly runId: string | null;
  readonly source: string;
  readonly stage: ModelStage;
  readonly tags: ReadonlyMap<string, string>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const readVersionField: FieldReader<VersionView> = (v, f) => {
  if (f.entity === 'tag') return v.tags.get(f.key);
  switch (f.key) {
    case 'name':
      return v.name;
    case 'version':
      return v.version;
    case 'run_id':
      return v.runId ?? undefined;
    case 'source':
      return v.source;
    case 'current_stage':
      return v.stage;
    case 'creation_timestamp':
      return v.createdAt;
    default:
      return v.updatedAt;
  }
};

export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Versions equal on every term: by name, newest version first. */
export function versionTieBreak(a: VersionView, b: VersionView): number {
  return byName(a.name, b.name) || b.version - a.version;
}
