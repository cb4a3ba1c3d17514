import { afterAll, describe, expect, it } from 'vitest';
import { regressor } from '../helpers/models.js';
import { Rng } from '../../src/core/rng.js';
import type { FeatureColumns } from '../../src/features/matrix.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { type BinnedDataset, binColumns, binLike } from '../../src/models/tree/binning.js';
import { GridSampler, MedianPruner, ModelSearch, Study, TrialPool, hp, isShared, openSearchData, shareSearchData } from '../../src/index.js';
import { toyData, toyKind } from './fixtures/toy-kind.js';

const kindModules = [new URL('./fixtures/toy-kind.ts', import.meta.url)];
const data = shareSearchData(toyData());
const space = { lr: hp.loguniform('lr', 0.001, 1), rounds: hp.quniform('rounds', 5, 40, 1) };

// One warm pool shared by the tests that do not crash workers (thread start-up paid once).
const pool = new TrialPool({ nWorkers: 2, kindModules });
afterAll(() => pool.close());

describe('shared search data', () => {
  it('puts every array in shared memory once and reopens views over the same memory', () => {
    expect(data.arrays.every((a) => isShared(a))).toBe(true);
    const back = openSearchData(data);
    const X = back.train.X as { data: Float64Array; nRows: number };
    expect(X.nRows).toBe(400);
    expect(X.data).toBe(data.arrays.find((a) => a === X.data));
    expect(Array.from(back.val.y as Float64Array)).toEqual(Array.from(toyData().val.y as Float64Array));
    expect(() => shareSearchData({ train: { y: new Float64Array(1) }, val: { y: new Float64Array(1) } })).toThrow(/no X, columns or prepared/);
  });

  it('bins a column view once (train cuts applied to validation) unless asked not to', () => {
    const cols = (offset: number): FeatureColumns => ({
      format: 'columns',
      nRows: 50,
      columns: [
        { kind: 'categorical', name: 'zone', codes: Int32Array.from({ length: 50 }, (_, i) => (i + offset) % 4), categories: ['a', 'b', 'c'] },
        { kind: 'numeric', name: 'dist', values: Float64Array.from({ length: 50 }, (_, i) => ((i * 7 + offset) % 50) / 5) },
      ],
    });
    const y = new Float64Array(50);
    const shared = shareSearchData({ train: { columns: cols(0), y }, val: { columns: cols(3), y } });
    const back = openSearchData(shared);
    const train = back.train.prepared as BinnedDataset;
    const val = back.val.prepared as BinnedDataset;
    expect(train.format).toBe('binned');
    expect(isShared(train.features[1].bins)).toBe(true);
    // the same binning as doing it by hand
    const ref = binColumns(cols(0));
    expect(Array.from(train.features[1].bins)).toEqual(Array.from(ref.features[1].bins));
    expect(Array.from(val.features[1].bins)).toEqual(Array.from(binLike(ref, cols(3)).features[1].bins));
    // unseen code 3 maps to the reserved unknown bin
    expect(Math.max(...val.features[0].bins)).toBe(3);
    expect(openSearchData(shareSearchData({ train: { columns: cols(0), y }, val: { columns: cols(3), y } }, { bin: false })).train.prepared).toBeUndefined();
  });
});

describe('model search on the trial pool', () => {
  it('warm-up reaches every thread once (modules loaded, search data opened)', async () => {
    for (let round = 0; round < 2; round++) {
      const threads = await pool.warm(data);
      expect(threads.length).toBe(2);
      expect(new Set(threads).size).toBe(2);
      expect(threads.every((t) => t > 0)).toBe(true);
    }
  });

  it('fits on workers; params, values and best trial are identical for 1 and 2 workers', async () => {
    const run = async (nWorkers: number) => {
      const study = new Study({ seed: 5, sampler: 'tpe' });
      const search = new ModelSearch({ kind: 'toy', data, space, pool });
      await study.optimize(search, { nTrials: 16, nWorkers, progress: false });
      return { study, search };
    };
    const one = await run(1);
    const two = await run(2);
    const strip = (s: Study) => s.trials.map((t) => ({ n: t.number, state: t.state, params: t.params, value: t.value }));
    expect(strip(two.study)).toEqual(strip(one.study));
    expect(one.study.trials.map((t) => t.reason ?? t.state)).toEqual(one.study.trials.map(() => "COMPLETE"));
    const best = one.study.bestTrial!;
    expect(two.study.bestTrial?.number).toBe(best.number);
    // the value is the metric of the fitted model on validation: check against a local fit
    const params = one.search.paramsOf(best.number)!;
    expect(params.seed).toBe(best.seed);
    const local = regressor(toyKind.create(params).fit(toyData().train.X, toyData().train.y));
    const pred = local.predict(toyData().val.X);
    const y = toyData().val.y;
    const rmse = Math.sqrt(pred.reduce((s, p, i) => s + (p - y[i]) ** 2, 0) / y.length);
    expect(best.value).toBeCloseTo(rmse, 12);
    // every iteration's report is recorded as the trial's curve
    expect(best.intermediate.length).toBe(params.rounds);
    // the kept model is the best trial's
    const kept = one.search.bestModel!;
    expect(kept.trialNumber).toBe(best.number);
    const art = decodeArtifact(kept.bytes);
    expect(art.header.kind).toBe('toy');
    expect(art.arrays.w[0]).toBeCloseTo((local as unknown as { w: number }).w, 12);
  });

  it('a pruned trial stops its worker task; pruning is the same for 1 and 2 workers', async () => {
    const run = async (nWorkers: number) => {
      const study = new Study({ seed: 9, sampler: 'random', pruner: new MedianPruner({ nStartupTrials: 3 }) });
      const search = new ModelSearch({ kind: 'toy', data, space: { lr: hp.loguniform('lr', 0.001, 1) }, fixed: { rounds: 60, stepMs: 2 }, pool });
      await study.optimize(search, { nTrials: 14, nWorkers, progress: false });
      return study;
    };
    const one = await run(1);
    const two = await run(2);
    const pruned = one.trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(2);
    for (const t of pruned) {
      const stop = t.intermediate[t.intermediate.length - 1].step;
      expect(t.reason).toBe(`pruned at step ${stop}`);
      // the fit ran at most a few steps past the decision, far from its 60 rounds
      expect(t.metrics.fitIterations).toBeLessThan(stop + 10);
      expect(t.metrics.fitIterations).toBeLessThan(60);
    }
    const strip = (s: Study) => s.trials.map((t) => [t.state, t.params, t.intermediate.length]);
    expect(strip(two)).toEqual(strip(one));
  });

  it('a throw, a NaN score, a worker exit and a hung trial fail only that trial', async () => {
    // The grid fixes which trial misbehaves how.
    const modes = ['ok', 'throw', 'nan', 'exit', 'ok', 'hang', 'ok', 'exit', 'ok'];
    const study = new Study({ seed: 3, sampler: new GridSampler({ mode: modes, lr: [0.3] }) });
    const search = new ModelSearch({
      kind: 'toy',
      data,
      space: { lr: hp.uniform('lr', 0.1, 0.5), mode: hp.choice('mode', ['ok', 'throw', 'nan', 'exit', 'hang']) },
      kindModules,
    });
    const res = await study.optimize(search, { nTrials: modes.length, nWorkers: 2, trialTimeout: 5, progress: false });
    expect(res.trials.map((t) => t.number)).toEqual(modes.map((_, i) => i));
    expect(res.trials.map((t) => t.params.mode)).toEqual(modes);
    const seen = new Set<string>();
    const expected = (mode: string) => (mode === 'ok' ? 'COMPLETE' : 'FAIL');
    expect(res.trials.map((t) => `${t.params.mode} ${t.state} ${t.reason}`)).toEqual(
      res.trials.map((t) => `${t.params.mode} ${expected(t.params.mode as string)} ${t.reason}`),
    );
    for (const t of res.trials) {
      const mode = t.params.mode as string;
      seen.add(mode);
      if (mode === 'ok') expect(t.reason ?? t.state).toBe('COMPLETE');
      else expect(t.state).toBe('FAIL');
      if (mode === 'throw') expect(t.reason).toContain('toy: asked to throw');
      if (mode === 'nan') expect(t.reason).toBe('objective value is NaN');
      if (mode === 'exit') expect(t.reason).toMatch(/exit/i);
      if (mode === 'hang') expect(t.reason).toBe('timed out after 5 s');
    }
    expect([...seen].sort()).toEqual(['exit', 'hang', 'nan', 'ok', 'throw']);
    expect(res.bestTrial?.state).toBe('COMPLETE');
  });

  it('idle threads grow trees of a running forest trial: same value and model as without help', async () => {
    const rng = new Rng(8);
    const columns = (n: number): { columns: FeatureColumns; y: Float64Array } => {
      const codes = Int32Array.from({ length: n }, () => rng.below(30));
      const dist = Float64Array.from({ length: n }, () => rng.float() * 20);
      const y = Float64Array.from({ length: n }, (_, i) => (codes[i] % 5) + dist[i] + rng.normal(0, 1));
      return {
        columns: {
          format: 'columns',
          nRows: n,
          columns: [
            { kind: 'categorical', name: 'zone', codes, categories: Array.from({ length: 30 }, (_, k) => `z${k}`) },
            { kind: 'numeric', name: 'dist', values: dist },
          ],
        },
        y,
      };
    };
    const forestData = shareSearchData({ train: columns(4000), val: columns(1000) });
    // One trial on two threads: the second has nothing to run but the first trial's trees.
    const run = async (helpIdle: boolean) => {
      const search = new ModelSearch({ kind: 'random_forest', data: forestData, space: { maxDepth: hp.quniform('maxDepth', 8, 8, 1) }, fixed: { nEstimators: 300 }, pool, helpIdle });
      const res = await new Study({ seed: 2 }).optimize(search, { nTrials: 1, nWorkers: 2, progress: false });
      return { value: res.bestTrial?.value, model: decodeArtifact(search.bestModel!.bytes), helped: search.treesGrownByHelpers };
    };
    const alone = await run(false);
    const helped = await run(true);
    expect(alone.helped).toBe(0);
    expect(helped.helped).toBeGreaterThan(0);
    expect(helped.value).toBe(alone.value);
    // every trial task left the pool's queue count (helpers give way while it is above 0)
    expect(pool.trialsWaiting).toBe(0);
    for (const [name, arr] of Object.entries(alone.model.arrays)) expect(Buffer.from(helped.model.arrays[name].buffer).equals(Buffer.from(arr.buffer)), name).toBe(true);
  });

  it('checks the metric direction and the pool size', async () => {
    const search = new ModelSearch({ kind: 'toy', data, space, metric: 'r2', pool });
    expect(search.direction).toBe('maximize');
    await expect(new Study().optimize(search, { nTrials: 1 })).rejects.toThrow(/must be 'maximize'/);
    const s2 = new ModelSearch({ kind: 'toy', data, space, pool });
    await expect(new Study({ seed: 1 }).optimize(s2, { nTrials: 1, nWorkers: 3 })).rejects.toThrow(/pool's 2 workers/);
    expect(() => new ModelSearch({ kind: 'nope', data, space })).toThrow(/unknown model kind 'nope'/);
  });
});
