import { describe, expect, it } from 'vitest';
import { rmse } from '../../src/models/metrics/index.js';
import { modelKinds } from '../../src/models/kinds.js';
import { type FeatureColumns, ModelSearch, Study, hp, openSearchData, shareSearchData } from '../../src/index.js';
import { regressor } from '../helpers/models.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits } from '../helpers/taxi.js';

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

// The course homework: hyperopt over a RandomForestRegressor, 15 TPE evaluations, train on
// January 2021 green trips, validate on February. Its answer (and Optuna 3.1's best): 6.6255.
describe.skipIf(!REAL_TAXI_DIR)('homework search on real taxi data', () => {
  it('15 TPE trials on 2 workers reach val RMSE <= 6.628; the best trial refits to the same score', async () => {
    const { train, val } = await loadRealTaxiSplits();
    const data = shareSearchData({ train: { columns: train.columns, y: train.y }, val: { columns: val.columns, y: val.y } });
    // Binned once for every trial: the prepared view is a SharedArrayBuffer-backed binned dataset.
    expect((openSearchData(data).train.prepared as { format: string }).format).toBe('binned');
    const space = {
      maxDepth: hp.quniform('maxDepth', 1, 20, 1),
      nEstimators: hp.quniform('nEstimators', 10, 50, 1),
      minSamplesSplit: hp.quniform('minSamplesSplit', 2, 10, 1),
      minSamplesLeaf: hp.quniform('minSamplesLeaf', 1, 4, 1),
    };
    const study = new Study({ name: 'homework', seed: 42, sampler: 'tpe' });
    const search = new ModelSearch({ kind: 'random_forest', data, space });
    const res = await study.optimize(search, { nTrials: 15, nWorkers: 2, progress: false });
    expect(res.trials.map((t) => t.state)).toEqual(new Array(15).fill('COMPLETE'));
    const best = res.bestTrial!;
    expect(best.value).toBeLessThanOrEqual(6.628);
    for (const t of res.trials) {
      for (const k of ['maxDepth', 'nEstimators', 'minSamplesSplit', 'minSamplesLeaf']) expect(Number.isInteger(t.params[k])).toBe(true);
      // one report per tree: the forest-size curve
      expect(t.intermediate.length).toBe(t.params.nEstimators);
    }
    // Refit the best params in this thread on the same shared bins: same model, same score.
    const params = search.paramsOf(best.number)!;
    const shared = openSearchData(data);
    const model = regressor(modelKinds.get('random_forest').create(params).fit(shared.train.prepared as FeatureColumns, train.y));
    expect(rmse(val.y, model.predict(shared.val.prepared as FeatureColumns))).toBe(best.value);
    expect(search.bestModel?.trialNumber).toBe(best.number);
  });
});
