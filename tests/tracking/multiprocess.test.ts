import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type Run, SqliteStore, TrackingClient } from '../../src/tracking/index.js';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(__dirname, 'fixtures', 'log-runs.ts');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(db: string, label: string, count: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, db, label, count], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, out, err })),
  );
  return { child, done };
}

/** A run is whole when its one batch landed completely. */
function isWhole(run: Run, label: string, i: number): boolean {
  return (
    run.params.label === label &&
    run.params.i === String(i) &&
    run.params.a === String(i * 2) &&
    run.params.c === 'true' &&
    run.params.b === 'x'.repeat(i % 50) &&
    run.tags.index === String(i) &&
    run.metrics.loss?.step === 9 &&
    run.metrics.loss.value === i + 0.9
  );
}

function integrity(db: string): string {
  const raw = new Database(db, { readonly: true });
  try {
    return (raw.pragma('integrity_check', { simple: true }) as string) ?? '';
  } finally {
    raw.close();
  }
}

describe('sqlite store across processes', () => {
  it('two processes logging 1,000 runs each into one file lose and tear nothing', async () => {
    const db = join(dir, 'two.db');
    const a = start(db, 'A', '1000');
    const b = start(db, 'B', '1000');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.err + rb.err).toBe('');
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(integrity(db)).toBe('ok');
    const client = new TrackingClient(`sqlite:${db}`);
    const runs = await client.searchAllRuns({ experimentNames: ['concurrency'] });
    expect(runs.length).toBe(2000);
    for (const label of ['A', 'B']) {
      const mine = runs.filter((r) => r.params.label === label);
      expect(mine.length).toBe(1000);
      const byIndex = new Map(mine.map((r) => [Number(r.params.i), r]));
      expect(byIndex.size).toBe(1000);
      const torn = [...byIndex].filter(([i, r]) => !isWhole(r, label, i) || r.info.status !== 'FINISHED');
      expect(torn.length).toBe(0);
    }
    const sample = runs[1234];
    expect((await client.getMetricHistory(sample.info.runId, 'loss')).map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await client.close();
  });

  it('a process killed mid-logging leaves a readable store; its RUNNING runs can be marked FAILED', async () => {
    const db = join(dir, 'killed.db');
    const { child, done } = start(db, 'K', 'forever');
    await new Promise<void>((res, rej) => {
      let seen = '';
      child.stdout!.on('data', (d) => {
        seen += d;
        if (seen.split('\n').length > 40) res();
      });
      child.on('close', () => rej(new Error(`child exited early: ${seen}`)));
    });
    child.kill('SIGKILL');
    const result = await done;
    expect(result.signal).toBe('SIGKILL');
    expect(integrity(db)).toBe('ok');

    const store = new SqliteStore(db);
    const client = new TrackingClient(store);
    const runs = await client.searchAllRuns({ filter: "run_name like 'K-%' and run_name != 'K-parent'" });
    expect(runs.length).toBeGreaterThanOrEqual(40);
    // Every batch is all-or-nothing: a run has its whole batch or (if killed right after
    // creation) none of it.
    for (const r of runs) {
      const i = Number(r.info.runName!.slice(2));
      const empty = Object.keys(r.params).length === 0 && r.metrics.loss === undefined;
      expect(isWhole(r, 'K', i) || empty, r.info.runName!).toBe(true);
    }
    const parent = (await client.searchRuns({ filter: "run_name = 'K-parent'" })).runs[0];
    expect(parent.info.status).toBe('RUNNING');
    const running = (await client.searchAllRuns({ filter: "status = 'RUNNING'" })).map((r) => r.info.runId);
    const failed = await client.markStaleRunsFailed();
    expect(failed.sort()).toEqual(running.sort());
    expect(failed).toContain(parent.info.runId);
    expect((await client.searchRuns({ filter: "status = 'RUNNING'" })).runs).toEqual([]);
    expect((await client.getRun(parent.info.runId)).info.status).toBe('FAILED');
    // The store stays writable after recovery.
    const again = await client.createRun({ experimentName: 'concurrency' });
    await client.logMetric(again.runId, 'x', 1);
    expect((await client.getRun(again.runId)).metrics.x.value).toBe(1);
    await client.close();
  });
});
