import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { AlreadyExistsError, ParamOverwriteError } from '../errors.js';
import { EXPERIMENT_FIELDS } from '../search/ast.js';
import { type PreparedSearch, prepareSearch, searchInMemory } from '../search/query.js';
import { type ExperimentView, experimentTieBreak, readExperimentField } from '../search/readers.js';
import { type SqlFragment, compileFilter, compileOrderBy } from '../search/sql.js';
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
  RunStatus,
  RunUpdate,
  SearchExperimentsQuery,
  SearchRunsQuery,
  Tags,
  TerminalStatus,
  ViewType,
} from '../types.js';
import {
  checkBatch,
  checkExperimentName,
  checkKey,
  checkRunId,
  checkStatus,
  checkTimestamp,
  encodePageToken,
  nextRunState,
  numericValue,
  recordOf,
} from '../validate.js';
import { type RunFolder, listArtifactFiles, readArtifactFile, writeArtifactFile } from './files.js';

const METRIC_CHUNK = 100;

interface RunRow {
  rid: number;
  id: string;
  experiment_id: number;
  name: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  parent_run_id: string | null;
  lifecycle_stage: LifecycleStage;
}
interface ExperimentRow {
  id: number;
  name: string;
  created_at: number;
  updated_at: number;
  lifecycle_stage: LifecycleStage;
}
interface KV {
  rid: number;
  key: string;
  value: string;
}
interface MetricRow {
  rid: number;
  key: string;
  value: number | null;
  step: number;
  timestamp: number;
}

const RUN_COLUMNS = 'r.rid, r.id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.parent_run_id, r.lifecycle_stage';
const EXPERIMENT_COLUMNS = 'id, name, created_at, updated_at, lifecycle_stage';
/** SQLite stores NaN as NULL; a metric value is never NULL otherwise. */
const fromSqlValue = (v: number | null): number => (v === null ? Number.NaN : v);

/** The lifecycle stage a view type keeps (bound as a parameter), or null for all. */
function stageOf(viewType: ViewType): LifecycleStage | null {
  return viewType === 'ALL' ? null : viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted';
}

/**
 * The tracking half of the SQLite store, synchronous (better-sqlite3): experiments, runs, search
 * and artifacts. `SqliteStore` wraps it in the asynchronous contract.
 */
export class SqliteTracking {
  private readonly stmt: ReturnType<SqliteTracking['prepareAll']>;

  constructor(
    private readonly db: Database.Database,
    readonly artifactRoot: string,
    /** BEGIN IMMEDIATE around `fn` (a savepoint inside an open transaction). */
    private readonly immediate: <T>(fn: () => T) => T,
  ) {
    this.stmt = this.prepareAll();
  }

  private prepareAll() {
    const p = (sql: string) => this.db.prepare(sql);
    return {
      insertExperiment: p("INSERT INTO experiments (name, created_at, updated_at, lifecycle_stage) VALUES (?, ?, ?, 'active')"),
      experimentById: p(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?`),
      experimentByName: p(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`),
      experiments: p(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments ORDER BY id`),
      experimentTags: p('SELECT key, value FROM experiment_tags WHERE experiment_id = ?'),
      allExperimentTags: p('SELECT experiment_id AS id, key, value FROM experiment_tags'),
      setExperimentTag: p('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      deleteExperimentTag: p('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?'),
      renameExperiment: p('UPDATE experiments SET name = ?, updated_at = ? WHERE id = ?'),
      touchExperiment: p('UPDATE experiments SET updated_at = ? WHERE id = ?'),
      experimentStage: p('UPDATE experiments SET lifecycle_stage = ?, updated_at = ? WHERE id = ?'),
      experimentRunsStage: p('UPDATE runs SET lifecycle_stage = ? WHERE experiment_id = ?'),
      insertRun: p(
        'INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, parent_run_id, lifecycle_stage) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)',
      ),
      runById: p(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`),
      updateRun: p('UPDATE runs SET status = ?, end_time = ?, name = ? WHERE rid = ?'),
      runStage: p('UPDATE runs SET lifecycle_stage = ? WHERE rid = ?'),
      paramsOf: p('SELECT rid, key, value FROM params WHERE rid = ?'),
      tagsOf: p('SELECT rid, key, value FROM tags WHERE rid = ?'),
      latestOf: p('SELECT rid, key, value, step, timestamp FROM latest_metrics WHERE rid = ?'),
      paramsIn: p('SELECT rid, key, value FROM params WHERE rid IN (SELECT value FROM json_each(?))'),
      tagsIn: p('SELECT rid, key, value FROM tags WHERE rid IN (SELECT value FROM json_each(?))'),
      latestIn: p('SELECT rid, key, value, step, timestamp FROM latest_metrics WHERE rid IN (SELECT value FROM json_each(?))'),
      param: p('SELECT value FROM params WHERE rid = ? AND key = ?'),
      insertParam: p('INSERT INTO params (rid, key, value, num) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      setTag: p('INSERT INTO tags (rid, key, value, num) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value, num = excluded.num'),
      deleteTag: p('DELETE FROM tags WHERE rid = ? AND key = ?'),
      insertMetric: p('INSERT INTO metrics (rid, key, step, timestamp, seq, value) VALUES (?, ?, ?, ?, ?, ?)'),
      insertMetrics: p(`INSERT INTO metrics (rid, key, step, timestamp, seq, value) VALUES ${new Array(METRIC_CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`),
      reserveSeq: p("UPDATE tk_meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'metric_seq' RETURNING CAST(value AS INTEGER) AS last"),
      upsertLatest: p(
        `INSERT INTO latest_metrics (rid, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
         WHERE excluded.step > latest_metrics.step
            OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`,
      ),
      history: p('SELECT rid, key, value, step, timestamp FROM metrics WHERE rid = ? AND key = ? ORDER BY step, timestamp, seq'),
    };
  }

  // Experiments

  private experimentRecord(row: ExperimentRow, tags?: readonly { key: string; value: string }[]): Experiment {
    const list = tags ?? (this.stmt.experimentTags.all(row.id) as { key: string; value: string }[]);
    return Object.freeze({
      experimentId: String(row.id),
      name: row.name,
      tags: recordOf(list.map((t) => [t.key, t.value] as const)),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      lifecycleStage: row.lifecycle_stage,
      artifactLocation: join(this.artifactRoot, String(row.id)),
    });
  }

  private experimentRow(experimentId: string): ExperimentRow {
    const row = /^\d+$/.test(String(experimentId)) ? this.stmt.experimentById.get(Number(experimentId)) : undefined;
    if (!row) throw new NotFoundError('experiment', String(experimentId));
    return row as ExperimentRow;
  }

  createExperiment(name: string, tags: Tags = {}): Experiment {
    checkExperimentName(name);
    for (const k of Object.keys(tags)) checkKey('experiment tag', k);
    return this.immediate(() => {
      if (this.stmt.experimentByName.get(name)) throw new AlreadyExistsError('experiment', name);
      const now = Date.now();
      const id = Number(this.stmt.insertExperiment.run(name, now, now).lastInsertRowid);
      for (const [k, v] of Object.entries(tags)) this.stmt.setExperimentTag.run(id, k, String(v));
      return this.experimentRecord(this.experimentRow(String(id)));
    });
  }

  getExperiment(experimentId: string): Experiment {
    return this.experimentRecord(this.experimentRow(experimentId));
  }

  getExperimentByName(name: string): Experiment | undefined {
    const row = this.stmt.experimentByName.get(String(name)) as ExperimentRow | undefined;
    return row ? this.experimentRecord(row) : undefined;
  }

  /** Experiments are few: they are filtered and sorted in memory, as the memory store does. */
  searchExperiments(query: SearchExperimentsQuery = {}): ExperimentPage {
    const q = prepareSearch(query, EXPERIMENT_FIELDS);
    const tags = new Map<number, { key: string; value: string }[]>();
    for (const t of this.stmt.allExperimentTags.all() as { id: number; key: string; value: string }[]) {
      let list = tags.get(t.id);
      if (!list) tags.set(t.id, (list = []));
      list.push(t);
    }
    const views: (ExperimentView & { row: ExperimentRow })[] = [];
    for (const row of this.stmt.experiments.all() as ExperimentRow[]) {
      if (q.viewType !== 'ALL' && (q.viewType === 'ACTIVE_ONLY') !== (row.lifecycle_stage === 'active')) continue;
      const list = tags.get(row.id) ?? [];
      views.push({ id: String(row.id), name: row.name, tags: new Map(list.map((t) => [t.key, t.value])), createdAt: row.created_at, updatedAt: row.updated_at, stage: row.lifecycle_stage, row });
    }
    const { items, nextPageToken } = searchInMemory(views, q, readExperimentField, experimentTieBreak);
    const experiments = items.map((v) => this.experimentRecord(v.row, tags.get(v.row.id) ?? []));
    return Object.freeze(nextPageToken ? { experiments, nextPageToken } : { experiments });
  }

  renameExperiment(experimentId: string, name: string): Experiment {
    checkExperimentName(name);
    return this.immediate(() => {
      const row = this.experimentRow(experimentId);
      const other = this.stmt.experimentByName.get(name) as ExperimentRow | undefined;
      if (other && other.id !== row.id) throw new AlreadyExistsError('experiment', name);
      this.stmt.renameExperiment.run(name, Date.now(), row.id);
      return this.experimentRecord(this.experimentRow(experimentId));
    });
  }

  setExperimentStage(experimentId: string, stage: LifecycleStage): void {
    this.immediate(() => {
      const row = this.experimentRow(experimentId);
      this.stmt.experimentStage.run(stage, Date.now(), row.id);
      this.stmt.experimentRunsStage.run(stage, row.id);
    });
  }

  setExperimentTag(experimentId: string, key: string, value: string): void {
    checkKey('experiment tag', key);
    this.immediate(() => {
      const row = this.experimentRow(experimentId);
      this.stmt.setExperimentTag.run(row.id, key, String(value));
      this.stmt.touchExperiment.run(Date.now(), row.id);
    });
  }

  deleteExperimentTag(experimentId: string, key: string): void {
    this.immediate(() => {
      const row = this.experimentRow(experimentId);
      if (this.stmt.deleteExperimentTag.run(row.id, String(key)).changes === 0) throw new NotFoundError(`tag of experiment ${row.id}`, String(key));
      this.stmt.touchExperiment.run(Date.now(), row.id);
    });
  }

  // Runs

  private runFolder(experimentId: number | string, runId: string): RunFolder {
    return { root: this.artifactRoot, parts: [String(experimentId), runId], label: `run ${runId}` };
  }

  private infoOf(row: RunRow): RunInfo {
    return Object.freeze({
      runId: row.id,
      experimentId: String(row.experiment_id),
      runName: row.name,
      status: row.status,
      startTime: row.start_time,
      endTime: row.end_time,
      parentRunId: row.parent_run_id,
      artifactUri: join(this.artifactRoot, String(row.experiment_id), row.id),
      lifecycleStage: row.lifecycle_stage,
    });
  }

  private runRow(runId: string): RunRow {
    const row = this.stmt.runById.get(String(runId)) as RunRow | undefined;
    if (!row) throw new NotFoundError('run', String(runId));
    return row;
  }

  /** Assemble full run records for rows, fetching their data in three queries. */
  private runRecords(rows: readonly RunRow[], single = false): Run[] {
    type Parts = { params: [string, string][]; tags: [string, string][]; metrics: [string, MetricPoint][] };
    const byRid = new Map<number, Parts>();
    for (const row of rows) byRid.set(row.rid, { params: [], tags: [], metrics: [] });
    let params: KV[];
    let tags: KV[];
    let latest: MetricRow[];
    if (single) {
      params = this.stmt.paramsOf.all(rows[0].rid) as KV[];
      tags = this.stmt.tagsOf.all(rows[0].rid) as KV[];
      latest = this.stmt.latestOf.all(rows[0].rid) as MetricRow[];
    } else {
      const ids = JSON.stringify(rows.map((r) => r.rid));
      params = this.stmt.paramsIn.all(ids) as KV[];
      tags = this.stmt.tagsIn.all(ids) as KV[];
      latest = this.stmt.latestIn.all(ids) as MetricRow[];
    }
    for (const p of params) byRid.get(p.rid)!.params.push([p.key, p.value]);
    for (const t of tags) byRid.get(t.rid)!.tags.push([t.key, t.value]);
    for (const m of latest) {
      byRid.get(m.rid)!.metrics.push([m.key, Object.freeze({ key: m.key, value: fromSqlValue(m.value), step: m.step, timestamp: m.timestamp })]);
    }
    return rows.map((row) => {
      const d = byRid.get(row.rid)!;
      // recordOf, not assignment: a key such as '__proto__' must stay an own property.
      return Object.freeze({ info: this.infoOf(row), params: recordOf(d.params), metrics: recordOf(d.metrics), tags: recordOf(d.tags) });
    });
  }

  createRun(input: CreateRunInput): RunInfo {
    const startTime = checkTimestamp('startTime', input.startTime ?? Date.now());
    const tags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value }));
    checkBatch({ tags });
    const runId = randomUUID().replaceAll('-', '');
    return this.immediate(() => {
      const exp = this.experimentRow(input.experimentId);
      if (input.parentRunId != null) this.runRow(input.parentRunId);
      const rid = Number(
        this.stmt.insertRun.run(runId, exp.id, input.runName ?? null, 'RUNNING', startTime, input.parentRunId ?? null, exp.lifecycle_stage).lastInsertRowid,
      );
      for (const t of tags) this.stmt.setTag.run(rid, t.key, t.value, numericValue(t.value));
      return this.infoOf(this.runRow(runId));
    });
  }

  getRun(runId: string): Run {
    return this.runRecords([this.runRow(runId)], true)[0];
  }

  updateRun(runId: string, update: RunUpdate): RunInfo {
    return this.immediate(() => {
      const row = this.runRow(runId);
      const info = this.infoOf(row);
      const next = nextRunState(info, update);
      if (next === info) return info;
      this.stmt.updateRun.run(next.status, next.endTime, next.runName, row.rid);
      return next;
    });
  }

  setRunStage(runId: string, stage: LifecycleStage): void {
    this.immediate(() => this.stmt.runStage.run(stage, this.runRow(runId).rid));
  }

  logBatch(runId: string, batch: RunBatch): void {
    checkBatch(batch);
    const params = batch.params ?? [];
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    // The newest point per key in this batch; one upsert per key instead of one per point.
    const latest = new Map<string, MetricPoint>();
    for (const m of metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) latest.set(m.key, m);
    }
    this.immediate(() => {
      const { rid } = this.runRow(runId);
      for (const p of params) {
        const old = this.stmt.param.get(rid, p.key) as { value: string } | undefined;
        if (old !== undefined && old.value !== p.value) throw new ParamOverwriteError(runId, p.key, old.value, p.value);
      }
      for (const p of params) this.stmt.insertParam.run(rid, p.key, p.value, numericValue(p.value));
      // Many rows per statement: one call into SQLite per 100 points instead of per point.
      const first = metrics.length ? (this.stmt.reserveSeq.get(metrics.length) as { last: number }).last - metrics.length + 1 : 0;
      const chunk = this.stmt.insertMetrics;
      const n = metrics.length - (metrics.length % METRIC_CHUNK);
      const args = new Array<unknown>(METRIC_CHUNK * 6);
      for (let i = 0; i < n; i += METRIC_CHUNK) {
        for (let j = 0; j < METRIC_CHUNK; j++) {
          const m = metrics[i + j];
          const o = j * 6;
          args[o] = rid;
          args[o + 1] = m.key;
          args[o + 2] = m.step;
          args[o + 3] = m.timestamp;
          args[o + 4] = first + i + j;
          args[o + 5] = m.value;
        }
        chunk.run(args);
      }
      for (let i = n; i < metrics.length; i++) {
        const m = metrics[i];
        this.stmt.insertMetric.run(rid, m.key, m.step, m.timestamp, first + i, m.value);
      }
      for (const m of latest.values()) this.stmt.upsertLatest.run(rid, m.key, m.value, m.step, m.timestamp);
      for (const t of tags) this.stmt.setTag.run(rid, t.key, t.value, numericValue(t.value));
    });
  }

  deleteTag(runId: string, key: string): void {
    this.immediate(() => {
      if (this.stmt.deleteTag.run(this.runRow(runId).rid, String(key)).changes === 0) throw new NotFoundError(`tag of run ${runId}`, String(key));
    });
  }

  getMetricHistory(runId: string, key: string): MetricPoint[] {
    const { rid } = this.runRow(runId);
    return (this.stmt.history.all(rid, key) as MetricRow[]).map((m) =>
      Object.freeze({ key: m.key, value: fromSqlValue(m.value), step: m.step, timestamp: m.timestamp }),
    );
  }

  /** The experiment, view and filter conditions of a search, as joins and WHERE terms over `runs r`. */
  private whereOf(q: PreparedSearch): { joins: SqlFragment; where: SqlFragment } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.experimentIds) {
      const ids = q.experimentIds.filter((id) => /^\d+$/.test(id)).map(Number);
      // One experiment (the usual case) as '=' lets the planner walk runs_by_experiment in order.
      if (ids.length === 1) {
        where.push('r.experiment_id = ?');
        params.push(ids[0]);
      } else {
        where.push('r.experiment_id IN (SELECT value FROM json_each(?))');
        params.push(JSON.stringify(ids));
      }
    }
    const stage = stageOf(q.viewType);
    if (stage) {
      where.push('r.lifecycle_stage = ?');
      params.push(stage);
    }
    let joins: SqlFragment = { sql: '', params: [] };
    if (q.filter) {
      const f = compileFilter(q.filter);
      joins = f.joins;
      where.push(f.where.sql);
      params.push(...f.where.params);
    }
    return { joins, where: { sql: where.join(' AND '), params } };
  }

  /**
   * The SQL a search runs, for tests and EXPLAIN. A search ordered first by a metric runs in parts
   * (see metricOrderedSql); they are returned joined by UNION ALL for inspection only.
   */
  compileSearch(query: SearchRunsQuery): { sql: string; params: unknown[]; limit: number; offset: number } {
    const q = prepareSearch(query);
    let parts: SqlFragment[] = [this.genericSql(q)];
    if (q.order[0]?.field.entity === 'metric') {
      const { a, b, count } = this.metricOrderedSql(q);
      parts = b ? [a, b, count] : [a, count];
    }
    return { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params), limit: q.limit, offset: q.offset };
  }

  private genericSql(q: PreparedSearch): SqlFragment {
    const order = compileOrderBy(q.order);
    const { joins, where } = this.whereOf(q);
    return {
      sql: `SELECT ${RUN_COLUMNS} FROM runs r ${order.joins.sql} ${joins.sql}${where.sql ? ` WHERE ${where.sql}` : ''} ORDER BY ${order.orderBy}`,
      params: [...order.joins.params, ...joins.params, ...where.params],
    };
  }

  /**
   * Ordered first by a metric: (A) runs that have a value, driven by the latest_metrics(key,
   * value) index in order, so LIMIT stops the scan early; then (B) runs without one (missing or
   * NaN), which sort last. Same order as the single generic query, far less work. Top-level
   * comparisons on the ordering metric also bound the index range (they test the same row), and
   * when one exists no run of part B can match, so B is skipped.
   */
  private metricOrderedSql(q: PreparedSearch): { a: SqlFragment; b: SqlFragment | null; count: SqlFragment } {
    const first = q.order[0];
    const key = first.field.key;
    const rest = compileOrderBy(q.order.slice(1), 1);
    const { joins, where } = this.whereOf(q);
    const and = where.sql ? ` AND ${where.sql}` : '';
    const conjuncts = q.filter === null ? [] : q.filter.type === 'and' ? q.filter.items : [q.filter];
    const onKey = conjuncts.filter((n) => (n.type === 'compare' || n.type === 'in') && n.field.entity === 'metric' && n.field.key === key);
    let range = '';
    const rangeParams: unknown[] = [];
    for (const n of onKey) {
      if (n.type === 'compare' && n.op !== '!=') {
        range += ` AND o0.value ${n.op} ?`;
        rangeParams.push(n.value);
      }
    }
    const fromA = `FROM latest_metrics o0 JOIN runs r ON r.rid = o0.rid`;
    const whereA = `WHERE o0.key = ? AND o0.value IS NOT NULL${range}${and}`;
    const a = {
      sql: `SELECT ${RUN_COLUMNS} ${fromA} ${rest.joins.sql} ${joins.sql} ${whereA} ORDER BY o0.value ${first.descending ? 'DESC' : 'ASC'}, ${rest.orderBy}`,
      params: [...rest.joins.params, ...joins.params, key, ...rangeParams, ...where.params],
    };
    const count = { sql: `SELECT COUNT(*) AS n ${fromA} ${joins.sql} ${whereA}`, params: [...joins.params, key, ...rangeParams, ...where.params] };
    const b =
      onKey.length > 0
        ? null
        : {
            sql:
              `SELECT ${RUN_COLUMNS} FROM runs r ${rest.joins.sql} ${joins.sql} WHERE NOT EXISTS (SELECT 1 FROM latest_metrics x WHERE x.rid = r.rid AND x.key = ? AND x.value IS NOT NULL)${and}` +
              ` ORDER BY ${rest.orderBy}`,
            params: [...rest.joins.params, ...joins.params, key, ...where.params],
          };
    return { a, b, count };
  }

  private readonly searchCache = new Map<string, Database.Statement>();
  /** Searches repeat the same shapes (a tuner's 'best run so far'); reuse their statements. */
  private cachedStatement(sql: string): Database.Statement {
    let st = this.searchCache.get(sql);
    if (st === undefined) {
      if (this.searchCache.size >= 64) this.searchCache.delete(this.searchCache.keys().next().value as string);
      st = this.db.prepare(sql);
      this.searchCache.set(sql, st);
    }
    return st;
  }

  searchRuns(query: SearchRunsQuery): RunPage {
    const q = prepareSearch(query);
    const { limit, offset } = q;
    // One row more than the page tells whether another page exists.
    let rows: RunRow[];
    if (q.order[0]?.field.entity === 'metric') {
      const { a, b, count } = this.metricOrderedSql(q);
      rows = this.cachedStatement(`${a.sql} LIMIT ? OFFSET ?`).all(...a.params, limit + 1, offset) as RunRow[];
      if (rows.length <= limit && b !== null) {
        // Part A is exhausted: continue into part B at the right offset.
        const countA = rows.length > 0 || offset === 0 ? offset + rows.length : (this.cachedStatement(count.sql).get(...count.params) as { n: number }).n;
        const offsetB = rows.length > 0 ? 0 : Math.max(0, offset - countA);
        rows = rows.concat(this.cachedStatement(`${b.sql} LIMIT ? OFFSET ?`).all(...b.params, limit + 1 - rows.length, offsetB) as RunRow[]);
      }
    } else {
      const g = this.genericSql(q);
      rows = this.cachedStatement(`${g.sql} LIMIT ? OFFSET ?`).all(...g.params, limit + 1, offset) as RunRow[];
    }
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const runs = page.length ? this.runRecords(page) : [];
    return Object.freeze(more ? { runs, nextPageToken: encodePageToken(offset + limit) } : { runs });
  }

  failRuns(query: FailRunsQuery, status: TerminalStatus = 'FAILED'): string[] {
    if (checkStatus(status) === 'RUNNING') throw new InvalidInputError('failRuns needs a terminal status (FINISHED, FAILED or KILLED)');
    const q = prepareSearch({ experimentIds: query.experimentIds, filter: query.filter, viewType: 'ALL' });
    const { joins, where } = this.whereOf(q);
    // One statement: a run another process ends meanwhile is not touched.
    const sql =
      `UPDATE runs SET status = ?, end_time = ? WHERE status = 'RUNNING' AND rid IN ` +
      `(SELECT r.rid FROM runs r ${joins.sql} WHERE r.status = 'RUNNING'${where.sql ? ` AND ${where.sql}` : ''}) RETURNING id`;
    return this.immediate(() => (this.cachedStatement(sql).all(status, Date.now(), ...joins.params, ...where.params) as { id: string }[]).map((r) => r.id));
  }

  // Artifacts

  private artifactFolder(runId: string): RunFolder {
    checkRunId(runId);
    const row = this.runRow(runId);
    return this.runFolder(row.experiment_id, row.id);
  }

  putArtifact(runId: string, path: string, bytes: Uint8Array): void {
    writeArtifactFile(this.artifactFolder(runId), path, bytes);
  }

  getArtifact(runId: string, path: string): Uint8Array {
    return readArtifactFile(this.artifactFolder(runId), path);
  }

  listArtifacts(runId: string, dir = ''): ArtifactEntry[] {
    return listArtifactFiles(this.artifactFolder(runId), dir);
  }
}
