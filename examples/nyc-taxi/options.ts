import { parseArgs } from 'node:util';
import { limits } from '../../src/index.js';

/** Command-line options of the taxi example, validated before anything is read or written. */
export interface ExampleOptions {
  readonly color: 'green' | 'yellow';
  readonly train: string;
  readonly val: string;
  readonly test: string;
  readonly dataDir: string | undefined;
  readonly evals: number;
  readonly gbdtEvals: number;
  readonly nnEvals: number;
  readonly workers: number;
  readonly seed: number;
  readonly trackingUri: string;
  readonly quick: boolean;
  readonly json: boolean;
  readonly progress: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run example:taxi -- [options]

The MLOps Zoomcamp workflow in one command: read NYC taxi months, prepare and vectorise them,
train and track baselines, tune RandomForest, gradient boosting and a neural network (PU and DO
as embeddings) with TPE on worker threads, evaluate the top runs on the test month and register
the best model as 'nyc-taxi-duration@champion'.

Data: with --data-dir, a month is read from that folder only. Without it, a month is looked for
in $TUNEKIT_DATA_DIR, ./data/nyc-taxi and ../shared/data/nyc-taxi, else downloaded from TLC into
a cache when online, else generated (seeded, TLC schema). The output says which source each split
used.

Options:
  --train MONTH|FILE     training month (YYYY-MM) or a Parquet file   [2021-01]
  --val MONTH|FILE       validation month or file                     [2021-02]
  --test MONTH|FILE      test month or file                           [2021-03]
  --color green|yellow   taxi colour for months given as YYYY-MM      [green]
  --data-dir DIR         folder holding {color}_tripdata_YYYY-MM.parquet files (only
                         there: a month it lacks is an error)
  --evals N              TPE evaluations for the RandomForest search  [15; --quick: 4]
  --gbdt-evals N         TPE evaluations for the boosting search      [10; --quick: 3]
  --nn-evals N           TPE evaluations for the neural network search [4; --quick: 2]
  --workers N            worker threads for the searches (1-64)       [2]
  --seed N               seed for data generation, models and samplers [42]
  --tracking-uri URI     tracking store (sqlite:FILE or memory:)      [$TUNEKIT_TRACKING_URI or sqlite:tunekit.db]
  --quick                small budgets, for a smoke run
  --json                 print the results as one JSON document on stdout (progress goes to stderr)
  --no-progress          no progress bars
  -h, --help             this help
`;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function positiveInt(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${range}; got '${raw}'`);
  }
  return n;
}

function split(name: string, raw: string | undefined, fallback: string): string {
  const value = raw ?? fallback;
  if (MONTH.test(value) || value.endsWith('.parquet')) return value;
  throw new UsageError(`--${name} must be a month as YYYY-MM (e.g. 2021-01) or a .parquet file; got '${value}'`);
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ExampleOptions {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof SPEC; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: SPEC, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const quick = v.quick ?? false;
  const color = v.color ?? 'green';
  if (color !== 'green' && color !== 'yellow') throw new UsageError(`--color must be green or yellow; got '${color}'`);
  const trackingUri = v['tracking-uri'] ?? env.TUNEKIT_TRACKING_URI ?? 'sqlite:tunekit.db';
  if (!/^(sqlite:.+|memory:.*)$/.test(trackingUri)) {
    throw new UsageError(`--tracking-uri must be sqlite:FILE or memory:; got '${trackingUri}'`);
  }
  return {
    color,
    train: split('train', v.train, '2021-01'),
    val: split('val', v.val, '2021-02'),
    test: split('test', v.test, '2021-03'),
    dataDir: v['data-dir'],
    evals: positiveInt('evals', v.evals, quick ? 4 : 15, 1),
    gbdtEvals: positiveInt('gbdt-evals', v['gbdt-evals'], quick ? 3 : 10, 0),
    nnEvals: positiveInt('nn-evals', v['nn-evals'], quick ? 2 : 4, 0),
    // Each thread costs ~45 MB and the window grows with them: bounded (WORKER_MAX_THREADS).
    workers: positiveInt('workers', v.workers, 2, 1, limits.WORKER_MAX_THREADS),
    seed: positiveInt('seed', v.seed, 42, 0),
    trackingUri,
    quick,
    json: v.json ?? false,
    progress: !(v['no-progress'] ?? false),
    help: v.help ?? false,
  };
}

const SPEC = {
  train: { type: 'string' },
  val: { type: 'string' },
  test: { type: 'string' },
  color: { type: 'string' },
  'data-dir': { type: 'string' },
  evals: { type: 'string' },
  'gbdt-evals': { type: 'string' },
  'nn-evals': { type: 'string' },
  workers: { type: 'string' },
  seed: { type: 'string' },
  'tracking-uri': { type: 'string' },
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
