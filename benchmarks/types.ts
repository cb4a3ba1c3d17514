/**
 * The contract between the benchmark runner (`benchmarks/run.ts`) and the suites
 * (`benchmarks/suites/*.ts`, each exporting `benchmarks: Benchmark[]`).
 *
 * The runner calls `setup` once, then `run` `warmup` times (discarded) and `repeat` times
 * (timed, wall clock around `run`), records median/min/max seconds and peak RSS, and stores the
 * figures `run` returns (e.g. { valRmse: 6.61, rows: 73908 }) from the last repetition.
 * Time inside `run` is what is measured: do data loading in `setup`, and scoring that is not
 * part of the task (a fitted model's validation RMSE) in `score`.
 */
export type BenchGroup = 'data' | 'training' | 'tuning' | 'tracker' | 'scale' | 'peers';

export interface BenchContext {
  /** Smoke pass: tiny data and budgets; must still exercise the real code paths. */
  readonly quick: boolean;
  /** Folder with the real taxi Parquet files, when present. */
  readonly realDataDir: string | undefined;
  /** A scratch folder for this run (deleted afterwards). */
  readonly tmpDir: string;
  log(message: string): void;
}

/** A figure measured elsewhere (another tool, same machine), shown beside ours in the report. */
export interface PeerFigure {
  readonly tool: string;
  readonly seconds: number;
  readonly note?: string;
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
  /** Reference figure from the peer tool, for the ratio column of the report. */
  readonly peer?: PeerFigure;
  /**
   * Name of another benchmark of the same run that is this one's like-for-like peer (e.g. a
   * JavaScript library on the same data); the report shows the ratio of its median to ours.
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
