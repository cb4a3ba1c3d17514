import { describe, expect, it } from 'vitest';
import { JSON_MAX_DEPTH, exceedsDepth } from '../../src/core/limits.js';
import { Rng } from '../../src/core/rng.js';

/** Depth by plain recursion (the reference; fine on the small values below). */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

function randomValue(rng: Rng, budget: number): unknown {
  const r = rng.float();
  if (budget <= 0 || r < 0.3) return r < 0.1 ? null : r < 0.2 ? 'x' : r;
  const n = rng.below(4);
  if (r < 0.65) return Array.from({ length: n }, () => randomValue(rng, budget - 1));
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, randomValue(rng, budget - 1)]));
}

describe('exceedsDepth', () => {
  it('agrees with a recursive reference on random values, at every threshold', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 500; t++) {
      const v = randomValue(rng, 8);
      const depth = depthOf(v);
      for (let max = 0; max <= 9; max++) expect(exceedsDepth(v, max)).toBe(depth > max);
    }
  });

  it('walks 200,000 levels without recursing (what JSON.parse accepts)', () => {
    const deep = JSON.parse(`${'['.repeat(2e5)}${']'.repeat(2e5)}`);
    expect(exceedsDepth(deep)).toBe(true);
    const shallow = JSON.parse(`${'['.repeat(JSON_MAX_DEPTH)}${']'.repeat(JSON_MAX_DEPTH)}`);
    expect(exceedsDepth(shallow)).toBe(false);
  });
});
