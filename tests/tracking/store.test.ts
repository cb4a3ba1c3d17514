import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactPathError, MemoryStore, SqliteStore, openStore } from '../../src/tracking/index.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('memory', () => new MemoryStore());
storeContract('sqlite', () => new SqliteStore(join(dir, `contract-${n++}.db`)));

describe('store selection by URI', () => {
  it('opens sqlite and memory stores by scheme, env var, and refuses unknown schemes', () => {
    const s = openStore(`sqlite:${join(dir, 'by-uri.db')}`);
    expect(s).toBeInstanceOf(SqliteStore);
    expect(s.uri).toBe(`sqlite:${join(dir, 'by-uri.db')}`);
    s.close();
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
  it('persists across reopen and keeps artifacts beside the database', () => {
    const path = join(dir, 'persist.db');
    const a = new SqliteStore(path);
    const exp = a.createExperiment('e');
    const run = a.createRun({ experimentId: exp.experimentId });
    a.logBatch(run.runId, { params: [{ key: 'p', value: '1' }], metrics: [{ key: 'm', value: 0.5, step: 3, timestamp: 7 }] });
    a.putArtifact(run.runId, 'f.txt', new Uint8Array([65]));
    a.close();
    const b = new SqliteStore(path);
    const r = b.getRun(run.runId);
    expect(r.params).toEqual({ p: '1' });
    expect(r.metrics.m).toEqual({ key: 'm', value: 0.5, step: 3, timestamp: 7 });
    expect(r.info.artifactUri).toBe(join(`${path}.artifacts`, exp.experimentId, run.runId));
    expect(b.getArtifact(run.runId, 'f.txt')).toEqual(new Uint8Array([65]));
    b.close();
  });

  it('refuses a database written by a newer schema, with a clear error', () => {
    const path = join(dir, 'newer.db');
    new SqliteStore(path).close();
    const raw = new Database(path);
    raw.prepare("UPDATE tk_meta SET value = '99' WHERE key = 'schema_version'").run();
    raw.close();
    expect(() => new SqliteStore(path)).toThrow(/schema version 99; this tunekit reads up to 1/);
  });

  it('bulk runs many calls as one transaction: all land, or none when it throws', () => {
    const s = new SqliteStore(join(dir, 'bulk.db'));
    const exp = s.createExperiment('e');
    s.bulk(() => {
      for (let i = 0; i < 5; i++) s.logBatch(s.createRun({ experimentId: exp.experimentId }).runId, { params: [{ key: 'i', value: String(i) }] });
    });
    expect(s.searchRuns({}).runs.map((r) => r.params.i).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(() =>
      s.bulk(() => {
        s.createRun({ experimentId: exp.experimentId, runName: 'lost' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(s.searchRuns({ filter: "run_name = 'lost'" }).runs).toEqual([]);
    s.close();
  });

  it('refuses symlinks that lead out of the run folder, for reads and writes', () => {
    const s = new SqliteStore(join(dir, 'symlink.db'));
    const exp = s.createExperiment('e');
    const run = s.createRun({ experimentId: exp.experimentId });
    s.putArtifact(run.runId, 'ok.txt', new Uint8Array([1]));
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    const runDir = s.getRun(run.runId).info.artifactUri;
    symlinkSync(outside, join(runDir, 'linkdir'));
    symlinkSync(join(outside, 'secret.txt'), join(runDir, 'link.txt'));
    expect(() => s.getArtifact(run.runId, 'linkdir/secret.txt')).toThrow(ArtifactPathError);
    expect(() => s.getArtifact(run.runId, 'link.txt')).toThrow(ArtifactPathError);
    expect(() => s.putArtifact(run.runId, 'linkdir/new.txt', new Uint8Array([2]))).toThrow(ArtifactPathError);
    expect(() => s.putArtifact(run.runId, 'link.txt', new Uint8Array([2]))).toThrow(ArtifactPathError);
    expect(() => s.listArtifacts(run.runId, 'linkdir')).toThrow(ArtifactPathError);
    expect(s.listArtifacts(run.runId).map((e) => e.path)).toEqual(['ok.txt']);
    s.close();
  });
});
