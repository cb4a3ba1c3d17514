import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, main, summarizeCurve } from '../../src/tracking/cli.js';
import { TrackingClient } from '../../src/tracking/index.js';

const BIN = resolve(__dirname, '../../bin/tunekit.js');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-cli-'));
const db = join(dir, 'cli.db');
const ids: string[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const c = new TrackingClient(`sqlite:${db}`);
  for (let i = 0; i < 3; i++) {
    const run = c.createRun({ experimentName: 'taxi', runName: `rf-${i}` });
    ids.push(run.runId);
    c.logParams(run.runId, { maxDepth: 10 * (i + 1) });
    for (let s = 0; s < 4; s++) c.logMetric(run.runId, 'rmse', 9 - i - [0, 0.5, 0.25, 0.75][s], { step: s });
    c.logModel(run.runId, new Uint8Array([i + 1]), { signature: { inputs: [{ name: 'PU_DO', type: 'string' }] } });
    c.endRun(run.runId, i === 2 ? 'FAILED' : 'FINISHED');
  }
  c.registerBestRun({ experiment: 'taxi', metric: 'rmse', name: 'taxi-rf', alias: 'champion' });
  c.close();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await main(['--tracking-uri', `sqlite:${db}`, ...args], io);
  return { code, out, err };
}

describe('tunekit CLI', () => {
  it('lists experiments and searches runs with filter, order and JSON output', async () => {
    const e = await cli('experiments');
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^ID\s+NAME/);
    expect(e.out).toMatch(/\n1\s+taxi\s/);
    const r = await cli('runs', '--experiment', 'taxi', '--filter', "status = 'FINISHED'", '--order-by', 'metrics.rmse asc');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[1]).toContain(ids[1]);
    expect(lines[1]).toMatch(/rf-1\s+FINISHED.*rmse=7\.25/);
    expect(lines[2]).toContain(ids[0]);
    const j = await cli('runs', '--json', '--max', '2', '--order-by', 'params.maxDepth desc');
    const parsed = JSON.parse(j.out);
    expect(parsed.runs.map((x: { info: { runId: string } }) => x.info.runId)).toEqual([ids[2], ids[1]]);
    const next = await cli('runs', '--json', '--max', '2', '--order-by', 'params.maxDepth desc', '--page-token', parsed.nextPageToken);
    expect(JSON.parse(next.out)).toMatchObject({ runs: [{ info: { runId: ids[0] } }], nextPageToken: null });
  });

  it('shows a run with its metric curve summary', async () => {
    const r = await cli('runs', 'show', ids[0]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Run ${ids[0]} (rf-0)`);
    expect(r.out).toMatch(/maxDepth\s+10/);
    // rmse history 9, 8.5, 8.75, 8.25: last 8.25, min 8.25, max 9, first 9, 4 steps 0..3
    expect(r.out).toMatch(/rmse\s+8\.25\s+8\.25\s+9\s+9\s+4\s+0\.\.3/);
    const j = JSON.parse((await cli('runs', 'show', ids[0], '--json')).out);
    expect(j.curves).toEqual([{ key: 'rmse', steps: 4, firstStep: 0, lastStep: 3, first: 9, last: 8.25, min: 8.25, max: 9 }]);
    expect(summarizeCurve('x', [{ step: 0, value: Number.NaN }, { step: 1, value: 2 }])).toMatchObject({ min: 2, max: 2, first: Number.NaN, last: 2 });
  });

  it('lists and shows registered models by name, alias and version', async () => {
    expect((await cli('models')).out).toMatch(/taxi-rf\s+1\s+champion=v1/);
    const byAlias = await cli('models', 'show', 'taxi-rf@champion');
    expect(byAlias.code).toBe(0);
    expect(byAlias.out).toContain(`runs:/${ids[1]}/model`);
    expect(byAlias.out).toMatch(/PU_DO\s+string/);
    expect((await cli('models', 'show', 'taxi-rf/1')).out).toBe(byAlias.out);
    expect((await cli('models', 'show', 'taxi-rf')).out).toMatch(/1\s+champion\s+[0-9a-f]{32}/);
  });

  it('fail-stale marks runs of dead processes FAILED', async () => {
    const c = new TrackingClient(`sqlite:${db}`);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = c.createRun({ experimentName: 'other', tags: { 'tunekit.pid': String(dead) } });
    c.close();
    const r = await cli('runs', 'fail-stale', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([orphan.runId]);
    expect((await cli('runs', 'fail-stale')).out).toBe('no stale runs\n');
    expect(await cli('runs', 'fail-stale', '--older-than-minutes', '0')).toMatchObject({ code: 1, err: expect.stringMatching(/positive number/) });
  });

  it('fails with a clear message and a non-zero code', async () => {
    const bad = await cli('runs', '--filter', 'metrics.rmse <');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/at position 14/);
    expect(await cli('runs', 'show', 'f'.repeat(32))).toMatchObject({ code: 1, err: expect.stringMatching(/unknown run/) });
    expect(await cli('models', 'show', 'taxi-rf@nobody')).toMatchObject({ code: 1, err: expect.stringMatching(/unknown alias/) });
    expect(await cli('nonsense')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command 'nonsense'/) });
    expect(await cli('models', '--filter', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/--filter does not apply to 'models'/) });
    expect(await cli('runs', 'show')).toMatchObject({ code: 2, err: expect.stringMatching(/missing RUN_ID/) });
    expect(await cli('runs', '--max', 'lots')).toMatchObject({ code: 1, err: expect.stringMatching(/--max must be a positive number/) });
    const missing = join(dir, 'missing.db');
    expect(await main(['experiments', '--tracking-uri', `sqlite:${missing}`], { out: () => {}, err: () => {} })).toBe(1);
    expect(existsSync(missing)).toBe(false);
    for (const cmd of [[], ['runs'], ['runs', 'show'], ['runs', 'fail-stale'], ['models'], ['models', 'show'], ['experiments']]) {
      const h = await cli(...cmd, '--help');
      expect(h.code, cmd.join(' ')).toBe(0);
      expect(h.out, cmd.join(' ')).toMatch(/^(Usage|tunekit)/);
    }
  });

  it('runs as a spawned binary from another working directory', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, ...args], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, ...env } });
    const ok = run(['runs', '--json', '--filter', `run_id = '${ids[1]}'`], { TUNEKIT_TRACKING_URI: `sqlite:${db}` });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).runs[0].params).toEqual({ maxDepth: '20' });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: tunekit <command>');
    const err = run(['models', 'show', 'nope/1', '--tracking-uri', `sqlite:${db}`]);
    expect(err.status).toBe(1);
    expect(err.stderr).toMatch(/unknown registered model 'nope'/);
  });
});
