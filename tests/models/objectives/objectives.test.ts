import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type Objective, createObjective } from '../../../src/models/objectives/index.js';

/** Targets and raw scores for `n` rows of objective `name` with `nClasses` classes (1: regression). */
function problem(name: string, seed: number, n: number, nClasses: number) {
  const rng = new Rng(seed);
  const K = name === 'softmax' ? nClasses : 1;
  const y = Float64Array.from({ length: n }, () => (nClasses === 1 ? 10 * rng.float() - 5 : rng.below(nClasses)));
  const raw = Float64Array.from({ length: K * n }, () => 6 * rng.float() - 3);
  return { y, raw, K };
}

const CASES: [string, number][] = [
  ['squared_error', 1],
  ['binary_log_loss', 2],
  ['softmax', 2],
  ['softmax', 4],
];

/** Row i's loss as a function of its raw scores (a one-row problem). */
function rowLoss(obj: Objective, y: number, scores: Float64Array): number {
  return obj.loss(Float64Array.of(y), scores);
}

describe('boosting objectives', () => {
  for (const [name, nClasses] of CASES) {
    it(`${name} (${nClasses} classes): gradient and hessian equal finite differences of the loss`, () => {
      const obj = createObjective(name, nClasses);
      const n = 40;
      const { y, raw, K } = problem(name, 1 + nClasses, n, nClasses);
      expect(obj.nOutputs).toBe(K);
      const g = new Float64Array(K * n);
      const h = new Float64Array(K * n);
      obj.gradients(y, raw, g, h);
      const eps = 1e-4;
      for (let i = 0; i < n; i++) {
        const scores = Float64Array.from({ length: K }, (_, k) => raw[k * n + i]);
        for (let k = 0; k < K; k++) {
          const at = (d: number) => {
            const s = scores.slice();
            s[k] += d;
            return rowLoss(obj, y[i], s);
          };
          const l0 = at(0);
          const lp = at(eps);
          const lm = at(-eps);
          expect(g[k * n + i]).toBeCloseTo((lp - lm) / (2 * eps), 6);
          expect(h[k * n + i]).toBeCloseTo((lp - 2 * l0 + lm) / (eps * eps), 4);
        }
      }
    });

    it(`${name} (${nClasses} classes): the initial score is the best constant (gradients sum to zero there)`, () => {
      const obj = createObjective(name, nClasses);
      const n = 300;
      const { y, K } = problem(name, 7, n, nClasses);
      const init = obj.initScore(y);
      expect(init.length).toBe(K);
      const raw = new Float64Array(K * n);
      for (let k = 0; k < K; k++) raw.fill(init[k], k * n, (k + 1) * n);
      const g = new Float64Array(K * n);
      obj.gradients(y, raw, g, new Float64Array(K * n));
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += g[k * n + i];
        expect(Math.abs(s) / n).toBeLessThan(1e-12);
      }
      // Nudging any output away raises the loss.
      const l0 = obj.loss(y, raw);
      for (let k = 0; k < K; k++) {
        for (const d of [-0.05, 0.05]) {
          const moved = raw.slice();
          for (let i = 0; i < n; i++) moved[k * n + i] += d;
          expect(obj.loss(y, moved)).toBeGreaterThan(l0);
        }
      }
    });
  }

  it('classification objectives: transform gives probabilities whose log loss is the loss', () => {
    const n = 50;
    for (const [name, nClasses] of CASES.slice(1)) {
      const obj = createObjective(name, nClasses);
      const { y, raw, K } = problem(name, 9, n, nClasses);
      const p = new Float64Array(K * n);
      obj.transform(raw, p);
      let logLoss = 0;
      for (let i = 0; i < n; i++) {
        if (K === 1) {
          expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-raw[i])), 14);
          logLoss -= Math.log(y[i] === 1 ? p[i] : 1 - p[i]);
        } else {
          let sum = 0;
          for (let k = 0; k < K; k++) sum += p[k * n + i];
          expect(sum).toBeCloseTo(1, 14);
          logLoss -= Math.log(p[y[i] * n + i]);
        }
      }
      expect(obj.loss(y, raw)).toBeCloseTo(logLoss / n, 12);
    }
  });

  it('softmax and binary log loss stay finite for extreme raw scores; the prior of a missing class is floored', () => {
    const y = Float64Array.of(0, 2, 2);
    const sm = createObjective('softmax', 3);
    const raw = Float64Array.of(800, -800, 0, 0, 0, 0, -800, 800, 0);
    const g = new Float64Array(9);
    const h = new Float64Array(9);
    sm.gradients(y, raw, g, h);
    for (const v of [...g, ...h]) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(sm.loss(y, raw))).toBe(true);
    const init = sm.initScore(y);
    expect(init.every(Number.isFinite)).toBe(true);
    expect(init[1]).toBeLessThan(init[0] - 20);
    const bin = createObjective('binary_log_loss', 2);
    expect(Number.isFinite(bin.loss(Float64Array.of(0, 1), Float64Array.of(800, -800)))).toBe(true);
    expect(bin.initScore(Float64Array.of(1, 1, 1))[0]).toBeGreaterThan(30);
  });

  it('is chosen by name from the registry, for a matching class count', () => {
    expect(createObjective('squared_error').name).toBe('squared_error');
    expect(() => createObjective('binary_log_loss', 3)).toThrow(/2 classes/);
    expect(() => createObjective('softmax', 1)).toThrow(/at least 2/);
    expect(() => createObjective('squared_error', 2)).toThrow(/regression/);
    expect(() => createObjective('hinge')).toThrow(/hinge/);
  });
});
