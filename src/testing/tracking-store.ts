/**
 * The tracking store and model registry contracts as vitest suites, for every backend: tunekit
 * runs them over `memory:`, `sqlite:` and the REST store talking to its own server; a plugin
 * store runs them over itself (as Optuna ships `optuna.testing.storages`):
 *
 *   import { describeTrackingStore, describeModelRegistryStore } from 'tunekit/testing';
 *   describeTrackingStore('my store', () => openMyStore());
 *
 * `open` returns a fresh, empty store for each test; the suite closes it. vitest is an optional
 * peer dependency of tunekit, needed only here.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.js';
import { FILTER_MAX_DEPTH } from '../core/limits.js';
import { AlreadyExistsError, ArtifactPathError, FilterSyntaxError, ParamOverwriteError, RunStateError } from '../tracking/errors.js';
import { quoteFilterValue } from '../tracking/search/quote.js';
import type { ModelRegistryStore, TrackingStore } from '../tracking/store.js';
import type { SearchRunsQuery } from '../tracking/types.js';

type Opener<S> = () => S | Promise<S>;

async function withOpen<S extends { close(): Promise<void> }>(open: Opener<S>, fn: (s: S) => Promise<void>): Promise<void> {
  const s = await open();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** The TrackingStore contract (experiments, runs, search, artifacts) over one backend. */
export function describeTrackingStore(name: string, open: Opener<TrackingStore>): void {
  describe(`TrackingStore contract: ${name}`, () => {
    const test = (title: string, fn: (s: TrackingStore) => Promise<void>) => it(title, () => withOpen(open, fn));

    test('experiments: unique names, tags, lookups by id and name, rename', async (s) => {
      const a = await s.createExperiment('taxi', { team: 'ml' });
      const b = await s.createExperiment('other');
      expect(a.experimentId).not.toBe(b.experimentId);
      expect(a).toMatchObject({ name: 'taxi', tags: { team: 'ml' }, lifecycleStage: 'active' });
      expect(await s.getExperiment(a.experimentId)).toEqual(a);
      expect((await s.getExperimentByName('taxi'))?.tags).toEqual({ team: 'ml' });
      expect(await s.getExperimentByName('nope')).toBeUndefined();
      await expect(s.createExperiment('taxi')).rejects.toThrow(AlreadyExistsError);
      await expect(s.getExperiment('999')).rejects.toThrow(NotFoundError);
      await s.setExperimentTag(b.experimentId, 'k', 'v');
      expect((await s.getExperiment(b.experimentId)).tags).toEqual({ k: 'v' });
      await s.deleteExperimentTag(b.experimentId, 'k');
      expect((await s.getExperiment(b.experimentId)).tags).toEqual({});
      await expect(s.deleteExperimentTag(b.experimentId, 'k')).rejects.toThrow(NotFoundError);
      await expect(s.renameExperiment(b.experimentId, 'taxi')).rejects.toThrow(AlreadyExistsError);
      expect((await s.renameExperiment(b.experimentId, 'renamed')).name).toBe('renamed');
      expect((await s.getExperimentByName('renamed'))?.experimentId).toBe(b.experimentId);
      expect(Object.isFrozen(a)).toBe(true);
    });

    test('experiments: search by filter, order and pages; delete and restore', async (s) => {
      const names = ['taxi-jan', 'taxi-feb', 'bikes'];
      const ids: string[] = [];
      for (const n of names) ids.push((await s.createExperiment(n, n.startsWith('taxi') ? { kind: 'taxi' } : {})).experimentId);
      const found = async (q: Parameters<TrackingStore['searchExperiments']>[0]) => (await s.searchExperiments(q)).experiments.map((e) => e.name);
      expect((await found({ filter: "name like 'taxi%'", orderBy: ['name asc'] }))).toEqual(['taxi-feb', 'taxi-jan']);
      expect(await found({ filter: "tags.kind = 'taxi'", orderBy: ['name desc'] })).toEqual(['taxi-jan', 'taxi-feb']);
      const first = await s.searchExperiments({ orderBy: ['name asc'], maxResults: 2 });
      expect(first.experiments.map((e) => e.name)).toEqual(['bikes', 'taxi-feb']);
      const rest = await s.searchExperiments({ orderBy: ['name asc'], maxResults: 2, pageToken: first.nextPageToken });
      expect(rest.experiments.map((e) => e.name)).toEqual(['taxi-jan']);
      expect(rest.nextPageToken).toBeUndefined();
      const run = await s.createRun({ experimentId: ids[2] });
      await s.deleteExperiment(ids[2]);
      expect((await s.getExperiment(ids[2])).lifecycleStage).toBe('deleted');
      expect(await found({ orderBy: ['name asc'] })).toEqual(['taxi-feb', 'taxi-jan']);
      expect(await found({ viewType: 'DELETED_ONLY' })).toEqual(['bikes']);
      expect((await s.getRun(run.runId)).info.lifecycleStage).toBe('deleted');
      expect((await s.searchRuns({ experimentIds: [ids[2]] })).runs).toEqual([]);
      await s.restoreExperiment(ids[2]);
      expect(await found({ orderBy: ['name asc'] })).toEqual(['bikes', 'taxi-feb', 'taxi-jan']);
      expect((await s.searchRuns({ experimentIds: [ids[2]] })).runs.map((r) => r.info.runId)).toEqual([run.runId]);
      await expect(s.searchExperiments({ filter: 'metrics.x < 1' })).rejects.toThrow(FilterSyntaxError);
    });

    test('runs: create, parent, tags, status changes once from RUNNING, rename', async (s) => {
      const exp = await s.createExperiment('e');
      const parent = await s.createRun({ experimentId: exp.experimentId, runName: 'parent', tags: { a: '1' }, startTime: 1000 });
      expect(parent.runId).toMatch(/^[0-9a-f]{32}$/);
      expect(parent).toMatchObject({ status: 'RUNNING', startTime: 1000, endTime: null, lifecycleStage: 'active', runName: 'parent' });
      const child = await s.createRun({ experimentId: exp.experimentId, parentRunId: parent.runId });
      expect(child.parentRunId).toBe(parent.runId);
      expect(child.runName).toBeNull();
      await expect(s.createRun({ experimentId: exp.experimentId, parentRunId: 'f'.repeat(32) })).rejects.toThrow(NotFoundError);
      await expect(s.createRun({ experimentId: '12345' })).rejects.toThrow(NotFoundError);
      expect((await s.getRun(parent.runId)).tags).toEqual({ a: '1' });
      const ended = await s.updateRun(parent.runId, { status: 'FINISHED', endTime: 2000 });
      expect(ended).toMatchObject({ status: 'FINISHED', endTime: 2000 });
      expect((await s.updateRun(parent.runId, { status: 'FINISHED', endTime: 3000 })).endTime).toBe(2000);
      await expect(s.updateRun(parent.runId, { status: 'FAILED' })).rejects.toThrow(RunStateError);
      await expect(s.updateRun(parent.runId, { status: 'RUNNING' })).rejects.toThrow(RunStateError);
      expect((await s.updateRun(child.runId, { runName: 'renamed' })).runName).toBe('renamed');
      expect((await s.getRun(child.runId)).info).toMatchObject({ runName: 'renamed', status: 'RUNNING' });
      await expect(s.getRun('0'.repeat(32))).rejects.toThrow(NotFoundError);
    });

    test('runs: delete and restore; searches leave deleted runs out unless asked', async (s) => {
      const exp = await s.createExperiment('e');
      const a = await s.createRun({ experimentId: exp.experimentId, runName: 'a', startTime: 1 });
      const b = await s.createRun({ experimentId: exp.experimentId, runName: 'b', startTime: 2 });
      await s.deleteRun(a.runId);
      expect((await s.getRun(a.runId)).info.lifecycleStage).toBe('deleted');
      const names = async (q: SearchRunsQuery) => (await s.searchRuns(q)).runs.map((r) => r.info.runName);
      expect(await names({})).toEqual(['b']);
      expect(await names({ viewType: 'DELETED_ONLY' })).toEqual(['a']);
      expect(await names({ viewType: 'ALL' })).toEqual(['b', 'a']);
      await s.restoreRun(a.runId);
      expect(await names({})).toEqual(['b', 'a']);
      await expect(s.deleteRun('f'.repeat(32))).rejects.toThrow(NotFoundError);
      expect(b.lifecycleStage).toBe('active');
    });

    test('params are write-once: same value is fine, a different one throws and the batch is atomic', async (s) => {
      const exp = await s.createExperiment('e');
      const run = await s.createRun({ experimentId: exp.experimentId });
      await s.logBatch(run.runId, { params: [{ key: 'maxDepth', value: '10' }] });
      await s.logBatch(run.runId, { params: [{ key: 'maxDepth', value: '10' }] });
      const bad = () =>
        s.logBatch(run.runId, {
          params: [
            { key: 'lr', value: '0.1' },
            { key: 'maxDepth', value: '11' },
          ],
          metrics: [{ key: 'rmse', value: 1, step: 0, timestamp: 1 }],
          tags: [{ key: 't', value: 'x' }],
        });
      const err = await bad().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParamOverwriteError);
      expect((err as ParamOverwriteError).key).toBe('maxDepth');
      expect((err as ParamOverwriteError).code).toBe('PARAM_OVERWRITE');
      const r = await s.getRun(run.runId);
      expect(r.params).toEqual({ maxDepth: '10' });
      expect(r.metrics).toEqual({});
      expect(r.tags).toEqual({});
      // Invalid keys and conflicting duplicates inside one batch are refused before writing.
      await expect(s.logBatch(run.runId, { params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] })).rejects.toThrow(/twice/);
      await expect(
        s.logBatch(run.runId, { metrics: [{ key: 'ok', value: 1, step: 0, timestamp: 1 }, { key: 'bad\nkey', value: 1, step: 0, timestamp: 1 }] }),
      ).rejects.toThrow(/invalid/);
      expect((await s.getRun(run.runId)).metrics).toEqual({});
      await expect(s.logBatch(run.runId, { metrics: [{ key: 'x', value: 1, step: 0.5, timestamp: 1 }] })).rejects.toThrow(/step/);
    });

    test('metrics keep full history; latest is the highest step, then newest timestamp; NaN and Infinity survive', async (s) => {
      const exp = await s.createExperiment('e');
      const run = await s.createRun({ experimentId: exp.experimentId });
      await s.logBatch(run.runId, {
        metrics: [
          { key: 'loss', value: 3, step: 2, timestamp: 10 },
          { key: 'loss', value: 5, step: 0, timestamp: 20 },
          { key: 'loss', value: 4, step: 1, timestamp: 5 },
        ],
      });
      await s.logBatch(run.runId, { metrics: [{ key: 'loss', value: 2.5, step: 2, timestamp: 11 }] });
      await s.logBatch(run.runId, { metrics: [{ key: 'loss', value: 9, step: 1, timestamp: 99 }] });
      const h = await s.getMetricHistory(run.runId, 'loss');
      expect(h.map((m) => [m.step, m.value])).toEqual([
        [0, 5],
        [1, 4],
        [1, 9],
        [2, 3],
        [2, 2.5],
      ]);
      expect((await s.getRun(run.runId)).metrics.loss).toEqual({ key: 'loss', value: 2.5, step: 2, timestamp: 11 });
      await s.logBatch(run.runId, { metrics: [{ key: 'nan', value: Number.NaN, step: 0, timestamp: 1 }, { key: 'inf', value: -Infinity, step: 0, timestamp: 1 }] });
      const r = await s.getRun(run.runId);
      expect(Number.isNaN(r.metrics.nan.value)).toBe(true);
      expect(r.metrics.inf.value).toBe(-Infinity);
      expect(await s.getMetricHistory(run.runId, 'missing')).toEqual([]);
    });

    test('a large batch keeps every point, in write order within a step', async (s) => {
      const exp = await s.createExperiment('e');
      const run = await s.createRun({ experimentId: exp.experimentId });
      const points = Array.from({ length: 257 }, (_, i) => ({ key: i % 3 === 0 ? 'a' : 'b', value: i * 0.5, step: i >> 2, timestamp: 100 }));
      await s.logBatch(run.runId, { metrics: points });
      for (const key of ['a', 'b']) {
        const expected = points.filter((p) => p.key === key).map((p) => [p.step, p.value]);
        expect((await s.getMetricHistory(run.runId, key)).map((m) => [m.step, m.value])).toEqual(expected);
      }
      // Equal step and timestamp across batches: write order, and the later write is latest.
      await s.logBatch(run.runId, { metrics: [{ key: 'c', value: 2, step: 1, timestamp: 5 }] });
      await s.logBatch(run.runId, { metrics: [{ key: 'c', value: 1, step: 1, timestamp: 5 }] });
      expect((await s.getMetricHistory(run.runId, 'c')).map((m) => m.value)).toEqual([2, 1]);
      const r = await s.getRun(run.runId);
      expect([r.metrics.c.value, r.metrics.a.value, r.metrics.b.value]).toEqual([1, 127.5, 128]);
    });

    test('tags are mutable and deletable; keys that name Object members stay plain keys', async (s) => {
      const exp = await s.createExperiment('e');
      const run = await s.createRun({ experimentId: exp.experimentId });
      await s.logBatch(run.runId, { tags: [{ key: 'stage', value: 'a' }] });
      await s.logBatch(run.runId, { tags: [{ key: 'stage', value: 'b' }, { key: 'gone', value: 'x' }], params: [{ key: 'p', value: 'ünïcode ✓' }] });
      await s.deleteTag(run.runId, 'gone');
      await expect(s.deleteTag(run.runId, 'gone')).rejects.toThrow(NotFoundError);
      const r = await s.getRun(run.runId);
      expect(r.tags).toEqual({ stage: 'b' });
      expect(r.params).toEqual({ p: 'ünïcode ✓' });
      expect(Object.isFrozen(r) && Object.isFrozen(r.params)).toBe(true);
      await s.logBatch(run.runId, { params: [{ key: '__proto__', value: 'x' }, { key: 'constructor', value: 'y' }], tags: [{ key: '__proto__', value: 'z' }] });
      const odd = await s.getRun(run.runId);
      expect(Object.getOwnPropertyDescriptor(odd.params, '__proto__')?.value).toBe('x');
      expect(Object.getOwnPropertyDescriptor(odd.params, 'constructor')?.value).toBe('y');
      expect(Object.getOwnPropertyDescriptor(odd.tags, '__proto__')?.value).toBe('z');
      expect(Object.getPrototypeOf(odd.params)).toBe(Object.prototype);
      await expect(s.logBatch('f'.repeat(32), { tags: [{ key: 'a', value: 'b' }] })).rejects.toThrow(NotFoundError);
    });

    test('search: filters, order, experiment scoping and page tokens', async (s) => {
      const e1 = await s.createExperiment('e1');
      const e2 = await s.createExperiment('e2');
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const run = await s.createRun({ experimentId: i < 10 ? e1.experimentId : e2.experimentId, runName: `run-${i}`, startTime: 1000 + i });
        ids.push(run.runId);
        await s.logBatch(run.runId, {
          params: [{ key: 'maxDepth', value: String(i % 3) }],
          metrics: [{ key: 'rmse', value: 10 - i * 0.5, step: 0, timestamp: 1 }],
          tags: i % 2 === 0 ? [{ key: 'even', value: 'yes' }] : [],
        });
        if (i < 6) await s.updateRun(run.runId, { status: 'FINISHED', endTime: 5000 });
      }
      const names = async (q: SearchRunsQuery) => (await s.searchRuns(q)).runs.map((r) => r.info.runName);
      // Default order: start_time descending.
      expect(await names({ experimentIds: [e2.experimentId] })).toEqual(['run-11', 'run-10']);
      expect(await names({ experimentIds: [e1.experimentId], filter: "metrics.rmse <= 7 and params.maxDepth = '0'" })).toEqual(['run-9', 'run-6']);
      expect(await names({ filter: "status = 'FINISHED' and tags.even = 'yes'", orderBy: ['metrics.rmse asc'] })).toEqual(['run-4', 'run-2', 'run-0']);
      expect(await names({ filter: "params.maxDepth >= 2 or run_name in ('run-0')", orderBy: ['attributes.run_name'] })).toEqual([
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
        const page = await s.searchRuns({ orderBy: ['metrics.rmse desc'], maxResults: 5, pageToken: token });
        seen.push(...page.runs.map((r) => r.info.runId));
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(ids);
      await expect(s.searchRuns({ filter: 'metrics.rmse <' })).rejects.toThrow(FilterSyntaxError);
      await expect(s.searchRuns({ pageToken: 'garbage!' })).rejects.toThrow(/page token/);
      await expect(s.searchRuns({ maxResults: 0 })).rejects.toThrow(/maxResults/);
      expect((await s.searchRuns({ experimentIds: [] })).runs).toEqual([]);
    });

    test('paging through a metric order crosses from runs with the metric to runs without it', async (s) => {
      const exp = await s.createExperiment('e');
      const values = [3, 1, Number.NaN, 2, undefined, undefined, undefined];
      const ids: string[] = [];
      for (const [i, v] of values.entries()) {
        const run = await s.createRun({ experimentId: exp.experimentId, startTime: 100 + i });
        if (v !== undefined) await s.logBatch(run.runId, { metrics: [{ key: 'm', value: v, step: 0, timestamp: 1 }] });
        ids.push(run.runId);
      }
      const expected = [1, 3, 0, 6, 5, 4, 2].map((i) => ids[i]);
      for (const size of [1, 2, 3, 4, 7, 8]) {
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await s.searchRuns({ orderBy: ['metrics.m asc'], maxResults: size, pageToken: token });
          expect(page.runs.length).toBeLessThanOrEqual(size);
          seen.push(...page.runs.map((r) => r.info.runId));
          token = page.nextPageToken;
        } while (token);
        expect(seen, `page size ${size}`).toEqual(expected);
      }
      const order = async (filter: string, by: string) => (await s.searchRuns({ filter, orderBy: [by] })).runs.map((r) => ids.indexOf(r.info.runId));
      expect(await order('metrics.m > 1 or metrics.m is null', 'metrics.m desc')).toEqual([0, 3, 6, 5, 4]);
      expect(await order('metrics.m >= 2', 'metrics.m asc')).toEqual([3, 0]);
      expect(await order('metrics.m in (1, 3) and metrics.m != 2', 'metrics.m desc')).toEqual([0, 1]);
      expect(await order('metrics.m < 3 and metrics.m > 1', 'metrics.m desc')).toEqual([3]);
      expect(await order('not metrics.m < 3', 'metrics.m asc')).toEqual([0, 6, 5, 4, 2]);
    });

    test('filters at the limits: long or-chains run, nesting past the depth limit is a positioned FilterSyntaxError', async (s) => {
      const exp = await s.createExperiment('e');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await s.createRun({ experimentId: exp.experimentId, startTime: 10 + i })).runId);
      // 1,500 ORed run ids (most unknown): deeper than SQLite's expression limit if chained.
      const many = Array.from({ length: 1500 }, (_, i) => (i % 500 === 0 ? ids[i / 500] : i.toString(16).padStart(32, '0')));
      const chain = many.map((id) => `run_id = ${quoteFilterValue(id)}`).join(' or ');
      expect((await s.searchRuns({ filter: chain })).runs.map((r) => r.info.runId)).toEqual([...ids].reverse());
      const andChain = Array.from({ length: 1500 }, () => `run_id != 'x'`).join(' and ');
      expect((await s.searchRuns({ filter: andChain })).runs.length).toBe(3);
      const nested = (depth: number) => `${'('.repeat(depth)}run_id = ${quoteFilterValue(ids[0])}${')'.repeat(depth)}`;
      expect((await s.searchRuns({ filter: nested(FILTER_MAX_DEPTH) })).runs.map((r) => r.info.runId)).toEqual([ids[0]]);
      const nots = (n: number) => `${'not '.repeat(n)}run_id = ${quoteFilterValue(ids[0])}`;
      expect((await s.searchRuns({ filter: nots(FILTER_MAX_DEPTH) })).runs.length).toBe(1);
      for (const deep of [nested(FILTER_MAX_DEPTH + 1), nested(100_000), nots(FILTER_MAX_DEPTH + 1), '('.repeat(10_000)]) {
        const err = await s.searchRuns({ filter: deep }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FilterSyntaxError);
        expect((err as FilterSyntaxError).message).toMatch(/nests deeper than/);
      }
    });

    test('failRuns marks only the RUNNING runs the query picks, and returns their ids', async (s) => {
      const exp = await s.createExperiment('e');
      const a = await s.createRun({ experimentId: exp.experimentId, tags: { owner: 'dead' } });
      const b = await s.createRun({ experimentId: exp.experimentId, tags: { owner: 'alive' } });
      const c = await s.createRun({ experimentId: exp.experimentId, tags: { owner: 'dead' } });
      await s.updateRun(c.runId, { status: 'FINISHED' });
      expect(await s.failRuns({ filter: "tags.owner = 'dead'" })).toEqual([a.runId]);
      expect((await s.getRun(a.runId)).info.status).toBe('FAILED');
      expect((await s.getRun(a.runId)).info.endTime).not.toBeNull();
      expect((await s.getRun(b.runId)).info.status).toBe('RUNNING');
      expect((await s.getRun(c.runId)).info.status).toBe('FINISHED');
      expect(await s.failRuns({ experimentIds: ['999'] })).toEqual([]);
      expect(await s.failRuns({}, 'KILLED')).toEqual([b.runId]);
      expect((await s.getRun(b.runId)).info.status).toBe('KILLED');
    });

    test('artifacts: write, read, list; paths escaping the run folder or too long are refused', async (s) => {
      const exp = await s.createExperiment('e');
      const run = await s.createRun({ experimentId: exp.experimentId });
      const bytes = new Uint8Array([1, 2, 3, 250]);
      await s.putArtifact(run.runId, 'model/weights.bin', bytes);
      await s.putArtifact(run.runId, './notes.txt', new TextEncoder().encode('hi'));
      expect(await s.getArtifact(run.runId, 'model/weights.bin')).toEqual(bytes);
      expect(await s.listArtifacts(run.runId)).toEqual([
        { path: 'model', isDir: true, size: null },
        { path: 'notes.txt', isDir: false, size: 2 },
      ]);
      expect(await s.listArtifacts(run.runId, 'model')).toEqual([{ path: 'model/weights.bin', isDir: false, size: 4 }]);
      await s.putArtifact(run.runId, 'notes.txt', new TextEncoder().encode('hello'));
      expect(new TextDecoder().decode(await s.getArtifact(run.runId, 'notes.txt'))).toBe('hello');
      for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\..\\x', '', '..', 'a/\0b', 'x'.repeat(300), `a/${'é'.repeat(130)}`, 'abc/'.repeat(300)]) {
        const label = bad.length > 40 ? `${bad.slice(0, 20)}... (${bad.length})` : bad;
        const err = await s.putArtifact(run.runId, bad, bytes).catch((e: unknown) => e);
        expect(err, label).toBeInstanceOf(ArtifactPathError);
        expect((err as Error).message.length, label).toBeLessThan(400);
        await expect(s.getArtifact(run.runId, bad), label).rejects.toThrow(ArtifactPathError);
      }
      await expect(s.getArtifact(run.runId, 'missing.bin')).rejects.toThrow(NotFoundError);
      await expect(s.putArtifact(run.runId, 'model', bytes)).rejects.toThrow(ArtifactPathError);
      expect(await s.listArtifacts(run.runId, 'nothing-here')).toEqual([]);
    });

    it('transaction (when offered): commits together, rolls back together, others wait', async () => {
      await withOpen(open, async (s) => {
        if (!s.transaction) return;
        const exp = await s.createExperiment('e');
        const run = await s.createRun({ experimentId: exp.experimentId });
        const order: string[] = [];
        const tx = s.transaction(async (t) => {
          await t.logBatch(run.runId, { params: [{ key: 'a', value: '1' }] });
          await new Promise((r) => setTimeout(r, 5));
          await t.updateRun(run.runId, { status: 'FINISHED' });
          order.push('inside');
        });
        // A call on the store itself waits for the transaction to end.
        const outside = s.logBatch(run.runId, { tags: [{ key: 'outside', value: 'x' }] }).then(() => void order.push('outside'));
        await Promise.all([tx, outside]);
        expect(order).toEqual(['inside', 'outside']);
        expect((await s.getRun(run.runId)).info.status).toBe('FINISHED');
        const other = await s.createRun({ experimentId: exp.experimentId });
        await expect(
          s.transaction!(async (t) => {
            await t.logBatch(other.runId, { params: [{ key: 'lost', value: '1' }] });
            expect((await t.getRun(other.runId)).params).toEqual({ lost: '1' });
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect((await s.getRun(other.runId)).params).toEqual({});
      });
    });
  });
}

/** The ModelRegistryStore contract over one backend. */
export function describeModelRegistryStore(name: string, open: Opener<ModelRegistryStore>): void {
  describe(`ModelRegistryStore contract: ${name}`, () => {
    const test = (title: string, fn: (s: ModelRegistryStore) => Promise<void>) => it(title, () => withOpen(open, fn));
    const runId = 'a'.repeat(32);

    test('models, auto-increment versions, tags, aliases', async (s) => {
      const m = await s.createRegisteredModel('taxi-rf', { description: 'forest', tags: { owner: 'me' } });
      expect(m).toMatchObject({ name: 'taxi-rf', description: 'forest', tags: { owner: 'me' }, latestVersion: null, aliases: {} });
      await expect(s.createRegisteredModel('taxi-rf')).rejects.toThrow(AlreadyExistsError);
      await expect(s.createRegisteredModel('bad/name')).rejects.toThrow(/invalid/);
      const v1 = await s.createModelVersion('taxi-rf', { source: `runs:/${runId}/model`, runId, tags: { k: 'v' } });
      const v2 = await s.createModelVersion('taxi-rf', { source: `runs:/${runId}/model`, runId });
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1).toMatchObject({ source: `runs:/${runId}/model`, runId, tags: { k: 'v' }, aliases: [], stage: 'None', status: 'READY' });
      await s.setModelAlias('taxi-rf', 'champion', 1);
      expect((await s.getModelVersionByAlias('taxi-rf', 'champion')).version).toBe(1);
      await s.setModelAlias('taxi-rf', 'champion', 2);
      expect((await s.getModelVersionByAlias('taxi-rf', 'champion')).version).toBe(2);
      expect((await s.getModelVersion('taxi-rf', 2)).aliases).toEqual(['champion']);
      expect(await s.getRegisteredModel('taxi-rf')).toMatchObject({ latestVersion: 2, aliases: { champion: 2 } });
      await expect(s.setModelAlias('taxi-rf', 'x', 3)).rejects.toThrow(NotFoundError);
      await expect(s.setModelAlias('taxi-rf', 'latest', 1)).rejects.toThrow(/reserved/);
      await s.deleteModelAlias('taxi-rf', 'champion');
      await expect(s.getModelVersionByAlias('taxi-rf', 'champion')).rejects.toThrow(NotFoundError);
      await s.setModelVersionTag('taxi-rf', 1, 'note', 'first');
      expect((await s.getModelVersion('taxi-rf', 1)).tags).toEqual({ k: 'v', note: 'first' });
      await s.deleteModelVersionTag('taxi-rf', 1, 'k');
      expect((await s.getModelVersion('taxi-rf', 1)).tags).toEqual({ note: 'first' });
      await s.setRegisteredModelTag('taxi-rf', 'owner', 'you');
      await s.setRegisteredModelTag('taxi-rf', 'temp', 'x');
      await s.deleteRegisteredModelTag('taxi-rf', 'temp');
      await expect(s.deleteRegisteredModelTag('taxi-rf', 'temp')).rejects.toThrow(NotFoundError);
      expect(await s.updateRegisteredModel('taxi-rf', { description: 'd2' })).toMatchObject({ description: 'd2', tags: { owner: 'you' } });
      expect((await s.updateModelVersion('taxi-rf', 2, { description: 'second' })).description).toBe('second');
      await expect(s.getModelVersion('taxi-rf', 9)).rejects.toThrow(NotFoundError);
      await expect(s.createModelVersion('nope', { source: 'x' })).rejects.toThrow(NotFoundError);
    });

    test('search registered models and versions with filters, order and pages', async (s) => {
      for (const n of ['taxi-rf', 'taxi-gbm', 'bikes']) await s.createRegisteredModel(n, { tags: n.startsWith('taxi') ? { team: 'taxi' } : {} });
      const other = 'b'.repeat(32);
      await s.createModelVersion('taxi-rf', { source: `runs:/${runId}/model`, runId });
      await s.createModelVersion('taxi-rf', { source: `runs:/${other}/model`, runId: other });
      await s.createModelVersion('taxi-gbm', { source: `runs:/${other}/model`, runId: other, tags: { k: 'v' } });
      const models = async (q: Parameters<ModelRegistryStore['searchRegisteredModels']>[0]) => (await s.searchRegisteredModels(q)).models.map((m) => m.name);
      expect(await models({})).toEqual(['bikes', 'taxi-gbm', 'taxi-rf']);
      expect(await models({ filter: "name like 'taxi%'" })).toEqual(['taxi-gbm', 'taxi-rf']);
      expect(await models({ filter: "tags.team = 'taxi'", orderBy: ['name desc'] })).toEqual(['taxi-rf', 'taxi-gbm']);
      const page = await s.searchRegisteredModels({ maxResults: 2 });
      expect(page.models.map((m) => m.name)).toEqual(['bikes', 'taxi-gbm']);
      expect((await s.searchRegisteredModels({ maxResults: 2, pageToken: page.nextPageToken })).models.map((m) => m.name)).toEqual(['taxi-rf']);
      const versions = async (filter: string) => (await s.searchModelVersions({ filter })).versions.map((v) => `${v.name}/${v.version}`);
      expect(await versions("name = 'taxi-rf'")).toEqual(['taxi-rf/2', 'taxi-rf/1']);
      expect(await versions(`run_id = '${other}'`)).toEqual(['taxi-gbm/1', 'taxi-rf/2']);
      expect(await versions("tags.k = 'v'")).toEqual(['taxi-gbm/1']);
      expect(await versions('version_number > 1')).toEqual(['taxi-rf/2']);
      await expect(s.searchModelVersions({ filter: 'params.x = 1' })).rejects.toThrow(FilterSyntaxError);
    });

    test('stages: transition, archive the others, latest version per stage', async (s) => {
      await s.createRegisteredModel('m');
      for (let i = 0; i < 3; i++) await s.createModelVersion('m', { source: `runs:/${runId}/model`, runId });
      expect((await s.transitionModelVersionStage('m', 1, 'Production')).stage).toBe('Production');
      await s.transitionModelVersionStage('m', 2, 'Staging');
      await s.transitionModelVersionStage('m', 3, 'Production', true);
      expect((await s.getModelVersion('m', 1)).stage).toBe('Archived');
      expect((await s.getLatestVersions('m')).map((v) => [v.version, v.stage])).toEqual([
        [1, 'Archived'],
        [2, 'Staging'],
        [3, 'Production'],
      ]);
      expect((await s.getLatestVersions('m', ['Production'])).map((v) => v.version)).toEqual([3]);
      await expect(s.transitionModelVersionStage('m', 1, 'Gone' as 'None')).rejects.toThrow(/stage/);
    });

    test('delete versions and models; rename moves versions and aliases', async (s) => {
      await s.createRegisteredModel('m');
      for (let i = 0; i < 3; i++) await s.createModelVersion('m', { source: `runs:/${runId}/model`, runId });
      await s.setModelAlias('m', 'champion', 3);
      await s.deleteModelVersion('m', 3);
      await expect(s.getModelVersion('m', 3)).rejects.toThrow(NotFoundError);
      await expect(s.getModelVersionByAlias('m', 'champion')).rejects.toThrow(NotFoundError);
      expect((await s.getRegisteredModel('m')).latestVersion).toBe(2);
      // A deleted version's number is not handed out again.
      expect((await s.createModelVersion('m', { source: `runs:/${runId}/model`, runId })).version).toBe(4);
      await s.setModelAlias('m', 'champion', 2);
      await expect(s.renameRegisteredModel('m', 'm')).resolves.toMatchObject({ name: 'm' });
      await s.createRegisteredModel('taken');
      await expect(s.renameRegisteredModel('m', 'taken')).rejects.toThrow(AlreadyExistsError);
      const renamed = await s.renameRegisteredModel('m', 'm2');
      expect(renamed).toMatchObject({ name: 'm2', latestVersion: 4, aliases: { champion: 2 } });
      expect((await s.getModelVersionByAlias('m2', 'champion')).name).toBe('m2');
      await expect(s.getRegisteredModel('m')).rejects.toThrow(NotFoundError);
      await s.deleteRegisteredModel('m2');
      await expect(s.getRegisteredModel('m2')).rejects.toThrow(NotFoundError);
      expect((await s.searchModelVersions({ filter: "name = 'm2'" })).versions).toEqual([]);
      await expect(s.deleteRegisteredModel('m2')).rejects.toThrow(NotFoundError);
    });
  });
}
