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
import { selected } from '../../benchmarks/discover.js';
import { linkPeers, median } from '../../benchmarks/harness.js';
import { referencePeer } from '../../benchmarks/peer-figures.js';
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
function tsx(entry: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The runner from the sources (tsx). */
const bench = (args: string[]) => tsx('benchmarks/run.ts', args);

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
    const out = path.join(tmp, 'quick');
    const res = await bench(['--quick', '--no-isolate', '--only', 'peers,tracker', '--out', out]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const run = results(out);
    expect(new Set(run.benchmarks.map((b) => b.group))).toEqual(new Set(['peers', 'tracker']));
    for (const b of run.benchmarks) {
      expect(b.status, `${b.name}: ${b.error}`).toBe('ok');
      expect(['peers', 'tracker']).toContain(b.group);
      expect(Object.keys(b.figures).length, b.name).toBeGreaterThan(0);
    }
    const linked = run.benchmarks.find((b) => b.peerBenchmark !== undefined && run.benchmarks.some((o) => o.name === b.peerBenchmark));
    if (linked) expect(linked.peer?.source).toBe('run');
    expect(existsSync(path.join(out, 'latest.md'))).toBe(true);
  });

  it('npm run bench compiles the library and the suites and measures the compiled code', async () => {
    // What `npm run bench` runs: tsc into a cache folder, then the compiled runner under plain
    // node; a search benchmark so the trial pool's workers load the compiled worker too.
    const out = path.join(tmp, 'compiled');
    const res = await tsx('scripts/bench.ts', ['--quick', '--only', 'tuning/homework', '--out', out]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const run = results(out);
    expect(run.code).toBe('compiled');
    expect(run.benchmarks.map((b) => [b.name, b.status])).toEqual([['tuning/homework-rf-tpe-15', 'ok']]);
    expect(run.benchmarks[0].figures.failed).toBe(0);
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

  it('links a benchmark to its peer of the same run', () => {
    const [peer, ours] = linkPeers([
      base('peers/slow', [8, 10], { params: { tool: 'slow-lib 1.0' } }),
      base('peers/fast', [1, 3], { peerBenchmark: 'peers/slow' }),
    ]);
    expect(peer.peer).toBeUndefined();
    expect(ours.peer).toMatchObject({ tool: 'slow-lib 1.0', seconds: 9, source: 'run' });
    expect(ours.peerRatio).toBe(4.5);
  });

  it('selects by group, suite file or name prefix', () => {
    const b = { group: 'training', name: 'training/rf-depth10', description: '', run: () => undefined } as const;
    expect(selected(null, b, 'trees')).toBe(true);
    expect(selected(['training'], b, 'trees')).toBe(true);
    expect(selected(['trees'], b, 'trees')).toBe(true);
    expect(selected(['training/rf'], b, 'trees')).toBe(true);
    expect(selected(['tuning', 'training/gbdt'], b, 'trees')).toBe(false);
  });

  it('matches the reference peer figures by name', () => {
    expect(referencePeer('training/rf-depth10-100trees')?.seconds).toBe(20);
    expect(referencePeer('training/rf-depth10-100trees-njobs2')).toBeUndefined();
    expect(referencePeer('training/gbdt-course-params-early-stopping')?.seconds).toBe(527);
    expect(referencePeer('training/gbdt-course-params-to-6.32')).toBeUndefined();
    expect(referencePeer('training/gbdt-defaults-100rounds')?.seconds).toBe(22);
    expect(referencePeer('training/linear-regression-exact')?.seconds).toBe(0.13);
    expect(referencePeer('data/dict-vectorize-three-months')?.seconds).toBe(0.74);
    expect(referencePeer('training/lasso')?.seconds).toBe(4.4);
    expect(referencePeer('tuning/homework-tpe-15')).toBeUndefined();
  });
});
