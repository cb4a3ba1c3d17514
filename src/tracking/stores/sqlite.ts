import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidInputError, NotFoundError, TunekitError } from '../../core/errors.js';
import { AlreadyExistsError, ParamOverwriteError, RunStateError } from '../errors.js';
import { type PreparedSearch, prepareSearch } from '../search/query.js';
import { type SqlFragment, compileFilter, compileOrderBy } from '../search/sql.js';
import { likeMatch } from '../search/strings.js';
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
  RunStatus,
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
  numericValue,
} from '../validate.js';
import { listArtifactFiles, readArtifactFile, writeArtifactFile } from './files.js';

const SCHEMA_VERSION = 1;
const METRIC_CHUNK = 100;

// Child tables key on the integer `rid` (small, fast B-tree keys); the public run id is `id`.
// Metric history is one B-tree in history order; `seq` (from tk_meta, bumped once per batch under
// the write lock) keeps write order among points with equal step and timestamp.
// latest_metrics is maintained on write so search never scans metric history;
// latest_metrics(key, value) serves "filter / order by metrics.x" over many runs.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS experiment_tags (
  experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, experiment_id INTEGER NOT NULL, name TEXT,
  status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, parent_run_id TEXT);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, start_time);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (start_time);
CREATE TABLE IF NOT EXISTS params (
  rid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, num REAL, PRIMARY KEY (rid, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (
  rid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, num REAL, PRIMARY KEY (rid, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metrics (
  rid INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, seq INTEGER NOT NULL,
  value REAL, PRIMARY KEY (rid, key, step, timestamp, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest_metrics (
  rid INTEGER NOT NULL, key TEXT NOT NULL, value REAL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  PRIMARY KEY (rid, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS latest_metrics_by_value ON latest_metrics (key, value);
CREATE TABLE IF NOT EXISTS registered_models (
  name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registered_model_tags (
  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, run_id TEXT, description TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (name, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias)) WITHOUT ROWID;
`;

interface RunRow {
  rid: number;
  id: string;
  experiment_id: number;
  name: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  parent_run_id: string | null;
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

const RUN_COLUMNS = 'r.rid, r.id, r.experiment_id, r.name, r.status, r.start_time, r.end_time, r.parent_run_id';
/** SQLite stores NaN as NULL; a metric value is never NULL otherwise. */
const fromSqlValue = (v: number | null): number => (v === null ? Number.NaN : v);

/**
 * The default store: one SQLite database file (URI `sqlite:path/to/file.db`) in WAL mode, with
 * artifacts in `<file>.artifacts/<experimentId>/<runId>/`. See TrackingStore for the contract.
 */
export class SqliteStore implements TrackingStore {
  readonly uri: string;
  readonly path: string;
  readonly artifactRoot: string;
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteStore['prepareAll']>;

  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    this.path = resolve(path);
    this.uri = `sqlite:${this.path}`;
    this.artifactRoot = `${this.path}.artifacts`;
    mkdirSync(dirname(this.path), { recursive: true });
    try {
      this.db = new Database(this.path, { timeout: options.busyTimeoutMs ?? 60_000 });
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a crash of the process never loses a committed transaction.
      this.db.pragma('synchronous = NORMAL');
    } catch (err) {
      throw new TunekitError('TRACKING_STORE', `cannot open tracking database ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    this.db.function('tk_like', { deterministic: true }, (value: unknown, pattern: unknown, ci: unknown) =>
      likeMatch(String(value), String(pattern), ci === 1) ? 1 : 0,
    );
    try {
      this.initSchema();
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.stmt = this.prepareAll();
  }

  private initSchema(): void {
    this.immediate(() => {
      this.db.exec(SCHEMA);
      const row = this.db.prepare("SELECT value FROM tk_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
      if (row === undefined) {
        this.db.prepare("INSERT INTO tk_meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
        this.db.prepare("INSERT INTO tk_meta (key, value) VALUES ('metric_seq', '0')").run();
      } else if (Number(row.value) > SCHEMA_VERSION) {
        throw new TunekitError('TRACKING_STORE', `${this.path} has schema version ${row.value}; this tunekit reads up to ${SCHEMA_VERSION}`);
      }
      const metricColumns = (this.db.pragma('table_info(metrics)') as { name: string }[]).map((c) => c.name);
      if (!metricColumns.includes('seq')) {
        throw new TunekitError('TRACKING_STORE', `${this.path} was written by a pre-release build of tunekit (metric history without 'seq'); start a new database file`);
      }
    });
  }

  private prepareAll() {
    const p = (sql: string) => this.db.prepare(sql);
    return {
      insertExperiment: p('INSERT INTO experiments (name, created_at) VALUES (?, ?)'),
      experimentById: p('SELECT id, name, created_at FROM experiments WHERE id = ?'),
      experimentByName: p('SELECT id, name, created_at FROM experiments WHERE name = ?'),
      experiments: p('SELECT id, name, created_at FROM experiments ORDER BY id'),
      experimentTags: p('SELECT key, value FROM experiment_tags WHERE experiment_id = ?'),
      setExperimentTag: p('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      insertRun: p('INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, parent_run_id) VALUES (?, ?, ?, ?, ?, NULL, ?)'),
      runById: p(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`),
      runningRuns: p(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.status = 'RUNNING'`),
      endRun: p("UPDATE runs SET status = ?, end_time = ? WHERE rid = ? AND status = 'RUNNING'"),
      paramsOf: p('SELECT rid, key, value FROM params WHERE rid = ?'),
      tagsOf: p('SELECT rid, key, value FROM tags WHERE rid = ?'),
      latestOf: p('SELECT rid, key, value, step, timestamp FROM latest_metrics WHERE rid = ?'),
      paramsIn: p('SELECT rid, key, value FROM params WHERE rid IN (SELECT value FROM json_each(?))'),
      tagsIn: p('SELECT rid, key, value FROM tags WHERE rid IN (SELECT value FROM json_each(?))'),
      latestIn: p('SELECT rid, key, value, step, timestamp FROM latest_metrics WHERE rid IN (SELECT value FROM json_each(?))'),
      param: p('SELECT value FROM params WHERE rid = ? AND key = ?'),
      insertParam: p('INSERT INTO params (rid, key, value, num) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      setTag: p('INSERT INTO tags (rid, key, value, num) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value, num = excluded.num'),
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
      insertModel: p('INSERT INTO registered_models (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      model: p('SELECT name, description, created_at, updated_at FROM registered_models WHERE name = ?'),
      models: p('SELECT name, description, created_at, updated_at FROM registered_models ORDER BY name'),
      touchModel: p('UPDATE registered_models SET updated_at = ? WHERE name = ?'),
      describeModel: p('UPDATE registered_models SET description = ?, updated_at = ? WHERE name = ?'),
      modelTags: p('SELECT key, value FROM registered_model_tags WHERE name = ?'),
      setModelTag: p('INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      aliases: p('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias'),
      alias: p('SELECT version FROM model_aliases WHERE name = ? AND alias = ?'),
      setAlias: p('INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version'),
      deleteAlias: p('DELETE FROM model_aliases WHERE name = ? AND alias = ?'),
      maxVersion: p('SELECT MAX(version) AS v FROM model_versions WHERE name = ?'),
      insertVersion: p('INSERT INTO model_versions (name, version, source, run_id, description, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      version: p('SELECT name, version, source, run_id, description, created_at FROM model_versions WHERE name = ? AND version = ?'),
      versions: p('SELECT version FROM model_versions WHERE name = ? ORDER BY version'),
      versionTags: p('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?'),
      setVersionTag: p('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    };
  }

  /**
   * Run many store calls as one transaction (bulk imports): each call inside becomes a savepoint,
   * and nothing is visible to other connections until `fn` returns.
   */
  bulk<T>(fn: () => T): T {
    return this.immediate(fn);
  }

  /** Run `fn` in a BEGIN IMMEDIATE transaction: writers queue on the lock instead of deadlocking. */
  private immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // Experiments

  private experimentRecord(row: { id: number; name: string; created_at: number }): Experiment {
    const tags = this.stmt.experimentTags.all(row.id) as { key: string; value: string }[];
    return Object.freeze({
      experimentId: String(row.id),
      name: row.name,
      tags: Object.freeze(Object.fromEntries(tags.map((t) => [t.key, t.value]))),
      createdAt: row.created_at,
    });
  }

  private experimentRow(experimentId: string) {
    const row = /^\d+$/.test(String(experimentId)) ? this.stmt.experimentById.get(Number(experimentId)) : undefined;
    if (!row) throw new NotFoundError('experiment', String(experimentId));
    return row as { id: number; name: string; created_at: number };
  }

  createExperiment(name: string, tags: Tags = {}): Experiment {
    checkExperimentName(name);
    for (const k of Object.keys(tags)) checkKey('experiment tag', k);
    return this.immediate(() => {
      if (this.stmt.experimentByName.get(name)) throw new AlreadyExistsError('experiment', name);
      const id = Number(this.stmt.insertExperiment.run(name, Date.now()).lastInsertRowid);
      for (const [k, v] of Object.entries(tags)) this.stmt.setExperimentTag.run(id, k, String(v));
      return this.experimentRecord(this.experimentRow(String(id)));
    });
  }

  getExperiment(experimentId: string): Experiment {
    return this.experimentRecord(this.experimentRow(experimentId));
  }

  getExperimentByName(name: string): Experiment | undefined {
    const row = this.stmt.experimentByName.get(name) as { id: number; name: string; created_at: number } | undefined;
    return row ? this.experimentRecord(row) : undefined;
  }

  listExperiments(): Experiment[] {
    return (this.stmt.experiments.all() as { id: number; name: string; created_at: number }[]).map((r) => this.experimentRecord(r));
  }

  setExperimentTag(experimentId: string, key: string, value: string): void {
    checkKey('experiment tag', key);
    const row = this.experimentRow(experimentId);
    this.stmt.setExperimentTag.run(row.id, key, String(value));
  }

  // Runs

  private runDir(experimentId: number | string, runId: string): string {
    return join(this.artifactRoot, String(experimentId), runId);
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
      artifactUri: this.runDir(row.experiment_id, row.id),
    });
  }

  private runRow(runId: string): RunRow {
    const row = this.stmt.runById.get(String(runId)) as RunRow | undefined;
    if (!row) throw new NotFoundError('run', String(runId));
    return row;
  }

  /** Assemble full run records for rows, fetching their data in three queries. */
  private runRecords(rows: readonly RunRow[], single = false): Run[] {
    const byRid = new Map<number, { params: Record<string, string>; tags: Record<string, string>; metrics: Record<string, MetricPoint> }>();
    for (const row of rows) byRid.set(row.rid, { params: {}, tags: {}, metrics: {} });
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
    for (const p of params) byRid.get(p.rid)!.params[p.key] = p.value;
    for (const t of tags) byRid.get(t.rid)!.tags[t.key] = t.value;
    for (const m of latest) {
      byRid.get(m.rid)!.metrics[m.key] = Object.freeze({ key: m.key, value: fromSqlValue(m.value), step: m.step, timestamp: m.timestamp });
    }
    return rows.map((row) => {
      const d = byRid.get(row.rid)!;
      return Object.freeze({
        info: this.infoOf(row),
        params: Object.freeze(d.params),
        metrics: Object.freeze(d.metrics),
        tags: Object.freeze(d.tags),
      });
    });
  }

  createRun(input: CreateRunInput): RunInfo {
    const exp = this.experimentRow(input.experimentId);
    const startTime = checkTimestamp('startTime', input.startTime ?? Date.now());
    const tags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value }));
    checkBatch({ tags });
    const runId = randomUUID().replaceAll('-', '');
    return this.immediate(() => {
      if (input.parentRunId != null) this.runRow(input.parentRunId);
      const rid = Number(this.stmt.insertRun.run(runId, exp.id, input.runName ?? null, 'RUNNING', startTime, input.parentRunId ?? null).lastInsertRowid);
      for (const t of tags) this.stmt.setTag.run(rid, t.key, t.value, numericValue(t.value));
      return this.infoOf(this.runRow(runId));
    });
  }

  getRun(runId: string): Run {
    return this.runRecords([this.runRow(runId)], true)[0];
  }

  endRun(runId: string, status: TerminalStatus, endTime: number = Date.now()): RunInfo {
    if (checkStatus(status) === 'RUNNING') throw new RunStateError(runId, 'RUNNING', 'RUNNING again');
    checkTimestamp('endTime', endTime);
    return this.immediate(() => {
      const row = this.runRow(runId);
      if (row.status === status) return this.infoOf(row);
      if (row.status !== 'RUNNING') throw new RunStateError(runId, row.status, status);
      this.stmt.endRun.run(status, endTime, row.rid);
      return this.infoOf(this.runRow(runId));
    });
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

  getMetricHistory(runId: string, key: string): MetricPoint[] {
    const { rid } = this.runRow(runId);
    return (this.stmt.history.all(rid, key) as MetricRow[]).map((m) =>
      Object.freeze({ key: m.key, value: fromSqlValue(m.value), step: m.step, timestamp: m.timestamp }),
    );
  }

  /** The experiment and filter conditions of a search, as WHERE terms over `runs r`. */
  private whereOf(q: PreparedSearch): SqlFragment {
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
    if (q.filter) {
      const f = compileFilter(q.filter);
      where.push(f.sql);
      params.push(...f.params);
    }
    return { sql: where.join(' AND '), params };
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
    const where = this.whereOf(q);
    return {
      sql: `SELECT ${RUN_COLUMNS} FROM runs r ${order.joins.sql}${where.sql ? ` WHERE ${where.sql}` : ''} ORDER BY ${order.orderBy}`,
      params: [...order.joins.params, ...where.params],
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
    const where = this.whereOf(q);
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
      sql: `SELECT ${RUN_COLUMNS} ${fromA} ${rest.joins.sql} ${whereA} ORDER BY o0.value ${first.descending ? 'DESC' : 'ASC'}, ${rest.orderBy}`,
      params: [...rest.joins.params, key, ...rangeParams, ...where.params],
    };
    const count = { sql: `SELECT COUNT(*) AS n ${fromA} ${whereA}`, params: [key, ...rangeParams, ...where.params] };
    const b =
      onKey.length > 0
        ? null
        : {
            sql:
              `SELECT ${RUN_COLUMNS} FROM runs r ${rest.joins.sql} WHERE NOT EXISTS (SELECT 1 FROM latest_metrics x WHERE x.rid = r.rid AND x.key = ? AND x.value IS NOT NULL)${and}` +
              ` ORDER BY ${rest.orderBy}`,
            params: [...rest.joins.params, key, ...where.params],
          };
    return { a, b, count };
  }

  private readonly searchCache = new Map<string, Database.Statement>();
  /** Searches repeat the same shapes (a tuner's 'best run so far'); reuse their statements. */
  private cachedStatement(sql: string): Database.Statement {
    let st = this.searchCache.get(sql);
    if (st === undefined) {
      if (this.searchCache.size >= 64) this.searchCache.delete(this.searchCache.keys().next().value as string);
      try {
        st = this.db.prepare(sql);
      } catch (err) {
        if (/too many SQL variables/.test((err as Error).message)) throw new InvalidInputError('search filter is too large (too many values in its IN lists)');
        throw err;
      }
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

  failRuns(pick?: (run: Run) => boolean, status: TerminalStatus = 'FAILED'): string[] {
    checkStatus(status);
    return this.immediate(() => {
      const rows = this.stmt.runningRuns.all() as RunRow[];
      const chosen = pick ? rows.filter((row) => pick(this.runRecords([row], true)[0])) : rows;
      const now = Date.now();
      for (const row of chosen) this.stmt.endRun.run(status, now, row.rid);
      return chosen.map((r) => r.id);
    });
  }

  // Artifacts

  private artifactDir(runId: string): string {
    checkRunId(runId);
    const row = this.runRow(runId);
    return this.runDir(row.experiment_id, row.id);
  }

  putArtifact(runId: string, path: string, bytes: Uint8Array): void {
    writeArtifactFile(this.artifactDir(runId), path, bytes);
  }

  getArtifact(runId: string, path: string): Uint8Array {
    return readArtifactFile(this.artifactDir(runId), path, `artifact of run ${runId}`);
  }

  listArtifacts(runId: string, dir = ''): ArtifactEntry[] {
    return listArtifactFiles(this.artifactDir(runId), dir);
  }

  // Model registry

  private modelRow(name: string) {
    const row = this.stmt.model.get(String(name)) as { name: string; description: string; created_at: number; updated_at: number } | undefined;
    if (!row) throw new NotFoundError('registered model', String(name));
    return row;
  }

  private modelRecord(row: { name: string; description: string; created_at: number; updated_at: number }): RegisteredModel {
    const tags = this.stmt.modelTags.all(row.name) as { key: string; value: string }[];
    const aliases = this.stmt.aliases.all(row.name) as { alias: string; version: number }[];
    const max = (this.stmt.maxVersion.get(row.name) as { v: number | null }).v;
    return Object.freeze({
      name: row.name,
      description: row.description,
      tags: Object.freeze(Object.fromEntries(tags.map((t) => [t.key, t.value]))),
      aliases: Object.freeze(Object.fromEntries(aliases.map((a) => [a.alias, a.version]))),
      latestVersion: max,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  private versionRecord(name: string, version: number): ModelVersion {
    const row = this.stmt.version.get(String(name), version) as
      | { name: string; version: number; source: string; run_id: string | null; description: string; created_at: number }
      | undefined;
    if (!row) throw new NotFoundError(`version of registered model '${name}'`, String(version));
    const tags = this.stmt.versionTags.all(row.name, row.version) as { key: string; value: string }[];
    const aliases = (this.stmt.aliases.all(row.name) as { alias: string; version: number }[]).filter((a) => a.version === row.version);
    return Object.freeze({
      name: row.name,
      version: row.version,
      source: row.source,
      runId: row.run_id,
      description: row.description,
      tags: Object.freeze(Object.fromEntries(tags.map((t) => [t.key, t.value]))),
      aliases: Object.freeze(aliases.map((a) => a.alias)),
      createdAt: row.created_at,
    });
  }

  createRegisteredModel(name: string, options: { description?: string; tags?: Tags } = {}): RegisteredModel {
    checkModelName(name);
    for (const k of Object.keys(options.tags ?? {})) checkKey('model tag', k);
    return this.immediate(() => {
      if (this.stmt.model.get(name)) throw new AlreadyExistsError('registered model', name);
      const now = Date.now();
      this.stmt.insertModel.run(name, options.description ?? '', now, now);
      for (const [k, v] of Object.entries(options.tags ?? {})) this.stmt.setModelTag.run(name, k, String(v));
      return this.modelRecord(this.modelRow(name));
    });
  }

  getRegisteredModel(name: string): RegisteredModel {
    return this.modelRecord(this.modelRow(name));
  }

  listRegisteredModels(): RegisteredModel[] {
    return (this.stmt.models.all() as { name: string; description: string; created_at: number; updated_at: number }[]).map((r) => this.modelRecord(r));
  }

  updateRegisteredModel(name: string, update: { description?: string }): RegisteredModel {
    return this.immediate(() => {
      const row = this.modelRow(name);
      this.stmt.describeModel.run(update.description !== undefined ? String(update.description) : row.description, Date.now(), name);
      return this.modelRecord(this.modelRow(name));
    });
  }

  setRegisteredModelTag(name: string, key: string, value: string): void {
    checkKey('model tag', key);
    this.immediate(() => {
      this.modelRow(name);
      this.stmt.setModelTag.run(name, key, String(value));
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  createModelVersion(name: string, input: CreateModelVersionInput): ModelVersion {
    for (const k of Object.keys(input.tags ?? {})) checkKey('model version tag', k);
    if (input.runId != null) checkRunId(input.runId);
    return this.immediate(() => {
      this.modelRow(name);
      const max = (this.stmt.maxVersion.get(name) as { v: number | null }).v ?? 0;
      const version = max + 1;
      const now = Date.now();
      this.stmt.insertVersion.run(name, version, String(input.source), input.runId ?? null, input.description ?? '', now);
      for (const [k, v] of Object.entries(input.tags ?? {})) this.stmt.setVersionTag.run(name, version, k, String(v));
      this.stmt.touchModel.run(now, name);
      return this.versionRecord(name, version);
    });
  }

  getModelVersion(name: string, version: number): ModelVersion {
    this.modelRow(name);
    return this.versionRecord(name, version);
  }

  listModelVersions(name: string): ModelVersion[] {
    this.modelRow(name);
    return (this.stmt.versions.all(name) as { version: number }[]).map((v) => this.versionRecord(name, v.version));
  }

  setModelVersionTag(name: string, version: number, key: string, value: string): void {
    checkKey('model version tag', key);
    this.immediate(() => {
      this.versionRecord(name, version);
      this.stmt.setVersionTag.run(name, version, key, String(value));
    });
  }

  setModelAlias(name: string, alias: string, version: number): void {
    checkAlias(alias);
    this.immediate(() => {
      this.modelRow(name);
      this.versionRecord(name, version);
      this.stmt.setAlias.run(name, alias, version);
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  deleteModelAlias(name: string, alias: string): void {
    this.immediate(() => {
      this.modelRow(name);
      if (this.stmt.deleteAlias.run(name, alias).changes === 0) throw new NotFoundError(`alias of registered model '${name}'`, String(alias));
    });
  }

  getModelVersionByAlias(name: string, alias: string): ModelVersion {
    this.modelRow(name);
    const row = this.stmt.alias.get(name, alias) as { version: number } | undefined;
    if (!row) {
      const known = (this.stmt.aliases.all(name) as { alias: string }[]).map((a) => a.alias);
      throw new NotFoundError(`alias of registered model '${name}'`, String(alias), known);
    }
    return this.versionRecord(name, row.version);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
