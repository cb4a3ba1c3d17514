import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/core/errors.js';
import { AlreadyExistsError, ArtifactPathError, FilterSyntaxError, ParamOverwriteError, RunStateError, type TrackingStore } from '../../src/tracking/index.js';

/** The TrackingStore contract, run against every implementation. */
export function storeContract(name: string, open: () => TrackingStore): void {
  describe(`TrackingStore contract: ${name}`, () => {
    const withStore = (fn: (s: TrackingStore) => void) => () => {
      const s = open();
      try {
        fn(s);
      } finally {
        s.close();
      }
    };

    it(
      'experiments have unique names, tags, lookups by id and name',
      withStore((s) => {
        const a = s.createExperiment('taxi', { team: 'ml' });
        const b = s.createExperiment('other');
        expect(a.experimentId).not.toBe(b.experimentId);
        expect(s.getExperiment(a.experimentId)).toEqual(a);
        expect(s.getExperimentByName('taxi')?.tags).toEqual({ team: 'ml' });
        expect(s.getExperimentByName('nope')).toBeUndefined();
        expect(() => s.createExperiment('taxi')).toThrow(AlreadyExistsError);
        expect(() => s.getExperiment('999')).toThrow(NotFoundError);
        s.setExperimentTag(b.experimentId, 'k', 'v');
        expect(s.getExperiment(b.experimentId).tags).toEqual({ k: 'v' });
        expect(s.listExperiments().map((e) => e.name)).toEqual(['taxi', 'other']);
        expect(Object.isFrozen(a)).toBe(true);
      }),
    );

    it(
      'runs: create, parent, tags, end with a status; only RUNNING runs change status',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const parent = s.createRun({ experimentId: exp.experimentId, runName: 'parent', tags: { a: '1' }, startTime: 1000 });
        expect(parent.runId).toMatch(/^[0-9a-f]{32}$/);
        expect(parent.status).toBe('RUNNING');
        expect(parent.startTime).toBe(1000);
        expect(parent.endTime).toBeNull();
        const child = s.createRun({ experimentId: exp.experimentId, parentRunId: parent.runId });
        expect(child.parentRunId).toBe(parent.runId);
        expect(child.runName).toBeNull();
        expect(() => s.createRun({ experimentId: exp.experimentId, parentRunId: 'f'.repeat(32) })).toThrow(NotFoundError);
        expect(() => s.createRun({ experimentId: '12345' })).toThrow(NotFoundError);
        expect(s.getRun(parent.runId).tags).toEqual({ a: '1' });
        const ended = s.endRun(parent.runId, 'FINISHED', 2000);
        expect(ended.status).toBe('FINISHED');
        expect(ended.endTime).toBe(2000);
        expect(s.endRun(parent.runId, 'FINISHED', 3000).endTime).toBe(2000);
        expect(() => s.endRun(parent.runId, 'FAILED')).toThrow(RunStateError);
        expect(() => s.endRun(child.runId, 'RUNNING' as 'FAILED')).toThrow();
        expect(() => s.getRun('0'.repeat(32))).toThrow(NotFoundError);
      }),
    );

    it(
      'params are write-once: same value is fine, a different one throws and the batch is atomic',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const run = s.createRun({ experimentId: exp.experimentId });
        s.logBatch(run.runId, { params: [{ key: 'maxDepth', value: '10' }] });
        s.logBatch(run.runId, { params: [{ key: 'maxDepth', value: '10' }] });
        const bad = () =>
          s.logBatch(run.runId, {
            params: [
              { key: 'lr', value: '0.1' },
              { key: 'maxDepth', value: '11' },
            ],
            metrics: [{ key: 'rmse', value: 1, step: 0, timestamp: 1 }],
            tags: [{ key: 't', value: 'x' }],
          });
        expect(bad).toThrow(ParamOverwriteError);
        try {
          bad();
        } catch (err) {
          expect((err as ParamOverwriteError).key).toBe('maxDepth');
          expect((err as ParamOverwriteError).code).toBe('PARAM_OVERWRITE');
        }
        const r = s.getRun(run.runId);
        expect(r.params).toEqual({ maxDepth: '10' });
        expect(r.metrics).toEqual({});
        expect(r.tags).toEqual({});
        // Invalid keys and conflicting duplicates inside one batch are refused before writing.
        expect(() => s.logBatch(run.runId, { params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] })).toThrow(/twice/);
        expect(() => s.logBatch(run.runId, { metrics: [{ key: 'ok', value: 1, step: 0, timestamp: 1 }, { key: 'bad\nkey', value: 1, step: 0, timestamp: 1 }] })).toThrow(/invalid/);
        expect(s.getRun(run.runId).metrics).toEqual({});
        expect(() => s.logBatch(run.runId, { metrics: [{ key: 'x', value: 1, step: 0.5, timestamp: 1 }] })).toThrow(/step/);
      }),
    );

    it(
      'metrics keep full history; latest is the highest step, then newest timestamp; NaN and Infinity survive',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const run = s.createRun({ experimentId: exp.experimentId });
        s.logBatch(run.runId, {
          metrics: [
            { key: 'loss', value: 3, step: 2, timestamp: 10 },
            { key: 'loss', value: 5, step: 0, timestamp: 20 },
            { key: 'loss', value: 4, step: 1, timestamp: 5 },
          ],
        });
        s.logBatch(run.runId, { metrics: [{ key: 'loss', value: 2.5, step: 2, timestamp: 11 }] });
        s.logBatch(run.runId, { metrics: [{ key: 'loss', value: 9, step: 1, timestamp: 99 }] });
        const h = s.getMetricHistory(run.runId, 'loss');
        expect(h.map((m) => [m.step, m.value])).toEqual([
          [0, 5],
          [1, 4],
          [1, 9],
          [2, 3],
          [2, 2.5],
        ]);
        expect(s.getRun(run.runId).metrics.loss).toEqual({ key: 'loss', value: 2.5, step: 2, timestamp: 11 });
        s.logBatch(run.runId, { metrics: [{ key: 'nan', value: Number.NaN, step: 0, timestamp: 1 }, { key: 'inf', value: -Infinity, step: 0, timestamp: 1 }] });
        const r = s.getRun(run.runId);
        expect(Number.isNaN(r.metrics.nan.value)).toBe(true);
        expect(r.metrics.inf.value).toBe(-Infinity);
        expect(s.getMetricHistory(run.runId, 'missing')).toEqual([]);
      }),
    );

    it(
      'a large batch keeps every point, in write order within a step',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const run = s.createRun({ experimentId: exp.experimentId });
        const points = Array.from({ length: 257 }, (_, i) => ({ key: i % 3 === 0 ? 'a' : 'b', value: i * 0.5, step: i >> 2, timestamp: 100 }));
        s.logBatch(run.runId, { metrics: points });
        for (const key of ['a', 'b']) {
          const expected = points.filter((p) => p.key === key).map((p) => [p.step, p.value]);
          expect(s.getMetricHistory(run.runId, key).map((m) => [m.step, m.value])).toEqual(expected);
        }
        // Equal step and timestamp across batches: write order, and the later write is latest.
        s.logBatch(run.runId, { metrics: [{ key: 'c', value: 2, step: 1, timestamp: 5 }] });
        s.logBatch(run.runId, { metrics: [{ key: 'c', value: 1, step: 1, timestamp: 5 }] });
        expect(s.getMetricHistory(run.runId, 'c').map((m) => m.value)).toEqual([2, 1]);
        expect(s.getRun(run.runId).metrics.c.value).toBe(1);
        expect(s.getRun(run.runId).metrics.a.value).toBe(127.5);
        expect(s.getRun(run.runId).metrics.b.value).toBe(128);
      }),
    );

    it(
      'tags are mutable; params/metrics/tags round-trip through getRun',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const run = s.createRun({ experimentId: exp.experimentId });
        s.logBatch(run.runId, { tags: [{ key: 'stage', value: 'a' }] });
        s.logBatch(run.runId, { tags: [{ key: 'stage', value: 'b' }], params: [{ key: 'p', value: 'ünïcode ✓' }] });
        const r = s.getRun(run.runId);
        expect(r.tags).toEqual({ stage: 'b' });
        expect(r.params).toEqual({ p: 'ünïcode ✓' });
        expect(Object.isFrozen(r) && Object.isFrozen(r.params)).toBe(true);
        expect(() => s.logBatch('f'.repeat(32), { tags: [{ key: 'a', value: 'b' }] })).toThrow(NotFoundError);
      }),
    );

    it(
      'search: filters, order, experiment scoping and page tokens',
      withStore((s) => {
        const e1 = s.createExperiment('e1');
        const e2 = s.createExperiment('e2');
        const ids: string[] = [];
        for (let i = 0; i < 12; i++) {
          const run = s.createRun({ experimentId: i < 10 ? e1.experimentId : e2.experimentId, runName: `run-${i}`, startTime: 1000 + i });
          ids.push(run.runId);
          s.logBatch(run.runId, {
            params: [{ key: 'maxDepth', value: String(i % 3) }],
            metrics: [{ key: 'rmse', value: 10 - i * 0.5, step: 0, timestamp: 1 }],
            tags: i % 2 === 0 ? [{ key: 'even', value: 'yes' }] : [],
          });
          if (i < 6) s.endRun(run.runId, 'FINISHED', 5000);
        }
        const names = (q: Parameters<TrackingStore['searchRuns']>[0]) => s.searchRuns(q).runs.map((r) => r.info.runName);
        // Default order: start_time descending.
        expect(names({ experimentIds: [e2.experimentId] })).toEqual(['run-11', 'run-10']);
        expect(names({ experimentIds: [e1.experimentId], filter: "metrics.rmse <= 7 and params.maxDepth = '0'" })).toEqual(['run-9', 'run-6']);
        expect(names({ filter: "status = 'FINISHED' and tags.even = 'yes'", orderBy: ['metrics.rmse asc'] })).toEqual(['run-4', 'run-2', 'run-0']);
        expect(names({ filter: 'params.maxDepth >= 2 or run_name in (\'run-0\')', orderBy: ['attributes.run_name'] })).toEqual([
          'run-0',
          'run-11',
          'run-2',
          'run-5',
          'run-8',
        ]);
        // Paging visits every match exactly once, in order.
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = s.searchRuns({ orderBy: ['metrics.rmse desc'], maxResults: 5, pageToken: token });
          seen.push(...page.runs.map((r) => r.info.runId));
          token = page.nextPageToken;
          pages++;
        } while (token);
        expect(pages).toBe(3);
        expect(seen).toEqual(ids);
        expect(() => s.searchRuns({ filter: 'metrics.rmse <' })).toThrow(FilterSyntaxError);
        expect(() => s.searchRuns({ pageToken: 'garbage!' })).toThrow(/page token/);
        expect(() => s.searchRuns({ maxResults: 0 })).toThrow(/maxResults/);
        expect(s.searchRuns({ experimentIds: [] }).runs).toEqual([]);
      }),
    );

    it(
      'paging through a metric order crosses from runs with the metric to runs without it',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const values = [3, 1, Number.NaN, 2, undefined, undefined, undefined];
        const ids = values.map((v, i) => {
          const run = s.createRun({ experimentId: exp.experimentId, startTime: 100 + i });
          if (v !== undefined) s.logBatch(run.runId, { metrics: [{ key: 'm', value: v, step: 0, timestamp: 1 }] });
          return run.runId;
        });
        const expected = [1, 3, 0, 6, 5, 4, 2].map((i) => ids[i]);
        for (const size of [1, 2, 3, 4, 7, 8]) {
          const seen: string[] = [];
          let token: string | undefined;
          do {
            const page = s.searchRuns({ orderBy: ['metrics.m asc'], maxResults: size, pageToken: token });
            expect(page.runs.length).toBeLessThanOrEqual(size);
            seen.push(...page.runs.map((r) => r.info.runId));
            token = page.nextPageToken;
          } while (token);
          expect(seen, `page size ${size}`).toEqual(expected);
        }
        expect(s.searchRuns({ orderBy: ['metrics.m desc'], filter: 'metrics.m > 1 or metrics.m is null' }).runs.map((r) => r.info.runId)).toEqual(
          [0, 3, 6, 5, 4].map((i) => ids[i]),
        );
        const page = (filter: string, order: string) => s.searchRuns({ filter, orderBy: [order] }).runs.map((r) => ids.indexOf(r.info.runId));
        expect(page('metrics.m >= 2', 'metrics.m asc')).toEqual([3, 0]);
        expect(page('metrics.m in (1, 3) and metrics.m != 2', 'metrics.m desc')).toEqual([0, 1]);
        expect(page('metrics.m < 3 and metrics.m > 1', 'metrics.m desc')).toEqual([3]);
        expect(page('not metrics.m < 3', 'metrics.m asc')).toEqual([0, 6, 5, 4, 2]);
      }),
    );

    it(
      'failRuns marks only the chosen RUNNING runs',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const a = s.createRun({ experimentId: exp.experimentId, tags: { owner: 'dead' } });
        const b = s.createRun({ experimentId: exp.experimentId, tags: { owner: 'alive' } });
        const c = s.createRun({ experimentId: exp.experimentId, tags: { owner: 'dead' } });
        s.endRun(c.runId, 'FINISHED');
        expect(s.failRuns((r) => r.tags.owner === 'dead')).toEqual([a.runId]);
        expect(s.getRun(a.runId).info.status).toBe('FAILED');
        expect(s.getRun(a.runId).info.endTime).not.toBeNull();
        expect(s.getRun(b.runId).info.status).toBe('RUNNING');
        expect(s.getRun(c.runId).info.status).toBe('FINISHED');
        expect(s.failRuns(undefined, 'KILLED')).toEqual([b.runId]);
        expect(s.getRun(b.runId).info.status).toBe('KILLED');
      }),
    );

    it(
      'artifacts: write, read, list; paths escaping the run folder are refused',
      withStore((s) => {
        const exp = s.createExperiment('e');
        const run = s.createRun({ experimentId: exp.experimentId });
        const bytes = new Uint8Array([1, 2, 3, 250]);
        s.putArtifact(run.runId, 'model/weights.bin', bytes);
        s.putArtifact(run.runId, './notes.txt', new TextEncoder().encode('hi'));
        expect(s.getArtifact(run.runId, 'model/weights.bin')).toEqual(bytes);
        expect(s.listArtifacts(run.runId)).toEqual([
          { path: 'model', isDir: true, size: null },
          { path: 'notes.txt', isDir: false, size: 2 },
        ]);
        expect(s.listArtifacts(run.runId, 'model')).toEqual([{ path: 'model/weights.bin', isDir: false, size: 4 }]);
        s.putArtifact(run.runId, 'notes.txt', new TextEncoder().encode('hello'));
        expect(new TextDecoder().decode(s.getArtifact(run.runId, 'notes.txt'))).toBe('hello');
        for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\..\\x', '', '..', 'a/\0b']) {
          expect(() => s.putArtifact(run.runId, bad, bytes), bad).toThrow(ArtifactPathError);
          expect(() => s.getArtifact(run.runId, bad), bad).toThrow(ArtifactPathError);
        }
        expect(() => s.getArtifact(run.runId, 'missing.bin')).toThrow(NotFoundError);
        expect(() => s.putArtifact(run.runId, 'model', bytes)).toThrow(ArtifactPathError);
      }),
    );

    it(
      'registry: models, auto-increment versions, tags, aliases',
      withStore((s) => {
        const m = s.createRegisteredModel('taxi-rf', { description: 'forest', tags: { owner: 'me' } });
        expect(m).toMatchObject({ name: 'taxi-rf', description: 'forest', tags: { owner: 'me' }, latestVersion: null, aliases: {} });
        expect(() => s.createRegisteredModel('taxi-rf')).toThrow(AlreadyExistsError);
        expect(() => s.createRegisteredModel('bad/name')).toThrow(/invalid/);
        const runId = 'a'.repeat(32);
        const v1 = s.createModelVersion('taxi-rf', { source: `runs:/${runId}/model`, runId, tags: { k: 'v' } });
        const v2 = s.createModelVersion('taxi-rf', { source: `runs:/${runId}/model`, runId });
        expect([v1.version, v2.version]).toEqual([1, 2]);
        expect(v1).toMatchObject({ source: `runs:/${runId}/model`, runId, tags: { k: 'v' }, aliases: [] });
        s.setModelAlias('taxi-rf', 'champion', 1);
        expect(s.getModelVersionByAlias('taxi-rf', 'champion').version).toBe(1);
        s.setModelAlias('taxi-rf', 'champion', 2);
        expect(s.getModelVersionByAlias('taxi-rf', 'champion').version).toBe(2);
        expect(s.getModelVersion('taxi-rf', 2).aliases).toEqual(['champion']);
        expect(s.getRegisteredModel('taxi-rf')).toMatchObject({ latestVersion: 2, aliases: { champion: 2 } });
        expect(() => s.setModelAlias('taxi-rf', 'x', 3)).toThrow(NotFoundError);
        expect(() => s.setModelAlias('taxi-rf', 'latest', 1)).toThrow(/reserved/);
        s.deleteModelAlias('taxi-rf', 'champion');
        expect(() => s.getModelVersionByAlias('taxi-rf', 'champion')).toThrow(NotFoundError);
        s.setModelVersionTag('taxi-rf', 1, 'note', 'first');
        expect(s.getModelVersion('taxi-rf', 1).tags).toEqual({ k: 'v', note: 'first' });
        s.setRegisteredModelTag('taxi-rf', 'owner', 'you');
        expect(s.updateRegisteredModel('taxi-rf', { description: 'd2' })).toMatchObject({ description: 'd2', tags: { owner: 'you' } });
        expect(s.listModelVersions('taxi-rf').map((v) => v.version)).toEqual([1, 2]);
        expect(s.listRegisteredModels().map((x) => x.name)).toEqual(['taxi-rf']);
        expect(() => s.getModelVersion('taxi-rf', 9)).toThrow(NotFoundError);
        expect(() => s.createModelVersion('nope', { source: 'x' })).toThrow(NotFoundError);
      }),
    );
  });
}
