import { describe, expect, it } from 'vitest';
import { nearestCost } from '../../src/tuning/cost.js';
import type { Distribution } from '../../src/tuning/distributions.js';

const distributions: Record<string, Distribution> = {
  depth: { type: 'int', low: 1, high: 21 },
  lr: { type: 'float', low: 0.001, high: 1, log: true },
  kind: { type: 'categorical', choices: ['a', 'b'] },
};

describe('nearestCost', () => {
  it('is undefined before any trial finished', () => {
    expect(nearestCost([], { depth: 3, lr: 0.1, kind: 'a' }, distributions)).toBeUndefined();
  });

  it('returns the run time of the trial nearest in range-scaled params (log ranges on a log scale)', () => {
    const history = [
      { params: { depth: 20, lr: 0.1, kind: 'a' }, seconds: 9 },
      { params: { depth: 2, lr: 0.1, kind: 'a' }, seconds: 1 },
      { params: { depth: 11, lr: 0.001, kind: 'b' }, seconds: 5 },
    ];
    expect(nearestCost(history, { depth: 18, lr: 0.1, kind: 'a' }, distributions)).toBe(9);
    expect(nearestCost(history, { depth: 5, lr: 0.1, kind: 'a' }, distributions)).toBe(1);
    // depth 11 is halfway; lr 0.002 is one tenth of the log range from 0.001 but far from 0.1 on it.
    expect(nearestCost(history, { depth: 11, lr: 0.002, kind: 'b' }, distributions)).toBe(5);
    // A different choice counts as much as the whole range of a number.
    expect(nearestCost(history, { depth: 11, lr: 0.1, kind: 'b' }, distributions)).toBe(5);
    expect(nearestCost(history, { depth: 11, lr: 0.1, kind: 'a' }, distributions)).not.toBe(5);
    // A parameter one side lacks counts 1 as well.
    expect(nearestCost([{ params: { depth: 2 }, seconds: 7 }, { params: { depth: 20, lr: 0.1, kind: 'a' }, seconds: 3 }], { depth: 3, lr: 0.1, kind: 'a' }, distributions)).toBe(3);
  });
});
