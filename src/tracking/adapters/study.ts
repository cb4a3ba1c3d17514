/**
 * Records a tuning study in the tracker: the study is a parent run, every trial a child run with
 * its params, final metrics, per-iteration curve (metric 'intermediate' by step), duration and
 * state; the best trial's model is logged on its run (so `registerBestRun` finds it). A study
 * interrupted (process killed) is resumed from the store: finished trials come back as they were,
 * trials left RUNNING are marked FAILED and asked again under the same number.
 *
 * Writes are asynchronous: a trial's start creates its run, its end waits for that and writes the
 * trial in one batch (one transaction where the store offers them); the study awaits them before
 * `optimize` returns, and a failed write rejects `optimize`.
 *
 * The link to tuning is the study's observer callbacks; imports from tuning are type-only.
 */
import { InvalidParameterError, TunekitError } from '../../core/errors.js';
import type { FrozenTrial, Study, StudyObserver } from '../../tuning/index.js';
import { type TrackingClient, toRunBatch } from '../client.js';
import type { TrackingStore } from '../store.js';
import { quoteFilterKey, quoteFilterValue } from '../search/quote.js';
import type { Run } from '../types.js';

export const STUDY_TAG = 'tunekit.study';
export const TRIAL_TAG = 'tunekit.trial';
export const TRIAL_NUMBER_TAG = 'tunekit.trial.number';
export const TRIAL_STATE_TAG = 'tunekit.trial.state';
export const TRIAL_REASON_TAG = 'tunekit.trial.reason';
export const INTERMEDIATE_METRIC = 'intermediate';

export interface StudyTrackingOptions {
  /** Experiment name (created when missing). */
  readonly experiment: string;
  /** Name of the parent run (default: the study name). */
  readonly runName?: string;
  /**
   * Continue an earlier run of this study: true picks the latest parent run in the experiment
   * recorded for a study of the same name; a string names the parent run id. When nothing is
   * found with `true`, a new parent run starts.
   */
  readonly resume?: boolean | string;
  /** Key of the objective value in each trial's metrics (default 'value'). */
  readonly valueKey?: string;
  /** Log the best trial's model on its run at the end of each optimize call (default true). */
  readonly logBestModel?: boolean;
  /** Also register the best model under this name (alias optional). */
  readonly register?: { readonly name: string; readonly alias?: string };
  /** End the parent run FINISHED when an optimize call ends (default true). */
  readonly endParent?: boolean;
}

export interface StudyTracker {
  readonly parentRunId: string;
  /** Trial number -> child run id, for the runs this tracker created or resumed. */
  readonly runIds: ReadonlyMap<number, string>;
  /** What a resume found: finished trials kept, interrupted ones re-asked. */
  readonly resumed: { readonly kept: number; readonly interrupted: readonly number[] };
}

const STATUS_OF = { COMPLETE: 'FINISHED', PRUNED: 'FINISHED', FAIL: 'FAILED' } as const;

/**
 * A write the study will await (flush) before `optimize` settles. Marked handled now, so a failure
 * that happens before the study awaits it is reported there, not as an unhandled rejection.
 */
function observed<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** Attach tracking to a study (before `optimize`); on resume, put the stored trials back in it. */
export async function trackStudy(client: TrackingClient, study: Study, options: StudyTrackingOptions): Promise<StudyTracker> {
  const valueKey = options.valueKey ?? 'value';
  const experiment = await client.getOrCreateExperiment(options.experiment);
  const runIds = new Map<number, string>();
  let kept = 0;
  const interrupted: number[] = [];
  const studyTag = JSON.stringify({ name: study.name, seed: study.seed, direction: study.direction, window: study.window });

  let parent: Run | undefined;
  if (typeof options.resume === 'string') parent = await client.getRun(options.resume);
  else if (options.resume === true) {
    const page = await client.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: `tags.${quoteFilterKey(`${STUDY_TAG}.name`)} = ${quoteFilterValue(study.name)}`,
      orderBy: ['start_time desc'],
      maxResults: 1,
    });
    parent = page.runs[0];
  }

  let parentRunId: string;
  if (parent) {
    parentRunId = parent.info.runId;
    const stored = parent.tags[STUDY_TAG];
    const was = stored ? (JSON.parse(stored) as { seed: number; direction: string; window: number }) : undefined;
    if (was && (was.seed !== study.seed || was.direction !== study.direction || was.window !== study.window)) {
      throw new InvalidParameterError(
        'trackStudy',
        'resume',
        parentRunId,
        `must resume a study with the same seed, direction and window (stored ${stored}, this study ${studyTag})`,
      );
    }
    const trials = await loadTrials(client, experiment.experimentId, parentRunId, runIds, interrupted);
    kept = trials.length;
    study.loadTrials([...trials, ...interrupted.map((n) => runningPlaceholder(n))]);
  } else {
    parentRunId = (
      await client.createRun({
        experimentId: experiment.experimentId,
        runName: options.runName ?? study.name,
        parentRunId: null,
        tags: { [STUDY_TAG]: studyTag, [`${STUDY_TAG}.name`]: study.name },
      })
    ).runId;
    await client.logBatch(parentRunId, {
      params: {
        study: study.name,
        direction: study.direction,
        sampler: study.sampler.name,
        pruner: study.pruner.name,
        seed: study.seed,
        window: study.window,
      },
    });
  }

  // A store that can group writes (SQLite) records a trial's end in one transaction.
  const store = client.store;
  const together = (fn: (s: TrackingStore) => Promise<void>): Promise<void> => (store.transaction ? store.transaction(fn) : fn(store));
  /** Trial number -> its run id, once onTrialStart's createRun lands. */
  const starting = new Map<number, Promise<string>>();
  let best: { number: number; value: number; model: Uint8Array } | undefined;
  const better = (a: number, b: number): boolean => (study.direction === 'minimize' ? a < b : a > b);

  const observer: StudyObserver = {
    onTrialStart(_study, trial) {
      const created = client
        .createRun({
          experimentId: experiment.experimentId,
          runName: `trial-${trial.number}`,
          parentRunId,
          tags: { [TRIAL_NUMBER_TAG]: String(trial.number), [TRIAL_STATE_TAG]: 'RUNNING', [TRIAL_TAG]: trialJson(trial) },
        })
        .then((info) => {
          // Params are in the trial tag now and logged as params at the end (one write fewer per trial).
          runIds.set(trial.number, info.runId);
          return info.runId;
        });
      starting.set(trial.number, created);
      return observed(created.then(() => {}));
    },
    onTrialEnd(_study, trial, model) {
      if (model && trial.state === 'COMPLETE' && trial.value !== null && (!best || better(trial.value, best.value) || (trial.value === best.value && trial.number < best.number))) {
        best = { number: trial.number, value: trial.value, model };
      }
      const started = starting.get(trial.number);
      if (started === undefined) return;
      starting.delete(trial.number);
      const metrics: { key: string; value: number; step: number; timestamp: number }[] = [];
      const now = Date.now();
      if (trial.value !== null) metrics.push({ key: valueKey, value: trial.value, step: 0, timestamp: now });
      for (const [key, value] of Object.entries(trial.metrics)) if (key !== valueKey) metrics.push({ key, value, step: 0, timestamp: now });
      metrics.push({ key: 'duration_s', value: ((trial.finishedAt ?? now) - trial.startedAt) / 1000, step: 0, timestamp: now });
      for (const r of trial.intermediate) metrics.push({ key: INTERMEDIATE_METRIC, value: r.value, step: r.step, timestamp: now });
      const tags: Record<string, string> = { [TRIAL_STATE_TAG]: trial.state, [TRIAL_TAG]: trialJson(trial) };
      if (trial.reason !== null) tags[TRIAL_REASON_TAG] = trial.reason.slice(0, 4000);
      // User attributes become tags too (as Optuna's MLflow callback does): e.g. a neural trial's backend.
      for (const [key, value] of Object.entries(trial.userAttrs)) tags[key] ??= (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 4000);
      const batch = toRunBatch({ params: trial.params, metrics, tags });
      return observed(
        started.then((runId) =>
          together(async (s) => {
            await s.logBatch(runId, batch);
            await s.updateRun(runId, { status: STATUS_OF[trial.state as keyof typeof STATUS_OF] ?? 'FAILED' });
          }),
        ),
      );
    },
    async onOptimizeEnd(s) {
      const b = s.bestTrial;
      const now = Date.now();
      const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0 };
      for (const t of s.trials) counts[t.state]++;
      await client.logBatch(parentRunId, {
        metrics: [
          ...(b?.value != null ? [{ key: `best_${valueKey}`, value: b.value, step: 0, timestamp: now }] : []),
          { key: 'n_complete', value: counts.COMPLETE, step: 0, timestamp: now },
          { key: 'n_pruned', value: counts.PRUNED, step: 0, timestamp: now },
          { key: 'n_failed', value: counts.FAIL, step: 0, timestamp: now },
        ],
        tags: b ? { [`${STUDY_TAG}.best_trial`]: String(b.number), [`${STUDY_TAG}.best_run_id`]: runIds.get(b.number) ?? '' } : {},
      });
      if (b && best && best.number === b.number && (options.logBestModel ?? true)) {
        const runId = runIds.get(b.number);
        if (runId) {
          const logged = await client.logModel(runId, best.model, { metadata: { trial: b.number, value: b.value as number } });
          await client.setTag(parentRunId, `${STUDY_TAG}.best_model_uri`, logged.uri);
          if (options.register) await client.registerModel(logged.uri, options.register.name, { alias: options.register.alias });
        }
      }
      if ((options.endParent ?? true) && (await client.getRun(parentRunId)).info.status === 'RUNNING') await client.endRun(parentRunId, 'FINISHED');
    },
  };
  study.addObserver(observer);
  return { parentRunId, runIds, resumed: { kept, interrupted } };
}

function trialJson(trial: FrozenTrial): string {
  // The curve is stored as a metric; the rest of the frozen trial as JSON (resume reads it back).
  const { intermediate: _curve, ...rest } = trial;
  return JSON.stringify(rest);
}

function runningPlaceholder(number: number): FrozenTrial {
  return {
    number,
    state: 'RUNNING',
    value: null,
    params: {},
    distributions: {},
    intermediate: [],
    metrics: {},
    reason: null,
    seed: 0,
    startedAt: 0,
    finishedAt: null,
    userAttrs: {},
  };
}

/** Finished trials of a parent run; interrupted ones are marked FAILED and listed for re-asking. */
async function loadTrials(
  client: TrackingClient,
  experimentId: string,
  parentRunId: string,
  runIds: Map<number, string>,
  interrupted: number[],
): Promise<FrozenTrial[]> {
  const runs = await client.searchAllRuns({ experimentIds: [experimentId], filter: `attributes.parent_run_id = ${quoteFilterValue(parentRunId)}` });
  const finished = new Map<number, FrozenTrial>();
  const lost = new Set<number>();
  for (const run of runs) {
    const json = run.tags[TRIAL_TAG];
    if (json === undefined) continue;
    let stored: Omit<FrozenTrial, 'intermediate'>;
    try {
      stored = JSON.parse(json) as Omit<FrozenTrial, 'intermediate'>;
    } catch (err) {
      throw new TunekitError('CORRUPT_TRIAL', `run ${run.info.runId}: tag ${TRIAL_TAG} is not valid JSON`, { cause: err });
    }
    if (stored.state === 'RUNNING') {
      if (run.info.status === 'RUNNING') {
        await client.setTag(run.info.runId, TRIAL_REASON_TAG, 'interrupted: the study process ended during this trial');
        await client.endRun(run.info.runId, 'FAILED');
      }
      lost.add(stored.number);
      continue;
    }
    const curve = await client.getMetricHistory(run.info.runId, INTERMEDIATE_METRIC);
    const byStep = new Map<number, number>();
    for (const p of curve) byStep.set(p.step, p.value);
    const intermediate = [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }));
    finished.set(stored.number, { ...stored, intermediate });
    runIds.set(stored.number, run.info.runId);
  }
  for (const n of lost) if (!finished.has(n)) interrupted.push(n);
  interrupted.sort((a, b) => a - b);
  return [...finished.values()].sort((a, b) => a.number - b.number);
}
