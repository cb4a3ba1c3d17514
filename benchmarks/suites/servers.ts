/**
 * Servers under load: tunekit's tracking server (MLflow's REST API) and `tunekit serve`, beside
 * their MLflow peers — a real MLflow tracking server and `mlflow models serve` — with the same
 * requests and the same load generator (wrk; the logging workloads, whose requests depend on
 * earlier answers, go through one keep-alive JSON client for both). tunekit's side starts its
 * servers through `benchmarks/servers.ts` (a placeholder until those servers exist: its
 * benchmarks are skipped saying so). The MLflow side is optional: without the MLflow oracle its
 * benchmarks are skipped, saying how to set it up.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LinearRegression } from '../../src/models/linear/estimators.js';
import { saveModel } from '../../src/models/io.js';
import { Pipeline } from '../../src/models/pipeline.js';
import { JsonClient } from '../load/json-client.js';
import { createExperiment, createRun, logCurve, logStudy, populateRuns, type SearchRun, searchMatches, searchRequest, searchRuns } from '../load/tracking.js';
import { type LoadResult, requireWrk, runLoad } from '../load/wrk.js';
import { mlflowVersion, saveMlflowModel, startMlflowModelServer, startMlflowTracking, treeRssMiB } from '../peers/mlflow.js';
import { writeNpyFolder } from '../peers/npy.js';
import { type RunningServer, startModelServer, startTrackingServer } from '../servers.js';
import { loadTaxiMonths } from '../taxi-months.js';
import { type BenchContext, type Benchmark, BenchmarkSkipped } from '../types.js';

/** One side of a comparison: tunekit's server, or its MLflow peer. */
interface Side<Input> {
  readonly group: 'server' | 'peers';
  readonly prefix: string;
  readonly what: string;
  readonly tool?: string;
  /** The tunekit side's prefix, for a peer (its benchmarks name tunekit's as `peerOf`). */
  readonly peerOfPrefix?: string;
  start(ctx: BenchContext, input: Input): Promise<RunningServer>;
}

/**
 * What a tracking server's store holds before the benchmark: the search benchmark's runs. A side
 * that can write them into its store before its server starts sets `experimentId`; otherwise the
 * benchmark logs them through the API.
 */
interface Preload {
  readonly runs: readonly SearchRun[];
  experimentId?: string;
}

const notYet = (what: string, fn: string) =>
  new BenchmarkSkipped(`tunekit's ${what} is not there yet: benchmarks/servers.ts ${fn}() returns nothing (it is the placeholder that server fills in)`);

// ---------------------------------------------------------------------------------------------
// Tracking: MLflow's REST API.

const TRACKING_TUNEKIT: Side<Preload | undefined> = {
  group: 'server',
  prefix: 'server/tracking',
  what: "tunekit's tracking server (MLflow REST API, SQLite store)",
  async start(ctx) {
    const server = await startTrackingServer(`sqlite:${path.join(ctx.tmpDir, 'tunekit.db')}`);
    if (!server) throw notYet('tracking server', 'startTrackingServer');
    return server;
  },
};

const TRACKING_MLFLOW: Side<Preload | undefined> = {
  group: 'peers',
  prefix: 'peers/mlflow-server',
  what: 'MLflow tracking server (mlflow server, SQLite store, --serve-artifacts, 1 worker)',
  tool: 'MLflow tracking server',
  peerOfPrefix: 'server/tracking',
  async start(ctx, preload) {
    // Through the API, 10,000 runs take MLflow minutes: its store gets them before it starts.
    const server = await startMlflowTracking(ctx, preload && { runs: preload.runs, experiment: 'search' });
    if (preload) preload.experimentId = server.experimentId;
    ctx.setTool(`MLflow ${await mlflowVersion()} tracking server (SQLite, 1 worker)`);
    return server;
  },
};

const STUDY = { trials: 1000, params: 10, metrics: 5 } as const;
const QUICK_TRIALS = 20;
const SEARCH_RUNS = 10_000;
const QUICK_SEARCH_RUNS = 300;
const CURVE_POINTS = 1000;

interface TrackingState {
  readonly server: RunningServer;
  readonly client: JsonClient;
  readonly experimentId: string;
  readonly quick: boolean;
  runId?: string;
  round: number;
}

async function trackingSetup(side: Side<Preload | undefined>, ctx: BenchContext, preload?: Preload): Promise<TrackingState> {
  const server = await side.start(ctx, preload);
  const client = new JsonClient(server.url);
  return { server, client, experimentId: await createExperiment(client, 'bench'), quick: ctx.quick, round: 0 };
}

async function closeServer(state: { readonly server: RunningServer; readonly client?: JsonClient }): Promise<void> {
  state.client?.close();
  await state.server.close();
}

function serverMemory(state: { readonly server: RunningServer }): Record<string, number> {
  const mib = treeRssMiB(state.server.pid);
  return Number.isFinite(mib) && mib > 0 ? { serverRssMiB: mib } : {};
}

/** A wrk run as a benchmark repetition: seconds per request (1 / throughput), and latencies. */
function loadFigures(r: LoadResult, label: string): Record<string, number> {
  if (r.errors > 0) throw new Error(`${label}: ${r.errors} of ${r.requests} requests failed`);
  if (r.requests === 0) throw new Error(`${label}: no request completed`);
  return { seconds: 1 / r.requestsPerSecond, requests: r.requests, requestsPerSecond: r.requestsPerSecond, p50Ms: r.p50Ms, p90Ms: r.p90Ms, p99Ms: r.p99Ms };
}

function peerOf(side: Side<unknown>, suffix: string): Partial<Benchmark> {
  return side.peerOfPrefix ? { peerOf: [`${side.peerOfPrefix}${suffix}`], ...(side.tool ? { tool: side.tool } : {}) } : {};
}

function trackingBenchmarks(side: Side<Preload | undefined>): Benchmark[] {
  const study: Benchmark<TrackingState> = {
    group: side.group,
    name: `${side.prefix}-log-study-1000x10x5`,
    description:
      `${side.what}: log a study through the REST API, one client over one keep-alive connection: a parent run, then per trial ` +
      `runs/create (child of the parent), one runs/log-batch of 10 params + 5 metrics, runs/update FINISHED; 1,000 trials (quick: ${QUICK_TRIALS}).`,
    params: { ...STUDY, quickTrials: QUICK_TRIALS, client: 'node:http keep-alive, 1 connection' },
    ...peerOf(side, '-log-study-1000x10x5'),
    // One study is 3,002 requests: a second adds minutes for MLflow, little information.
    warmup: 0,
    repeat: 1,
    setup: (ctx) => trackingSetup(side, ctx),
    async run(state) {
      const t0 = performance.now();
      const requests = await logStudy(state.client, state.experimentId, { ...STUDY, trials: state.quick ? QUICK_TRIALS : STUDY.trials }, state.round++);
      return { requests, requestsPerSecond: requests / ((performance.now() - t0) / 1000) };
    },
    score: serverMemory,
    teardown: closeServer,
  };
  const batch: Benchmark<TrackingState> = {
    group: side.group,
    name: `${side.prefix}-log-batch-1000-points`,
    description: `${side.what}: one runs/log-batch request of 1,000 points of one metric (a training curve) into one run.`,
    params: { points: CURVE_POINTS },
    ...peerOf(side, '-log-batch-1000-points'),
    warmup: 3,
    repeat: 15,
    async setup(ctx) {
      const state = await trackingSetup(side, ctx);
      state.runId = await createRun(state.client, state.experimentId, 'curve');
      return state;
    },
    async run(state) {
      const t0 = performance.now();
      await logCurve(state.client, state.runId!, CURVE_POINTS, CURVE_POINTS * state.round++);
      return { points: CURVE_POINTS, pointsPerSecond: CURVE_POINTS / ((performance.now() - t0) / 1000) };
    },
    teardown: closeServer,
  };
  const search: Benchmark<TrackingState & { readonly runs: number }> = {
    group: side.group,
    name: `${side.prefix}-search-10k-runs`,
    description:
      `${side.what}: runs/search over 10,000 runs (quick: ${QUICK_SEARCH_RUNS}) with params and metrics, ` +
      "filter \"metrics.rmse < 6.7 and params.maxDepth = '10'\", order by metrics.rmse ASC, first 100; wrk, 1 connection, " +
      '5 s per repetition; the time is seconds per search (1 / requests per second). The runs are logged in setup: through the API, or ' +
      "for MLflow straight into its store before it starts (the rows its create_run and log_batch write; through its API they take minutes).",
    params: { runs: SEARCH_RUNS, quickRuns: QUICK_SEARCH_RUNS, maxResults: 100, connections: 1, seconds: 5 },
    ...peerOf(side, '-search-10k-runs'),
    timing: 'reported',
    warmup: 1,
    repeat: 3,
    async setup(ctx) {
      requireWrk();
      const preload: Preload = { runs: searchRuns(ctx.quick ? QUICK_SEARCH_RUNS : SEARCH_RUNS) };
      const t0 = performance.now();
      const state = await trackingSetup(side, ctx, preload);
      const experimentId = preload.experimentId ?? (await populateRuns(state.client, preload.runs, 'search'));
      ctx.log(`${preload.runs.length.toLocaleString('en-US')} runs in the store after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // Both stores must give the search the same answer: every matching run, best first, 100 at most.
      const { path: route, body } = searchRequest(experimentId);
      const found = await state.client.post<{ runs?: { data?: { metrics?: { key: string; value: number }[] } }[] }>(route, JSON.parse(body));
      const want = Math.min(100, searchMatches(preload.runs));
      const rmse = (found.runs ?? []).map((r) => r.data?.metrics?.find((m) => m.key === 'rmse')?.value ?? Number.NaN);
      if (rmse.length !== want || rmse.some((v, i) => !(v < 6.7) || (i > 0 && v < rmse[i - 1]))) {
        throw new Error(`the search answered ${rmse.length} runs (want ${want}, rmse < 6.7 ascending): ${rmse.slice(0, 5).join(', ')}`);
      }
      return { ...state, experimentId, runs: preload.runs.length };
    },
    async run(state, ctx) {
      const { path: route, body } = searchRequest(state.experimentId);
      const r = await runLoad({ url: `${state.server.url}${route}`, body, connections: 1, seconds: ctx.quick ? 1 : 5, tmpDir: ctx.tmpDir });
      return { ...loadFigures(r, 'runs/search'), runs: state.runs };
    },
    score: serverMemory,
    teardown: closeServer,
  };
  return [study, batch, search] as Benchmark[];
}

// ---------------------------------------------------------------------------------------------
// Serving: MLflow's scoring protocol, POST /invocations with a dataframe_split body.

const BATCH_ROWS = 10_000;
const QUICK_BATCH_ROWS = 1_000;
const CONCURRENCY = [1, 8, 64] as const;

/** The request rows (February) and the training month, shared by both sides. */
interface Requests {
  readonly single: string;
  readonly batch: string;
  readonly batchRows: number;
  readonly records: { PU_DO: string; trip_distance: number }[];
}

async function servingRequests(ctx: BenchContext): Promise<Requests> {
  const { feb } = await loadTaxiMonths(ctx);
  const pu = feb.frame.columns.PU_DO;
  const distance = feb.frame.columns.trip_distance;
  if (pu.kind !== 'categorical' || distance.kind !== 'numeric') throw new Error('unexpected taxi feature columns');
  const records: { PU_DO: string; trip_distance: number }[] = [];
  const want = ctx.quick ? QUICK_BATCH_ROWS : BATCH_ROWS;
  for (let i = 0; i < feb.frame.nRows && records.length < want; i++) {
    // JSON has no NaN: rows with a missing value are left out of the requests.
    if (pu.codes[i] >= 0 && Number.isFinite(distance.values[i])) records.push({ PU_DO: pu.dictionary[pu.codes[i]], trip_distance: distance.values[i] });
  }
  const split = (rows: typeof records) => JSON.stringify({ dataframe_split: { columns: ['PU_DO', 'trip_distance'], data: rows.map((r) => [r.PU_DO, r.trip_distance]) } });
  return { single: split(records.slice(0, 1)), batch: split(records), batchRows: records.length, records };
}

interface ServingInput {
  readonly requests: Requests;
  /** What the model itself predicts for the batch rows: the server must answer exactly that. */
  expected: number[];
}

const SERVING_TUNEKIT: Side<ServingInput> = {
  group: 'server',
  prefix: 'server/serve',
  what: 'tunekit serve (DictVectorizer + LinearRegression pipeline fitted on January)',
  async start(ctx, input) {
    const { jan } = await loadTaxiMonths(ctx);
    const model = new Pipeline(new LinearRegression()).fit(jan.frame, jan.trips.duration);
    const file = path.join(ctx.tmpDir, 'taxi-linear.tkm');
    await saveModel(model, file);
    input.expected = Array.from(model.predict(input.requests.records));
    const server = await startModelServer(file);
    if (!server) throw notYet('model server', 'startModelServer');
    return server;
  },
};

const SERVING_MLFLOW: Side<ServingInput> = {
  group: 'peers',
  prefix: 'peers/mlflow-models-serve',
  what: 'mlflow models serve --env-manager local (uvicorn, 1 worker) of an MLflow sklearn model: make_pipeline(FunctionTransformer(to_dict records), DictVectorizer(), LinearRegression()) fitted on January',
  tool: 'mlflow models serve',
  peerOfPrefix: 'server/serve',
  async start(ctx, input) {
    // Built once per run (fitting and saving an MLflow model takes seconds), for the same rows.
    const model = path.join(ctx.runDir, 'mlflow-model');
    const expected = path.join(model, 'expected.json');
    if (existsSync(expected)) input.expected = (JSON.parse(readFileSync(expected, 'utf8')) as { predictions: number[] }).predictions;
    else {
      const { jan } = await loadTaxiMonths(ctx);
      const t = jan.trips;
      const trips = path.join(ctx.tmpDir, 'trips');
      writeNpyFolder(trips, { train_pu: t.puLocationId, train_do: t.doLocationId, train_distance: t.tripDistance, train_duration: t.duration }, { key: 'jan' });
      writeFileSync(path.join(trips, 'request.json'), input.requests.batch);
      input.expected = await saveMlflowModel(trips, model);
    }
    const server = await startMlflowModelServer(ctx, model);
    ctx.setTool(`mlflow models serve (MLflow ${await mlflowVersion()}, uvicorn, 1 worker)`);
    return server;
  },
};

interface ServingState {
  readonly server: RunningServer;
  readonly requests: Requests;
}

async function servingSetup(side: Side<ServingInput>, ctx: BenchContext): Promise<ServingState> {
  requireWrk();
  const input: ServingInput = { requests: await servingRequests(ctx), expected: [] };
  const server = await side.start(ctx, input);
  // The server must answer what its model predicts, before any load.
  const res = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input.requests.batch });
  const answer = (await res.json()) as { predictions?: unknown };
  const got = Array.isArray(answer.predictions) ? (answer.predictions as unknown[]).map((p) => (typeof p === 'object' && p !== null ? Object.values(p)[0] : p)) : [];
  const bad = got.length !== input.expected.length ? 0 : got.findIndex((p, i) => !(Math.abs((p as number) - input.expected[i]) <= 1e-9 * Math.max(1, Math.abs(input.expected[i]))));
  if (!res.ok || got.length !== input.expected.length || bad >= 0) {
    await server.close();
    throw new Error(`${side.prefix}: the server's predictions differ from its model's (HTTP ${res.status}, ${got.length} of ${input.expected.length}${bad >= 0 ? `, row ${bad}: ${String(got[bad])} != ${input.expected[bad]}` : ''})`);
  }
  return { server, requests: input.requests };
}

function servingBenchmarks(side: Side<ServingInput>): Benchmark[] {
  const single = CONCURRENCY.map(
    (c): Benchmark<ServingState> => ({
      group: side.group,
      name: `${side.prefix}-single-row-c${c}`,
      description:
        `${side.what}: single-row dataframe_split requests from ${c} keep-alive connection${c > 1 ? 's' : ''} (wrk, 1 thread, 3 s per repetition); ` +
        'the time is seconds per request (1 / requests per second); p50/p99 latency in the figures.',
      params: { connections: c, seconds: 3, body: 'dataframe_split, 1 row of February' },
      ...peerOf(side, `-single-row-c${c}`),
      timing: 'reported',
      warmup: 1,
      repeat: 3,
      setup: (ctx) => servingSetup(side, ctx),
      async run(state, ctx) {
        const r = await runLoad({ url: `${state.server.url}/invocations`, body: state.requests.single, connections: c, seconds: ctx.quick ? 1 : 3, tmpDir: ctx.tmpDir });
        return loadFigures(r, `single-row requests, ${c} connections`);
      },
      score: serverMemory,
      teardown: closeServer,
    }),
  );
  const batch: Benchmark<ServingState> = {
    group: side.group,
    name: `${side.prefix}-batch-10k-rows`,
    description:
      `${side.what}: one dataframe_split request of 10,000 rows of February (quick: ${QUICK_BATCH_ROWS}), one connection (wrk, 3 s per repetition); ` +
      'the time is the mean latency of a batch (1 / requests per second).',
    params: { rows: BATCH_ROWS, quickRows: QUICK_BATCH_ROWS, connections: 1, seconds: 3 },
    ...peerOf(side, '-batch-10k-rows'),
    timing: 'reported',
    warmup: 1,
    repeat: 3,
    setup: (ctx) => servingSetup(side, ctx),
    async run(state, ctx) {
      const r = await runLoad({ url: `${state.server.url}/invocations`, body: state.requests.batch, connections: 1, seconds: ctx.quick ? 1 : 3, tmpDir: ctx.tmpDir });
      return { ...loadFigures(r, 'batch requests'), rows: state.requests.batchRows };
    },
    score: serverMemory,
    teardown: closeServer,
  };
  return [...single, batch] as Benchmark[];
}

export const benchmarks: Benchmark[] = [
  ...trackingBenchmarks(TRACKING_TUNEKIT),
  ...trackingBenchmarks(TRACKING_MLFLOW),
  ...servingBenchmarks(SERVING_TUNEKIT),
  ...servingBenchmarks(SERVING_MLFLOW),
];
