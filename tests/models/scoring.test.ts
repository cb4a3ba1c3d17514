import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError } from '../../src/core/errors.js';
import { LinearRegression, LogisticRegression } from '../../src/models/linear/index.js';
import { logLoss, rmse, rocAucScore } from '../../src/models/metrics/index.js';
import { DEFAULT_METRICS, scoreModel } from '../../src/models/scoring.js';
import { diabetes, payments } from '../helpers/classification-fixtures.js';

describe('scoreModel', () => {
  const { train, test } = diabetes();

  it('scores a classifier on its probabilities and a regressor on its predictions', () => {
    const clf = new LogisticRegression({ C: 100 }).fit(train.X, train.y);
    const proba = clf.predictProba(test.X);
    const got = scoreModel(clf, test.X, test.y, DEFAULT_METRICS.classification);
    expect(got.logloss).toBe(logLoss(test.y, proba));
    expect(got.roc_auc).toBe(rocAucScore(test.y, proba.filter((_, i) => i % 2 === 1)));
    // A precomputed prediction is used as given.
    expect(scoreModel(clf, test.X, test.y, ['logloss'], proba).logloss).toBe(got.logloss);
    const reg = new LinearRegression().fit(train.X, train.y);
    expect(scoreModel(reg, test.X, test.y, ['rmse']).rmse).toBe(rmse(test.y, reg.predict(test.X)));
  });

  it('names what cannot be scored', () => {
    const clf = new LogisticRegression().fit(train.X, train.y);
    expect(() => scoreModel(clf, test.X, test.y, ['rmse'])).toThrow(InvalidParameterError);
    const labels = Float64Array.from(test.y, (v) => v + 1);
    expect(() => scoreModel(clf, test.X, labels, ['logloss'])).toThrow(/label 2 at row \d+ is not one of the classes/);
    const p = payments();
    const strings = new LogisticRegression().fit(p.train.X, p.train.y);
    expect(() => scoreModel(new LinearRegression().fit(train.X, train.y), test.X, p.test.y, ['rmse'])).toThrow(InvalidInputError);
    expect(scoreModel(strings, p.test.X, p.test.y, ['accuracy']).accuracy).toBeGreaterThan(0.5);
  });
});
