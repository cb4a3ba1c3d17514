/**
 * The MLflow peers of the server benchmarks: a real MLflow 3.x tracking server (SQLite store,
 * `--serve-artifacts`) and `mlflow models serve --env-manager local`, run from the MLflow oracle
 * (MLflow's source on Debian's Python, built by `../shared/tools/mlflow-server/setup.sh`).
 * Each server runs under `process_group.py`, which ends it, workers included, with the benchmark.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../harness.js';
import type { SearchRun } from '../load/tracking.js';
import type { RunningServer } from '../servers.js';
import { type BenchContext, BenchmarkSkipped } from '../types.js';

const run = promisify(execFile);
const PEERS = path.join(PROJECT_ROOT, 'benchmarks', 'peers');

/** The oracle's folder: `$TUNEKIT_MLFLOW_ORACLE`, else where setup.sh puts it by default. */
export const MLFLOW_ORACLE = process.env.TUNEKIT_MLFLOW_ORACLE || path.join(process.env.TMPDIR || '/tmp', 'tunekit-mlflow');
const START_TIMEOUT_MS = 120_000;

/** The oracle's Python launcher; skips the benchmark, saying how to set the oracle up, when absent. */
export function mlflowPython(): string {
  const launcher = path.join(MLFLOW_ORACLE, 'bin', 'mlflow-python');
  if (!existsSync(launcher)) {
    throw new BenchmarkSkipped(
      `the MLflow oracle is not set up (no ${launcher}): follow ../shared/tools/mlflow-server/README.md ` +
        '(bring the repositories it lists, then MIRROR_ROOT=<their folder> bash ../shared/tools/mlflow-server/setup.sh), ' +
        'or set TUNEKIT_MLFLOW_ORACLE to the folder setup.sh wrote',
    );
  }
  return launcher;
}

/** MLflow's version, as the oracle's Python sees it. */
export async function mlflowVersion(): Promise<string> {
  const { stdout } = await run(mlflowPython(), ['-c', 'import mlflow; print(mlflow.__version__)'], { encoding: 'utf8' });
  return stdout.trim();
}

/** A free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts `command` under process_group.py and waits until `url + healthPath` answers 200. */
async function startServer(label: string, command: readonly string[], url: string, healthPath: string, logFile: string, ctx: BenchContext): Promise<RunningServer> {
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(mlflowPython(), [path.join(PEERS, 'process_group.py'), ...command], {
    stdio: ['ignore', log, log],
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
  });
  closeSync(log);
  let exited = false;
  child.on('exit', () => (exited = true));
  const close = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const started = Date.now();
  while (!(await healthy(`${url}${healthPath}`))) {
    if (exited || Date.now() - started > START_TIMEOUT_MS) {
      await close();
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`${label} did not answer ${healthPath} ${exited ? '(it exited)' : `within ${START_TIMEOUT_MS / 1000} s`}; log ${logFile}:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  ctx.log(`${label} answers at ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { url, pid: child.pid, close };
}

/**
 * A real MLflow tracking server on a fresh SQLite store, 1 worker (2 cores here). With `runs`, the
 * store holds them (in an experiment named `experiment`) before the server starts, written by
 * mlflow_populate.py; `experimentId` is that experiment's id.
 */
export async function startMlflowTracking(
  ctx: BenchContext,
  preload?: { readonly runs: readonly SearchRun[]; readonly experiment: string },
): Promise<RunningServer & { readonly experimentId?: string }> {
  const python = mlflowPython();
  const dir = path.join(ctx.tmpDir, 'mlflow-server');
  mkdirSync(dir, { recursive: true });
  const db = `sqlite:///${path.join(dir, 'mlflow.db')}`;
  const artifacts = path.join(dir, 'mlartifacts');
  let experimentId: string | undefined;
  if (preload) {
    const file = path.join(dir, 'runs.jsonl');
    writeFileSync(file, preload.runs.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const { stdout } = await run(python, [path.join(PEERS, 'mlflow_populate.py'), db, artifacts, file, preload.experiment], { encoding: 'utf8' });
    experimentId = stdout.trim().split('\n').pop();
  }
  const port = await freePort();
  const command = [
    python, '-m', 'mlflow', 'server',
    '--backend-store-uri', db,
    '--serve-artifacts', '--artifacts-destination', artifacts,
    '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
  ];
  const server = await startServer('mlflow server', command, `http://127.0.0.1:${port}`, '/health', path.join(dir, 'server.log'), ctx);
  return { ...server, ...(experimentId ? { experimentId } : {}) };
}

/** Fits and saves the course's DictVectorizer + LinearRegression pipeline as an MLflow model. */
export async function saveMlflowModel(tripsDir: string, modelDir: string): Promise<number[]> {
  // Saved aside, then renamed: a model folder is complete or absent.
  const tmp = `${modelDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await run(mlflowPython(), [path.join(PEERS, 'mlflow_model.py'), tripsDir, tmp], { maxBuffer: 16 << 20 });
  renameSync(tmp, modelDir);
  return (JSON.parse(readFileSync(path.join(modelDir, 'expected.json'), 'utf8')) as { predictions: number[] }).predictions;
}

/** `mlflow models serve -m MODEL_DIR --env-manager local` (uvicorn, 1 worker by default). */
export async function startMlflowModelServer(ctx: BenchContext, modelDir: string): Promise<RunningServer> {
  const port = await freePort();
  const command = [mlflowPython(), '-m', 'mlflow', 'models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)];
  return startServer('mlflow models serve', command, `http://127.0.0.1:${port}`, '/ping', path.join(ctx.tmpDir, 'mlflow-models-serve.log'), ctx);
}

/** Resident memory of a process and all its descendants, in MiB (Linux /proc), or NaN. */
export function treeRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kib);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    total += rss.get(p) ?? 0;
    todo.push(...(children.get(p) ?? []));
  }
  return total / 1024;
}
