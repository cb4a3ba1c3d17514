import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidParameterError, Rng, defineParams } from '../../src/core/index.js';
import {
  GridSampler,
  RandomSampler,
  Study,
  type ValueOf,
  contains,
  gridValues,
  hp,
  sampleFromPrior,
  sampleSpace,
  spaceFromParams,
  spaceParams,
} from '../../src/tuning/index.js';

const homework = {
  maxDepth: hp.quniform('maxDepth', 1, 20, 1),
  nEstimators: hp.quniform('nEstimators', 10, 50, 1),
  minSamplesSplit: hp.quniform('minSamplesSplit', 2, 10, 1),
  minSamplesLeaf: hp.quniform('minSamplesLeaf', 1, 4, 1),
  seed: 42,
};

describe('hp spaces', () => {
  it('infers the params type from the space', () => {
    const space = {
      lr: hp.loguniform('lr', 1e-3, 1),
      loss: hp.choice('loss', ['l2', 'huber'] as const),
      model: hp.choice('model', [
        { type: 'linear' as const, alpha: hp.uniform('alpha', 0, 1) },
        { type: 'tree' as const, depth: hp.randint('depth', 1, 10) },
      ]),
      fixed: 3,
    };
    type P = ValueOf<typeof space>;
    expectTypeOf<P['lr']>().toEqualTypeOf<number>();
    expectTypeOf<P['loss']>().toEqualTypeOf<'l2' | 'huber'>();
    expectTypeOf<P['model']>().toEqualTypeOf<{ type: 'linear'; alpha: number } | { type: 'tree'; depth: number }>();
    expectTypeOf<P['fixed']>().toEqualTypeOf<number>();
  });

  it('integer quniform ranges give integers in range; choices give values, never indices', () => {
    const study = new Study({ sampler: 'random', seed: 3 });
    const space = { ...homework, crit: hp.choice('crit', ['mse', 'mae']) };
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const t = study.ask();
      const p = t.sample(space);
      expect(Number.isInteger(p.maxDepth) && p.maxDepth >= 1 && p.maxDepth <= 20).toBe(true);
      expect(Number.isInteger(p.nEstimators) && p.nEstimators >= 10 && p.nEstimators <= 50).toBe(true);
      expect(Number.isInteger(p.minSamplesLeaf) && p.minSamplesLeaf >= 1 && p.minSamplesLeaf <= 4).toBe(true);
      expect(['mse', 'mae']).toContain(p.crit);
      expect(p.seed).toBe(42);
      seen.add(p.maxDepth);
      study.tell(t, 0);
    }
    expect(seen.size).toBe(20); // both ends reachable
  });

  it('non-integer steps snap to clean multiples; loguniform bounds are values', () => {
    const r = new Rng(1);
    const q = hp.quniform('q', 0.1, 1, 0.05).distribution;
    const lg = hp.loguniform('lg', 1e-4, 1e-1).distribution;
    const ql = hp.qloguniform('ql', 1, 1000, 1).distribution;
    let logBelow = 0;
    for (let i = 0; i < 2000; i++) {
      const v = sampleFromPrior(q, r) as number;
      expect(v).toBeGreaterThanOrEqual(0.1);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(Math.round(v / 0.05) * 0.05 - v)).toBeLessThan(1e-12);
      expect(String(v).length).toBeLessThanOrEqual(4);
      const l = sampleFromPrior(lg, r) as number;
      expect(l >= 1e-4 && l <= 1e-1).toBe(true);
      if (l < 1e-3) logBelow++;
      const n = sampleFromPrior(ql, r) as number;
      expect(Number.isInteger(n) && n >= 1 && n <= 1000).toBe(true);
    }
    // log-uniform: a third of the mass per decade
    expect(logBelow / 2000).toBeGreaterThan(0.28);
    expect(logBelow / 2000).toBeLessThan(0.39);
    expect(gridValues(q)?.length).toBe(19);
  });

  it('randint is upper-exclusive like hyperopt; normal has its mean and spread', () => {
    const r = new Rng(2);
    const d = hp.randint('k', 5).distribution;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[sampleFromPrior(d, r) as number]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    expect(gridValues(hp.randint('k', 2, 5).distribution)).toEqual([2, 3, 4]);
    const nd = hp.normal('n', 3, 2).distribution;
    const xs = Array.from({ length: 20000 }, () => sampleFromPrior(nd, r) as number);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeCloseTo(3, 1);
  });

  it('conditional spaces sample only the chosen branch', () => {
    const space = hp.choice('model', [
      { type: 'a', x: hp.uniform('x', 0, 1) },
      { type: 'b', y: hp.quniform('y', 1, 5, 1), z: hp.choice('z', [true, false]) },
    ]);
    const study = new Study({ sampler: 'random', seed: 1 });
    let a = 0;
    for (let i = 0; i < 50; i++) {
      const t = study.ask();
      const p = t.sample(space);
      if (p.type === 'a') {
        a++;
        expect(Object.keys(t.params).sort()).toEqual(['model', 'x']);
        expect(t.params.model).toBe(0);
      } else {
        expect(Object.keys(t.params).sort()).toEqual(['model', 'y', 'z']);
        expect(typeof p.z).toBe('boolean');
      }
      // the flat params rebuild the same structured params
      expect(sampleSpace(space, (label) => t.params[label])).toEqual(p);
      study.tell(t, 1);
    }
    expect(a).toBeGreaterThan(10);
    expect([...spaceParams(space).keys()].sort()).toEqual(['model', 'x', 'y', 'z']);
  });

  it('rejects bad bounds with errors naming the parameter', () => {
    expect(() => hp.uniform('x', 2, 1)).toThrow(/hp.uniform\('x'\).*'high'/);
    expect(() => hp.loguniform('lr', 0, 1)).toThrow(InvalidParameterError);
    expect(() => hp.choice('c', [])).toThrow(/non-empty/);
    expect(() => hp.quniform('q', 0, 1, 0)).toThrow(/'q'/);
    expect(() => hp.uniform('', 0, 1)).toThrow(/label/);
  });
});

describe('spaceFromParams', () => {
  const spec = defineParams({
    maxDepth: { type: 'int', default: null, nullable: true, min: 1, doc: 'depth', search: { low: 1, high: 20 } },
    lr: { type: 'float', default: 0.1, min: 0, doc: 'lr', search: { low: 0.01, high: 0.3, log: true } },
    frac: { type: 'float', default: 1, doc: 'frac', search: { low: 0.5, high: 1, step: 0.1 } },
    loss: { type: 'enum', values: ['l2', 'l1'], default: 'l2', doc: 'loss', search: { choices: ['l2', 'l1'] } },
    bootstrap: { type: 'bool', default: true, doc: 'b', search: { choices: [true, false] } },
    seed: { type: 'int', default: 0, doc: 'seed' },
  });

  it('makes one node per searched parameter with the spec ranges', () => {
    const space = spaceFromParams(spec);
    expect(Object.keys(space).sort()).toEqual(['bootstrap', 'frac', 'loss', 'lr', 'maxDepth']);
    expect(space.maxDepth?.distribution).toEqual({ type: 'int', low: 1, high: 20 });
    expect(space.lr?.distribution).toEqual({ type: 'float', low: 0.01, high: 0.3, log: true });
    expect(space.frac?.distribution).toEqual({ type: 'float', low: 0.5, high: 1, step: 0.1 });
    expect(space.loss?.distribution).toEqual({ type: 'categorical', choices: ['l2', 'l1'] });
    const only = spaceFromParams(spec, ['maxDepth']);
    expect(Object.keys(only)).toEqual(['maxDepth']);
    type P = ValueOf<typeof space>;
    expectTypeOf<P['loss']>().toEqualTypeOf<'l2' | 'l1' | undefined>();
    const r = new Rng(4);
    for (let i = 0; i < 100; i++) {
      const v = sampleFromPrior(space.frac!.distribution, r) as number;
      expect([0.5, 0.6, 0.7, 0.8, 0.9, 1]).toContain(v);
      expect(contains(space.maxDepth!.distribution, sampleFromPrior(space.maxDepth!.distribution, r))).toBe(true);
    }
  });

  it('a grid built from a discrete space covers it exactly once', async () => {
    const space = { d: hp.quniform('d', 1, 3, 1), c: hp.choice('c', ['a', 'b']) };
    const sampler = GridSampler.fromSpace(space);
    expect(sampler.maxTrials).toBe(6);
    const study = new Study({ sampler, seed: 1 });
    const res = await study.optimize((t) => {
      const p = t.sample(space);
      return p.d;
    }, { nTrials: 10, progress: false });
    expect(res.stoppedBy).toBe('sampler');
    const combos = res.trials.map((t) => `${t.params.d}${t.params.c}`).sort();
    expect(combos).toEqual(['1a', '1b', '2a', '2b', '3a', '3b']);
    expect(() => GridSampler.fromSpace({ x: hp.uniform('x', 0, 1) })).toThrow(/discrete/);
    expect(new RandomSampler().name).toBe('random');
  });
});
