/**
 * The tracking workloads, in MLflow's REST API (`/api/2.0/mlflow/...`), the same requests for
 * tunekit's server and for MLflow's: logging a study, one large log-batch, and the runs a search
 * benchmark searches.
 */
import type { JsonClient } from './json-client.js';

const API = '/api/2.0/mlflow';

export async function createExperiment(client: JsonClient, name: string): Promise<string> {
  const res = await client.post<{ experiment_id: string }>(`${API}/experiments/create`, { name });
  return res.experiment_id;
}

export async function createRun(client: JsonClient, experimentId: string, name: string, tags: { key: string; value: string }[] = []): Promise<string> {
  const res = await client.post<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, {
    experiment_id: experimentId,
    run_name: name,
    start_time: Date.now(),
    tags,
  });
  return res.run.info.run_id;
}

export interface StudyShape {
  readonly trials: number;
  readonly params: number;
  readonly metrics: number;
}

/**
 * A study as a tracker logs it: a parent run, then per trial a child run (create), its params and
 * metrics in one log-batch, and its end (update to FINISHED). Returns the requests it sent.
 */
export async function logStudy(client: JsonClient, experimentId: string, shape: StudyShape, seed: number): Promise<number> {
  const before = client.requests;
  const parent = await createRun(client, experimentId, `study-${seed}`);
  for (let t = 0; t < shape.trials; t++) {
    const runId = await createRun(client, experimentId, `trial-${t}`, [{ key: 'mlflow.parentRunId', value: parent }]);
    const now = Date.now();
    await client.post(`${API}/runs/log-batch`, {
      run_id: runId,
      params: Array.from({ length: shape.params }, (_, i) => ({ key: `param_${i}`, value: String((t * 31 + i * 7) % 97) })),
      metrics: Array.from({ length: shape.metrics }, (_, i) => ({ key: `metric_${i}`, value: ((t + seed) * (i + 1)) % 13.7, timestamp: now, step: 0 })),
    });
    await client.post(`${API}/runs/update`, { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  }
  await client.post(`${API}/runs/update`, { run_id: parent, status: 'FINISHED', end_time: Date.now() });
  return client.requests - before;
}

/** One log-batch of `points` points of one metric (a training curve), steps from `firstStep`. */
export async function logCurve(client: JsonClient, runId: string, points: number, firstStep: number): Promise<void> {
  const now = Date.now();
  await client.post(`${API}/runs/log-batch`, {
    run_id: runId,
    metrics: Array.from({ length: points }, (_, i) => ({ key: 'val_loss', value: 1 / (firstStep + i + 1), timestamp: now, step: firstStep + i })),
  });
}

/** A run of the search benchmark's store: the params and metrics its search filters and orders on. */
export interface SearchRun {
  readonly name: string;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
}

/** `n` runs with the params and metrics of the tracker suite's search (model, maxDepth, rmse, mae). */
export function searchRuns(n: number): SearchRun[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `run-${i}`,
    params: { model: ['rf', 'gbdt', 'linear'][i % 3], maxDepth: String(3 + (i % 12)) },
    metrics: { rmse: 5 + ((i * 7919) % 10_000) / 2500, mae: 3 + ((i * 104_729) % 10_000) / 5000 },
  }));
}

/** How many of `runs` the search finds: metrics.rmse < 6.7 and params.maxDepth = '10'. */
export function searchMatches(runs: readonly SearchRun[]): number {
  return runs.filter((r) => r.metrics.rmse < 6.7 && r.params.maxDepth === '10').length;
}

/** Logs `runs` through the API (a run, then one log-batch each) into a new experiment; returns its id. */
export async function populateRuns(client: JsonClient, runs: readonly SearchRun[], experiment: string): Promise<string> {
  const experimentId = await createExperiment(client, experiment);
  for (const run of runs) {
    const runId = await createRun(client, experimentId, run.name);
    await client.post(`${API}/runs/log-batch`, {
      run_id: runId,
      params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(run.metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
    });
  }
  return experimentId;
}

/** The search the search benchmark repeats: a filter on a metric and a param, ordered by a metric. */
export function searchRequest(experimentId: string): { path: string; body: string } {
  return {
    path: `${API}/runs/search`,
    body: JSON.stringify({
      experiment_ids: [experimentId],
      filter: "metrics.rmse < 6.7 and params.maxDepth = '10'",
      order_by: ['metrics.rmse ASC'],
      max_results: 100,
    }),
  };
}
