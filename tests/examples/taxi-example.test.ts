import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingClient } from '../../src/tracking/index.js';
import { NEURAL_BACKEND_TAG } from '../../src/index.js';
import { ALIAS, BEST_MODELS_EXPERIMENT, EXPERIMENT, REGISTERED_MODEL, SESSION_TAG, type WorkflowResult } from '../../examples/nyc-taxi/workflow.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE } from '../helpers/taxi.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'tunekit-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the example; from `cwd` (default the project root), which decides the default data folders. */
async function example(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Outcome> {
  try {
    const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const { stdout, stderr } = await run(process.execPath, ['--import', tsx, join(ROOT, 'examples/nyc-taxi/main.ts'), ...args], {
      cwd,
      env: { ...process.env, TUNEKIT_OFFLINE: '1', TUNEKIT_CACHE_DIR: join(tmp, 'cache'), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function storeRuns(uri: string, experiment: string, session: string) {
  const client = new TrackingClient(uri);
  try {
    const exp = await client.getExperimentByName(experiment);
    if (!exp) return [];
    return await client.searchAllRuns({ experimentIds: [exp.experimentId], filter: `tags.\`${SESSION_TAG}\` = '${session}'` });
  } finally {
    await client.close();
  }
}

describe('taxi example on generated data (offline, no data folder)', () => {
  const uri = `sqlite:${join(tmp, 'generated.db')}`;
  // Run from a folder with no ./data/nyc-taxi and no ../shared: the months are generated.
  const cwd = join(tmp, 'elsewhere', 'work');
  const args = ['--quick', '--evals', '3', '--gbdt-evals', '2', '--nn-evals', '1', '--tracking-uri', uri, '--no-progress'];

  it('runs the whole workflow, prints the table and fills the store', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd, { recursive: true });
    const out = await example(args, {}, cwd);
    expect(out.stderr + out.stdout).not.toMatch(/error:/);
    expect(out.code).toBe(0);
    for (const split of ['train', 'val', 'test']) expect(out.stdout).toMatch(new RegExp(`data  ${split}.*source: generated`));
    expect(out.stdout).toMatch(/model\s+val RMSE\s+test RMSE\s+fit s\s+run id/);
    for (const name of ['LinearRegression', 'Lasso\\(alpha=0.01\\)', 'Ridge\\(alpha=1\\)', 'RandomForest\\(maxDepth=10\\)', 'RandomForest TPE best', 'top-5 refit']) {
      expect(out.stdout).toMatch(new RegExp(`${name}.*\\d+\\.\\d{4}\\s+\\d+\\.\\d{4}`));
    }
    expect(out.stdout).toMatch(/champion: nyc-taxi-duration v1 @champion/);
    expect(out.stdout).toMatch(/npx tunekit runs --experiment nyc-taxi-duration/);

    const client = new TrackingClient(uri);
    try {
      const exp = await client.getExperimentByName(EXPERIMENT);
      expect(exp).toBeDefined();
      const runs = await client.searchAllRuns({ experimentIds: [exp!.experimentId] });
      const parents = runs.filter((r) => r.info.parentRunId === null && r.info.runName?.includes('TPE'));
      const children = runs.filter((r) => r.info.parentRunId !== null);
      expect(parents.length).toBeGreaterThanOrEqual(1);
      // The neural search's trial says which TensorFlow.js backend trained it.
      const nnParent = parents.find((r) => r.info.runName === 'MLP TPE')!;
      const nnChildren = children.filter((r) => r.info.parentRunId === nnParent.info.runId);
      expect(nnChildren).toHaveLength(1);
      expect(nnChildren[0].tags[NEURAL_BACKEND_TAG]).toBe('wasm');
      // Every RF trial is a child of the RF study's run, with params and its validation RMSE.
      const rfParent = parents.find((r) => r.info.runName === 'RandomForest TPE')!;
      const rfChildren = children.filter((r) => r.info.parentRunId === rfParent.info.runId);
      expect(rfChildren).toHaveLength(3);
      for (const c of rfChildren) {
        expect(Number(c.params.maxDepth)).toBeGreaterThanOrEqual(1);
        expect(c.metrics.val_rmse.value).toBeGreaterThan(0);
      }
      const version = await client.getModelVersionByAlias(REGISTERED_MODEL, ALIAS);
      expect(version.version).toBe(1);
      const bestRuns = await client.searchAllRuns({ experimentIds: [(await client.getExperimentByName(BEST_MODELS_EXPERIMENT))!.experimentId] });
      expect(bestRuns).toHaveLength(5);
      // The registered run is the one with the lowest test RMSE among the five.
      const lowest = bestRuns.reduce((a, b) => (a.metrics.test_rmse.value <= b.metrics.test_rmse.value ? a : b));
      expect(version.runId).toBe(lowest.info.runId);
    } finally {
      await client.close();
    }
  });

  it('a second run appends to the same store: new runs, a new model version', async () => {
    const out = await example([...args, '--json'], {}, cwd);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as WorkflowResult;
    expect(result.registered.version).toBe(2);
    expect(result.data.train.source).toBe('generated');
    expect(result.features).toBeGreaterThan(100);
    const runs = await storeRuns(uri, EXPERIMENT, result.session);
    // 4 fixed-model runs, 3 study runs, 3 + 2 + 1 trials.
    expect(runs.length).toBe(4 + 3 + 3 + 2 + 1);
    const client = new TrackingClient(uri);
    try {
      expect((await client.listModelVersions(REGISTERED_MODEL)).map((v) => v.version)).toEqual([1, 2]);
      expect((await client.getModelVersionByAlias(REGISTERED_MODEL, ALIAS)).version).toBe(2);
    } finally {
      await client.close();
    }
  });
});

describe('taxi example: bad arguments fail clearly and write nothing', () => {
  const uri = `sqlite:${join(tmp, 'bad.db')}`;
  it.each([
    [['--train', '2021-13'], 2, /--train must be a month as YYYY-MM/],
    [['--evals', '0'], 2, /--evals must be an integer >= 1; got '0'/],
    [['--workers', 'two'], 2, /--workers must be an integer/],
    [['--frobnicate'], 2, /Unknown option '--frobnicate'/],
    [['--train', 'missing/nowhere.parquet'], 1, /nowhere\.parquet: --train file does not exist/],
    [['--data-dir', 'no/such/folder'], 1, /--data-dir is not a folder/],
    [['--workers', '1000'], 2, /--workers must be an integer from 1 to 64; got '1000'/],
    // A folder named explicitly is the one source: no fall-through to downloaded or generated months.
    [['--data-dir', tmp], 1, /green_tripdata_2021-01\.parquet: --data-dir has no file for --train 2021-01/],
  ])('%j', async (argv, code, message) => {
    const out = await example([...argv, '--tracking-uri', uri]);
    expect(out.code).toBe(code);
    expect(out.stderr).toMatch(message);
    expect(existsSync(join(tmp, 'bad.db'))).toBe(false);
  });

  it('--help prints the options', async () => {
    const out = await example(['--help']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/--data-dir DIR/);
    expect(out.stdout).toMatch(/--json/);
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);
describe.skipIf(!REAL_TAXI_DIR)('taxi example on the real January-March 2021 files', () => {
  it('reproduces the published figures in quick mode', async () => {
    const uri = `sqlite:${join(tmp, 'real.db')}`;
    const out = await example(['--quick', '--gbdt-evals', '0', '--nn-evals', '0', '--data-dir', REAL_TAXI_DIR!, '--tracking-uri', uri, '--json', '--no-progress']);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as WorkflowResult;
    expect(result.data.train).toMatchObject({ source: 'data-dir', rows: 73_908 });
    expect(result.data.val.rows).toBe(61_921);
    expect(result.data.test.rows).toBe(80_372);
    expect(result.features).toBe(13_221);
    const byName = new Map(result.models.map((m) => [m.name, m]));
    expect(byName.get('LinearRegression')!.valRmse).toBeLessThanOrEqual(7.481);
    expect(byName.get('RandomForest(maxDepth=10)')!.valRmse).toBeLessThan(6.7291 * 1.01);
    expect(result.registered.testRmse).toBeLessThanOrEqual(6.7);
    expect(result.predictions).toHaveLength(5);
    for (const p of result.predictions) expect(p.predicted).toBeGreaterThan(0);
  });
});
