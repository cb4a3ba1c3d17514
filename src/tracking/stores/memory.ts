import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../core/errors.js';
import { AlreadyExistsError, ArtifactPathError, ParamOverwriteError } from '../errors.js';
import { EXPERIMENT_FIELDS } from '../search/ast.js';
import { evaluateFilter } from '../search/evaluate.js';
import { type ExperimentView, experimentTieBreak, readExperimentField, readRunField, type RunView, runTieBreak } from '../search/readers.js';
import { inView, prepareSearch, searchInMemory } from '../search/query.js';
import type { Store } from '../store.js';
import type {
  ArtifactEntry,
  CreateRunInput,
  Experiment,
  ExperimentPage,
  FailRunsQuery,
  LifecycleStage,
  MetricPoint,
  Run,
  RunBatch,
  RunInfo,
  RunPage,
  RunUpdate,
  SearchExperimentsQuery,
  SearchRunsQuery,
  Tags,
  TerminalStatus,
} from '../types.js';
import { checkBatch, checkExperimentName, checkKey, checkTimestamp, normalizeArtifactPath, nextRunState, recordOf } from '../validate.js';
import { MemoryRegistry } from './memory-registry.js';

interface MemRun extends RunView {
  info: RunInfo;
  readonly params: Map<string, string>;
  readonly tags: Map<string, string>;
  /** Latest value per key, the view the filter evaluator reads. */
  readonly metrics: Map<string, number>;
  readonly latest: Map<string, MetricPoint>;
  readonly history: Map<string, MetricPoint[]>;
  readonly artifacts: Map<string, Uint8Array>;
}

interface MemExperiment extends ExperimentView {
  name: string;
  readonly tags: Map<string, string>;
  updatedAt: number;
  stage: LifecycleStage;
}

/**
 * Tracking store and model registry in this process's memory (URI `memory:`). Fast, not
 * persistent, single process. See TrackingStore and ModelRegistryStore for the contract.
 */
export class MemoryStore extends MemoryRegistry implements Store {
  private readonly experiments = new Map<string, MemExperiment>();
  private readonly runs = new Map<string, MemRun>();
  private nextExperimentId = 1;

  constructor(uri = 'memory:') {
    super(uri);
  }

  private experimentRecord(e: MemExperiment): Experiment {
    return Object.freeze({
      experimentId: e.id,
      name: e.name,
      tags: recordOf(e.tags),
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      lifecycleStage: e.stage,
      artifactLocation: `${this.uri.replace(/\/+$/, '')}/${e.id}`,
    });
  }

  private experiment(id: string): MemExperiment {
    const e = this.experiments.get(String(id));
    if (!e) throw new NotFoundError('experiment', String(id));
    return e;
  }

  private byName(name: string): MemExperiment | undefined {
    for (const e of this.experiments.values()) if (e.name === name) return e;
    return undefined;
  }

  async createExperiment(name: string, tags: Tags = {}): Promise<Experiment> {
    checkExperimentName(name);
    for (const k of Object.keys(tags)) checkKey('experiment tag', k);
    if (this.byName(name)) throw new AlreadyExistsError('experiment', name);
    const now = Date.now();
    const e: MemExperiment = { id: String(this.nextExperimentId++), name, tags: new Map(Object.entries(tags).map(([k, v]) => [k, String(v)])), createdAt: now, updatedAt: now, stage: 'active' };
    this.experiments.set(e.id, e);
    return this.experimentRecord(e);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.experimentRecord(this.experiment(experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const e = this.byName(name);
    return e ? this.experimentRecord(e) : undefined;
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<ExperimentPage> {
    const q = prepareSearch(query, EXPERIMENT_FIELDS);
    const visible = [...this.experiments.values()].filter((e) => inView(q.viewType, e.stage));
    const { items, nextPageToken } = searchInMemory(visible, q, readExperimentField, experimentTieBreak);
    const experiments = items.map((e) => this.experimentRecord(e));
    return Object.freeze(nextPageToken ? { experiments, nextPageToken } : { experiments });
  }

  async renameExperiment(experimentId: string, name: string): Promise<Experiment> {
    checkExperimentName(name);
    const e = this.experiment(experimentId);
    const other = this.byName(name);
    if (other && other !== e) throw new AlreadyExistsError('experiment', name);
    e.name = name;
    e.updatedAt = Date.now();
    return this.experimentRecord(e);
  }

  private setExperimentStage(experimentId: string, stage: LifecycleStage): void {
    const e = this.experiment(experimentId);
    e.stage = stage;
    e.updatedAt = Date.now();
    for (const r of this.runs.values()) if (r.info.experimentId === e.id) r.info = Object.freeze({ ...r.info, lifecycleStage: stage });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.setExperimentStage(experimentId, 'deleted');
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.setExperimentStage(experimentId, 'active');
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    checkKey('experiment tag', key);
    const e = this.experiment(experimentId);
    e.tags.set(key, String(value));
    e.updatedAt = Date.now();
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const e = this.experiment(experimentId);
    if (!e.tags.delete(key)) throw new NotFoundError(`tag of experiment ${e.id}`, String(key));
    e.updatedAt = Date.now();
  }

  // Runs

  async createRun(input: CreateRunInput): Promise<RunInfo> {
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
      artifactUri: `${this.uri.replace(/\/+$/, '')}/${exp.id}/${runId}`,
      lifecycleStage: exp.stage,
    });
    this.runs.set(runId, {
      info,
      params: new Map(),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      latest: new Map(),
      metrics: new Map(),
      history: new Map(),
      artifacts: new Map(),
    });
    return info;
  }

  private run(runId: string): MemRun {
    const r = this.runs.get(String(runId));
    if (!r) throw new NotFoundError('run', String(runId));
    return r;
  }

  private runRecord(r: MemRun): Run {
    return Object.freeze({ info: r.info, params: recordOf(r.params), metrics: recordOf(r.latest), tags: recordOf(r.tags) });
  }

  async getRun(runId: string): Promise<Run> {
    return this.runRecord(this.run(runId));
  }

  async updateRun(runId: string, update: RunUpdate): Promise<RunInfo> {
    const r = this.run(runId);
    const next = nextRunState(r.info, update);
    if (next !== r.info) r.info = next;
    return r.info;
  }

  private setRunStage(runId: string, stage: LifecycleStage): void {
    const r = this.run(runId);
    r.info = Object.freeze({ ...r.info, lifecycleStage: stage });
  }

  async deleteRun(runId: string): Promise<void> {
    this.setRunStage(runId, 'deleted');
  }

  async restoreRun(runId: string): Promise<void> {
    this.setRunStage(runId, 'active');
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
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
        r.metrics.set(m.key, point.value);
      }
    }
    for (const t of batch.tags ?? []) r.tags.set(t.key, t.value);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const r = this.run(runId);
    if (!r.tags.delete(key)) throw new NotFoundError(`tag of run ${runId}`, String(key));
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const h = this.run(runId).history.get(key) ?? [];
    // Stable sort keeps write order among equal (step, timestamp).
    return [...h].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  private matching(q: ReturnType<typeof prepareSearch>): MemRun[] {
    const ids = q.experimentIds ? new Set(q.experimentIds) : undefined;
    const out: MemRun[] = [];
    for (const run of this.runs.values()) {
      if ((ids && !ids.has(run.info.experimentId)) || !inView(q.viewType, run.info.lifecycleStage)) continue;
      out.push(run);
    }
    return out;
  }

  async searchRuns(query: SearchRunsQuery): Promise<RunPage> {
    const q = prepareSearch(query);
    const { items, nextPageToken } = searchInMemory(this.matching(q), q, readRunField, runTieBreak);
    const runs = items.map((r) => this.runRecord(r));
    return Object.freeze(nextPageToken ? { runs, nextPageToken } : { runs });
  }

  async failRuns(query: FailRunsQuery, status: TerminalStatus = 'FAILED'): Promise<string[]> {
    const q = prepareSearch({ experimentIds: query.experimentIds, filter: query.filter, viewType: 'ALL' });
    const items = this.matching(q).filter((r) => r.info.status === 'RUNNING' && (q.filter === null || evaluateFilter(q.filter, r, readRunField)));
    const now = Date.now();
    for (const r of items) r.info = nextRunState(r.info, { status, endTime: now });
    return items.map((r) => r.info.runId);
  }

  // Artifacts

  async putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<void> {
    const r = this.run(runId);
    const p = normalizeArtifactPath(path);
    for (const existing of r.artifacts.keys()) {
      if (existing.startsWith(`${p}/`) || p.startsWith(`${existing}/`)) throw new ArtifactPathError(p, `a file and a folder cannot share a path (${existing})`);
    }
    r.artifacts.set(p, new Uint8Array(bytes));
  }

  async getArtifact(runId: string, path: string): Promise<Uint8Array> {
    const p = normalizeArtifactPath(path);
    const bytes = this.run(runId).artifacts.get(p);
    if (!bytes) throw new NotFoundError(`artifact of run ${runId}`, p);
    return new Uint8Array(bytes);
  }

  async listArtifacts(runId: string, dir = ''): Promise<ArtifactEntry[]> {
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

  override async close(): Promise<void> {}
}
