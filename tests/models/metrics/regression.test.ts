import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { isBetter, mae, mape, metrics, mse, r2, rmse } from '../../../src/models/metrics/index.js';

// Naive references written from the definitions, on plain arrays.
const ref = {
  mse: (t: number[], p: number[]) => t.map((v, i) => (v - p[i]) ** 2).reduce((a, b) => a + b, 0) / t.length,
  rmse: (t: number[], p: number[]) => Math.sqrt(ref.mse(t, p)),
  mae: (t: number[], p: number[]) => t.map((v, i) => Math.abs(v - p[i])).reduce((a, b) => a + b, 0) / t.length,
  r2: (t: number[], p: number[]) => {
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const tot = t.map((v) => (v - mean) ** 2).reduce((a, b) => a + b, 0);
    return 1 - t.map((v, i) => (v - p[i]) ** 2).reduce((a, b) => a + b, 0) / tot;
  },
  mape: (t: number[], p: number[]) => t.map((v, i) => Math.abs(v - p[i]) / Math.abs(v)).reduce((a, b) => a + b, 0) / t.length,
};

describe('regression metrics', () => {
  const rng = new Rng(3);
  const t = Array.from({ length: 500 }, () => rng.normal(10, 4));
  const p = t.map((v) => v + rng.normal(0.5, 2));
  const ft = Float64Array.from(t);
  const fp = Float64Array.from(p);

  it.each([
    ['mse', mse],
    ['rmse', rmse],
    ['mae', mae],
    ['r2', r2],
    ['mape', mape],
  ] as const)('%s equals the naive definition', (name, fn) => {
    expect(fn(ft, fp)).toBeCloseTo(ref[name](t, p), 10);
    expect(metrics.get(name).fn(ft, fp)).toBe(fn(ft, fp));
  });

  it('handles exact predictions and constant targets like scikit-learn', () => {
    expect(rmse(ft, ft)).toBe(0);
    expect(r2(ft, ft)).toBe(1);
    expect(r2(Float64Array.of(2, 2), Float64Array.of(2, 2))).toBe(1);
    expect(r2(Float64Array.of(2, 2), Float64Array.of(1, 3))).toBe(0);
    expect(mape(Float64Array.of(0), Float64Array.of(1))).toBeGreaterThan(1e15);
  });

  it('registry: names, directions, isBetter, errors', () => {
    expect(metrics.names().filter((m) => metrics.get(m).task === 'regression').sort()).toEqual(['mae', 'mape', 'mse', 'r2', 'rmse']);
    expect(metrics.get('rmse').direction).toBe('min');
    expect(metrics.get('r2').direction).toBe('max');
    expect(isBetter('rmse', 1, 2)).toBe(true);
    expect(isBetter('r2', 0.5, 0.9)).toBe(false);
    expect(() => metrics.get('nope')).toThrow(NotFoundError);
    expect(() => rmse(Float64Array.of(1, 2), Float64Array.of(1))).toThrow(InvalidInputError);
    expect(() => mae(new Float64Array(0), new Float64Array(0))).toThrow(/empty/);
  });
});
