import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeArtifact } from '../../src/models/artifact.js';
import { INTERMEDIATE_METRIC, TRIAL_REASON_TAG, TRIAL_STATE_TAG, trackStudy } from '../../src/tracking/adapters/study.js';
import { TrackingClient } from '../../src/tracking/client.js';
import { ModelSearch, Study, TrialPool, hp, shareSearchData } from '../../src/tuning/index.js';
import { makeSearch, makeStudy, runTrackedStudy } from './fixtures/tracked-study.js';
import { toyData } from './fixtures/toy-kind.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('study tracking', () => {
  it('records the study as a parent run and each trial as a child run; logs the best model', async () => {
    const client = new TrackingClient('memory:');
    const study = new Study({ name: 'toy-search', seed: 4, sampler: 'tpe', pruner: 'median' });
    const tracker = await trackStudy(client, study, { experiment: 'toy', valueKey: 'rmse', register: { name: 'toy-best', alias: 'champion' } });
    const pool = new TrialPool({ nWorkers: 2, kindModules: [new URL('./fixtures/toy-kind.ts', import.meta.url)] });
    const search = new ModelSearch({
      kind: 'toy',
      data: shareSearchData(toyData()),
      space: { lr: hp.loguniform('lr', 0.001, 1), rounds: hp.quniform('rounds', 5, 30, 1) },
      extraMetrics: ['mae'],
      pool,
    });
    try {
      await study.optimize(search, { nTrials: 12, nWorkers: 2, progress: false });
    } finally {
      await pool.close();
    }
    const parent = await client.getRun(tracker.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.params).toMatchObject({ study: 'toy-search', sampler: 'tpe', pruner: 'median', seed: '4' });
    const best = study.bestTrial!;
    expect(parent.metrics.best_rmse.value).toBe(best.value);
    const children = await client.searchAllRuns({ experimentNames: ['toy'], filter: `attributes.parent_run_id = '${tracker.parentRunId}'` });
    expect(children.length).toBe(12);
    for (const t of study.trials) {
      const run = await client.getRun(tracker.runIds.get(t.number)!);
      expect(run.info.parentRunId).toBe(tracker.parentRunId);
      expect(run.tags[TRIAL_STATE_TAG]).toBe(t.state);
      expect(run.info.status).toBe(t.state === 'FAIL' ? 'FAILED' : 'FINISHED');
      expect(run.params.lr).toBe(String(t.params.lr));
      expect(run.params.rounds).toBe(String(t.params.rounds));
      expect(run.metrics.duration_s.value).toBeGreaterThanOrEqual(0);
      const curve = await client.getMetricHistory(run.info.runId, INTERMEDIATE_METRIC);
      expect(curve.map((p) => [p.step, p.value])).toEqual(t.intermediate.map((r) => [r.step, r.value]));
      if (t.state === 'COMPLETE') {
        expect(run.metrics.rmse.value).toBe(t.value);
        expect(run.metrics.mae.value).toBe(t.metrics.mae);
      }
    }
    // the best trial's model is on its run and registered
    const version = await client.getModelVersionByAlias('toy-best', 'champion');
    expect(version.runId).toBe(tracker.runIds.get(best.number));
    const model = decodeArtifact(await client.loadModelBytes('models:/toy-best@champion'));
    expect(model.header.kind).toBe('toy');
    expect(model.header.params.lr).toBe(best.params.lr);
    await client.close();
  });

  it('SIGKILL mid-study, then resume: no trial lost, same trials as an uninterrupted study', async () => {
    const db = join(dir, 'killed.db');
    const script = fileURLToPath(new URL('./fixtures/tracked-study.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, db, '40'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const done: number[] = [];
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/done (\d+)/g)) done.push(Number(m[1]));
        if (done.length >= 6) resolve();
      });
      child.on('exit', (code) => (done.length >= 6 ? resolve() : reject(new Error(`study process exited early (${code})`))));
    });
    // Kill while a trial is running (its child run RUNNING in the store).
    const watch = new TrackingClient(`sqlite:${db}`);
    for (let i = 0; i < 500; i++) {
      const running = await watch.searchRuns({ experimentNames: ['resume'], filter: "attributes.status = 'RUNNING' and tags.`tunekit.trial.number` is not null" });
      if (running.runs.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await watch.close();
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');

    // The store holds finished trials and runs left RUNNING by the killed process.
    const peek = new TrackingClient(`sqlite:${db}`);
    const before = (await peek.searchAllRuns({ experimentNames: ['resume'] })).filter((r) => r.info.parentRunId !== null);
    const leftRunning = before.filter((r) => r.info.status === 'RUNNING').map((r) => Number(r.tags['tunekit.trial.number']));
    const finishedBefore = before.filter((r) => r.info.status !== 'RUNNING').length;
    await peek.close();
    expect(finishedBefore).toBeGreaterThanOrEqual(6);
    expect(leftRunning.length).toBeGreaterThan(0);

    const nTrials = 14;
    const { study, tracker } = await runTrackedStudy(db, nTrials);
    expect(tracker.resumed.kept).toBe(finishedBefore);
    expect(tracker.resumed.interrupted).toEqual(expect.arrayContaining(leftRunning));
    expect(study.trials.map((t) => t.number)).toEqual(Array.from({ length: nTrials }, (_, i) => i));
    expect(study.trials.every((t) => t.state === 'COMPLETE')).toBe(true);

    // Reference: the same study, never interrupted.
    const ref = makeStudy();
    await ref.optimize(makeSearch(), { nTrials, nWorkers: 1, progress: false });
    expect(study.trials.map((t) => t.params)).toEqual(ref.trials.map((t) => t.params));
    expect(study.trials.map((t) => t.value)).toEqual(ref.trials.map((t) => t.value));
    expect(study.bestTrial?.number).toBe(ref.bestTrial?.number);

    // In the store: every number has a FINISHED run; interrupted runs are FAILED with a reason.
    const after = new TrackingClient(`sqlite:${db}`);
    const runs = await after.searchAllRuns({ experimentNames: ['resume'], filter: `attributes.parent_run_id = '${tracker.parentRunId}'` });
    const finishedNumbers = new Set(runs.filter((r) => r.info.status === 'FINISHED').map((r) => Number(r.tags['tunekit.trial.number'])));
    expect(finishedNumbers.size).toBe(nTrials);
    const failed = runs.filter((r) => r.info.status === 'FAILED');
    expect(failed.map((r) => Number(r.tags['tunekit.trial.number'])).sort()).toEqual([...tracker.resumed.interrupted].sort());
    for (const r of failed) expect(r.tags[TRIAL_REASON_TAG]).toMatch(/interrupted/);
    expect((await after.getRun(tracker.parentRunId)).info.status).toBe('FINISHED');
    await after.close();
  });

  it('refuses to resume with a different seed', async () => {
    const client = new TrackingClient('memory:');
    await trackStudy(client, new Study({ name: 's', seed: 1 }), { experiment: 'e' });
    await expect(trackStudy(client, new Study({ name: 's', seed: 2 }), { experiment: 'e', resume: true })).rejects.toThrow(/same seed/);
    await client.close();
  });

  it('resumes a study whose name holds quotes and backslashes', async () => {
    const client = new TrackingClient('memory:');
    const name = "runs\\rf 'x' \\'";
    const first = new Study({ name, seed: 3 });
    const a = await trackStudy(client, first, { experiment: 'e' });
    await first.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3, progress: false });
    const again = new Study({ name, seed: 3 });
    const b = await trackStudy(client, again, { experiment: 'e', resume: true });
    expect(b.parentRunId).toBe(a.parentRunId);
    expect(b.resumed.kept).toBe(3);
    expect(again.trials.map((t) => t.value)).toEqual(first.trials.map((t) => t.value));
    // A study whose name only looks like it (the backslash read as an escape) is not resumed.
    const other = await trackStudy(client, new Study({ name: 'runsrf', seed: 3 }), { experiment: 'e', resume: true });
    expect(other.parentRunId).not.toBe(a.parentRunId);
    await client.close();
  });

  it('a tracking write that fails rejects optimize once and leaves the process running', async () => {
    const client = new TrackingClient('memory:');
    const study = new Study({ name: 'broken', seed: 1 });
    await trackStudy(client, study, { experiment: 'e' });
    const logBatch = client.store.logBatch.bind(client.store);
    let calls = 0;
    client.store.logBatch = async (runId, batch) => {
      if (++calls === 2) throw new Error('disk full');
      return logBatch(runId, batch);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 4, progress: false })).rejects.toThrow('disk full');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
