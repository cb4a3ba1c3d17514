/**
 * The contract between the benchmark runner (`benchmarks/run.ts`) and the suites
 * (`benchmarks/suites/*.ts`, each exporting `benchmarks: Benchmark[]`).
 *
 * The runner calls `setup` once, then `run` `warmup` times (discarded) and `repeat` times
 * (timed, wall clock around `run`), records median/min/max seconds and peak RSS, and stores the
 * figures `run` returns (e.g. { valRmse: 6.61, rows: 73908 }) from the last repetition.
 * Time inside `run` is what is measured: do data loading in `setup`, and scoring that is not
 * part of the task (a fitted model's validation RMSE) in `score`.
 *
 * Peers (the tools a user would otherwise pick) are benchmarks too, run in the same run on the
 * same data: a peer names the tunekit benchmarks it is the like-for-like of (`peerOf`), and the
 * report divides the two medians. No figure measured elsewhere is ever divided by.
 */
export type BenchGroup = 'data' | 'training' | 'tuning' | 'tracker' | 'server' | 'scale' | 'peers';

export interface BenchContext {
  /** Smoke pass: tiny data and budgets; must still exercise the real code paths. */
  readonly quick: boolean;
  /** Folder with the real taxi Parquet files, when present. */
  readonly realDataDir: string | undefined;
  /** A scratch folder for this benchmark (deleted afterwards). */
  readonly tmpDir: string;
  /**
   * A scratch folder shared by every benchmark of the run (deleted at its end): files written
   * once per run and read by several benchmark processes, such as the matrices handed to the
   * Python peers.
   */
  readonly runDir: string;
  log(message: string): void;
  /** Names the tool (and version) a peer measured, once it is known (e.g. 'scikit-learn 1.2.1'). */
  setTool(tool: string): void;
}

/**
 * Thrown from `setup` or `run` when a benchmark cannot run here (a peer that is not installed):
 * the record says `skipped` with the reason, which should say how to install what is missing.
 * A skipped benchmark is not a failure.
 */
export class BenchmarkSkipped extends Error {
  override readonly name = 'BenchmarkSkipped';
}

export interface Benchmark<State = unknown> {
  readonly group: BenchGroup;
  /** Unique, stable name (used to compare runs), e.g. 'training/rf-depth10-100trees'. */
  readonly name: string;
  readonly description: string;
  /** Dataset and parameters, recorded in the JSON. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly warmup?: number;
  readonly repeat?: number;
  /**
   * 'wall' (default): the runner times `run` with the wall clock. 'reported': `run` returns the
   * time itself as the figure `seconds` — a peer in another process, timed there around exactly
   * what its user would time (a `fit` call), without the round trip to it.
   */
  readonly timing?: 'wall' | 'reported';
  /** For a peer: the tool it measures, until `ctx.setTool` names it with its version. */
  readonly tool?: string;
  /**
   * For a peer: the tunekit benchmarks of the same run it is the like-for-like of. Each of them
   * gets this benchmark's median as its peer figure, and the ratio peer / ours.
   */
  readonly peerOf?: readonly string[];
  /**
   * Compare per unit of this figure instead of per run, when both sides report it (e.g. `trees`:
   * a peer that fits 50 boosting rounds against a tunekit fit of 739 rounds, per round).
   */
  readonly ratioPer?: string;
  /**
   * The other way round, for a comparison between two tunekit benchmarks (wasm against CPU): the
   * benchmark of the same run this one is compared with, as if that one named this in `peerOf`.
   */
  readonly peerBenchmark?: string;
  setup?(ctx: BenchContext): Promise<State> | State;
  run(state: State, ctx: BenchContext): Promise<Record<string, number> | undefined> | Record<string, number> | undefined;
  /**
   * Figures computed once after the timed repetitions, outside the timing (e.g. the accuracy of
   * the model the last `run` left in the state); merged into the figures of `run`.
   */
  score?(state: State, ctx: BenchContext): Promise<Record<string, number>> | Record<string, number>;
  teardown?(state: State, ctx: BenchContext): Promise<void> | void;
}
