/**
 * Keeps the benchmarks from rotting: runs the runner as `npm run bench` would, in quick mode, and
 * checks that it writes well-formed results. Never asserts a time.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { peersBesideTheirs, selected } from '../../benchmarks/discover.js';
import { linkPeers, median } from '../../benchmarks/harness.js';
import { type BenchRecord, checkRunRecord, type RunRecord } from '../../benchmarks/record.js';
import { compareMarkdown, README_END, README_START } from '../../benchmarks/report.js';
import { ALLOC_BYTES } from './fixtures/suites/fixture.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const FIXTURE_SUITES = path.join(HERE, 'fixtures', 'suites');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunekit-bench-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry of the project under tsx, as the npm scripts do. */
function tsx(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, maxBuffer: 16 << 20, env: { ...process.env, ...env } };
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The runner from the sources (tsx). */
const bench = (args: string[], env?: NodeJS.ProcessEnv) => tsx('benchmarks/run.ts', args, env);

function results(out: string): RunRecord {
  const file = path.join(out, 'latest.json');
  return checkRunRecord(JSON.parse(readFileSync(file, 'utf8')), file);
}

describe('benchmark runner', () => {
  it('measures each benchmark in its own process, records a failure and goes on', async () => {
    const out = path.join(tmp, 'fixture');
    const readme = path.join(tmp, 'README.md');
    writeFileSync(readme, `# Benchmarks\n\nbefore\n\n${README_START}\nstale\n${README_END}\n\nafter\n`);
    const res = await bench(['--quick', '--suites', FIXTURE_SUITES, '--out', out, '--write-readme', '--readme', readme]);
    expect(res.code, res.stderr).toBe(1);

    const run = results(out);
    expect(run.quick).toBe(true);
    expect(run.isolated).toBe(true);
    expect(run.failed).toBe(1);
    expect(run.machine.cores).toBeGreaterThan(0);
    expect(run.benchmarks.map((b) => b.name)).toEqual(['fixture/allocate', 'fixture/throws']);

    const [alloc, thrown] = run.benchmarks;
    expect(alloc.status).toBe('ok');
    expect(alloc.figures).toEqual({ sum: (ALLOC_BYTES / 8 / 8) * 28, rows: ALLOC_BYTES / 8 });
    expect(alloc.seconds?.samples).toHaveLength(1);
    // The run frees its array before returning. The kernel's high-water mark always holds the
    // peak; the sampling thread's figure lies between the idle process and that mark (whether a
    // sample lands inside the allocation depends on scheduling, so it is not asserted).
    const rss = alloc.rss!;
    expect(rss.processMax - rss.afterSetup).toBeGreaterThan(ALLOC_BYTES / 2);
    expect(rss.peakRun).toBeGreaterThanOrEqual(Math.min(rss.afterSetup, rss.after));
    expect(rss.peakRun).toBeLessThanOrEqual(rss.processMax * 1.05);
    expect(thrown.status).toBe('failed');
    expect(thrown.error).toContain('RangeError: fixture failure on purpose');

    const md = readFileSync(path.join(out, 'latest.md'), 'utf8');
    expect(md).toContain('| data | fixture/allocate |');
    expect(md).toContain('FAILED');
    const text = readFileSync(readme, 'utf8');
    expect(text).not.toContain('stale');
    expect(text).toMatch(/^# Benchmarks\n\nbefore\n\n<!-- bench:figures:start -->[\s\S]*fixture\/allocate[\s\S]*<!-- bench:figures:end -->\n\nafter\n$/);

    const compared = compareMarkdown(run, run, 'itself');
    expect(compared).toMatch(/\| fixture\/allocate \| [\d.]+ \([\d.]+\) \| 1\.00× \| 1\.00× \| 1\.00× \| {2}\| sum 1\.00×, rows 1\.00× \|/);
    expect(compared).toContain('noisy');
  });

  it('runs the real suites in quick mode and writes well-formed results', async () => {
    // The JavaScript and Python peers (the Python ones run when Debian's packages are installed,
    // and are skipped otherwise) and the tracker; the MLflow servers take too long to start here.
    const out = path.join(tmp, 'quick');
    const res = await bench(['--quick', '--no-isolate', '--only', 'peers/ml-,peers/tunekit-,python,tracker', '--out', out]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const run = results(out);
    expect(new Set(run.benchmarks.map((b) => b.group))).toEqual(new Set(['peers', 'tracker']));
    for (const b of run.benchmarks) {
      if (b.status === 'skipped') {
        expect(b.suite, `${b.name} skipped: ${b.skipped}`).toBe('python');
        expect(b.skipped).toMatch(/apt-get install .*python3-/);
        continue;
      }
      expect(b.status, `${b.name}: ${b.error}`).toBe('ok');
      expect(Object.keys(b.figures).length, b.name).toBeGreaterThan(0);
    }
    // Each JavaScript peer names its tunekit benchmark, which gets the peer's median and the ratio.
    const ours = run.benchmarks.find((b) => b.name === 'peers/tunekit-random-forest')!;
    const peer = run.benchmarks.find((b) => b.name === 'peers/ml-random-forest')!;
    expect(ours.peer).toMatchObject({ benchmark: peer.name, tool: 'ml-random-forest 2.1.0', seconds: peer.seconds!.median });
    expect(ours.peerRatio).toBeCloseTo(peer.seconds!.median / ours.seconds!.median, 10);
    // A Python peer that ran timed itself in Python and trained on the very matrices tunekit uses.
    const forest = run.benchmarks.find((b) => b.name === 'peers/sklearn-random-forest-fit')!;
    if (forest.status === 'ok') {
      expect(forest.tool).toMatch(/^scikit-learn RandomForestRegressor \(scikit-learn \d/);
      expect(forest.figures).toMatchObject({ trees: 10 });
      expect(forest.figures.valRmse).toBeGreaterThan(0);
    }
    expect(existsSync(path.join(out, 'latest.md'))).toBe(true);
  });

  it('skips the peers that are not installed, saying how to install them, and is not failed by them', async () => {
    const out = path.join(tmp, 'skips');
    const only = 'peers/sklearn-linear-regression-fit,training/linear-regression-exact,peers/mlflow-server-log-batch,peers/mlflow-server-search,server/tracking-log-batch';
    const res = await bench(['--quick', '--no-isolate', '--only', only, '--out', out], {
      TUNEKIT_PEER_PYTHON: path.join(tmp, 'no-python'),
      TUNEKIT_MLFLOW_ORACLE: path.join(tmp, 'no-oracle'),
      TUNEKIT_WRK: path.join(tmp, 'no-wrk'),
    });
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const run = results(out);
    const skipped = Object.fromEntries(run.benchmarks.filter((b) => b.status === 'skipped').map((b) => [b.name, b.skipped]));
    expect(skipped).toEqual({
      'peers/sklearn-linear-regression-fit': expect.stringMatching(/no-python: apt-get install python3 python3-sklearn/),
      'peers/mlflow-server-log-batch-1000-points': expect.stringMatching(/MLflow oracle is not set up.*setup\.sh/),
      'peers/mlflow-server-search-10k-runs': expect.stringMatching(/no-wrk is not installed: apt-get install wrk/),
      'server/tracking-log-batch-1000-points': expect.stringMatching(/benchmarks\/servers\.ts startTrackingServer/),
    });
    expect(run.failed).toBe(0);
    const ours = run.benchmarks.find((b) => b.name === 'training/linear-regression-exact')!;
    expect(ours.status).toBe('ok');
    expect(ours.peer?.missing).toMatch(/^skipped: .*python3-sklearn/);
    expect(ours.peerRatio).toBeUndefined();
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('## Skipped');
  });

  it('npm run bench compiles the library and the suites and measures the compiled code', async () => {
    // What `npm run bench` runs: tsc into a cache folder, then the compiled runner under plain
    // node; a search benchmark so the trial pool's workers load the compiled worker too.
    const out = path.join(tmp, 'compiled');
    const res = await tsx('scripts/bench.ts', ['--quick', '--only', 'tuning/homework', '--out', out]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const run = results(out);
    expect(run.code).toBe('compiled');
    expect(run.benchmarks.map((b) => [b.name, b.status])).toEqual([
      ['tuning/homework-rf-tpe-15', 'ok'],
      ['tuning/homework-rf-tpe-15-1worker', 'ok'],
    ]);
    for (const b of run.benchmarks) expect(b.figures.failed).toBe(0);
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('compiled by tsc');
  });
});

describe('results', () => {
  const base = (name: string, seconds: number[], extra: Partial<BenchRecord> = {}): BenchRecord => ({
    name,
    group: 'peers',
    suite: 's',
    description: 'd',
    params: {},
    status: 'ok',
    warmup: 0,
    repeat: seconds.length,
    setupSeconds: 0,
    seconds: { median: median(seconds), min: Math.min(...seconds), max: Math.max(...seconds), samples: seconds },
    rss: { before: 1, afterSetup: 1, after: 1, peakRun: 1, processMax: 1 },
    figures: { rows: 10 },
    loadAverage: 0,
    ...extra,
  });
  const record = (benchmarks: BenchRecord[]): unknown => ({
    schema: 'tunekit-bench/1',
    date: '2026-01-01T00:00:00.000Z',
    quick: true,
    only: null,
    isolated: true,
    machine: { cores: 2, availableParallelism: 2, memoryBytes: 1, cpuModel: 'cpu', node: 'v20', os: 'Linux', loadAverage: [0, 0, 0] },
    git: null,
    realDataDir: null,
    totalSeconds: 1,
    benchmarks,
    loadErrors: [],
    failed: 0,
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
  });

  it('rejects malformed records, naming the field', () => {
    expect(() => checkRunRecord(record([base('a', [1, 2])]))).not.toThrow();
    const bad = base('a', [1]);
    expect(() => checkRunRecord(record([{ ...bad, seconds: { median: 1, min: 2, max: 3, samples: [] } }]))).toThrow(/benchmarks\[0\] \(a\)\.seconds/);
    expect(() => checkRunRecord(record([{ ...bad, figures: { rmse: Number.NaN } }]))).toThrow(/figures\.rmse/);
    expect(() => checkRunRecord({ ...(record([]) as object), machine: { cores: 2 } })).toThrow(/machine\.availableParallelism/);
  });

  it('links a benchmark to the peer of the same run that names it', () => {
    const [peer, ours, other] = linkPeers([
      base('peers/slow', [8, 10], { tool: 'slow-lib 1.0', peerOf: ['training/fast'], figures: { valRmse: 6.5, rows: 10 }, loadAverage: 1.5 }),
      base('training/fast', [1, 3]),
      base('training/alone', [1]),
    ]);
    expect(peer.peer).toBeUndefined();
    expect(ours.peer).toEqual({ tool: 'slow-lib 1.0', benchmark: 'peers/slow', seconds: 9, figures: { valRmse: 6.5 }, loadAverage: 1.5 });
    expect(ours.peerRatio).toBe(4.5);
    expect(other.peer).toBeUndefined();
  });

  it('links a benchmark to the benchmark of the same run it names itself', () => {
    const [, ours] = linkPeers([base('training/cpu', [4], { tool: 'cpu' }), base('training/wasm', [2], { peerBenchmark: 'training/cpu' })]);
    expect(ours.peer).toMatchObject({ benchmark: 'training/cpu', seconds: 4 });
    expect(ours.peerRatio).toBe(2);
  });

  it('compares per unit when the peer asks (per boosting round)', () => {
    const [, ours] = linkPeers([
      base('peers/xgb', [10], { peerOf: ['training/gbdt'], ratioPer: 'trees', figures: { trees: 50 } }),
      base('training/gbdt', [3], { figures: { trees: 750 } }),
    ]);
    // 0.2 s per round against 0.004 s per round.
    expect(ours.peer?.per).toBe('trees');
    expect(ours.peerRatio).toBeCloseTo(50, 10);
  });

  it('says why a tunekit benchmark has no peer figure when its peer was skipped', () => {
    const skipped: BenchRecord = { ...base('peers/py', [1], { peerOf: ['training/x'] }), status: 'skipped', skipped: 'apt-get install python3-sklearn', seconds: null, rss: null };
    const [, ours] = linkPeers([skipped, base('training/x', [1])]);
    expect(ours.peer).toMatchObject({ benchmark: 'peers/py', missing: 'skipped: apt-get install python3-sklearn' });
    expect(ours.peerRatio).toBeUndefined();
    expect(() => checkRunRecord(record([skipped]))).not.toThrow();
    expect(() => checkRunRecord(record([{ ...skipped, skipped: undefined }]))).toThrow(/\.skipped/);
  });

  it('runs each peer right after the first tunekit benchmark of the run it names', () => {
    const b = (name: string, peerOf?: string[]) => ({ bench: { group: 'peers', name, description: '', run: () => undefined, ...(peerOf ? { peerOf } : {}) } as const });
    const order = peersBesideTheirs([
      b('training/a'),
      b('training/b'),
      b('tuning/c'),
      b('peers/of-b', ['training/b']),
      b('peers/of-a-and-c', ['tuning/x', 'training/a', 'tuning/c']),
      b('peers/of-nothing-here', ['training/z']),
    ]).map((t) => t.bench.name);
    expect(order).toEqual(['training/a', 'peers/of-a-and-c', 'training/b', 'peers/of-b', 'tuning/c', 'peers/of-nothing-here']);
  });

  it('selects by group, suite file or name prefix', () => {
    const b = { group: 'training', name: 'training/rf-depth10', description: '', run: () => undefined } as const;
    expect(selected(null, b, 'trees')).toBe(true);
    expect(selected(['training'], b, 'trees')).toBe(true);
    expect(selected(['trees'], b, 'trees')).toBe(true);
    expect(selected(['training/rf'], b, 'trees')).toBe(true);
    expect(selected(['tuning', 'training/gbdt'], b, 'trees')).toBe(false);
  });
});
