import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeArtifact, makeHeader } from '../../src/models/artifact.js';
import { ERROR_TAG, HOST_TAG, PID_TAG, TrackingClient, peekModelHeader } from '../../src/tracking/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('TrackingClient', () => {
  it('creates runs with explicit ids, converts param values, records pid and host', () => {
    const c = new TrackingClient('memory:');
    const run = c.createRun({ experimentName: 'taxi', runName: 'rf' });
    expect(c.getExperimentByName('taxi')?.experimentId).toBe(run.experimentId);
    expect(c.getOrCreateExperiment('taxi').experimentId).toBe(run.experimentId);
    c.logParams(run.runId, { maxDepth: 10, bootstrap: true, maxFeatures: null, criterion: 'squared_error', lr: 0.1 });
    c.logParam(run.runId, 'maxDepth', 10);
    expect(() => c.logParam(run.runId, 'maxDepth', 11)).toThrow(/write-once/);
    c.logMetric(run.runId, 'rmse', 6.5, { step: 3 });
    c.logMetrics(run.runId, { mae: 4, r2: 0.7 }, { step: 1 });
    c.logBatch(run.runId, { metrics: [{ key: 'loss', value: 2, step: 5 }], tags: { stage: 'x' } });
    c.setTags(run.runId, { a: 'b' });
    const r = c.getRun(run.runId);
    expect(r.params).toEqual({ maxDepth: '10', bootstrap: 'true', maxFeatures: 'null', criterion: 'squared_error', lr: '0.1' });
    expect(r.metrics.rmse).toMatchObject({ value: 6.5, step: 3 });
    expect(r.metrics.r2).toMatchObject({ value: 0.7, step: 1 });
    expect(r.tags).toMatchObject({ [PID_TAG]: String(process.pid), [HOST_TAG]: hostname(), stage: 'x', a: 'b' });
    expect(c.endRun(run.runId).status).toBe('FINISHED');
    expect(() => c.createRun({})).toThrow(/experimentId or experimentName/);
  });

  it('withRun ends runs FINISHED or FAILED, nests, and keeps concurrent runs apart', async () => {
    const c = new TrackingClient('memory:');
    expect(c.activeRun()).toBeUndefined();
    const seen: [string, string][] = [];
    const job = (name: string) =>
      c.withRun({ experimentName: 'e', runName: name }, async (run) => {
        for (let i = 0; i < 5; i++) {
          await tick();
          // Whatever interleaving, the current run is this task's run.
          seen.push([name, c.activeRun()!.runId === run.runId ? 'ok' : 'mixed']);
          c.activeRun()!.logMetric('i', i, { step: i });
        }
        return c.withRun({ runName: `${name}-child` }, async (child) => {
          await tick();
          return { parent: run.runId, child: child.runId, childParent: c.getRun(child.runId).info.parentRunId };
        });
      });
    const [a, b] = await Promise.all([job('a'), job('b')]);
    expect(seen.filter(([, s]) => s !== 'ok')).toEqual([]);
    expect(a.childParent).toBe(a.parent);
    expect(b.childParent).toBe(b.parent);
    for (const x of [a, b]) {
      expect(c.getRun(x.parent).info.status).toBe('FINISHED');
      expect(c.getMetricHistory(x.parent, 'i').map((m) => m.value)).toEqual([0, 1, 2, 3, 4]);
      expect(c.getRun(x.child).info.experimentId).toBe(c.getRun(x.parent).info.experimentId);
    }
    expect(c.activeRun()).toBeUndefined();

    let failedId = '';
    await expect(
      c.withRun({ experimentName: 'e' }, async (run) => {
        failedId = run.runId;
        await tick();
        throw new RangeError('diverged');
      }),
    ).rejects.toThrow('diverged');
    expect(c.getRun(failedId).info.status).toBe('FAILED');
    expect(c.getRun(failedId).tags[ERROR_TAG]).toBe('RangeError: diverged');

    const killed = await c.withRun({ experimentName: 'e', parentRunId: null }, (run) => {
      c.endRun(run.runId, 'KILLED');
      return run.runId;
    });
    expect(c.getRun(killed).info.status).toBe('KILLED');
    expect(c.getRun(killed).info.parentRunId).toBeNull();
  });

  it('metric buffers write every point in batches, in order', async () => {
    const c = new TrackingClient('memory:');
    const run = c.createRun({ experimentName: 'e' });
    const buf = c.metricBuffer(run.runId, 7);
    const expected: [number, number][] = [];
    for (let i = 0; i < 100; i++) {
      buf.log('loss', 1 / (i + 1), i);
      expected.push([i, 1 / (i + 1)]);
      if (i === 20) expect(c.getMetricHistory(run.runId, 'loss').length).toBe(21);
    }
    expect(buf.pending).toBe(100 % 7);
    buf.close();
    expect(buf.written).toBe(100);
    expect(c.getMetricHistory(run.runId, 'loss').map((m) => [m.step, m.value])).toEqual(expected);
    expect(c.getRun(run.runId).metrics.loss.value).toBe(0.01);
    expect(() => c.metricBuffer(run.runId, 0)).toThrow(/capacity/);

    // Buffers made through the run handle are flushed when withRun ends.
    const id = await c.withRun({ experimentName: 'e' }, (r) => {
      const b = r.metricBuffer(1000);
      for (let i = 0; i < 10; i++) b.log('x', i, i);
      return r.runId;
    });
    expect(c.getMetricHistory(id, 'x').length).toBe(10);
  });

  it('logs artifacts from files and folders', () => {
    const c = new TrackingClient(`sqlite:${join(dir, 'artifacts.db')}`);
    const run = c.createRun({ experimentName: 'e' });
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'A');
    writeFileSync(join(src, 'sub', 'b.txt'), 'B');
    c.logArtifact(run.runId, join(src, 'a.txt'));
    expect(c.logArtifacts(run.runId, src, 'copy')).toBe(2);
    c.logJson(run.runId, { x: [1, 2] }, 'data/x.json');
    expect(c.readText(run.runId, 'a.txt')).toBe('A');
    expect(c.readText(run.runId, 'copy/sub/b.txt')).toBe('B');
    expect(JSON.parse(c.readText(run.runId, 'data/x.json'))).toEqual({ x: [1, 2] });
    expect(c.listArtifacts(run.runId).map((e) => e.path)).toEqual(['a.txt', 'copy', 'data']);
    expect(() => c.logArtifact(run.runId, join(src, 'a.txt'), '../escape.txt')).toThrow(/refused/);
    c.close();
  });

  it('logs models with signature and example; loads them by runs:/ and models:/ URIs', () => {
    const c = new TrackingClient(`sqlite:${join(dir, 'models.db')}`);
    const run = c.createRun({ experimentName: 'e' });
    const bytes = encodeArtifact({ header: makeHeader('ridge', { alpha: 1 }, { intercept: 2 }), arrays: { coef: new Float64Array([1, 2, 3]) } });
    expect(peekModelHeader(bytes)).toEqual({ kind: 'ridge', libraryVersion: makeHeader('ridge', {}, {}).libraryVersion });
    expect(peekModelHeader(new Uint8Array([1, 2, 3]))).toBeUndefined();
    const signature = { inputs: [{ name: 'PU_DO', type: 'string' }, { name: 'trip_distance', type: 'double' }], outputs: [{ name: 'duration', type: 'double' }] };
    const logged = c.logModel(run.runId, bytes, { signature, inputExample: [{ PU_DO: '1_2', trip_distance: 3.5 }] });
    expect(logged).toMatchObject({ uri: `runs:/${run.runId}/model`, kind: 'ridge', size: bytes.length, signature });
    expect(c.getRun(run.runId).tags['tunekit.model.model']).toBe(logged.sha256);
    expect(c.loadModelBytes(logged.uri)).toEqual(bytes);
    expect(c.getLoggedModel(logged.uri).inputExample).toEqual([{ PU_DO: '1_2', trip_distance: 3.5 }]);

    const v1 = c.registerModel(logged.uri, 'taxi', { alias: 'champion' });
    expect(v1).toMatchObject({ name: 'taxi', version: 1, runId: run.runId, source: logged.uri, aliases: ['champion'] });
    const other = c.createRun({ experimentName: 'e' });
    const bytes2 = new Uint8Array([9, 9, 9]);
    c.logModel(other.runId, bytes2);
    c.registerModel(`runs:/${other.runId}/model`, 'taxi');
    expect(c.loadModelBytes('models:/taxi/1')).toEqual(bytes);
    expect(c.loadModelBytes('models:/taxi@champion')).toEqual(bytes);
    expect(c.loadModelBytes('models:/taxi/latest')).toEqual(bytes2);
    expect(c.loadModelBytes('models:/taxi/2')).toEqual(bytes2);
    expect(() => c.loadModelBytes('models:/taxi/3')).toThrow(/unknown version/);
    expect(() => c.loadModelBytes('models:/taxi@nobody')).toThrow(/unknown alias/);
    expect(() => c.loadModelBytes('s3://bucket/x')).toThrow(/model URI/);
    expect(() => c.registerModel(`runs:/${other.runId}/nothing`, 'taxi')).toThrow(/not found|unknown/i);
    expect(() => c.logModel(run.runId, new Uint8Array(0))).toThrow(/non-empty/);
    // Tampered bytes are detected on load.
    c.logBytes(other.runId, new Uint8Array([1]), 'model/model.tkm');
    expect(() => c.loadModelBytes('models:/taxi/2')).toThrow(/sha256/);
    c.close();
  });

  it('registerBestRun picks the best FINISHED run with a logged model, in one call', () => {
    const c = new TrackingClient('memory:');
    const exp = c.createExperiment('tuning');
    const make = (rmse: number | null, opts: { model?: boolean; status?: 'FINISHED' | 'FAILED'; depth?: number } = {}) => {
      const run = c.createRun({ experimentId: exp.experimentId });
      if (rmse !== null) c.logMetric(run.runId, 'rmse', rmse);
      c.logParam(run.runId, 'maxDepth', opts.depth ?? 10);
      if (opts.model !== false) c.logModel(run.runId, new Uint8Array([Math.round((rmse ?? 0) * 10)]));
      c.endRun(run.runId, opts.status ?? 'FINISHED');
      return run.runId;
    };
    make(7.1);
    const best = make(6.2, { depth: 20 });
    make(5.0, { model: false });
    make(4.0, { status: 'FAILED' });
    make(null);
    const second = make(6.5);
    const r = c.registerBestRun({ experiment: 'tuning', metric: 'rmse', mode: 'min', name: 'taxi-rf', alias: 'champion' });
    expect(r.run.info.runId).toBe(best);
    expect(r.version).toMatchObject({ version: 1, source: `runs:/${best}/model`, aliases: ['champion'], tags: { 'tunekit.metric': 'rmse', 'tunekit.metric_value': '6.2' } });
    expect(c.loadModelBytes('models:/taxi-rf@champion')).toEqual(new Uint8Array([62]));
    const filtered = c.registerBestRun({ experiment: 'tuning', metric: 'rmse', name: 'taxi-rf', alias: 'champion', filter: "params.maxDepth = '10'" });
    expect(filtered.run.info.runId).toBe(second);
    expect(filtered.version.version).toBe(2);
    expect(c.getModelVersionByAlias('taxi-rf', 'champion').version).toBe(2);
    expect(c.registerBestRun({ experimentId: exp.experimentId, metric: 'rmse', mode: 'max', name: 'worst' }).run.metrics.rmse.value).toBe(7.1);
    expect(() => c.registerBestRun({ experiment: 'tuning', metric: 'mae', name: 'x' })).toThrow(/no FINISHED run/);
    expect(() => c.registerBestRun({ experiment: 'nope', metric: 'rmse', name: 'x' })).toThrow(/unknown experiment/);
  });

  it('markStaleRunsFailed fails runs of dead processes on this host only', () => {
    const c = new TrackingClient('memory:');
    const exp = c.createExperiment('e');
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    const mine = c.createRun({ experimentId: exp.experimentId });
    const orphan = c.createRun({ experimentId: exp.experimentId, tags: { [PID_TAG]: String(dead) } });
    const elsewhere = c.createRun({ experimentId: exp.experimentId, tags: { [PID_TAG]: String(dead), [HOST_TAG]: 'another-host' } });
    expect(c.markStaleRunsFailed()).toEqual([orphan.runId]);
    expect(c.getRun(orphan.runId).info.status).toBe('FAILED');
    expect(c.getRun(mine.runId).info.status).toBe('RUNNING');
    expect(c.getRun(elsewhere.runId).info.status).toBe('RUNNING');
    expect(c.markStaleRunsFailed({ olderThanMs: -1 }).sort()).toEqual([mine.runId, elsewhere.runId].sort());
  });
});
