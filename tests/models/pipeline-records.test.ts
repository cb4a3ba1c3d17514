/**
 * A fitted pipeline given malformed records (what a served model receives): every one is refused
 * with InvalidInputError naming the record and the key, for either model view; a key left out
 * stays a missing value.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { RandomForestRegressor } from '../../src/models/ensemble/index.js';
import { LinearRegression } from '../../src/models/linear/index.js';
import { Pipeline } from '../../src/models/pipeline.js';

const n = 400;
const records = Array.from({ length: n }, (_, i) => ({ PU_DO: `${(i * 7) % 13}_${(i * 11) % 17}`, trip_distance: ((i * 5) % 70) / 10 }));
const y = Float64Array.from(records, (r, i) => 3 * r.trip_distance + (i % 5));
const pipelines = {
  linear: new Pipeline(new LinearRegression()).fit(records, y),
  forest: new Pipeline(new RandomForestRegressor({ nEstimators: 5, maxDepth: 4, seed: 1 })).fit(records, y),
};
const ok = { PU_DO: records[0].PU_DO, trip_distance: 3 };

describe.each(Object.entries(pipelines))('%s pipeline', (_, p) => {
  const refused: [string, unknown, RegExp][] = [
    ['a string for a numeric key', { ...ok, trip_distance: '3' }, /record 1 key 'trip_distance' is "3"; the vectorizer was fitted with numbers for it/],
    ['a number for a categorical key', { ...ok, PU_DO: 43 }, /record 1 key 'PU_DO' is 43; the vectorizer was fitted with strings \(categories\) for it/],
    ['null for a key', { ...ok, trip_distance: null }, /record 1 key 'trip_distance' is null; .*leave the key out for a missing value/],
    ['a boolean', { ...ok, trip_distance: true }, /record 1 key 'trip_distance' is true/],
    ['a null record', null, /record 1 is null; expected an object/],
    ['a string record', 'PU_DO=1_2', /record 1 is "PU_DO=1_2"; expected an object/],
    ['an array record', [1, 2], /record 1 is an array/],
  ];
  it.each(refused)('refuses %s, naming the record and key', (_, bad, message) => {
    const err = (() => {
      try {
        p.predict([ok, bad as never]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(message);
  });

  it('predicts valid records as before; unknown keys are ignored, a left-out key is missing', () => {
    const reference = p.predict([ok])[0];
    expect(p.predict([{ ...ok, extra: 'x', other: 5 }])[0]).toBe(reference);
    expect(p.predict(records.slice(0, 50))).toEqual(p.model.predict(p.transform(records.slice(0, 50))));
    const missing = p.predict([{ PU_DO: ok.PU_DO }])[0];
    expect(Number.isNaN(missing) || Number.isFinite(missing)).toBe(true);
  });
});
