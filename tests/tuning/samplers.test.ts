import { describe, expect, it } from 'vitest';
import { InvalidParameterError, Rng } from '../../src/core/index.js';
import {
  type Distribution,
  type FrozenTrial,
  GridSampler,
  RandomSampler,
  type SamplerContext,
  Study,
  TPESampler,
  defaultGamma,
  defaultWeights,
  hp,
  samplers,
} from '../../src/tuning/index.js';
import { paramRng } from '../../src/tuning/sampler.js';
import { erfc, logNormalMass } from '../../src/tuning/tpe.js';

// Standard test functions (global minima: branin 0.397887, hartmann6 -3.32237, rosenbrock 0).
function branin(x: number, y: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
}
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
function hartmann6(x: number[]): number {
  const alpha = [1, 1.2, 3, 3.2];
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2;
    s -= alpha[i] * Math.exp(-inner);
  }
  return s;
}

async function bestOf(sampler: string, seed: number, nTrials: number, objective: (s: Study) => (t: import('../../src/tuning/index.js').Trial) => number) {
  const study = new Study({ sampler, seed });
  await study.optimize(objective(study), { nTrials, progress: false });
  return study.bestTrial?.value as number;
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

describe('TPE beats random search', () => {
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7];

  it('on Branin (2-d), 50 trials, mean best over 8 seeds', async () => {
    const space = { x: hp.uniform('x', -5, 10), y: hp.uniform('y', 0, 15) };
    const obj = () => (t: import('../../src/tuning/index.js').Trial) => {
      const p = t.sample(space);
      return branin(p.x, p.y);
    };
    const tpe = await Promise.all(seeds.map((s) => bestOf('tpe', s, 50, obj)));
    const rnd = await Promise.all(seeds.map((s) => bestOf('random', s, 50, obj)));
    // Regret to the global minimum: TPE at most 60% of random's.
    expect(mean(tpe) - 0.397887).toBeLessThan(0.6 * (mean(rnd) - 0.397887));
  });

  it('on Hartmann-6 with a mixed int/float/categorical space, 60 trials', async () => {
    // x0 quantised, x5 a choice: exercises the discrete Parzen paths too.
    const obj = () => (t: import('../../src/tuning/index.js').Trial) => {
      const x = [
        t.suggestInt('x0', 0, 20) / 20,
        t.suggestFloat('x1', 0, 1),
        t.suggestFloat('x2', 0, 1),
        t.suggestFloat('x3', 1e-3, 1, { log: true }),
        t.suggestFloat('x4', 0, 1),
        t.suggestCategorical('x5', [0, 0.33, 0.66, 1]),
      ];
      return hartmann6(x);
    };
    const tpe = await Promise.all(seeds.map((s) => bestOf('tpe', s, 60, obj)));
    const rnd = await Promise.all(seeds.map((s) => bestOf('random', s, 60, obj)));
    expect(mean(tpe)).toBeLessThan(mean(rnd) - 0.1);
  });

  it('on a conditional space it learns the better branch', async () => {
    const space = hp.choice('branch', [
      { kind: 'good' as const, x: hp.uniform('gx', -3, 3) },
      { kind: 'bad' as const, y: hp.uniform('by', -3, 3) },
    ]);
    const study = new Study({ sampler: new TPESampler({ nStartupTrials: 10 }), seed: 5 });
    await study.optimize((t) => {
      const p = t.sample(space);
      return p.kind === 'good' ? p.x * p.x : 5 + p.y * p.y;
    }, { nTrials: 60, progress: false });
    const late = study.trials.slice(30);
    expect(late.filter((t) => t.params.branch === 0).length).toBeGreaterThan(0.75 * late.length);
    for (const t of study.trials) expect('gx' in t.params).toBe(t.params.branch === 0);
    expect(study.bestTrial?.value).toBeLessThan(0.05);
  });
});

describe('TPE internals', () => {
  it('erfc and logNormalMass agree with a naive numerical integral', () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(erfc(1)).toBeCloseTo(0.157299207, 6);
    expect(erfc(-2)).toBeCloseTo(1.995322265, 6);
    const naive = (a: number, b: number): number => {
      let s = 0;
      const n = 20000;
      const h = (b - a) / n;
      for (let i = 0; i < n; i++) {
        const x = a + (i + 0.5) * h;
        s += Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      }
      return s * h;
    };
    for (const [a, b] of [[-1, 1], [0.5, 2], [-3, -0.2], [2, 6], [-8, -4]]) {
      const ref = naive(a, b);
      expect(Math.abs(Math.exp(logNormalMass(a, b)) - ref) / ref).toBeLessThan(1e-5);
    }
  });

  it('gamma and weights follow Optuna defaults', () => {
    expect([1, 10, 11, 100, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 25]);
    expect([...defaultWeights(3)]).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBe(1);
    for (let i = 1; i < 30; i++) expect(w[i]).toBeGreaterThanOrEqual(w[i - 1]);
  });

  const trial = (number: number, params: Record<string, number>, value: number): FrozenTrial => ({
    number,
    state: 'COMPLETE',
    value,
    params,
    distributions: {},
    intermediate: [],
    metrics: {},
    reason: null,
    seed: 0,
    startedAt: 0,
    finishedAt: 0,
    userAttrs: {},
  });

  it('samples near the good observations and away from pending ones', () => {
    const d: Distribution = { type: 'float', low: 0, high: 10 };
    const history = Array.from({ length: 30 }, (_, i) => trial(i, { x: (i * 7.3) % 10 }, Math.abs((i * 7.3) % 10 - 2)));
    const tpe = new TPESampler({ nStartupTrials: 0 });
    const ctx = (k: number, pending: SamplerContext['pending'] = []): SamplerContext => ({
      direction: 'minimize',
      trialNumber: k,
      seed: 1,
      history,
      pending,
      params: {},
      rng: paramRng(1, k, 'x'),
    });
    const xs = Array.from({ length: 200 }, (_, k) => tpe.sample(ctx(100 + k), 'x', d) as number);
    expect(mean(xs.map((x) => Math.abs(x - 2)))).toBeLessThan(1);
    // Same context -> same value (stateless sampler).
    expect(tpe.sample(ctx(100), 'x', d)).toBe(xs[0]);
    // Many pending trials at the optimum push the samples off it.
    const pending = Array.from({ length: 40 }, (_, i) => ({ number: 30 + i, params: { x: 2 + (i % 5) * 0.01 } }));
    const ys = Array.from({ length: 200 }, (_, k) => tpe.sample(ctx(100 + k, pending), 'x', d) as number);
    expect(mean(ys.map((x) => Math.abs(x - 2)))).toBeGreaterThan(mean(xs.map((x) => Math.abs(x - 2))));
  });

  it('integer and stepped distributions stay in their support', () => {
    const tpe = new TPESampler({ nStartupTrials: 0 });
    const dists: Distribution[] = [
      { type: 'int', low: 1, high: 20 },
      { type: 'int', low: 1, high: 1000, log: true },
      { type: 'float', low: 0.1, high: 0.9, step: 0.2 },
      { type: 'normal', mu: 0, sigma: 1 },
    ];
    for (const d of dists) {
      const history = Array.from({ length: 20 }, (_, i) => {
        const v = new RandomSampler().sample({ rng: new Rng(i) } as SamplerContext, 'p', d) as number;
        return trial(i, { p: v }, v * v);
      });
      for (let k = 0; k < 50; k++) {
        const v = tpe.sample({ direction: 'minimize', trialNumber: 50 + k, seed: 0, history, pending: [], params: {}, rng: new Rng(k) }, 'p', d) as number;
        if (d.type === 'int') expect(Number.isInteger(v) && v >= d.low && v <= d.high).toBe(true);
        if (d.type === 'float') expect([0.1, 0.3, 0.5, 0.7, 0.9]).toContain(v);
        if (d.type === 'normal') expect(Number.isFinite(v)).toBe(true);
      }
    }
  });

  it('rejects bad options, and samplers are found by name', () => {
    expect(() => new TPESampler({ nStartupTrials: -1 })).toThrow(InvalidParameterError);
    expect(() => new TPESampler({ nEiCandidates: 0 })).toThrow(/nEiCandidates/);
    expect(samplers.names().sort()).toEqual(['grid', 'random', 'tpe']);
    expect(samplers.get('tpe')({ nStartupTrials: 3 })).toBeInstanceOf(TPESampler);
    expect(() => samplers.get('cmaes')).toThrow(/unknown sampler 'cmaes'/);
  });
});

describe('GridSampler', () => {
  it('visits every grid point once per cycle, in order or shuffled by seed', () => {
    const g = new GridSampler({ a: [1, 2, 3], b: ['x', 'y'] }, { shuffle: true });
    const seen = new Set<string>();
    for (let k = 0; k < 6; k++) {
      const ctx = { trialNumber: k, seed: 9 } as SamplerContext;
      seen.add(`${g.sample(ctx, 'a', { type: 'categorical', choices: [1, 2, 3] })}${g.sample(ctx, 'b', { type: 'categorical', choices: ['x', 'y'] })}`);
    }
    expect(seen.size).toBe(6);
    expect(() => g.sample({ trialNumber: 0, seed: 0 } as SamplerContext, 'c', { type: 'int', low: 0, high: 1 })).toThrow(/not in the grid/);
    expect(() => new GridSampler({ a: [] })).toThrow(/non-empty/);
  });
});
