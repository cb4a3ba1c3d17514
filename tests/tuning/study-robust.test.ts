/**
 * User code that misbehaves inside a study: objectives that return the wrong thing, observers
 * and callbacks that throw, synchronous objectives that overrun their timeout. The rule: an
 * objective's failure fails its trial; a callback's or observer's surfaces once, through
 * `optimize`'s rejection (or `flush`) — never an unhandled rejection, never a trial left RUNNING.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackingClient } from '../../src/tracking/client.js';
import { trackStudy } from '../../src/tracking/adapters/study.js';
import { type FrozenTrial, Study, type Trial } from '../../src/tuning/index.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  // Rejections nobody handled are reported after the microtasks that could have handled them.
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const noRunning = (study: Study): void => expect(study.trials.filter((t) => t.state === 'RUNNING')).toEqual([]);

describe('an objective that returns the wrong thing fails its trial', () => {
  const cases: [string, unknown, RegExp][] = [
    ['undefined (a forgotten return)', undefined, /result is undefined \(a missing return\?\)/],
    ['null', null, /result is null/],
    ['a string', '0.5', /result is "0\.5"/],
    ['an array', [1], /result is an array/],
    ["state 'BOGUS'", { state: 'BOGUS', value: 1 }, /has state "BOGUS", not one of COMPLETE, PRUNED, FAIL/],
    ["state 'RUNNING'", { state: 'RUNNING', value: 1 }, /has state "RUNNING"/],
    ['a string value', { value: '0.5' }, /has a value that is "0\.5", not a number/],
    ['a metric that is a string', { value: 1, metrics: { m: 'str' } }, /has metric 'm' that is "str", not a number/],
  ];
  it.each(cases)('%s', async (_, result, reason) => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const objective = (trial: Trial) => {
      trial.suggestFloat('x', 0, 1);
      return result;
    };
    const out = await study.optimize(objective as never, { nTrials: 3, progress: false });
    expect(out.trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    for (const t of out.trials) {
      expect(t.reason).toMatch(reason);
      expect(t.value).toBeNull();
      expect(t.metrics).toEqual({});
    }
    noRunning(study);
  });

  it('by ask/tell too: tell never leaves the trial RUNNING', () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const t = study.ask();
    expect(study.tell(t, undefined as never)).toMatchObject({ state: 'FAIL', reason: expect.stringMatching(/undefined/) });
    noRunning(study);
  });
});

describe('an observer or callback that fails surfaces once, through optimize', () => {
  for (const mode of ['throws', 'rejects'] as const) {
    it(`an observer's onTrialEnd that ${mode}: the trials are told, no new one is asked, optimize rejects with it`, async () => {
      const study = new Study({ seed: 1, sampler: 'random' });
      const seen: number[] = [];
      study.addObserver({
        onTrialEnd(_s, trial) {
          seen.push(trial.number);
          if (trial.number >= 2) {
            const err = new Error(`disk full at trial ${trial.number}`);
            if (mode === 'throws') throw err;
            return Promise.reject(err);
          }
        },
      });
      await expect(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20, nWorkers: 2, progress: false })).rejects.toThrow('disk full at trial 2');
      noRunning(study);
      // Trials after the failure are not asked: at most the one already running finishes.
      expect(study.trials.length).toBeLessThanOrEqual(4);
      expect(study.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      expect(seen).toEqual(study.trials.map((t) => t.number));
      // Surfaced once: the study is usable again and a later flush has nothing to throw.
      await expect(study.flush()).resolves.toBeUndefined();
    });
  }

  it('an optimize callback that throws', async () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const callback = (_s: Study, trial: FrozenTrial) => {
      if (trial.number === 1) throw new TypeError('callback bug');
    };
    await expect(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 10, callbacks: [callback], progress: false })).rejects.toThrow(TypeError);
    noRunning(study);
    expect(study.trials.length).toBe(2);
  });

  it('ask/tell by hand: tell records the trial, flush throws the observer failure once', async () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    study.addObserver({ onTrialEnd: () => Promise.reject(new Error('store closed')) });
    const t = study.ask();
    expect(study.tell(t, 1).state).toBe('COMPLETE');
    await expect(study.flush()).rejects.toThrow('store closed');
    await expect(study.flush()).resolves.toBeUndefined();
  });

  it("a tracked study whose tracking client is closed mid-study: optimize rejects with the store's typed error, the process lives", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-study-robust-'));
    const client = new TrackingClient(`sqlite:${join(dir, 't.db')}`);
    const study = new Study({ name: 's', seed: 1, sampler: 'random' });
    await trackStudy(client, study, { experiment: 'e' });
    const run = study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        if (t.number === 1) client.close();
        return x;
      },
      { nTrials: 20, progress: false },
    );
    await expect(run).rejects.toThrow(/tracking store .* is closed/);
    noRunning(study);
    // The asking stopped once the failed write was known (writes land asynchronously).
    expect(study.trials.length).toBeLessThanOrEqual(4);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('trialTimeout and a synchronous objective', () => {
  it('a synchronous objective that overruns its timeout fails when it returns', async () => {
    const study = new Study({ seed: 1, sampler: 'random' });
    const out = await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        if (t.number === 1) {
          const until = performance.now() + 150;
          while (performance.now() < until) {
            // a synchronous objective: the event loop (and the timeout's timer) waits
          }
        }
        return x;
      },
      { nTrials: 3, trialTimeout: 0.05, progress: false },
    );
    expect(out.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'COMPLETE']);
    expect(out.trials[1].reason).toMatch(/^timed out after 0.05 s \(returned after 0\.\d s\)$/);
  });
});
