/**
 * The Python peers' side of the benchmarks: a long-lived Python worker (`benchmarks/peers/
 * worker.py`, Debian's Python by default) that runs scikit-learn, XGBoost and Optuna on the
 * same rows and features as tunekit, and times inside Python exactly what a Python user would
 * time (the `fit` call).
 *
 * Python has no Parquet reader here, so tunekit's own vectoriser hands it the matrices: the CSR
 * matrices and targets of January (train) and February (validation), written once per run as
 * `.npy` files. The worker loads them into scipy CSR matrices and returns a digest of what it
 * loaded; the digest must equal that of the matrices tunekit trains on in this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CsrMatrix } from '../../src/features/matrix.js';
import { PROJECT_ROOT } from '../harness.js';
import { loadTaxiMonths } from '../taxi-months.js';
import { type BenchContext, BenchmarkSkipped } from '../types.js';
import { type NpyArray, writeNpyFolder } from './npy.js';

/** The interpreter: `$TUNEKIT_PEER_PYTHON`, else Debian's (the pyenv `python3` first on PATH cannot see Debian's packages). */
export const PEER_PYTHON = process.env.TUNEKIT_PEER_PYTHON || '/usr/bin/python3';
const WORKER = path.join(PROJECT_ROOT, 'benchmarks', 'peers', 'worker.py');

/** Python distributions the peers use, and the Debian package that brings each. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  numpy: 'python3-numpy',
  scipy: 'python3-scipy',
  'scikit-learn': 'python3-sklearn',
  xgboost: 'python3-xgboost',
  optuna: 'python3-optuna',
  pandas: 'python3-pandas',
};

export interface TaskResult {
  readonly figures: Record<string, number>;
  readonly info: Record<string, string>;
}

export interface PythonWorker {
  readonly python: string;
  /** Installed version of each distribution of DEBIAN_PACKAGES, or null when absent. */
  readonly versions: Readonly<Record<string, string | null>>;
  /** Runs one task of the worker (`module.function`, e.g. 'sklearn.rf_fit'). */
  call(task: string, args?: Readonly<Record<string, unknown>>): Promise<TaskResult>;
}

interface Reply {
  readonly ok?: boolean;
  readonly ready?: boolean;
  readonly python?: string;
  readonly versions?: Record<string, string | null>;
  readonly figures?: Record<string, number>;
  readonly info?: Record<string, string>;
  readonly error?: string;
}

function startWorker(): Promise<PythonWorker> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(PEER_PYTHON, ['-u', WORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
    } catch (err) {
      reject(err);
      return;
    }
    const waiting: ((reply: Reply) => void)[] = [];
    let ready = false;
    let exited: string | undefined;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        return; // not a protocol line (the worker sends library output to stderr, but be safe)
      }
      if (!ready) {
        ready = true;
        resolve(worker(reply));
      } else waiting.shift()?.(reply);
    });
    const gone = (why: string) => {
      exited = why;
      if (!ready) reject(new BenchmarkSkipped(`${PEER_PYTHON} could not start the Python peers' worker (${why}); set TUNEKIT_PEER_PYTHON to a Python 3 with numpy and scipy`));
      for (const w of waiting.splice(0)) w({ ok: false, error: `the Python worker exited (${why})` });
    };
    child.on('error', (err) => gone(err.message));
    child.on('exit', (code, signal) => gone(signal ?? `code ${code}`));

    const worker = (hello: Reply): PythonWorker => ({
      python: hello.python ?? 'unknown',
      versions: hello.versions ?? {},
      call(task, args = {}) {
        return new Promise((done, fail) => {
          if (exited) return fail(new Error(`the Python worker exited (${exited})`));
          waiting.push((reply) => {
            if (reply.ok) done({ figures: reply.figures ?? {}, info: reply.info ?? {} });
            else fail(new Error(`Python peer task ${task}: ${reply.error ?? 'failed'}`));
          });
          child.stdin!.write(`${JSON.stringify({ task, args })}\n`);
        });
      },
    });
  });
}

let shared: Promise<PythonWorker> | undefined;

/**
 * The worker of this process: benchmarks of one process share it. It exits when its stdin
 * closes, that is when this process ends (the runner ends every benchmark process with exit).
 */
export function pythonWorker(): Promise<PythonWorker> {
  shared ??= startWorker();
  return shared;
}

/**
 * The worker, once every distribution in `needs` is importable; otherwise the benchmark is
 * skipped with how to install what is missing.
 */
export async function pythonPeer(ctx: BenchContext, needs: readonly string[], tool: string): Promise<PythonWorker> {
  if (!existsSync(PEER_PYTHON)) {
    const debs = ['python3', ...needs.map((n) => DEBIAN_PACKAGES[n] ?? n)].join(' ');
    throw new BenchmarkSkipped(`no ${PEER_PYTHON}: apt-get install ${debs} (or set TUNEKIT_PEER_PYTHON to a Python that has them)`);
  }
  const worker = await pythonWorker();
  const missing = ['numpy', 'scipy', ...needs].filter((n) => !worker.versions[n]);
  if (missing.length > 0) {
    const debs = missing.map((n) => DEBIAN_PACKAGES[n] ?? n).join(' ');
    throw new BenchmarkSkipped(`${missing.join(', ')} not importable by ${PEER_PYTHON}: apt-get install ${debs} (or set TUNEKIT_PEER_PYTHON to a Python that has them)`);
  }
  ctx.setTool(`${tool} (${needs.map((n) => `${n} ${worker.versions[n]}`).join(', ')}; Python ${worker.python})`);
  return worker;
}

interface Split {
  readonly X: CsrMatrix;
  readonly y: Float64Array;
}

const ARRAYS = (s: Split) => ({ indptr: s.X.indptr, indices: s.X.indices, data: s.X.values, y: s.y });

/** SHA-256 of both splits' arrays, in the order the worker hashes them. */
export function matricesDigest(train: Split, val: Split): string {
  const hash = createHash('sha256');
  for (const split of [train, val]) {
    for (const a of Object.values(ARRAYS(split))) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return hash.digest('hex');
}

export interface PeerMatrices {
  readonly dir: string;
  readonly source: string;
  readonly rows: number;
  readonly features: number;
}

/**
 * Writes the taxi matrices tunekit trains on (January / February, vectorised on January) for the
 * Python side, once per run, and has the worker load them; fails when what Python loaded differs
 * from what tunekit trains on.
 */
export async function loadPeerMatrices(ctx: BenchContext, worker: PythonWorker): Promise<PeerMatrices> {
  const { jan, feb, vectorizer, source } = await loadTaxiMonths(ctx);
  const train = { X: vectorizer.transform(jan.frame), y: jan.trips.duration };
  const val = { X: vectorizer.transform(feb.frame), y: feb.trips.duration };
  const digest = matricesDigest(train, val);
  const dir = path.join(ctx.runDir, 'python-peers-taxi');
  const arrays: Record<string, NpyArray> = {};
  for (const [name, split] of [['train', train], ['val', val]] as const) {
    for (const [key, a] of Object.entries(ARRAYS(split))) arrays[`${name}_${key}`] = a;
  }
  writeNpyFolder(dir, arrays, { key: digest, source, features: vectorizer.nFeatures, train: { rows: train.X.nRows }, val: { rows: val.X.nRows } });
  const loaded = await worker.call('data.load', { dir });
  if (loaded.info.digest !== digest) {
    throw new Error(`the matrices Python loaded from ${dir} differ from those tunekit trains on (digest ${loaded.info.digest} != ${digest})`);
  }
  return { dir, source, rows: train.X.nRows, features: vectorizer.nFeatures };
}
