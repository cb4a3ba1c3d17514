import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { FeatureColumns } from '../../../src/features/matrix.js';
import { decodeArtifact } from '../../../src/models/artifact.js';
import { loadModelArtifact } from '../../../src/models/registry.js';
import { rmse } from '../../../src/models/metrics/index.js';
import { regressor } from '../../helpers/models.js';
import { MedianPruner, ModelSearch, NEURAL_BACKEND_TAG, Study, TrackingClient, TrialPool, hp, shareSearchData, trackStudy } from '../../../src/index.js';

/** y = effect of the zone pair + distance (zones as two categoricals). */
function split(seed: number, n: number): { columns: FeatureColumns; y: Float64Array } {
  const rng = new Rng(seed);
  const zones = Array.from({ length: 12 }, (_, i) => `z${i}`);
  const pu = Int32Array.from({ length: n }, () => rng.below(12));
  const dof = Int32Array.from({ length: n }, () => rng.below(12));
  const dist = Float64Array.from({ length: n }, () => rng.uniform(0, 10));
  const y = Float64Array.from({ length: n }, (_, i) => 2 * dist[i] + Math.abs(pu[i] - dof[i]) + rng.normal(0, 0.3));
  return {
    columns: {
      format: 'columns',
      nRows: n,
      columns: [
        { kind: 'categorical', name: 'PU', codes: pu, categories: zones },
        { kind: 'categorical', name: 'DO', codes: dof, categories: zones },
        { kind: 'numeric', name: 'trip_distance', values: dist },
      ],
    },
    y,
  };
}

const train = split(1, 1200);
const val = split(2, 400);
// Raw columns: the neural kind does not train on the trees' bins.
const data = shareSearchData({ train, val }, { bin: false });
const space = { learningRate: hp.loguniform('learningRate', 1e-3, 3e-2), hiddenUnits: hp.quniform('hiddenUnits', 8, 32, 1) };
const fixed = { epochs: 4, batchSize: 128, backend: 'wasm' };
const pool = new TrialPool({ nWorkers: 2 });
afterAll(() => pool.close());

describe('neural search on the trial pool', () => {
  it('trains in worker threads (each its own backend): same trials for 1 and 2 workers, per-epoch reports, the best model loads', async () => {
    const run = async (nWorkers: number) => {
      const study = new Study({ seed: 3, sampler: 'tpe' });
      const search = new ModelSearch({ kind: 'mlp_regressor', data, space, fixed, pool });
      await study.optimize(search, { nTrials: 4, nWorkers, progress: false });
      return { study, search };
    };
    const one = await run(1);
    const two = await run(2);
    const strip = (s: Study) => s.trials.map((t) => ({ state: t.state, params: t.params, value: t.value, curve: t.intermediate }));
    expect(strip(two.study)).toEqual(strip(one.study));
    for (const t of one.study.trials) {
      expect(t.state).toBe('COMPLETE');
      expect(t.intermediate.map((r) => r.step)).toEqual([1, 2, 3, 4].slice(0, t.intermediate.length));
    }
    // Each trial says which backend trained it: a user attribute, and a tag of its tracked run.
    for (const t of one.study.trials) expect(t.userAttrs[NEURAL_BACKEND_TAG]).toBe('wasm');
    const best = one.study.bestTrial!;
    const model = regressor(loadModelArtifact(decodeArtifact(one.search.bestModel!.bytes)));
    expect(model.kind).toBe('mlp_regressor');
    expect(rmse(val.y, model.predict(val.columns))).toBe(best.value);
  });

  it('tracked trials carry the backend tag', async () => {
    const client = new TrackingClient('memory:');
    const study = new Study({ seed: 5, sampler: 'random' });
    const tracker = await trackStudy(client, study, { experiment: 'neural', runName: 'mlp search' });
    await study.optimize(new ModelSearch({ kind: 'mlp_regressor', data, space, fixed: { ...fixed, epochs: 1 }, pool }), { nTrials: 2, nWorkers: 2, progress: false });
    expect(tracker.runIds.size).toBe(2);
    for (const runId of tracker.runIds.values()) expect((await client.getRun(runId)).tags[NEURAL_BACKEND_TAG]).toBe('wasm');
    await client.close();
  });

  it('a median pruner stops trials by their epoch reports', async () => {
    const study = new Study({ seed: 4, sampler: 'random', pruner: new MedianPruner({ nStartupTrials: 2 }) });
    const search = new ModelSearch({
      kind: 'mlp_regressor',
      data,
      space: { learningRate: hp.loguniform('learningRate', 1e-5, 3e-2) },
      fixed: { ...fixed, epochs: 6, hiddenUnits: 8 },
      pool,
    });
    await study.optimize(search, { nTrials: 10, nWorkers: 2, progress: false });
    const pruned = study.trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.intermediate.length).toBeLessThan(6);
  });
});
