import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseTuneConfig, readTuneConfig } from '../../src/cli/tune-config.js';
import { loadPipeline } from '../../src/models/io.js';
import { TrackingClient } from '../../src/tracking/index.js';
import { cliOn } from '../helpers/cli.js';

const HOUSES = resolve(__dirname, '../../examples/own-data/houses.csv');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-tune-'));
const db = join(dir, 'tune.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = cliOn(`sqlite:${db}`);

function config(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BASE = { data: HOUSES, valFraction: 0.25, target: 'price_k', exclude: ['id'], model: 'random_forest', space: { maxDepth: { type: 'quniform', low: 2, high: 10, q: 1 } } };

function configError(value: unknown): ConfigError {
  try {
    parseTuneConfig(value, 'tune.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('tunekit tune', () => {
  it('runs a tracked study from a YAML config: child runs, best params on the parent, the best pipeline registered', async () => {
    const path = config(
      'tune.yaml',
      `data: ${HOUSES}
valFraction: 0.25
target: price_k
exclude: [id]
model: random_forest
space:
  maxDepth: { type: quniform, low: 2, high: 10, q: 1 }
  minSamplesLeaf: { type: choice, options: [1, 2, 4] }
fixed: { nEstimators: 10 }
trials: 4
workers: 1
experiment: houses-search
register: houses@champion
`,
    );
    const r = await cli('tune', '--config', path, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect([summary.trials, summary.complete]).toEqual([4, 4]);
    expect(summary.model.registered).toMatchObject({ name: 'houses', version: 1, alias: 'champion' });
    const client = new TrackingClient(`sqlite:${db}`);
    try {
      const parent = await client.getRun(summary.parentRunId);
      expect(parent.params.best_maxDepth).toBe(String(summary.best.params.maxDepth));
      expect(parent.params.best_minSamplesLeaf).toBe(String(summary.best.params.minSamplesLeaf));
      const runs = await client.searchAllRuns({ experimentNames: ['houses-search'] });
      expect(runs.filter((run) => run.info.parentRunId === summary.parentRunId).length).toBe(4);
      const best = await client.getRun(summary.best.runId);
      expect(best.metrics.rmse.value).toBe(summary.best.value);
      const { bytes, info } = await client.loadModel('models:/houses@champion');
      const pipeline = await loadPipeline(bytes);
      expect(pipeline.predict(info.inputExample as Record<string, string | number>[]).length).toBe(5);
    } finally {
      await client.close();
    }
  });

  it('reads the shipped example config, JSON configs too, and --help documents the distributions', async () => {
    const shipped = await readTuneConfig(resolve(__dirname, '../../examples/own-data/tune.yaml'));
    expect([shipped.kind, Object.keys(shipped.space), shipped.register]).toEqual(['random_forest', ['maxDepth', 'minSamplesLeaf'], { name: 'houses', alias: 'champion' }]);
    const path = config('tune.json', JSON.stringify({ ...BASE, trials: 2, workers: 1, sampler: 'random' }));
    expect((await readTuneConfig(path)).sampler).toBe('random');
    const help = await cli('tune', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/quniform/);
  });

  it('a config with a wrong distribution gets a typed error naming the path in the config', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...BASE, space: { maxDepth: { type: 'uniformly', low: 1, high: 2 } } }, 'space.maxDepth.type', /must be one of uniform, quniform, loguniform, qloguniform, randint, normal, choice; got "uniformly"/],
      [{ ...BASE, space: { maxDepth: { type: 'quniform', low: 10, high: 2, q: 1 } } }, 'space.maxDepth.high', /must be >= low/],
      [{ ...BASE, space: { learningRate: { type: 'loguniform', low: 0, high: 1 } } }, 'space.learningRate', /has no parameter 'learningRate'/],
      [{ ...BASE, space: { maxFeatures: { type: 'loguniform', low: 0, high: 1 } } }, 'space.maxFeatures.low', /must be > 0 on a log scale/],
      [{ ...BASE, space: { maxDepth: { type: 'quniform', low: 1, high: 5 } } }, 'space.maxDepth.q', /must be a number; got undefined/],
      [{ ...BASE, space: { maxDepth: { type: 'choice', options: [] } } }, 'space.maxDepth.options', /non-empty list/],
      [{ ...BASE, space: { maxDepth: { type: 'uniform', low: 1, high: 5, step: 2 } } }, 'space.maxDepth.step', /is not a field of uniform/],
      [{ ...BASE, space: { maxDepth: 5 } }, 'space.maxDepth', /must be a distribution/],
      [{ ...BASE, sampler: 'bayes' }, 'sampler', /must be one of random, tpe, grid/],
      [{ ...BASE, trials: 0 }, 'trials', /whole number >= 1/],
      [{ ...BASE, model: 'svm' }, 'model', /must be one of/],
      [{ ...BASE, fixed: { maxDepth: 3 } }, 'fixed.maxDepth', /also in space/],
      [{ ...BASE, fixed: { nEstimators: -1 } }, 'fixed.nEstimators', /must be >= 1/],
      [{ ...BASE, valFraction: undefined }, 'val', /is required/],
      [{ ...BASE, extra: 1 }, 'extra', /is not a setting/],
    ];
    for (const [value, path, message] of cases) {
      const err = configError(value);
      expect(err.code).toBe('CONFIG');
      expect(err.path, JSON.stringify(value)).toBe(path);
      expect(err.message, path).toMatch(message);
    }
    // From the command line: exit 2, the file and the path named.
    const path = config('bad.yaml', 'data: x.csv\nvalFraction: 0.2\ntarget: y\nmodel: ridge\nspace:\n  alpha: { type: normal, mu: 1 }\n');
    const r = await cli('tune', '--config', path);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path}: space.alpha.sigma: must be a number; got undefined`);
    const broken = config('broken.yaml', 'space: [unclosed\n');
    expect((await cli('tune', '--config', broken)).err).toMatch(/not valid YAML/);
    expect((await cli('tune')).code).toBe(2);
  });
});
