/**
 * tunekit's side of the server benchmarks (`suites/servers.ts`): how to start tunekit's servers.
 *
 * PLACEHOLDER — tunekit's tracking server (MLflow's REST API over a tunekit store) and
 * `tunekit serve` fill these two functions in. Until they do, both return undefined, the tunekit
 * benchmarks of `suites/servers.ts` are skipped saying so, and only their MLflow peers run.
 * The benchmarks drive whatever these return with the same requests and the same load generator
 * (wrk) as the MLflow peers, so nothing else needs to change.
 */

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (127.0.0.1, an ephemeral port). */
  readonly url: string;
  /** The server's process when it runs in one of its own (for its memory figure). */
  readonly pid?: number;
  /** Stops the server; resolves once it has stopped. */
  close(): Promise<void>;
}

/**
 * Starts tunekit's tracking server over a fresh store at `storeUri` (e.g. `sqlite:/tmp/x/t.db`),
 * answering MLflow's REST API under `/api/2.0/mlflow`; resolves once `/health` answers.
 */
export async function startTrackingServer(_storeUri: string): Promise<RunningServer | undefined> {
  return undefined;
}

/**
 * Starts `tunekit serve` for the model file `modelPath` (a .tkm pipeline: DictVectorizer +
 * LinearRegression), answering MLflow's scoring protocol (`POST /invocations`); resolves once
 * `/health` answers.
 */
export async function startModelServer(_modelPath: string): Promise<RunningServer | undefined> {
  return undefined;
}
