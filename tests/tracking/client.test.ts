import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeArtifact, makeHeader } from '../../src/models/artifact.js';
import { ERROR_TAG, HOST_TAG, MLMODEL_FILE, MemoryStore, MetricBuffer, PID_TAG, TrackingClient, type TrackingStore, peekModelHeader } from '../../src/tracking/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('TrackingClient', () => {
  it('creates runs with explicit ids, converts param values, records pid and host', async () => {
    const c = new TrackingClient('memory:');
    const run = await c.createRun({ experimentName: 'taxi', runName: 'rf' });
    expect((await c.getExperimentByName('taxi'))?.experimentId).toBe(run.experimentId);
    expect((await c.getOrCreateExperiment('taxi')).experimentId).toBe(run.experimentId);
    await c.logParams(run.runId, { maxDepth: 10, bootstrap: true, maxFeatures: null, criterion: 'squared_error', lr: 0.1 });
    await c.logParam(run.runId, 'maxDepth', 10);
    await expect(c.logParam(run.runId, 'maxDepth', 11)).rejects.toThrow(/write-once/);
    await c.logMetric(run.runId, 'rmse', 6.5, { step: 3 });
    await c.logMetrics(run.runId, { mae: 4, r2: 0.7 }, { step: 1 });
    await c.logBatch(run.runId, { metrics: [{ key: 'loss', value: 2, step: 5 }], tags: { stage: 'x' } });
    await c.setTags(run.runId, { a: 'b' });
    const r = await c.getRun(run.runId);
    expect(r.params).toEqual({ maxDepth: '10', bootstrap: 'true', maxFeatures: 'null', criterion: 'squared_error', lr: '0.1' });
    expect(r.metrics.rmse).toMatchObject({ value: 6.5, step: 3 });
    expect(r.metrics.r2).toMatchObject({ value: 0.7, step: 1 });
    expect(r.tags).toMatchObject({ [PID_TAG]: String(process.pid), [HOST_TAG]: hostname(), stage: 'x', a: 'b' });
    expect((await c.endRun(run.runId)).status).toBe('FINISHED');
    await expect(c.createRun({})).rejects.toThrow(/experimentId or experimentName/);
    expect((await c.listExperiments()).map((e) => e.name)).toEqual(['taxi']);
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
          await c.activeRun()!.logMetric('i', i, { step: i });
        }
        return c.withRun({ runName: `${name}-child` }, async (child) => {
          await tick();
          return { parent: run.runId, child: child.runId, childParent: (await c.getRun(child.runId)).info.parentRunId };
        });
      });
    const [a, b] = await Promise.all([job('a'), job('b')]);
    expect(seen.filter(([, s]) => s !== 'ok')).toEqual([]);
    expect(a.childParent).toBe(a.parent);
    expect(b.childParent).toBe(b.parent);
    for (const x of [a, b]) {
      expect((await c.getRun(x.parent)).info.status).toBe('FINISHED');
      expect((await c.getMetricHistory(x.parent, 'i')).map((m) => m.value)).toEqual([0, 1, 2, 3, 4]);
      expect((await c.getRun(x.child)).info.experimentId).toBe((await c.getRun(x.parent)).info.experimentId);
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
    expect((await c.getRun(failedId)).info.status).toBe('FAILED');
    expect((await c.getRun(failedId)).tags[ERROR_TAG]).toBe('RangeError: diverged');

    const killed = await c.withRun({ experimentName: 'e', parentRunId: null }, async (run) => {
      await c.endRun(run.runId, 'KILLED');
      return run.runId;
    });
    expect((await c.getRun(killed)).info.status).toBe('KILLED');
    expect((await c.getRun(killed)).info.parentRunId).toBeNull();
  });

  it('metric buffers write every point in batches, in order', async () => {
    const c = new TrackingClient('memory:');
    const run = await c.createRun({ experimentName: 'e' });
    const buf = c.metricBuffer(run.runId, 7);
    const expected: [number, number][] = [];
    for (let i = 0; i < 100; i++) {
      buf.log('loss', 1 / (i + 1), i);
      expected.push([i, 1 / (i + 1)]);
      if (i === 20) {
        await tick();
        expect((await c.getMetricHistory(run.runId, 'loss')).length).toBe(21);
      }
    }
    await buf.close();
    expect(buf.pending).toBe(0);
    expect(buf.written).toBe(100);
    expect((await c.getMetricHistory(run.runId, 'loss')).map((m) => [m.step, m.value])).toEqual(expected);
    expect((await c.getRun(run.runId)).metrics.loss.value).toBe(0.01);
    expect(() => c.metricBuffer(run.runId, 0)).toThrow(/capacity/);

    // Buffers made through the run handle are flushed when withRun ends.
    const id = await c.withRun({ experimentName: 'e' }, (r) => {
      const b = r.metricBuffer(1000);
      for (let i = 0; i < 10; i++) b.log('x', i, i);
      return r.runId;
    });
    expect((await c.getMetricHistory(id, 'x')).length).toBe(10);
  });

  it('a metric buffer keeps a batch the store refused and writes it on the next flush', async () => {
    const store = new MemoryStore();
    let refuse = true;
    const flaky: TrackingStore = Object.assign(Object.create(store) as TrackingStore, {
      logBatch: (runId: string, batch: Parameters<TrackingStore['logBatch']>[1]) =>
        refuse ? Promise.reject(new Error('disk full')) : store.logBatch(runId, batch),
    });
    const exp = await store.createExperiment('e');
    const run = await store.createRun({ experimentId: exp.experimentId });
    const buf = new MetricBuffer(flaky, run.runId, 3);
    for (let i = 0; i < 7; i++) buf.log('m', i, i);
    await expect(buf.flush()).rejects.toThrow('disk full');
    expect(buf.pending).toBe(7);
    expect(await store.getMetricHistory(run.runId, 'm')).toEqual([]);
    refuse = false;
    await buf.flush();
    expect(buf.pending).toBe(0);
    expect((await store.getMetricHistory(run.runId, 'm')).map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('logs artifacts from files and folders', async () => {
    const c = new TrackingClient(`sqlite:${join(dir, 'artifacts.db')}`);
    const run = await c.createRun({ experimentName: 'e' });
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'A');
    writeFileSync(join(src, 'sub', 'b.txt'), 'B');
    await c.logArtifact(run.runId, join(src, 'a.txt'));
    expect(await c.logArtifacts(run.runId, src, 'copy')).toBe(2);
    await c.logJson(run.runId, { x: [1, 2] }, 'data/x.json');
    expect(await c.readText(run.runId, 'a.txt')).toBe('A');
    expect(await c.readText(run.runId, 'copy/sub/b.txt')).toBe('B');
    expect(JSON.parse(await c.readText(run.runId, 'data/x.json'))).toEqual({ x: [1, 2] });
    expect((await c.listArtifacts(run.runId)).map((e) => e.path)).toEqual(['a.txt', 'copy', 'data']);
    await expect(c.logArtifact(run.runId, join(src, 'a.txt'), '../escape.txt')).rejects.toThrow(/refused/);
    await c.close();
  });

  it('logs models with an MLmodel file, signature and example; loads them by runs:/ and models:/ URIs', async () => {
    const c = new TrackingClient(`sqlite:${join(dir, 'models.db')}`);
    const run = await c.createRun({ experimentName: 'e' });
    const bytes = encodeArtifact({ header: makeHeader('ridge', { alpha: 1 }, { intercept: 2 }), arrays: { coef: new Float64Array([1, 2, 3]) } });
    expect(peekModelHeader(bytes)).toEqual({ kind: 'ridge', libraryVersion: makeHeader('ridge', {}, {}).libraryVersion });
    expect(peekModelHeader(new Uint8Array([1, 2, 3]))).toBeUndefined();
    const signature = { inputs: [{ name: 'PU_DO', type: 'string' }, { name: 'trip_distance', type: 'double' }], outputs: [{ name: 'duration', type: 'double' }] };
    const logged = await c.logModel(run.runId, bytes, { signature, inputExample: [{ PU_DO: '1_2', trip_distance: 3.5 }], metadata: { trial: 3 } });
    expect(logged).toMatchObject({ uri: `runs:/${run.runId}/model`, kind: 'ridge', size: bytes.length, signature });
    expect((await c.getRun(run.runId)).tags['tunekit.model.model']).toBe(logged.sha256);
    // MLflow's MLmodel format beside the bytes: what mlflow.register_model looks for.
    const mlmodel = await c.readText(run.runId, 'model/MLmodel');
    expect(mlmodel).toMatch(/^artifact_path: model$/m);
    expect(mlmodel).toMatch(/^flavors:\n {2}tunekit:\n {4}data: model.tkm$/m);
    expect(mlmodel).toContain(`run_id: ${run.runId}`);
    expect(mlmodel).toMatch(/utc_time_created: "?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"?/);
    expect(mlmodel).toContain('{"type":"string","name":"PU_DO"}');
    expect(await c.getLoggedModel(logged.uri)).toEqual(logged);
    expect(await c.loadModelBytes(logged.uri)).toEqual(bytes);
    expect((await c.getLoggedModel(logged.uri)).inputExample).toEqual([{ PU_DO: '1_2', trip_distance: 3.5 }]);

    const v1 = await c.registerModel(logged.uri, 'taxi', { alias: 'champion' });
    expect(v1).toMatchObject({ name: 'taxi', version: 1, runId: run.runId, source: logged.uri, aliases: ['champion'] });
    const other = await c.createRun({ experimentName: 'e' });
    const bytes2 = new Uint8Array([9, 9, 9]);
    await c.logModel(other.runId, bytes2);
    await c.registerModel(`runs:/${other.runId}/model`, 'taxi');
    expect(await c.loadModelBytes('models:/taxi/1')).toEqual(bytes);
    expect(await c.loadModelBytes('models:/taxi@champion')).toEqual(bytes);
    expect(await c.loadModelBytes('models:/taxi/latest')).toEqual(bytes2);
    expect(await c.loadModelBytes('models:/taxi/2')).toEqual(bytes2);
    expect((await c.listModelVersions('taxi')).map((v) => v.version)).toEqual([1, 2]);
    expect((await c.listRegisteredModels()).map((m) => m.name)).toEqual(['taxi']);
    await expect(c.loadModelBytes('models:/taxi/3')).rejects.toThrow(/unknown version/);
    await expect(c.loadModelBytes('models:/taxi@nobody')).rejects.toThrow(/unknown alias/);
    await expect(c.loadModelBytes('s3://bucket/x')).rejects.toThrow(/model URI/);
    await expect(c.registerModel(`runs:/${other.runId}/nothing`, 'taxi')).rejects.toThrow(/not found|unknown/i);
    await expect(c.logModel(run.runId, new Uint8Array(0))).rejects.toThrow(/non-empty/);
    // Tampered bytes are detected on load.
    await c.logBytes(other.runId, new Uint8Array([1]), 'model/model.tkm');
    await expect(c.loadModelBytes('models:/taxi/2')).rejects.toThrow(/sha256/);
    await c.close();
  });

  it('still loads models logged with the earlier MLmodel.json record', async () => {
    const path = join(dir, 'legacy.db');
    const c = new TrackingClient(`sqlite:${path}`);
    const run = await c.createRun({ experimentName: 'e' });
    const logged = await c.logModel(run.runId, new Uint8Array([4, 5, 6]));
    const runDir = (await c.getRun(run.runId)).info.artifactUri;
    writeFileSync(join(runDir, 'model', 'MLmodel.json'), JSON.stringify({ ...logged, uri: 'stale' }));
    rmSync(join(runDir, 'model', MLMODEL_FILE));
    expect(readFileSync(join(runDir, 'model', 'MLmodel.json'), 'utf8')).toContain(logged.sha256);
    expect(await c.loadModelBytes(logged.uri)).toEqual(new Uint8Array([4, 5, 6]));
    expect((await c.getLoggedModel(logged.uri)).uri).toBe(logged.uri);
    await c.close();
  });

  it('registerBestRun picks the best FINISHED run with a logged model, in one call', async () => {
    const c = new TrackingClient('memory:');
    const exp = await c.createExperiment('tuning');
    const make = async (rmse: number | null, opts: { model?: boolean; status?: 'FINISHED' | 'FAILED'; depth?: number } = {}) => {
      const run = await c.createRun({ experimentId: exp.experimentId });
      if (rmse !== null) await c.logMetric(run.runId, 'rmse', rmse);
      await c.logParam(run.runId, 'maxDepth', opts.depth ?? 10);
      if (opts.model !== false) await c.logModel(run.runId, new Uint8Array([Math.round((rmse ?? 0) * 10)]));
      await c.endRun(run.runId, opts.status ?? 'FINISHED');
      return run.runId;
    };
    await make(7.1);
    const best = await make(6.2, { depth: 20 });
    await make(5.0, { model: false });
    await make(4.0, { status: 'FAILED' });
    await make(null);
    const second = await make(6.5);
    const r = await c.registerBestRun({ experiment: 'tuning', metric: 'rmse', mode: 'min', name: 'taxi-rf', alias: 'champion' });
    expect(r.run.info.runId).toBe(best);
    expect(r.version).toMatchObject({ version: 1, source: `runs:/${best}/model`, aliases: ['champion'], tags: { 'tunekit.metric': 'rmse', 'tunekit.metric_value': '6.2' } });
    expect(await c.loadModelBytes('models:/taxi-rf@champion')).toEqual(new Uint8Array([62]));
    const filtered = await c.registerBestRun({ experiment: 'tuning', metric: 'rmse', name: 'taxi-rf', alias: 'champion', filter: "params.maxDepth = '10'" });
    expect(filtered.run.info.runId).toBe(second);
    expect(filtered.version.version).toBe(2);
    expect((await c.getModelVersionByAlias('taxi-rf', 'champion')).version).toBe(2);
    expect((await c.registerBestRun({ experimentId: exp.experimentId, metric: 'rmse', mode: 'max', name: 'worst' })).run.metrics.rmse.value).toBe(7.1);
    await expect(c.registerBestRun({ experiment: 'tuning', metric: 'mae', name: 'x' })).rejects.toThrow(/no FINISHED run/);
    await expect(c.registerBestRun({ experiment: 'nope', metric: 'rmse', name: 'x' })).rejects.toThrow(/unknown experiment/);
  });

  it('markStaleRunsFailed fails runs of dead processes on this host only', async () => {
    const c = new TrackingClient('memory:');
    const exp = await c.createExperiment('e');
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    const mine = await c.createRun({ experimentId: exp.experimentId });
    const orphan = await c.createRun({ experimentId: exp.experimentId, tags: { [PID_TAG]: String(dead) } });
    const elsewhere = await c.createRun({ experimentId: exp.experimentId, tags: { [PID_TAG]: String(dead), [HOST_TAG]: 'another-host' } });
    expect(await c.markStaleRunsFailed()).toEqual([orphan.runId]);
    expect((await c.getRun(orphan.runId)).info.status).toBe('FAILED');
    expect((await c.getRun(mine.runId)).info.status).toBe('RUNNING');
    expect((await c.getRun(elsewhere.runId)).info.status).toBe('RUNNING');
    expect((await c.markStaleRunsFailed({ olderThanMs: -1 })).sort()).toEqual([mine.runId, elsewhere.runId].sort());
  });
});
