/**
 * Tracker: logging metric points in batches, and searching many runs with a filter ordered by a
 * metric, on the SQLite store (one database file, WAL). Goals: 10,000 points < 50 ms;
 * 100,000 runs searched < 200 ms.
 */
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { SqliteStore, TrackingClient } from '../../src/tracking/index.js';
import type { BenchContext, Benchmark } from '../types.js';

const POINTS = 10_000;
const QUICK_POINTS = 1_000;
const BATCH = 1_000;
const RUNS = 100_000;
const QUICK_RUNS = 2_000;

interface LogState {
  readonly client: TrackingClient;
  readonly experimentId: string;
  readonly points: number;
}

const logPoints: Benchmark<LogState> = {
  group: 'tracker',
  name: 'tracker/log-10k-metric-points',
  description: `Log 10,000 metric points (a training curve) into one run through a metric buffer, ${BATCH} points per atomic batch, SQLite store`,
  params: { points: POINTS, batch: BATCH, store: 'sqlite' },
  warmup: 1,
  repeat: 7,
  async setup(ctx: BenchContext) {
    const client = new TrackingClient(`sqlite:${join(ctx.tmpDir, 'log.db')}`);
    return { client, experimentId: (await client.createExperiment('log')).experimentId, points: ctx.quick ? QUICK_POINTS : POINTS };
  },
  async run(state) {
    const run = await state.client.createRun({ experimentId: state.experimentId });
    const buffer = state.client.metricBuffer(run.runId, BATCH);
    for (let i = 0; i < state.points; i++) buffer.log(i % 2 === 0 ? 'train_loss' : 'val_loss', 1 / (1 + i), i >> 1);
    await buffer.close();
    return { points: buffer.written, latestValLoss: (await state.client.getRun(run.runId)).metrics.val_loss.value };
  },
  teardown(state) {
    return state.client.close();
  },
};

interface SearchState {
  readonly store: SqliteStore;
  readonly experimentId: string;
  readonly runs: number;
}

/** Runs with the shape a tuning study leaves: a few params, rmse and mae, a sampler tag. */
async function ingest(ctx: BenchContext): Promise<SearchState> {
  const runs = ctx.quick ? QUICK_RUNS : RUNS;
  const store = new SqliteStore(join(ctx.tmpDir, 'search.db'));
  const experimentId = (await store.createExperiment('study')).experimentId;
  const rng = new Rng(7);
  const t0 = performance.now();
  await store.transaction(async (tx) => {
    for (let i = 0; i < runs; i++) {
      const run = await tx.createRun({ experimentId, runName: `trial-${i}`, startTime: 1_700_000_000_000 + i * 1000 });
      await tx.logBatch(run.runId, {
        params: [
          { key: 'maxDepth', value: String(rng.int(1, 20)) },
          { key: 'nEstimators', value: String(rng.int(10, 300)) },
          { key: 'model', value: rng.below(2) === 0 ? 'rf' : 'gbm' },
        ],
        metrics: [
          { key: 'rmse', value: rng.uniform(5, 9), step: 0, timestamp: 1 },
          { key: 'mae', value: rng.uniform(3, 6), step: 0, timestamp: 1 },
        ],
        tags: [{ key: 'sampler', value: 'tpe' }],
      });
      await tx.updateRun(run.runId, { status: 'FINISHED', endTime: 1_700_000_000_500 + i * 1000 });
    }
  });
  ctx.log(`ingested ${runs} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { store, experimentId, runs };
}

let shared: Promise<SearchState> | undefined;

function searchBenchmark(name: string, description: string, filter: string, orderBy: string): Benchmark<SearchState> {
  return {
    group: 'tracker',
    name,
    description,
    params: { runs: RUNS, filter, orderBy, maxResults: 100, store: 'sqlite' },
    warmup: 1,
    repeat: 7,
    setup(ctx) {
      shared ??= ingest(ctx);
      return shared;
    },
    async run(state) {
      const page = await state.store.searchRuns({ experimentIds: [state.experimentId], filter, orderBy: [orderBy], maxResults: 100 });
      const first = page.runs[0];
      return { runs: state.runs, returned: page.runs.length, bestRmse: first?.metrics.rmse.value ?? Number.NaN };
    },
    async teardown() {
      const s = shared;
      shared = undefined;
      await (await s)?.store.close();
    },
  };
}

export const benchmarks: Benchmark[] = [
  logPoints as Benchmark,
  searchBenchmark(
    'tracker/search-100k-runs-filter-order-by-metric',
    "Search 100,000 runs: metrics.rmse < 6.7 and params.maxDepth = '10', ordered by metrics.rmse asc, first 100",
    "metrics.rmse < 6.7 and params.maxDepth = '10'",
    'metrics.rmse asc',
  ) as Benchmark,
  searchBenchmark(
    'tracker/search-100k-runs-or-filter',
    "Search 100,000 runs: (params.model = 'rf' or params.maxDepth in (3, 5)) and metrics.mae > 4, ordered by metrics.rmse desc, first 100",
    "(params.model = 'rf' or params.maxDepth in (3, 5)) and metrics.mae > 4",
    'metrics.rmse desc',
  ) as Benchmark,
];
