/**
 * Parameter names are looked up as own keys: names that live on every object's prototype
 * (`toString`, `constructor`, `__proto__`) are unknown parameters like any other.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { defineParams, resolveParams } from '../../src/core/params.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import { encodeArtifact } from '../../src/models/artifact.js';
import { RandomForestRegressor } from '../../src/models/ensemble/index.js';
import { loadModelSync } from '../../src/models/io.js';
import { LinearRegression } from '../../src/models/linear/index.js';
import { Study } from '../../src/tuning/index.js';

const spec = defineParams({ alpha: { type: 'float', default: 1, min: 0, doc: 'a' } });
const PROTOTYPE_NAMES = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__'];

describe('prototype names are not parameters', () => {
  it.each(PROTOTYPE_NAMES)('resolveParams refuses %s (also as an own key from JSON)', (name) => {
    const input = JSON.parse(`{"${name}": 3}`) as Record<string, unknown>;
    expect(Object.hasOwn(input, name)).toBe(true);
    expect(() => resolveParams('Thing', spec, input)).toThrow(new RegExp(`parameter '${name}' is not a parameter`));
    expect(resolveParams('Thing', spec, { alpha: 2 })).toEqual({ alpha: 2 });
  });

  it('estimators, the vectorizer and model files refuse them', () => {
    expect(() => new RandomForestRegressor({ toString: 3, constructor: 1 } as never)).toThrow(InvalidParameterError);
    expect(() => new DictVectorizer({ toString: 1 } as never)).toThrow(InvalidParameterError);
    const X = { format: 'dense' as const, nRows: 3, nCols: 1, data: new Float64Array([1, 2, 3]) };
    const artifact = new LinearRegression().fit(X, new Float64Array([1, 2, 3.5])).toArtifact();
    const forged = encodeArtifact({ ...artifact, header: { ...artifact.header, params: { ...artifact.header.params, toString: 1 } } });
    expect(() => loadModelSync(forged)).toThrow(/toString/);
  });

  it('a trial may name a parameter toString, sampled or fixed', () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const t = study.ask();
    const x = t.suggestFloat('toString', 0, 1);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(1);
    const fixed = study.ask({ constructor: 0.25 });
    expect(fixed.suggestFloat('constructor', 0, 1)).toBe(0.25);
    expect(fixed.suggestFloat('valueOf', 0, 1)).toBeTypeOf('number');
  });
});
