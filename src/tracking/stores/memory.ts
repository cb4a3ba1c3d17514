import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../core/errors.js';
import { AlreadyExistsError, ArtifactPathError, ParamOverwriteError, RunStateError } from '../errors.js';
import { compareRuns, evaluateFilter, type RunView } from '../search/evaluate.js';
import { prepareSearch } from '../search/query.js';
import type { TrackingStore } from '../store.js';
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
} from '../types.js';
import {
  checkAlias,
  checkBatch,
  checkExperimentName,
  checkKey,
  checkModelName,
  checkRunId,
  checkStatus,
  checkTimestamp,
  encodePageToken,
  normalizeArtifactPath,
} from '../validate.js';

interface MemRun {
  info: RunInfo;
  params: Map<string, string>;
  tags: Map<string, string>;
  latest: Map<string, MetricPoint>;
  /** Latest value per key, the view the filter evaluator reads. */
  latestValues: Map<string, number>;
  history: Map<string, MetricPoint[]>;
  artifacts: Map<string, Uint8Array>;
}

interface MemModel {
  name: string;
  description: string;
  tags: Map<string, string>;
  aliases: Map<string, number>;
  createdAt: number;
  updatedAt: number;
  versions: Map<number, { version: number; source: string; runId: string | null; description: string; tags: Map<string, string>; createdAt: number }>;
}

const freezeRecord = (m: ReadonlyMap<string, string>): Tags => Object.freeze(Object.fromEntries(m));

/** Tracking store in this process's memory (URI `memory:`). Fast, not persistent, single process. */
export class MemoryStore implements TrackingStore {
  readonly uri: string;
  private readonly experiments = new Map<string, { id: string; name: string; tags: Map<string, string>; createdAt: number }>();
  private readonly runs = new Map<string, MemRun>();
  private readonly models = new Map<string, MemModel>();
  private nextExperimentId = 1;

  constructor(uri = 'memory:') {
    this.uri = uri;
  }

  private experimentRecord(e: { id: string; name: string; tags: Map<string, string>; createdAt: number }): Experiment {
    return Object.freeze({ experimentId: e.id, name: e.name, tags: freezeRecord(e.tags), createdAt: e.createdAt });
  }

  createExperiment(name: string, tags: Tags = {}): Experiment {
    checkExperimentName(name);
    for (const k of Object.keys(tags)) checkKey('experiment tag', k);
    if (this.getExperimentByName(name)) throw new AlreadyExistsError('experiment', name);
    const e = { id: String(this.nextExperimentId++), name, tags: new Map(Object.entries(tags)), createdAt: Date.now() };
    this.experiments.set(e.id, e);
    return this.experimentRecord(e);
  }

  private experiment(id: string) {
    const e = this.experiments.get(id);
    if (!e) throw new NotFoundError('experiment', String(id));
    return e;
  }

  getExperiment(experimentId: string): Experiment {
    return this.experimentRecord(this.experiment(experimentId));
  }

  getExperimentByName(name: string): Experiment | undefined {
    for (const e of this.experiments.values()) if (e.name === name) return this.experimentRecord(e);
    return undefined;
  }

  listExperiments(): Experiment[] {
    return [...this.experiments.values()].map((e) => this.experimentRecord(e));
  }

  setExperimentTag(experimentId: string, key: string, value: string): void {
    checkKey('experiment tag', key);
    this.experiment(experimentId).tags.set(key, String(value));
  }

  createRun(input: CreateRunInput): RunInfo {
    const exp = this.experiment(input.experimentId);
    if (input.parentRunId != null) this.run(input.parentRunId);
    const startTime = checkTimestamp('startTime', input.startTime ?? Date.now());
    const tags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value }));
    checkBatch({ tags });
    const runId = randomUUID().replaceAll('-', '');
    const info: RunInfo = Object.freeze({
      runId,
      experimentId: exp.id,
      runName: input.runName ?? null,
      status: 'RUNNING',
      startTime,
      endTime: null,
      parentRunId: input.parentRunId ?? null,
      artifactUri: `memory:/${exp.id}/${runId}`,
    });
    this.runs.set(runId, {
      info,
      params: new Map(),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      latest: new Map(),
      latestValues: new Map(),
      history: new Map(),
      artifacts: new Map(),
    });
    return info;
  }

  private run(runId: string): MemRun {
    const r = this.runs.get(runId);
    if (!r) throw new NotFoundError('run', String(runId));
    return r;
  }

  private runRecord(r: MemRun): Run {
    return Object.freeze({
      info: r.info,
      params: freezeRecord(r.params),
      metrics: Object.freeze(Object.fromEntries(r.latest)),
      tags: freezeRecord(r.tags),
    });
  }

  getRun(runId: string): Run {
    return this.runRecord(this.run(runId));
  }

  endRun(runId: string, status: TerminalStatus, endTime: number = Date.now()): RunInfo {
    const r = this.run(runId);
    if (checkStatus(status) === 'RUNNING') throw new RunStateError(runId, 'RUNNING', 'RUNNING again');
    checkTimestamp('endTime', endTime);
    if (r.info.status === status) return r.info;
    if (r.info.status !== 'RUNNING') throw new RunStateError(runId, r.info.status, status);
    r.info = Object.freeze({ ...r.info, status, endTime });
    return r.info;
  }

  logBatch(runId: string, batch: RunBatch): void {
    const r = this.run(runId);
    checkBatch(batch);
    // Check everything that can fail before writing anything: the batch is atomic.
    for (const p of batch.params ?? []) {
      const old = r.params.get(p.key);
      if (old !== undefined && old !== p.value) throw new ParamOverwriteError(runId, p.key, old, p.value);
    }
    for (const p of batch.params ?? []) r.params.set(p.key, p.value);
    for (const m of batch.metrics ?? []) {
      const point = Object.freeze({ key: m.key, value: m.value, step: m.step, timestamp: m.timestamp });
      let h = r.history.get(m.key);
      if (!h) r.history.set(m.key, (h = []));
      h.push(point);
      const cur = r.latest.get(m.key);
      if (!cur || point.step > cur.step || (point.step === cur.step && point.timestamp >= cur.timestamp)) {
        r.latest.set(m.key, point);
        r.latestValues.set(m.key, point.value);
      }
    }
    for (const t of batch.tags ?? []) r.tags.set(t.key, t.value);
  }

  getMetricHistory(runId: string, key: string): MetricPoint[] {
    const h = this.run(runId).history.get(key) ?? [];
    // Stable sort keeps write order among equal (step, timestamp).
    return [...h].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  searchRuns(query: SearchRunsQuery): RunPage {
    const q = prepareSearch(query);
    const ids = q.experimentIds ? new Set(q.experimentIds) : undefined;
    const views: (RunView & { run: MemRun })[] = [];
    for (const run of this.runs.values()) {
      if (ids && !ids.has(run.info.experimentId)) continue;
      const view = { info: run.info, params: run.params, tags: run.tags, metrics: run.latestValues, run };
      if (q.filter === null || evaluateFilter(q.filter, view)) views.push(view);
    }
    views.sort((a, b) => compareRuns(a, b, q.order));
    const page = views.slice(q.offset, q.offset + q.limit).map((v) => this.runRecord(v.run));
    const end = q.offset + page.length;
    return Object.freeze(end < views.length ? { runs: page, nextPageToken: encodePageToken(end) } : { runs: page });
  }

  failRuns(pick?: (run: Run) => boolean, status: TerminalStatus = 'FAILED'): string[] {
    const changed: string[] = [];
    const now = Date.now();
    for (const r of this.runs.values()) {
      if (r.info.status !== 'RUNNING' || (pick && !pick(this.runRecord(r)))) continue;
      r.info = Object.freeze({ ...r.info, status, endTime: now });
      changed.push(r.info.runId);
    }
    return changed;
  }

  putArtifact(runId: string, path: string, bytes: Uint8Array): void {
    const r = this.run(runId);
    const p = normalizeArtifactPath(path);
    for (const existing of r.artifacts.keys()) {
      if (existing.startsWith(`${p}/`) || p.startsWith(`${existing}/`)) throw new ArtifactPathError(p, `a file and a folder cannot share a path (${existing})`);
    }
    r.artifacts.set(p, new Uint8Array(bytes));
  }

  getArtifact(runId: string, path: string): Uint8Array {
    const p = normalizeArtifactPath(path);
    const bytes = this.run(runId).artifacts.get(p);
    if (!bytes) throw new NotFoundError(`artifact of run ${runId}`, p);
    return new Uint8Array(bytes);
  }

  listArtifacts(runId: string, dir = ''): ArtifactEntry[] {
    const base = normalizeArtifactPath(dir, true);
    const prefix = base === '' ? '' : `${base}/`;
    const out = new Map<string, ArtifactEntry>();
    for (const [path, bytes] of this.run(runId).artifacts) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) out.set(path, Object.freeze({ path, isDir: false, size: bytes.length }));
      else {
        const sub = prefix + rest.slice(0, slash);
        out.set(sub, Object.freeze({ path: sub, isDir: true, size: null }));
      }
    }
    return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private model(name: string): MemModel {
    const m = this.models.get(name);
    if (!m) throw new NotFoundError('registered model', String(name));
    return m;
  }

  private modelRecord(m: MemModel): RegisteredModel {
    const versions = [...m.versions.keys()];
    return Object.freeze({
      name: m.name,
      description: m.description,
      tags: freezeRecord(m.tags),
      aliases: Object.freeze(Object.fromEntries(m.aliases)),
      latestVersion: versions.length ? Math.max(...versions) : null,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
    });
  }

  private versionRecord(m: MemModel, version: number): ModelVersion {
    const v = m.versions.get(version);
    if (!v) throw new NotFoundError(`version of registered model '${m.name}'`, String(version));
    return Object.freeze({
      name: m.name,
      version: v.version,
      source: v.source,
      runId: v.runId,
      description: v.description,
      tags: freezeRecord(v.tags),
      aliases: Object.freeze([...m.aliases].filter(([, ver]) => ver === version).map(([a]) => a).sort()),
      createdAt: v.createdAt,
    });
  }

  createRegisteredModel(name: string, options: { description?: string; tags?: Tags } = {}): RegisteredModel {
    checkModelName(name);
    for (const k of Object.keys(options.tags ?? {})) checkKey('model tag', k);
    if (this.models.has(name)) throw new AlreadyExistsError('registered model', name);
    const now = Date.now();
    const m: MemModel = {
      name,
      description: options.description ?? '',
      tags: new Map(Object.entries(options.tags ?? {})),
      aliases: new Map(),
      createdAt: now,
      updatedAt: now,
      versions: new Map(),
    };
    this.models.set(name, m);
    return this.modelRecord(m);
  }

  getRegisteredModel(name: string): RegisteredModel {
    return this.modelRecord(this.model(name));
  }

  listRegisteredModels(): RegisteredModel[] {
    return [...this.models.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((m) => this.modelRecord(m));
  }

  updateRegisteredModel(name: string, update: { description?: string }): RegisteredModel {
    const m = this.model(name);
    if (update.description !== undefined) m.description = String(update.description);
    m.updatedAt = Date.now();
    return this.modelRecord(m);
  }

  setRegisteredModelTag(name: string, key: string, value: string): void {
    checkKey('model tag', key);
    const m = this.model(name);
    m.tags.set(key, String(value));
    m.updatedAt = Date.now();
  }

  createModelVersion(name: string, input: CreateModelVersionInput): ModelVersion {
    const m = this.model(name);
    for (const k of Object.keys(input.tags ?? {})) checkKey('model version tag', k);
    if (input.runId != null) checkRunId(input.runId);
    const version = m.versions.size === 0 ? 1 : Math.max(...m.versions.keys()) + 1;
    const now = Date.now();
    m.versions.set(version, {
      version,
      source: String(input.source),
      runId: input.runId ?? null,
      description: input.description ?? '',
      tags: new Map(Object.entries(input.tags ?? {})),
      createdAt: now,
    });
    m.updatedAt = now;
    return this.versionRecord(m, version);
  }

  getModelVersion(name: string, version: number): ModelVersion {
    return this.versionRecord(this.model(name), version);
  }

  listModelVersions(name: string): ModelVersion[] {
    const m = this.model(name);
    return [...m.versions.keys()].sort((a, b) => a - b).map((v) => this.versionRecord(m, v));
  }

  setModelVersionTag(name: string, version: number, key: string, value: string): void {
    checkKey('model version tag', key);
    const m = this.model(name);
    this.versionRecord(m, version);
    m.versions.get(version)!.tags.set(key, String(value));
  }

  setModelAlias(name: string, alias: string, version: number): void {
    checkAlias(alias);
    const m = this.model(name);
    this.versionRecord(m, version);
    m.aliases.set(alias, version);
    m.updatedAt = Date.now();
  }

  deleteModelAlias(name: string, alias: string): void {
    const m = this.model(name);
    if (!m.aliases.delete(alias)) throw new NotFoundError(`alias of registered model '${name}'`, String(alias));
  }

  getModelVersionByAlias(name: string, alias: string): ModelVersion {
    const m = this.model(name);
    const v = m.aliases.get(alias);
    if (v === undefined) throw new NotFoundError(`alias of registered model '${name}'`, String(alias), [...m.aliases.keys()]);
    return this.versionRecord(m, v);
  }

  close(): void {}
}
