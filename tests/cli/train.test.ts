import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/models/io.js';
import { TrackingClient } from '../../src/tracking/index.js';
import { cliOn } from '../helpers/cli.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE } from '../helpers/taxi.js';

const HOUSES = resolve(__dirname, '../../examples/own-data/houses.csv');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-train-'));
const db = join(dir, 'train.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = cliOn(`sqlite:${db}`);

function file(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const base = ['train', '--data', HOUSES, '--target', 'price_k', '--exclude', 'id', '--val-fraction', '0.2'];

describe('tunekit train', () => {
  it('trains on a CSV, records params, metrics and the model, and registers it', async () => {
    const r = await cli(...base, '--model', 'ridge', '--param', 'alpha=0.5', '--experiment', 'houses', '--register', 'houses@champion', '--json');
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.data.train.rows + result.data.validation.rows).toBe(400);
    expect(result.data.features).toEqual(['city', 'rooms', 'area_m2', 'garden']);
    expect(result.metrics.r2).toBeGreaterThan(0.5);
    expect(result.model.registered).toMatchObject({ name: 'houses', version: 1, alias: 'champion' });
    const client = new TrackingClient(`sqlite:${db}`);
    try {
      const run = await client.getRun(result.runId);
      // Autolog: every param (defaults too), training metrics by MLflow's names, estimator tags.
      expect(run.params.alpha).toBe('0.5');
      expect(Object.keys(run.params).sort()).toEqual(Object.keys((await import('../../src/models/kinds.js')).modelKinds.get('ridge').create({}).params).sort());
      for (const key of ['training_mean_squared_error', 'training_root_mean_squared_error', 'training_mean_absolute_error', 'training_r2_score', 'training_score']) {
        expect(run.metrics[key], key).toBeDefined();
      }
      expect(run.tags.estimator_name).toBe('Ridge');
      expect(run.metrics.val_rmse.value).toBeCloseTo(result.metrics.rmse, 10);
      expect(run.info.status).toBe('FINISHED');
      // The registered model predicts from records, as the input example gives them.
      const { bytes, info } = await client.loadModel('models:/houses@champion');
      const pipeline = await loadPipeline(bytes);
      const example = info.inputExample as Record<string, string | number>[];
      expect(example.length).toBe(5);
      expect(pipeline.predict(example).length).toBe(5);
    } finally {
      await client.close();
    }
  });

  it("runs the README's own-data command as written", async () => {
    const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Your own data'));
    const command = /```sh\nnpx tunekit (train [^\n]*\\\n[^\n]*)\n/.exec(section)![1].replace(/\\\n\s*/, '');
    const args = command.split(/\s+/).map((a) => (a === 'examples/own-data/houses.csv' ? HOUSES : a));
    const r = await cli(...args);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/registered models:\/houses\/\d+ \(alias champion\)/);
  });

  it('prints metrics, the run and the model for people', async () => {
    const r = await cli(...base, '--model', 'random_forest', '--param', 'maxDepth=6', '--param', 'nEstimators=20');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^trained random_forest on 320 rows/);
    expect(r.out).toMatch(/\nrmse\s+\d/);
    expect(r.out).toMatch(/\nmodel\s+runs:\/[0-9a-f]{32}\/model\n/);
  });

  it('reads a folder of CSV files, with validation from its own file', async () => {
    const lines = readFileSync(HOUSES, 'utf8').trim().split('\n');
    const header = lines[0];
    const folder = join(dir, 'parts');
    file('parts/a.csv', `${[header, ...lines.slice(1, 150)].join('\n')}\n`);
    file('parts/b.csv', `${[header, ...lines.slice(150, 300)].join('\n')}\n`);
    const val = file('val.csv', `${[header, ...lines.slice(300)].join('\n')}\n`);
    const r = await cli('train', '--data', folder, '--val', val, '--target', 'price_k', '--features', 'rooms,area_m2,city', '--model', 'linear_regression', '--json');
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect([result.data.train.rows, result.data.validation.rows]).toEqual([299, 101]);
    expect(result.data.features).toEqual(['rooms', 'area_m2', 'city']);
  });

  it('--help, and bad usage exits 2 naming the rule', async () => {
    const help = await cli('train', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--val-fraction F/);
    expect(help.out).toMatch(/linear_regression/);
    const cases: [string[], RegExp][] = [
      [['train', '--data', HOUSES, '--target', 'price_k', '--val-fraction', '0.2'], /--model is required/],
      [[...base, '--model', 'svm'], /--model must be one of .*linear_regression/],
      [[...base, '--model', 'ridge', '--param', 'alpha=-1'], /--param alpha: Ridge: parameter 'alpha' must be >= 0; got -1/],
      [[...base, '--model', 'ridge', '--param', 'depth=3'], /'ridge' has no parameter 'depth'/],
      [[...base, '--model', 'ridge', '--param', 'alpha'], /--param must be NAME=VALUE/],
      [['train', '--data', HOUSES, '--target', 'price_k', '--val-fraction', '1.5', '--model', 'ridge'], /--val-fraction must be a number between 0 and 1/],
      [['train', '--data', HOUSES, '--target', 'price_k', '--model', 'ridge'], /validation data is required/],
      [[...base, '--val', HOUSES, '--model', 'ridge'], /give --val or --val-fraction, not both/],
      [['train', '--target', 'y', '--val-fraction', '0.2', '--model', 'ridge'], /--data is required/],
      [[...base, '--model', 'ridge', '--register', 'a@b@c'], /--register must be NAME or NAME@ALIAS/],
      [['train', '--preset', 'nyc-taxi', '--train', '2021-01', '--model', 'ridge'], /--preset needs --train and --val/],
      [['train', '--preset', 'iris', '--train', 'a', '--val', 'b', '--model', 'ridge'], /--preset must be one of nyc-taxi/],
      [['train', '--preset', 'nyc-taxi', '--data', HOUSES, '--train', 'a', '--val', 'b', '--model', 'ridge'], /--data does not go with --preset/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
    }
  });

  it('bad data fails the command with exit 1 and a message naming what is wrong', async () => {
    const ragged = file('ragged.csv', 'x,y\n1,2\n3\n');
    const cases: [string[], RegExp][] = [
      [['train', '--data', HOUSES, '--target', 'cost', '--val-fraction', '0.2', '--model', 'ridge'], /parameter 'target' is not a column \(columns: id, city/],
      [['train', '--data', HOUSES, '--target', 'city', '--val-fraction', '0.2', '--model', 'ridge'], /the target column 'city' holds text/],
      [['train', '--data', ragged, '--target', 'y', '--val-fraction', '0.5', '--model', 'ridge'], /ragged\.csv: line 3: 1 field; the header has 2/],
      [['train', '--data', join(dir, 'nowhere'), '--target', 'y', '--val-fraction', '0.5', '--model', 'ridge'], /no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(message);
    }
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

describe.skipIf(!REAL_TAXI_DIR)('tunekit train --preset nyc-taxi on the real months', () => {
  it("reproduces the course's LinearRegression: val RMSE 7.4808", async () => {
    const r = await cli('train', '--preset', 'nyc-taxi', '--train', '2021-01', '--val', '2021-02', '--data-dir', REAL_TAXI_DIR!, '--model', 'linear_regression', '--json');
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect([result.data.train.rows, result.data.validation.rows, result.data.encodedFeatures]).toEqual([73908, 61921, 13221]);
    expect(result.metrics.rmse).toBeGreaterThan(7.48);
    expect(result.metrics.rmse).toBeLessThan(7.481);
  });
});
