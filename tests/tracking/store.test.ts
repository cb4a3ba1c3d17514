import { copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, symlinkSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeModelRegistryStore, describeTrackingStore } from '../../src/testing/index.js';
import { ArtifactPathError, MemoryStore, SqliteStore, TrackingStoreError, openStore } from '../../src/tracking/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeTrackingStore('memory', () => new MemoryStore());
describeTrackingStore('sqlite', () => new SqliteStore(join(dir, `contract-${n++}.db`)));
describeModelRegistryStore('memory', () => new MemoryStore());
describeModelRegistryStore('sqlite', () => new SqliteStore(join(dir, `registry-${n++}.db`)));

describe('store selection by URI', () => {
  it('opens sqlite and memory stores by scheme, env var, and refuses unknown schemes', async () => {
    const s = openStore(`sqlite:${join(dir, 'by-uri.db')}`);
    expect(s).toBeInstanceOf(SqliteStore);
    expect(s.uri).toBe(`sqlite:${join(dir, 'by-uri.db')}`);
    await s.close();
    expect(openStore('memory:')).toBeInstanceOf(MemoryStore);
    const old = process.env.TUNEKIT_TRACKING_URI;
    process.env.TUNEKIT_TRACKING_URI = 'memory:';
    try {
      expect(openStore()).toBeInstanceOf(MemoryStore);
    } finally {
      if (old === undefined) delete process.env.TUNEKIT_TRACKING_URI;
      else process.env.TUNEKIT_TRACKING_URI = old;
    }
    expect(() => openStore('postgres://x')).toThrow(/unknown tracking store scheme 'postgres'/);
    expect(() => openStore('nocolon')).toThrow(/no scheme/);
    expect(() => openStore('sqlite:')).toThrow(/no database file/);
  });
});

describe('sqlite store on disk', () => {
  it('persists across reopen and keeps artifacts beside the database', async () => {
    const path = join(dir, 'persist.db');
    const a = new SqliteStore(path);
    const exp = await a.createExperiment('e');
    const run = await a.createRun({ experimentId: exp.experimentId });
    await a.logBatch(run.runId, { params: [{ key: 'p', value: '1' }], metrics: [{ key: 'm', value: 0.5, step: 3, timestamp: 7 }] });
    await a.putArtifact(run.runId, 'f.txt', new Uint8Array([65]));
    await a.close();
    const b = new SqliteStore(path);
    const r = await b.getRun(run.runId);
    expect(r.params).toEqual({ p: '1' });
    expect(r.metrics.m).toEqual({ key: 'm', value: 0.5, step: 3, timestamp: 7 });
    expect(r.info.artifactUri).toBe(join(`${path}.artifacts`, exp.experimentId, run.runId));
    expect(await b.getArtifact(run.runId, 'f.txt')).toEqual(new Uint8Array([65]));
    await b.close();
    await expect(b.getRun(run.runId)).rejects.toThrow(/is closed/);
  });

  it('refuses a database written by a newer schema, with a clear error', async () => {
    const path = join(dir, 'newer.db');
    await new SqliteStore(path).close();
    const raw = new Database(path);
    raw.prepare("UPDATE tk_meta SET value = '99' WHERE key = 'schema_version'").run();
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/schema version 99; this tunekit reads up to 2/);
  });

  it('upgrades a version-1 database in place: runs, metrics and versions stay, new fields get defaults', async () => {
    const path = join(dir, 'v1.db');
    const raw = new Database(path);
    raw.exec(`
      CREATE TABLE tk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO tk_meta VALUES ('schema_version', '1'), ('metric_seq', '1');
      CREATE TABLE experiments (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
      CREATE TABLE experiment_tags (experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;
      CREATE TABLE runs (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, experiment_id INTEGER NOT NULL, name TEXT, status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, parent_run_id TEXT);
      CREATE TABLE params (rid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, num REAL, PRIMARY KEY (rid, key)) WITHOUT ROWID;
      CREATE TABLE tags (rid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, num REAL, PRIMARY KEY (rid, key)) WITHOUT ROWID;
      CREATE TABLE metrics (rid INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, seq INTEGER NOT NULL, value REAL, PRIMARY KEY (rid, key, step, timestamp, seq)) WITHOUT ROWID;
      CREATE TABLE latest_metrics (rid INTEGER NOT NULL, key TEXT NOT NULL, value REAL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL, PRIMARY KEY (rid, key)) WITHOUT ROWID;
      CREATE TABLE registered_models (name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE registered_model_tags (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
      CREATE TABLE model_versions (name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, run_id TEXT, description TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (name, version)) WITHOUT ROWID;
      CREATE TABLE model_version_tags (name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key)) WITHOUT ROWID;
      CREATE TABLE model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias)) WITHOUT ROWID;
      INSERT INTO experiments VALUES (1, 'old', 1000);
      INSERT INTO runs VALUES (1, '${'c'.repeat(32)}', 1, 'r', 'FINISHED', 1000, 2000, NULL);
      INSERT INTO metrics VALUES (1, 'rmse', 0, 5, 1, 6.5);
      INSERT INTO latest_metrics VALUES (1, 'rmse', 6.5, 0, 5);
      INSERT INTO registered_models VALUES ('m', '', 1000, 1000);
      INSERT INTO model_versions VALUES ('m', 1, 'runs:/${'c'.repeat(32)}/model', '${'c'.repeat(32)}', '', 1500);
    `);
    raw.close();
    const s = new SqliteStore(path);
    expect(await s.getExperiment('1')).toMatchObject({ name: 'old', lifecycleStage: 'active', updatedAt: 1000 });
    expect((await s.getRun('c'.repeat(32))).metrics.rmse.value).toBe(6.5);
    expect(await s.getModelVersion('m', 1)).toMatchObject({ stage: 'None', updatedAt: 1500 });
    expect((await s.createModelVersion('m', { source: 'x' })).version).toBe(2);
    expect((await s.searchRuns({ filter: "run_name = 'r'" })).runs.length).toBe(1);
    await s.close();
  });

  it('refuses symlinks that lead out of the store: below the run folder, and the run folder itself', async () => {
    const s = new SqliteStore(join(dir, 'symlink.db'));
    const exp = await s.createExperiment('e');
    const run = await s.createRun({ experimentId: exp.experimentId });
    await s.putArtifact(run.runId, 'ok.txt', new Uint8Array([1]));
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    const runDir = (await s.getRun(run.runId)).info.artifactUri;
    symlinkSync(outside, join(runDir, 'linkdir'));
    symlinkSync(join(outside, 'secret.txt'), join(runDir, 'link.txt'));
    await expect(s.getArtifact(run.runId, 'linkdir/secret.txt')).rejects.toThrow(ArtifactPathError);
    await expect(s.getArtifact(run.runId, 'link.txt')).rejects.toThrow(ArtifactPathError);
    await expect(s.putArtifact(run.runId, 'linkdir/new.txt', new Uint8Array([2]))).rejects.toThrow(ArtifactPathError);
    await expect(s.putArtifact(run.runId, 'link.txt', new Uint8Array([2]))).rejects.toThrow(ArtifactPathError);
    await expect(s.listArtifacts(run.runId, 'linkdir')).rejects.toThrow(ArtifactPathError);
    expect((await s.listArtifacts(run.runId)).map((e) => e.path)).toEqual(['ok.txt']);

    // A run whose folder is itself a link to a folder outside the store: nothing goes through it.
    const other = await s.createRun({ experimentId: exp.experimentId });
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, (await s.getRun(other.runId)).info.artifactUri);
    await expect(s.putArtifact(other.runId, 'b.txt', new Uint8Array([3]))).rejects.toThrow(/'[0-9a-f]{32}' is a symbolic link/);
    await expect(s.getArtifact(other.runId, 'b.txt')).rejects.toThrow(ArtifactPathError);
    await expect(s.listArtifacts(other.runId)).rejects.toThrow(ArtifactPathError);
    expect(() => statSync(join(elsewhere, 'b.txt'))).toThrow(/ENOENT/);
    await s.close();
  });

  it('file-system failures name the artifact, never the store folder', async () => {
    const s = new SqliteStore(join(dir, 'fs-errors.db'));
    const exp = await s.createExperiment('e');
    const run = await s.createRun({ experimentId: exp.experimentId });
    // A file where the run's folder should be.
    mkdirSync(join(s.artifactRoot, exp.experimentId), { recursive: true });
    writeFileSync((await s.getRun(run.runId)).info.artifactUri, 'not a folder');
    const err = await s.putArtifact(run.runId, 'a/b.txt', new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactPathError);
    expect((err as Error).message).not.toContain(dir);
    await s.close();
  });

  it('a damaged database fails its queries with TrackingStoreError naming the file', async () => {
    const path = join(dir, 'damaged.db');
    const s = new SqliteStore(path);
    const exp = await s.createExperiment('e');
    for (let i = 0; i < 300; i++) {
      const run = await s.createRun({ experimentId: exp.experimentId, runName: `run-${i}` });
      await s.logBatch(run.runId, { params: [{ key: 'p', value: 'x'.repeat(200) }], metrics: [{ key: 'm', value: i, step: 0, timestamp: 1 }] });
    }
    await s.close();
    const copy = join(dir, 'damaged-copy.db');
    copyFileSync(path, copy);
    // Garbage over the middle pages, past the header and the schema.
    const size = statSync(copy).size;
    const fd = openSync(copy, 'r+');
    const junk = Buffer.alloc(16384, 0xa5);
    writeSync(fd, junk, 0, junk.length, Math.floor(size / 2));
    const check = Buffer.alloc(16);
    readSync(fd, check, 0, 16, 0);
    closeSync(fd);
    expect(check.toString('latin1', 0, 15)).toBe('SQLite format 3');
    // The file opens (its first pages are intact); the query that reads the damage fails.
    const damaged = new SqliteStore(copy);
    let caught: unknown;
    try {
      await damaged.searchRuns({ filter: "params.p like 'x%'", maxResults: 1000, orderBy: ['metrics.m desc'] });
    } catch (err) {
      caught = err;
    } finally {
      await damaged.close();
    }
    expect(caught).toBeInstanceOf(TrackingStoreError);
    expect((caught as Error).message).toContain(copy);
    expect((caught as Error).message).toMatch(/damaged|malformed|not a database/);
  });
});
