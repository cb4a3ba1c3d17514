import type Database from 'better-sqlite3';
import { TrackingStoreError } from '../errors.js';

export const SCHEMA_VERSION = 2;

// Child tables key on the integer `rid` (small, fast B-tree keys); the public run id is `id`.
// Metric history is one B-tree in history order; `seq` (from tk_meta, bumped once per batch under
// the write lock) keeps write order among points with equal step and timestamp.
// latest_metrics is maintained on write so search never scans metric history;
// latest_metrics(key, value) serves "filter / order by metrics.x" over many runs.
// registered_models.last_version hands out version numbers (a deleted number is never reused).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL DEFAULT 0, lifecycle_stage TEXT NOT NULL DEFAULT 'active');
CREATE TABLE IF NOT EXISTS experiment_tags (
  experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, experiment_id INTEGER NOT NULL, name TEXT,
  status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, parent_run_id TEXT,
  lifecycle_stage TEXT NOT NULL DEFAULT 'active');
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
  name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  last_version INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registered_model_tags (
  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_versions (
  name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, run_id TEXT, description TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT 'None',
  PRIMARY KEY (name, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS model_aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias)) WITHOUT ROWID;
`;

/** Version 1 -> 2: lifecycle stages, update times, model stages, version counters. */
const MIGRATE_1_TO_2 = `
ALTER TABLE experiments ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE experiments ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active';
UPDATE experiments SET updated_at = created_at;
ALTER TABLE runs ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active';
ALTER TABLE registered_models ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
UPDATE registered_models SET last_version = COALESCE((SELECT MAX(version) FROM model_versions v WHERE v.name = registered_models.name), 0);
ALTER TABLE model_versions ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE model_versions ADD COLUMN stage TEXT NOT NULL DEFAULT 'None';
UPDATE model_versions SET updated_at = created_at;
`;

/** Create or upgrade the schema (inside the caller's write transaction). */
export function initSchema(db: Database.Database, path: string): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tk_meta'").get() !== undefined;
  const row = hasMeta ? (db.prepare("SELECT value FROM tk_meta WHERE key = 'schema_version'").get() as { value: string } | undefined) : undefined;
  const version = row === undefined ? 0 : Number(row.value);
  if (version > SCHEMA_VERSION) {
    throw new TrackingStoreError(`sqlite:${path}`, `${path} has schema version ${row!.value}; this tunekit reads up to ${SCHEMA_VERSION}`);
  }
  if (version === 1) {
    const metricColumns = (db.pragma('table_info(metrics)') as { name: string }[]).map((c) => c.name);
    if (!metricColumns.includes('seq')) {
      throw new TrackingStoreError(`sqlite:${path}`, `${path} was written by a pre-release build of tunekit (metric history without 'seq'); start a new database file`);
    }
    db.exec(MIGRATE_1_TO_2);
  } else {
    db.exec(SCHEMA);
  }
  if (version === 0) db.prepare("INSERT OR IGNORE INTO tk_meta (key, value) VALUES ('metric_seq', '0')").run();
  if (version < SCHEMA_VERSION) {
    db.prepare("INSERT INTO tk_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT DO UPDATE SET value = excluded.value").run(String(SCHEMA_VERSION));
  }
}
