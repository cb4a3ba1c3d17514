import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/command.js';
import { type CliIo, main } from '../../src/cli/main.js';
import { SqliteStore, TrackingClient } from '../../src/tracking/index.js';

const BIN = resolve(__dirname, '../../bin/tunekit.js');
const dir = mkdtempSync(join(tmpdir(), 'tunekit-cli-'));
const db = join(dir, 'cli.db');
const ids: string[] = [];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const c = new TrackingClient(`sqlite:${db}`);
  for (let i = 0; i < 3; i++) {
    const run = await c.createRun({ experimentName: 'taxi', runName: `rf-${i}` });
    ids.push(run.runId);
    await c.logParams(run.runId, { maxDepth: 10 * (i + 1) });
    for (let s = 0; s < 4; s++) await c.logMetric(run.runId, 'rmse', 9 - i - [0, 0.5, 0.25, 0.75][s], { step: s });
    await c.logModel(run.runId, new Uint8Array([i + 1]), { signature: { inputs: [{ name: 'PU_DO', type: 'string' }] } });
    await c.endRun(run.runId, i === 2 ? 'FAILED' : 'FINISHED');
  }
  await c.registerBestRun({ experiment: 'taxi', metric: 'rmse', name: 'taxi-rf', alias: 'champion' });
  await c.close();
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
  });

  it('lists and shows registered models by name, alias and version', async () => {
    expect((await cli('models')).out).toMatch(/taxi-rf\s+1\s+champion=v1/);
    const byAlias = await cli('models', 'show', 'taxi-rf@champion');
    expect(byAlias.code).toBe(0);
    expect(byAlias.out).toContain(`runs:/${ids[1]}/model`);
    expect(byAlias.out).toMatch(/PU_DO\s+string/);
    expect((await cli('models', 'show', 'taxi-rf/1')).out).toBe(byAlias.out);
    expect((await cli('models', 'show', 'taxi-rf')).out).toMatch(/1\s+champion\s+None\s+[0-9a-f]{32}/);
  });

  it('fail-stale marks runs of dead processes FAILED', async () => {
    const c = new TrackingClient(`sqlite:${db}`);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = await c.createRun({ experimentName: 'other', tags: { 'tunekit.pid': String(dead) } });
    await c.close();
    const r = await cli('runs', 'fail-stale', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([orphan.runId]);
    expect((await cli('runs', 'fail-stale')).out).toBe('no stale runs\n');
  });

  it('exits 1 on failures with a clear message, 2 on bad usage', async () => {
    const bad = await cli('runs', '--filter', 'metrics.rmse <');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/at position 14/);
    expect(await cli('runs', 'show', 'f'.repeat(32))).toMatchObject({ code: 1, err: expect.stringMatching(/unknown run/) });
    expect(await cli('models', 'show', 'taxi-rf@nobody')).toMatchObject({ code: 1, err: expect.stringMatching(/unknown alias/) });
    expect(await cli('nonsense')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command 'nonsense'/) });
    expect(await cli('models', '--filter', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/--filter does not apply to 'models'/) });
    expect(await cli('runs', 'show')).toMatchObject({ code: 2, err: expect.stringMatching(/missing RUN_ID/) });
    expect(await cli('runs', '--max', 'lots')).toMatchObject({ code: 2, err: expect.stringMatching(/--max must be a positive integer/) });
    expect(await cli('runs', '--max', '1.5')).toMatchObject({ code: 2 });
    expect(await cli('runs', 'fail-stale', '--older-than-minutes', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/positive number/) });
    expect(await cli('--frobnicate')).toMatchObject({ code: 2 });
    const missing = join(dir, 'missing.db');
    expect(await main(['experiments', '--tracking-uri', `sqlite:${missing}`], { out: () => {}, err: () => {} })).toBe(1);
    expect(existsSync(missing)).toBe(false);
  });

  it('deep and long filters fail with a positioned message, never a stack trace', async () => {
    const deep = await cli('runs', '--filter', `${'('.repeat(10_000)}metrics.rmse < 1${')'.repeat(10_000)}`);
    expect(deep.code).toBe(1);
    expect(deep.err).toMatch(/nests deeper than 50 levels/);
    expect(deep.err).not.toMatch(/\n\s+at /);
    const ors = await cli('runs', '--json', '--filter', Array.from({ length: 1500 }, (_, i) => `run_id = '${i === 7 ? ids[0] : i}'`).join(' or '));
    expect(ors.code).toBe(0);
    expect(JSON.parse(ors.out).runs.map((r: { info: { runId: string } }) => r.info.runId)).toEqual([ids[0]]);
  });

  it('command names that are Object members are unknown commands, not crashes', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(await cli(name), name).toMatchObject({ code: 2, err: expect.stringMatching(new RegExp(`unknown command '${name}'`)) });
      expect(await cli(name, '--help'), name).toMatchObject({ code: 2, out: '' });
      expect(await cli('runs', name), name).toMatchObject({ code: 2, err: expect.stringMatching(/unexpected argument/) });
    }
  });

  it('every command has --help; the main help lists every command of the table', async () => {
    const main = await cli('--help');
    expect(main.code).toBe(0);
    for (const cmd of [['runs'], ['runs', 'show'], ['runs', 'fail-stale'], ['models'], ['models', 'show'], ['experiments']]) {
      const h = await cli(...cmd, '--help');
      expect(h.code, cmd.join(' ')).toBe(0);
      expect(h.out, cmd.join(' ')).toMatch(new RegExp(`^Usage: tunekit ${cmd.join(' ')}`));
      expect(h.out).toContain('--tracking-uri URI');
      expect(main.out).toContain(`  ${cmd.join(' ')}`);
    }
    expect((await cli()).code).toBe(2);
  });

  it('a command is one entry in a table: options are parsed for it, its failures map to exit codes', async () => {
    const seen: unknown[] = [];
    const hello: Command = {
      name: 'hello',
      summary: 'say hello',
      help: 'Usage: tunekit hello NAME [--loud]',
      options: { loud: { type: 'boolean' } },
      async run(ctx) {
        seen.push([ctx.args, ctx.options.loud, ctx.trackingUri]);
        if (ctx.args[0] === 'boom') throw new Error('boom');
        ctx.io.out(ctx.options.loud ? 'HELLO\n' : 'hello\n');
        return undefined;
      },
    };
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
    expect(await main(['hello', 'x', '--loud', '--tracking-uri', 'memory:'], io, [[hello]])).toBe(0);
    expect(out).toBe('HELLO\n');
    expect(seen).toEqual([[['x'], true, 'memory:']]);
    expect(await main(['hello', 'boom'], io, [[hello]])).toBe(1);
    expect(err).toMatch(/unexpected error: boom\n$/);
    expect(await main(['hello', '--max', '3'], io, [[hello]])).toBe(2);
    const clash: Command = { ...hello, name: 'other', options: { loud: { type: 'string' } } };
    await expect(main(['hello'], io, [[hello, clash]])).rejects.toThrow(/--loud is declared differently/);
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
    expect(run(['constructor']).status).toBe(2);
  });

  it('output into a pipe that closes early ends quietly (no EPIPE crash)', async () => {
    const big = join(dir, 'big.db');
    const s = new SqliteStore(big);
    const exp = await s.createExperiment('many');
    await s.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) await tx.createRun({ experimentId: exp.experimentId, runName: `run-${i}-${'x'.repeat(40)}` });
    });
    await s.close();
    const child = spawn(process.execPath, [BIN, 'runs', '--max', '3000', '--tracking-uri', `sqlite:${big}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first chunk, then close our end of the pipe, as `| head -c 100` does.
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
