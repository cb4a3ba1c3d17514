/**
 * The Python tools a course user would otherwise pick — scikit-learn, XGBoost, Optuna — run in
 * the same run, on the same machine, on the same rows and features as the tunekit benchmarks they
 * name (`peerOf`), so each ratio is measured, never typed in. Python runs in a worker process
 * (`benchmarks/peers/`) and times only what its user would time; without Debian's python3-sklearn,
 * python3-xgboost, python3-optuna these benchmarks are skipped, saying what to install.
 */
import { loadPeerMatrices, type PeerMatrices, type PythonWorker, pythonPeer } from '../peers/python.js';
import type { BenchContext, Benchmark } from '../types.js';

interface PeerState {
  readonly worker: PythonWorker;
  readonly data: PeerMatrices;
  readonly quick: boolean;
}

interface PythonBenchmark {
  readonly name: string;
  readonly tool: string;
  /** Python distributions the task imports (besides numpy and scipy). */
  readonly needs: readonly string[];
  readonly description: string;
  readonly peerOf: readonly string[];
  readonly ratioPer?: string;
  readonly task: string;
  /** The task's arguments (full run, then quick pass). */
  readonly args: Readonly<Record<string, unknown>>;
  readonly quickArgs?: Readonly<Record<string, unknown>>;
  /** The model `sklearn.score` scores after the timed runs. */
  readonly score?: string;
  readonly warmup: number;
  readonly repeat: number;
}

function pythonBenchmark(spec: PythonBenchmark): Benchmark<PeerState> {
  return {
    group: 'peers',
    name: spec.name,
    description: `${spec.description} Data: tunekit's own vectoriser's CSR matrices of the same months, handed over as .npy and checked equal.`,
    params: { ...spec.args, ...(spec.quickArgs ? { quick: spec.quickArgs } : {}) },
    tool: spec.tool,
    peerOf: spec.peerOf,
    ...(spec.ratioPer ? { ratioPer: spec.ratioPer } : {}),
    timing: 'reported',
    warmup: spec.warmup,
    repeat: spec.repeat,
    async setup(ctx: BenchContext) {
      const worker = await pythonPeer(ctx, spec.needs, spec.tool);
      const data = await loadPeerMatrices(ctx, worker);
      ctx.log(`${data.source}: ${data.rows.toLocaleString('en-US')} rows, ${data.features.toLocaleString('en-US')} features`);
      return { worker, data, quick: ctx.quick };
    },
    async run(state) {
      const { figures } = await state.worker.call(spec.task, state.quick && spec.quickArgs ? { ...spec.args, ...spec.quickArgs } : spec.args);
      return figures;
    },
    ...(spec.score ? { score: async (state: PeerState) => (await state.worker.call('sklearn.score', { model: spec.score })).figures } : {}),
  };
}

const FOREST = { n_estimators: 100, max_depth: 10, n_jobs: 1, random_state: 42 } as const;
const QUICK_FOREST = { n_estimators: 10 } as const;

export const benchmarks: Benchmark[] = [
  pythonBenchmark({
    name: 'peers/sklearn-random-forest-fit',
    tool: 'scikit-learn RandomForestRegressor',
    needs: ['scikit-learn'],
    description: 'scikit-learn RandomForestRegressor(max_depth=10, n_estimators=100, n_jobs=1, random_state=42).fit on January (quick: 10 trees).',
    peerOf: ['training/rf-depth10-100trees', 'training/rf-depth10-100trees-njobs2'],
    task: 'sklearn.rf_fit',
    args: FOREST,
    quickArgs: QUICK_FOREST,
    score: 'rf',
    warmup: 0,
    repeat: 3,
  }),
  pythonBenchmark({
    name: 'peers/sklearn-random-forest-predict',
    tool: 'scikit-learn RandomForestRegressor',
    needs: ['scikit-learn'],
    description: 'scikit-learn RandomForestRegressor(max_depth=10, n_estimators=100).predict on February, one thread (the forest is fitted once, untimed).',
    peerOf: ['training/rf-predict-feb'],
    task: 'sklearn.rf_predict',
    args: FOREST,
    quickArgs: QUICK_FOREST,
    warmup: 1,
    repeat: 5,
  }),
  pythonBenchmark({
    name: 'peers/sklearn-linear-regression-fit',
    tool: 'scikit-learn LinearRegression',
    needs: ['scikit-learn'],
    description: 'scikit-learn LinearRegression().fit on January (on a sparse matrix scikit-learn runs scipy lsqr, which stops before the exact optimum).',
    peerOf: ['training/linear-regression-exact'],
    task: 'sklearn.linear_fit',
    args: {},
    score: 'linear',
    warmup: 1,
    repeat: 7,
  }),
  pythonBenchmark({
    name: 'peers/sklearn-ridge-fit',
    tool: 'scikit-learn Ridge',
    needs: ['scikit-learn'],
    description: 'scikit-learn Ridge(alpha=1).fit on January (sparse input: sparse_cg to tol 1e-4).',
    peerOf: ['training/ridge-alpha1'],
    task: 'sklearn.ridge_fit',
    args: { alpha: 1 },
    score: 'ridge',
    warmup: 1,
    repeat: 7,
  }),
  pythonBenchmark({
    name: 'peers/sklearn-lasso-fit',
    tool: 'scikit-learn Lasso',
    needs: ['scikit-learn'],
    description: 'scikit-learn Lasso(alpha=0.01).fit on January (coordinate descent, duality gap tol 1e-4).',
    peerOf: ['training/lasso-alpha0.01'],
    task: 'sklearn.lasso_fit',
    args: { alpha: 0.01 },
    score: 'lasso',
    warmup: 0,
    repeat: 3,
  }),
  pythonBenchmark({
    name: 'peers/xgboost-defaults-100rounds',
    tool: 'XGBoost xgb.train',
    needs: ['xgboost'],
    description: 'XGBoost xgb.train with its default parameters (objective reg:squarederror; nthread=1, as tunekit fits), 100 rounds on January (quick: 10); DMatrix built untimed.',
    peerOf: ['training/gbdt-defaults-100rounds'],
    task: 'xgboost.defaults',
    args: { rounds: 100, nthread: 1 },
    quickArgs: { rounds: 10 },
    warmup: 0,
    repeat: 2,
  }),
  pythonBenchmark({
    name: 'peers/xgboost-course-params-50rounds',
    tool: 'XGBoost xgb.train',
    needs: ['xgboost'],
    description:
      "XGBoost xgb.train with the course's best parameters (max_depth 30, learning_rate 0.0959, min_child_weight 1.06, reg_alpha 0.018, " +
      'reg_lambda 0.0117; nthread=1, as tunekit fits), validation month evaluated every round, 50 rounds (quick: 3); compared per round (tree), ' +
      'since reaching val RMSE <= 6.32 takes it about 700 rounds. DMatrix built untimed.',
    peerOf: ['training/gbdt-course-params-to-6.32', 'training/gbdt-course-params-early-stopping'],
    ratioPer: 'trees',
    task: 'xgboost.course_rounds',
    args: { rounds: 50, nthread: 1 },
    quickArgs: { rounds: 3 },
    warmup: 0,
    repeat: 1,
  }),
  ...([1, 2] as const).map((threads) =>
    pythonBenchmark({
      name: `peers/optuna-homework-${threads}-thread${threads === 1 ? '' : 's'}`,
      tool: 'Optuna TPE + scikit-learn',
      needs: ['scikit-learn', 'optuna'],
      description:
        `The homework search in Optuna: TPESampler(seed=42), 15 trials (quick: 3) of RandomForestRegressor(n_estimators 10-50, max_depth 1-20, ` +
        `min_samples_split 2-10, min_samples_leaf 1-4, random_state=42), train January, validation RMSE on February; ` +
        (threads === 1 ? 'one thread.' : 'study.optimize(n_jobs=2): two trials at a time on threads, each forest on one.'),
      peerOf: [threads === 1 ? 'tuning/homework-rf-tpe-15-1worker' : 'tuning/homework-rf-tpe-15'],
      task: 'optuna.homework',
      args: { n_trials: 15, n_jobs: threads, rf_jobs: 1, seed: 42 },
      quickArgs: { n_trials: 3 },
      warmup: 0,
      repeat: 1,
    }),
  ),
];
