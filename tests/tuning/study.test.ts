import { describe, expect, it } from 'vitest';
import { InvalidParameterError, TunekitError } from '../../src/core/index.js';
import {
  type FrozenTrial,
  MedianPruner,
  type PrunerContext,
  Study,
  SuccessiveHalvingPruner,
  type Trial,
  TrialPruned,
  type TrialRunner,
  hp,
  pruners,
} from '../../src/tuning/index.js';
import { ProgressBar } from '../../src/tuning/progress.js';

const space = { x: hp.uniform('x', -5, 5), n: hp.quniform('n', 1, 9, 1), c: hp.choice('c', ['a', 'b', 'c']) };
const f = (p: { x: number; n: number; c: string }): number => (p.x - 1) ** 2 + Math.abs(p.n - 4) + (p.c === 'b' ? 0 : 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Study ask/tell', () => {
  it('records COMPLETE, FAIL (NaN, throw) and PRUNED trials with reasons; the best is COMPLETE', async () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const t0 = study.ask();
    const p0 = t0.sample(space);
    const done = study.tell(t0, f(p0));
    expect(done.state).toBe('COMPLETE');
    expect(done.value).toBe(f(p0));
    expect(Object.isFrozen(done) && Object.isFrozen(done.params)).toBe(true);
    const t1 = study.ask();
    expect(study.tell(t1, Number.NaN)).toMatchObject({ state: 'FAIL', value: null, reason: 'objective value is NaN' });
    const t2 = study.ask();
    t2.report(3, 0);
    t2.report(2, 1);
    expect(study.tell(t2, { state: 'PRUNED' })).toMatchObject({ state: 'PRUNED', value: 2, reason: 'pruned at step 1' });
    expect(() => study.tell(t2, 1)).toThrow(/not running/);
    expect(study.bestTrial?.number).toBe(0);
    expect(study.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'PRUNED']);
    // trial seeds derive from (study seed, number)
    expect(new Study({ seed: 1 }).ask().seed).toBe(t0.seed);
  });

  it('optimize: a throwing objective, NaN and Infinity fail that trial only', async () => {
    const study = new Study({ seed: 2, sampler: 'random' });
    const res = await study.optimize((t) => {
      const p = t.sample(space);
      if (t.number === 2) throw new RangeError('boom');
      if (t.number === 3) return Number.NaN;
      if (t.number === 4) return Number.POSITIVE_INFINITY;
      if (t.number === 5) throw new TrialPruned();
      return f(p);
    }, { nTrials: 8, progress: false });
    expect(res.trials.length).toBe(8);
    expect(res.trials[2]).toMatchObject({ state: 'FAIL', reason: 'RangeError: boom' });
    expect(res.trials[3]).toMatchObject({ state: 'FAIL', reason: 'objective value is NaN' });
    expect(res.trials[4]).toMatchObject({ state: 'FAIL', reason: 'objective value is Infinity' });
    expect(res.trials[5].state).toBe('PRUNED');
    const complete = res.trials.filter((t) => t.state === 'COMPLETE');
    expect(complete.length).toBe(4);
    expect(res.bestTrial?.value).toBe(Math.min(...complete.map((t) => t.value as number)));
  });

  it('the params and best trial are identical for 1, 2 and 4 concurrent trials', async () => {
    const run = async (nWorkers: number) => {
      const study = new Study({ seed: 11, sampler: 'tpe' });
      await study.optimize(async (t: Trial) => {
        const p = t.sample(space);
        // uneven durations reorder completions between runs
        await sleep(((t.number * 7) % 5) * 2);
        return f(p);
      }, { nTrials: 24, nWorkers, progress: false });
      return study;
    };
    const [a, b, c] = await Promise.all([run(1), run(2), run(4)]);
    const params = (s: Study) => s.trials.map((t) => t.params);
    expect(params(b)).toEqual(params(a));
    expect(params(c)).toEqual(params(a));
    expect(b.bestTrial?.number).toBe(a.bestTrial?.number);
    // and the TPE phase did change the sampling (not all-random)
    const rnd = new Study({ seed: 11, sampler: 'random' });
    await rnd.optimize((t) => f(t.sample(space)), { nTrials: 24, progress: false });
    expect(params(rnd).slice(10)).not.toEqual(params(a).slice(10));
    expect(params(rnd).slice(0, 10)).toEqual(params(a).slice(0, 10));
  });

  it('with a cost guess, trials are asked ahead within the window and the costliest starts first; same trials', async () => {
    // A runner whose trials declare their cost: p.n (1..9), sleeping in proportion.
    const costRunner = (starts: number[]): TrialRunner => {
      const sampled = new Map<number, { x: number; n: number; c: string }>();
      return {
        prepare: (t) => void sampled.set(t.number, t.sample(space)),
        cost: (t) => sampled.get(t.number)?.n,
        async run(t, _signal, started) {
          started();
          starts.push(t.number);
          const p = sampled.get(t.number)!;
          await sleep(p.n);
          return { value: f(p) };
        },
      };
    };
    const run = async (nWorkers: number) => {
      const starts: number[] = [];
      const study = new Study({ seed: 21, sampler: 'tpe' });
      await study.optimize(costRunner(starts), { nTrials: 20, nWorkers, progress: false });
      return { study, starts };
    };
    const one = await run(1);
    const two = await run(2);
    const params = (s: Study) => s.trials.map((t) => t.params);
    expect(params(two.study)).toEqual(params(one.study));
    expect(two.study.bestTrial?.number).toBe(one.study.bestTrial?.number);
    expect(one.starts).toEqual(Array.from({ length: 20 }, (_, k) => k));
    // At the start trials 0..3 are ready (window 4): the two with the largest n start first.
    const n = (k: number) => one.study.trials[k].params.n as number;
    const firstFour = [0, 1, 2, 3].sort((a, b) => n(b) - n(a) || a - b);
    expect(two.starts.slice(0, 2)).toEqual(firstFour.slice(0, 2));
    expect([...two.starts].sort((a, b) => a - b)).toEqual(one.starts);
  });

  it('stopping with trials asked ahead gives them back: a later optimize runs them with the same params', async () => {
    const sampled = new Map<number, { x: number; n: number; c: string }>();
    const runner: TrialRunner = {
      prepare: (t) => void sampled.set(t.number, t.sample(space)),
      cost: (t) => t.number % 3,
      async run(t) {
        await sleep(1);
        return { value: f(sampled.get(t.number)!) };
      },
    };
    const study = new Study({ seed: 8, sampler: 'tpe' });
    const first = await study.optimize(runner, { nTrials: 12, nWorkers: 2, progress: false, callbacks: [(s) => (s.nFinished >= 5 ? s.stop() : undefined)] });
    expect(first.stoppedBy).toBe('stop');
    expect(first.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    const numbers = first.trials.map((t) => t.number);
    expect(numbers.length).toBeLessThan(12);
    await study.optimize(runner, { nTrials: 12, nWorkers: 2, progress: false });
    expect(study.trials.map((t) => t.number)).toEqual(Array.from({ length: 12 }, (_, k) => k));
    const reference = new Study({ seed: 8, sampler: 'tpe' });
    await reference.optimize((t) => f(t.sample(space)), { nTrials: 12, progress: false });
    expect(study.trials.map((t) => t.params)).toEqual(reference.trials.map((t) => t.params));
  });

  it('never runs more than window trials ahead of the oldest unfinished one', async () => {
    const study = new Study({ seed: 3, sampler: 'random', window: 3 });
    let maxGap = 0;
    const running = new Set<number>();
    await study.optimize(async (t) => {
      running.add(t.number);
      maxGap = Math.max(maxGap, t.number - Math.min(...running));
      t.sample(space);
      await sleep(t.number === 1 ? 30 : 1);
      running.delete(t.number);
      return 1;
    }, { nTrials: 12, nWorkers: 3, progress: false });
    expect(maxGap).toBe(2);
  });

  it('resume: finished trials kept, RUNNING ones asked again; same params as an uninterrupted study', async () => {
    const full = new Study({ seed: 21 });
    await full.optimize((t) => f(t.sample(space)), { nTrials: 16, progress: false });
    // Interrupted after 9 trials, with trials 7 and 9 left RUNNING in the store.
    const stored: FrozenTrial[] = full.trials.slice(0, 10).map((t) => (t.number === 7 || t.number === 9 ? { ...t, state: 'RUNNING', value: null } : t));
    const resumed = new Study({ seed: 21 });
    resumed.loadTrials(stored);
    expect(resumed.peekNumber()).toBe(7);
    await resumed.optimize((t) => f(t.sample(space)), { nTrials: 16, progress: false });
    expect(resumed.trials.map((t) => t.params)).toEqual(full.trials.map((t) => t.params));
    expect(resumed.bestTrial).toEqual(full.bestTrial);
    expect(() => resumed.loadTrials([stored[0]])).toThrow(/already holds trial 0/);
  });

  it('timeout, stop() and earlyStop end the loop; callbacks see every trial', async () => {
    const slow = new Study({ seed: 4, sampler: 'random' });
    const r1 = await slow.optimize(async () => {
      await sleep(20);
      return 1;
    }, { nTrials: 1000, timeout: 0.1, progress: false });
    expect(r1.stoppedBy).toBe('timeout');
    expect(r1.trials.length).toBeLessThan(20);

    const seen: number[] = [];
    const s2 = new Study({ seed: 4, sampler: 'random' });
    const r2 = await s2.optimize(() => 1, {
      nTrials: 100,
      progress: false,
      callbacks: [(study, t) => {
        seen.push(t.number);
        if (t.number === 4) study.stop();
      }],
    });
    expect(r2.stoppedBy).toBe('stop');
    expect(seen).toEqual([0, 1, 2, 3, 4]);

    const s3 = new Study({ seed: 4, sampler: 'random' });
    // best at trial 2 (value 0), never improved after: stops once 3 more trials finished
    const r3 = await s3.optimize((t) => (t.number === 2 ? 0 : 5), { nTrials: 100, earlyStop: { patience: 3 }, progress: false });
    expect(r3.stoppedBy).toBe('earlyStop');
    expect(r3.trials.length).toBe(6);
  });

  it('validates options with clear errors', async () => {
    expect(() => new Study({ direction: 'up' as 'minimize' })).toThrow(InvalidParameterError);
    expect(() => new Study({ window: 0 })).toThrow(/window/);
    expect(() => new Study({ sampler: 'nope' })).toThrow(/unknown sampler 'nope'/);
    const s = new Study();
    await expect(s.optimize(() => 1, { nTrials: -1 })).rejects.toThrow(/nTrials/);
    await expect(s.optimize(() => 1, { nTrials: 1, nWorkers: 0 })).rejects.toThrow(/nWorkers/);
    await expect(s.optimize(() => 1, { nTrials: 1, nWorkers: 5 })).rejects.toThrow(/window \(4\)/);
    const t = s.ask();
    t.suggestFloat('x', 0, 1);
    expect(t.suggestFloat('x', 0, 1)).toBe(t.params.x);
    expect(() => t.suggestFloat('x', 0, 2)).toThrow(/already suggested/);
    expect(() => t.report(1, -1)).toThrow(TunekitError);
  });
});

describe('pruners', () => {
  const completed = (number: number, values: number[]): FrozenTrial => ({
    number,
    state: 'COMPLETE',
    value: values[values.length - 1],
    params: {},
    distributions: {},
    intermediate: values.map((value, step) => ({ step, value })),
    metrics: {},
    reason: null,
    seed: 0,
    startedAt: 0,
    finishedAt: 0,
    userAttrs: {},
  });
  const ctx = (history: FrozenTrial[], mine: number[], direction: 'minimize' | 'maximize' = 'minimize'): PrunerContext => ({
    direction,
    trialNumber: 99,
    history,
    intermediate: mine.map((value, step) => ({ step, value })),
  });

  it('MedianPruner compares the best-so-far with the median at that step (naive reference)', () => {
    const history = [completed(0, [5, 4, 3]), completed(1, [6, 5, 4]), completed(2, [7, 6, 2]), completed(3, [4, 4, 4]), completed(4, [9, 8, 7])];
    const pruner = new MedianPruner({ nStartupTrials: 5 });
    const naive = (mine: number[], dir: 'minimize' | 'maximize') => {
      const step = mine.length - 1;
      const vals = history.map((t) => t.intermediate[step].value).sort((a, b) => a - b);
      const median = vals[2];
      const best = dir === 'minimize' ? Math.min(...mine) : Math.max(...mine);
      return dir === 'minimize' ? best > median : best < median;
    };
    for (const mine of [[6], [5], [4], [7, 6.5], [7, 5.5], [9, 9, 3.5], [9, 9, 3.9]]) {
      for (const dir of ['minimize', 'maximize'] as const) expect(pruner.prune(ctx(history, mine, dir))).toBe(naive(mine, dir));
    }
    expect(new MedianPruner({ nStartupTrials: 6 }).prune(ctx(history, [100]))).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 2 }).prune(ctx(history, [100, 100]))).toBe(false);
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow(/intervalSteps/);
  });

  it('SuccessiveHalvingPruner keeps the top 1/factor at rungs 1, 4, 16, ...', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 4 });
    expect([0, 1, 2, 4, 8, 16, 64].map((s) => p.isRung(s))).toEqual([false, true, false, true, false, true, true]);
    const history = Array.from({ length: 7 }, (_, i) => completed(i, [0, 10 + i, 10 + i, 10 + i, 10 + i]));
    // 8 competitors at step 1 (7 + mine): keep 2 -> cutoff is the 2nd best
    expect(p.prune(ctx(history, [0, 10.5]))).toBe(false);
    expect(p.prune(ctx(history, [0, 11.5]))).toBe(true);
    expect(p.prune(ctx(history, [0, 99, 99]))).toBe(false); // step 2: not a rung
    expect(pruners.get('successive-halving')({ reductionFactor: 3 })).toBeInstanceOf(SuccessiveHalvingPruner);
  });

  it('a pruner that says it never prunes is not asked; trials know whether they can be pruned', () => {
    // Runners stream reports from worker threads only for trials that can be pruned.
    let asked = 0;
    const never = { name: 'never', prunes: false, prune: () => ++asked > 0 };
    const quiet = new Study({ seed: 1, pruner: never }).ask();
    quiet.report(1, 0);
    expect(quiet.prunable).toBe(false);
    expect(quiet.shouldPrune()).toBe(false);
    expect(asked).toBe(0);
    expect(new Study({ seed: 1 }).ask().prunable).toBe(false);
    expect(new Study({ seed: 1, pruner: 'median' }).ask().prunable).toBe(true);
    const custom = new Study({ seed: 1, pruner: { name: 'custom', prune: () => true } }).ask();
    custom.report(1, 0);
    expect(custom.prunable).toBe(true);
    expect(custom.shouldPrune()).toBe(true);
  });

  it('a study prunes through trial.shouldPrune and records PRUNED with its curve', async () => {
    const study = new Study({ seed: 8, sampler: 'random', pruner: new MedianPruner({ nStartupTrials: 3 }), window: 1 });
    await study.optimize((t) => {
      const level = t.suggestFloat('level', 0, 10);
      for (let step = 0; step < 10; step++) {
        t.report(level + 10 - step, step);
        if (t.shouldPrune()) throw new TrialPruned();
      }
      return level;
    }, { nTrials: 30, progress: false });
    const prunedTrials = study.trials.filter((t) => t.state === 'PRUNED');
    expect(prunedTrials.length).toBeGreaterThan(5);
    for (const t of prunedTrials) expect(t.intermediate.length).toBeLessThan(10);
    expect(study.trials.slice(0, 3).every((t) => t.state === 'COMPLETE')).toBe(true);
  });
});

describe('ProgressBar', () => {
  it('draws done/total, best and ETA on a TTY; stays silent otherwise', () => {
    let out = '';
    const tty = { isTTY: true, columns: 120, write: (s: string) => {
        out += s;
        return true;
      },
    };
    const bar = new ProgressBar(10, true, 'minimize', tty);
    expect(bar.line(5, 6.62551, 2000)).toBe('[##########..........] 5/10 best 6.6255 (min) ETA 2.0s');
    bar.update(0, undefined);
    bar.update(10, 1.5);
    bar.done();
    expect(out).toContain('10/10 best 1.5000 (min)');
    expect(out.endsWith('\n')).toBe(true);
    let quiet = '';
    const pipe = { isTTY: false, write: (s: string) => {
        quiet += s;
        return true;
      },
    };
    const off = new ProgressBar(10, true, 'minimize', pipe);
    off.update(5, 1);
    off.done();
    expect(quiet).toBe('');
    expect(new ProgressBar(10, false, 'minimize', tty).enabled).toBe(false);
    const eta = new ProgressBar(10, true, 'maximize', tty);
    eta.update(0, undefined);
    expect(eta.line(2, 3, 4000)).toContain('ETA 16s');
  });
});
