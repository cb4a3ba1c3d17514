/**
 * The optimize loop over a study's ask/tell (as Optuna's `_optimize` is apart from its `Study`):
 * ask as the reproducibility window allows, prepare and dispatch to a runner, tell the outcome.
 * Timeouts, early stop and costliest-first ordering live here; the study holds the state.
 */
import { InvalidParameterError } from '../core/errors.js';
import { ProgressBar } from './progress.js';
import type { Study, TrialOutcome } from './study.js';
import { type Direction, type FrozenTrial, type Trial, TrialPruned } from './trial.js';

/** In-process objective (define-by-run). Return the value, or a value with extra metrics. */
export type Objective = (trial: Trial) => number | TrialOutcome | Promise<number | TrialOutcome>;

/** Runs one asked trial somewhere (in-process, on a worker pool) and resolves with its outcome. */
export interface TrialRunner {
  /** The direction the runner's metric needs; optimize checks it against the study's. */
  readonly direction?: Direction;
  /** Called once per optimize call, before any trial, with the number of concurrent trials. */
  open?(nWorkers: number): void;
  /** Sample the trial's params (in the main thread) before it is dispatched. */
  prepare?(trial: Trial): void;
  /**
   * Run the trial; call `started` when it actually begins (e.g. a worker picked it up) — the
   * per-trial timeout counts from then. `signal` aborts it (timeout).
   */
  run(trial: Trial, signal: AbortSignal, started: () => void): Promise<TrialOutcome>;
  /**
   * A guess of a prepared trial's run time (any unit; undefined: no idea). When given and several
   * trials run at once, optimize asks trials ahead as far as the window allows and starts the
   * costliest first, so the study does not end on one long trial while the other workers idle.
   * Which trials are asked, their params and results do not change.
   */
  cost?(trial: Trial): number | undefined;
  close?(): Promise<void>;
}

export type TrialCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

export interface EarlyStop {
  /** Stop asking once the best trial is this many trials behind the last finished one. */
  readonly patience: number;
  /** An improvement smaller than this does not count (default 0). */
  readonly minDelta?: number;
}

export interface OptimizeOptions {
  /**
   * The number of trials the study holds when done: trial numbers 0..nTrials-1 (trials already
   * in the study, e.g. from a resumed run, count).
   */
  readonly nTrials: number;
  /** Seconds after which no new trial starts (running ones finish). */
  readonly timeout?: number;
  /**
   * Seconds a single trial may run; a trial that runs longer FAILs ("timed out"). A worker task is
   * terminated at the deadline; an in-process async objective is abandoned then (it may go on
   * running; its result is ignored); a synchronous one cannot be interrupted (it blocks the event
   * loop), so it FAILs when it returns.
   */
  readonly trialTimeout?: number;
  /** Trials run at once (default 1); at most the study's window. */
  readonly nWorkers?: number;
  readonly earlyStop?: EarlyStop;
  /**
   * Called after each trial is told. A callback that throws (as a study observer that fails)
   * leaves the trial as told: no new trial is asked, and `optimize` rejects with the first
   * failure once the running trials are told.
   */
  readonly callbacks?: readonly TrialCallback[];
  /** Progress bar on a TTY stderr (default true; never drawn when stderr is not a TTY). */
  readonly progress?: boolean;
}

export interface OptimizeResult {
  readonly bestTrial: FrozenTrial | undefined;
  readonly trials: readonly FrozenTrial[];
  /** Why the loop stopped asking. */
  readonly stoppedBy: 'nTrials' | 'timeout' | 'earlyStop' | 'stop' | 'sampler';
  readonly seconds: number;
}


/** What `Study.stop()` tells the loop running now; the loop clears it when it starts. */
export interface LoopControl {
  stopRequested: boolean;
}

/**
 * Early stop over the finished prefix 0..p-1 of the study (independent of timing): has the best
 * stalled for `patience` trials?
 */
class Plateau {
  private prefixEnd = 0;
  private best: number | undefined;
  private bestAt = -1;

  constructor(
    private readonly study: Study,
    private readonly rule: EarlyStop,
  ) {}

  reached(): boolean {
    const { patience, minDelta = 0 } = this.rule;
    const minimize = this.study.direction === 'minimize';
    for (let t = this.study.finishedTrial(this.prefixEnd); t !== undefined; t = this.study.finishedTrial(++this.prefixEnd)) {
      if (t.state !== 'COMPLETE' || t.value === null) continue;
      const b = this.best;
      if (b === undefined || (minimize ? t.value < b - minDelta : t.value > b + minDelta)) {
        this.best = t.value;
        this.bestAt = t.number;
      }
    }
    return this.bestAt >= 0 && this.prefixEnd - 1 - this.bestAt >= patience;
  }
}

/**
 * Run trials until the study holds `nTrials` finished ones (or a timeout / early stop / `stop()`).
 * `objective` is an in-process function or a runner (e.g. a worker pool from `modelSearch`).
 *
 * A failing objective fails its trial. A failing callback or observer stops the asking; the loop
 * waits for the running trials, then rejects with the first failure. No trial is left RUNNING and
 * no rejection goes unhandled: each trial's task catches everything it does.
 */
export async function runOptimize(study: Study, control: LoopControl, objective: Objective | TrialRunner, options: OptimizeOptions): Promise<OptimizeResult> {
  const { nTrials } = options;
  const nWorkers = options.nWorkers ?? 1;
  if (!Number.isInteger(nTrials) || nTrials < 0) throw new InvalidParameterError('optimize', 'nTrials', nTrials, 'must be an integer >= 0');
  if (!Number.isInteger(nWorkers) || nWorkers < 1) throw new InvalidParameterError('optimize', 'nWorkers', nWorkers, 'must be an integer >= 1');
  if (nWorkers > study.window) {
    // Trial k waits for every trial <= k - window, so at most `window` trials can run at once.
    throw new InvalidParameterError('optimize', 'nWorkers', nWorkers, `must be <= the study's window (${study.window}); create the study with a larger window to run more trials at once`);
  }
  if (options.timeout !== undefined && !(options.timeout > 0)) throw new InvalidParameterError('optimize', 'timeout', options.timeout, 'must be > 0 seconds');
  if (options.trialTimeout !== undefined && !(options.trialTimeout > 0)) {
    throw new InvalidParameterError('optimize', 'trialTimeout', options.trialTimeout, 'must be > 0 seconds');
  }
  const patience = options.earlyStop?.patience;
  if (patience !== undefined && (!Number.isInteger(patience) || patience < 1)) {
    throw new InvalidParameterError('optimize', 'earlyStop.patience', patience, 'must be an integer >= 1');
  }
  const runner: TrialRunner = typeof objective === 'function' ? functionRunner(objective) : objective;
  if (runner.direction !== undefined && runner.direction !== study.direction) {
    throw new InvalidParameterError('optimize', 'direction', study.direction, `must be '${runner.direction}' for this objective's metric`);
  }
  runner.open?.(nWorkers);
  const limit = Math.min(nTrials, study.sampler.maxTrials ?? Infinity);
  const started = performance.now();
  const deadline = options.timeout === undefined ? Infinity : started + options.timeout * 1000;
  const bar = new ProgressBar(limit, options.progress ?? true, study.direction);
  bar.update(study.nFinished, study.bestTrial?.value ?? undefined);
  control.stopRequested = false;
  let stoppedBy: OptimizeResult['stoppedBy'] | undefined;
  const inflight = new Map<number, Promise<void>>();
  // Trials asked and prepared, not started yet: only the next one, or (with a cost guess and
  // several workers) every trial the window allows, started costliest first.
  const lookahead = runner.cost !== undefined && nWorkers > 1;
  const ready: { trial: Trial; cost: number; error?: unknown }[] = [];
  const plateau = options.earlyStop ? new Plateau(study, options.earlyStop) : undefined;
  /** The first failure of a callback (or of the loop's own bookkeeping), rethrown at the end. */
  let failure: { readonly error: unknown } | undefined;

  const stopReason = (): OptimizeResult['stoppedBy'] | undefined => {
    if (control.stopRequested || failure !== undefined || study.observerFailed) return 'stop';
    if (study.peekNumber() >= limit) return limit < nTrials ? 'sampler' : 'nTrials';
    if (performance.now() >= deadline) return 'timeout';
    if (plateau?.reached()) return 'earlyStop';
    return undefined;
  };

  const askOne = (): void => {
    const trial = study.ask();
    try {
      runner.prepare?.(trial);
      ready.push({ trial, cost: (lookahead ? runner.cost?.(trial) : undefined) ?? 0 });
    } catch (error) {
      // Start it first: it fails at once.
      ready.push({ trial, cost: Number.POSITIVE_INFINITY, error });
    }
  };

  const takeCostliest = (): { trial: Trial; cost: number; error?: unknown } => {
    let pick = 0;
    for (let i = 1; i < ready.length; i++) {
      const a = ready[i];
      const b = ready[pick];
      if (a.cost > b.cost || (a.cost === b.cost && a.trial.number < b.trial.number)) pick = i;
    }
    return ready.splice(pick, 1)[0];
  };

  const launch = (entry: { trial: Trial; error?: unknown }): void => {
    const { trial } = entry;
    const controller = new AbortController();
    const timeout = options.trialTimeout;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let startedAt: number | undefined;
    let expired = false;
    const task = (async (): Promise<void> => {
      let outcome: TrialOutcome;
      try {
        if ('error' in entry) throw entry.error;
        trial.markStarted();
        study.notifyStart(trial);
        let onStart = (): void => undefined;
        const timedOut = new Promise<TrialOutcome>((resolve) => {
          onStart = () => {
            startedAt ??= performance.now();
            if (timeout === undefined || timer !== undefined) return;
            timer = setTimeout(() => {
              expired = true;
              controller.abort();
              resolve({ state: 'FAIL', reason: `timed out after ${timeout} s` });
            }, timeout * 1000);
          };
        });
        const run = runner.run(trial, controller.signal, onStart);
        if (timeout !== undefined) {
          run.catch(() => undefined); // a run aborted after its timeout rejects later: nobody waits for it
          outcome = await Promise.race([run, timedOut]);
        } else {
          outcome = await run;
        }
        // The timer cannot fire while a synchronous objective blocks the event loop: a trial that
        // came back after its deadline fails all the same.
        const ran = startedAt === undefined ? 0 : (performance.now() - startedAt) / 1000;
        if (timeout !== undefined && !expired && ran > timeout) outcome = { state: 'FAIL', reason: `timed out after ${timeout} s (returned after ${ran.toFixed(1)} s)` };
      } catch (err) {
        outcome = outcomeOfError(err);
      } finally {
        if (timer) clearTimeout(timer);
      }
      const frozen = study.tell(trial, outcome);
      bar.update(study.nFinished, study.bestTrial?.value ?? undefined);
      for (const cb of options.callbacks ?? []) await cb(study, frozen);
    })().catch((error: unknown) => {
      failure ??= { error };
    });
    inflight.set(trial.number, task);
    task.finally(() => inflight.delete(trial.number));
  };

  try {
    for (;;) {
      while (inflight.size < nWorkers) {
        while (ready.length === 0 || lookahead) {
          if (stoppedBy === undefined) stoppedBy = stopReason();
          if (stoppedBy !== undefined || !study.mayAsk()) break;
          askOne();
        }
        // Stopped (not merely out of trials to ask): what waits was never started; give it back.
        if (stoppedBy === 'stop' || stoppedBy === 'timeout' || stoppedBy === 'earlyStop') {
          for (const r of ready.splice(0).reverse()) study.unask(r.trial);
        }
        if (ready.length === 0) break;
        launch(takeCostliest());
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight.values());
    }
  } finally {
    bar.done();
    await runner.close?.();
  }
  // Observers' writes are waited for; the first failure (a callback's, else an observer's) is
  // thrown, once, after every trial that ran has been told.
  const flushed = await study.flush().then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const first = failure ?? flushed;
  if (first !== undefined) throw first.error;
  await study.notifyOptimizeEnd();
  return {
    bestTrial: study.bestTrial,
    trials: study.trials,
    stoppedBy: stoppedBy ?? 'nTrials',
    seconds: (performance.now() - started) / 1000,
  };
}

function outcomeOfError(err: unknown): TrialOutcome {
  if (err instanceof TrialPruned) return { state: 'PRUNED', reason: err.message };
  const e = err as { message?: unknown; name?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  return { state: 'FAIL', reason: `${name}${message}` };
}

/**
 * Run an in-process objective: a number is a COMPLETE value; TrialPruned prunes; a throw fails;
 * anything else is handed to `tell` as it is, which fails the trial saying what it was.
 */
function functionRunner(objective: Objective): TrialRunner {
  return {
    async run(trial, _signal, started) {
      started();
      return (await objective(trial)) as TrialOutcome;
    },
  };
}
