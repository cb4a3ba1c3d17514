import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { ModelSearch, Study, TrialPool, hp, shareSearchData } from '../../src/index.js';
import { loadModelSync } from '../../src/models/io.js';
import { LogisticRegression } from '../../src/models/linear/logistic.js';
import { logLoss, rocAucScore } from '../../src/models/metrics/index.js';
import { WARNINGS_TAG } from '../../src/models/warnings.js';
import { diabetes, payments } from '../helpers/classification-fixtures.js';

// Trials run on worker threads; the kinds there are the default ones (logistic_regression among them).
const pool = new TrialPool({ nWorkers: 2 });
afterAll(() => pool.close());

describe('searching classifiers', () => {
  it("roc_auc is maximised: each trial's value is its model's validation AUC, the best model comes back", async () => {
    const { train, test } = diabetes();
    const data = shareSearchData({ train: { X: train.X, y: train.y }, val: { X: test.X, y: test.y } });
    const search = new ModelSearch({
      kind: 'logistic_regression',
      data,
      space: { C: hp.loguniform('C', 1e-4, 1e2) },
      fixed: { solver: 'liblinear' },
      metric: 'roc_auc',
      extraMetrics: ['logloss', 'accuracy'],
      pool,
    });
    expect(search.direction).toBe('maximize');
    const study = new Study({ seed: 4, direction: 'maximize' });
    await study.optimize(search, { nTrials: 6, nWorkers: 2, progress: false });
    const trials = study.trials.filter((t) => t.state === 'COMPLETE');
    expect(trials).toHaveLength(6);
    for (const t of trials) {
      const params = search.paramsOf(t.number)!;
      const model = new LogisticRegression(params).fit(train.X, train.y);
      const proba = model.predictProba(test.X);
      expect(t.value).toBeCloseTo(rocAucScore(test.y, proba.filter((_, i) => i % 2 === 1)), 12);
      expect(t.metrics.logloss).toBeCloseTo(logLoss(test.y, proba), 12);
    }
    const best = study.bestTrial!;
    expect(best.value).toBe(Math.max(...trials.map((t) => t.value as number)));
    const model = loadModelSync(search.bestModel!.bytes);
    if (model.task !== 'classification') throw new Error('expected a classifier');
    expect(model.classes).toEqual(Float64Array.of(0, 1));
    expect(rocAucScore(test.y, model.predictProba(test.X).filter((_, i) => i % 2 === 1))).toBeCloseTo(best.value as number, 12);
  });

  it('logloss (the default for classifiers) is minimised, with string labels', async () => {
    const { train, test } = payments();
    const data = shareSearchData({ train: { X: train.X, y: train.y }, val: { X: test.X, y: test.y } });
    const search = new ModelSearch({ kind: 'logistic_regression', data, space: { C: hp.loguniform('C', 1e-3, 1e2) }, extraMetrics: ['roc_auc'], pool });
    expect(search.metric).toBe('logloss');
    expect(search.direction).toBe('minimize');
    const study = new Study({ seed: 8 });
    await study.optimize(search, { nTrials: 4, nWorkers: 2, progress: false });
    const best = study.bestTrial!;
    const refit = new LogisticRegression(search.paramsOf(best.number)!).fit(train.X, train.y);
    expect(best.value).toBeCloseTo(logLoss(test.y, refit.predictProba(test.X)), 12);
    const model = loadModelSync(search.bestModel!.bytes);
    if (model.task !== 'classification') throw new Error('expected a classifier');
    expect(model.predict(test.X)).toEqual(refit.predict(test.X));
  });

  it("a trial's convergence warning is kept with the trial (user attr, hence its tracked run's tag)", async () => {
    const { train, test } = diabetes();
    const data = shareSearchData({ train: { X: train.X, y: train.y }, val: { X: test.X, y: test.y } });
    const search = new ModelSearch({ kind: 'logistic_regression', data, space: { C: hp.loguniform('C', 1, 10) }, fixed: { maxIter: 1 }, pool });
    const study = new Study({ seed: 1 });
    await study.optimize(search, { nTrials: 2, nWorkers: 2, progress: false });
    for (const t of study.trials) expect(t.userAttrs[WARNINGS_TAG]).toMatch(/^ConvergenceWarning: logistic_regression: the solver stopped after 1 iterations/);
  });

  it('a metric of the other task is refused up front', () => {
    const { train, test } = diabetes();
    const data = { train: { X: train.X, y: train.y }, val: { X: test.X, y: test.y } };
    expect(() => new ModelSearch({ kind: 'logistic_regression', data, metric: 'rmse' })).toThrow(InvalidParameterError);
    expect(() => new ModelSearch({ kind: 'logistic_regression', data, metric: 'rmse' })).toThrow(/a classification model needs one of .*logloss/);
    expect(() => new ModelSearch({ kind: 'ridge', data, metric: 'accuracy' })).toThrow(/a regression model needs one of .*rmse/);
    expect(() => new ModelSearch({ kind: 'logistic_regression', data, extraMetrics: ['r2'] })).toThrow(InvalidParameterError);
  });
});
