/**
 * Reference figures of the Python tools a tunekit user would otherwise pick, measured elsewhere
 * on this machine (same data, same task). The report shows them beside ours with the ratio
 * peer/ours; the runner attaches the first entry whose `match` fits a benchmark's name, unless
 * the benchmark declares its own `peer`.
 */
import type { PeerFigure } from './types.js';

export const PEER_SOURCE = 'scikit-learn 1.2.1 / XGBoost 1.7.4';

export interface ReferenceFigure extends PeerFigure {
  /** What was measured, in the peer's own terms. */
  readonly task: string;
  /** Quality figures of the peer on the same task, e.g. { valRmse: 6.644 }. */
  readonly figures?: Readonly<Record<string, number>>;
  /** Benchmark names this figure is the like-for-like peer of. */
  readonly match: RegExp;
}

/** Train on January 2021 green taxi (73,908 rows), validate on February (61,921 rows). */
export const REFERENCE_FIGURES: readonly ReferenceFigure[] = [
  {
    tool: 'scikit-learn RandomForestRegressor',
    task: 'max_depth=10, n_estimators=100: fit on the PU_DO one-hot + trip_distance',
    seconds: 20,
    // The plain single-threaded fit only: not the pre-binned or multi-threaded variants.
    match: /^training\/(rf|random-?forest)-depth-?10-100-?trees$/i,
  },
  {
    tool: 'XGBoost',
    task: 'default parameters: fit',
    seconds: 22,
    figures: { valRmse: 6.644 },
    match: /^training\/(gbdt|boost|xgb)\b.*default/i,
  },
  {
    tool: 'XGBoost',
    task: 'course parameters, up to 1000 rounds with early stopping',
    seconds: 527,
    figures: { valRmse: 6.3185 },
    // The same procedure (course params, early stopping), not a fit stopped at a target RMSE.
    match: /^training\/(gbdt|boost|xgb)\b.*course.*early/i,
  },
  {
    tool: 'scikit-learn LinearRegression',
    task: 'exact least squares',
    seconds: 0.13,
    figures: { valRmse: 7.4808 },
    match: /^training\/(linear|ols|linreg)\b/i,
  },
  {
    tool: 'scikit-learn LinearRegression',
    task: 'on the sparse matrix as scikit-learn runs it (lsqr stops early)',
    seconds: 0.04,
    figures: { valRmse: 7.7587 },
    match: /^training\/(linear|ols|linreg)\b.*(lsqr|sparse-default|early)/i,
  },
  {
    tool: 'scikit-learn Lasso',
    task: 'alpha=0.01: fit',
    seconds: 4.4,
    match: /^training\/lasso\b/i,
  },
  {
    tool: 'scikit-learn DictVectorizer',
    task: 'DataFrame.to_dict + fit_transform, three months',
    seconds: 0.74,
    match: /^data\/.*(dict-?vectori[sz]|vectori[sz]e).*(3|three)-?months?/i,
  },
];

/** The reference figure for a benchmark name, if one is its like-for-like peer. */
export function referencePeer(name: string): ReferenceFigure | undefined {
  // More specific patterns come later in the table for the same family; prefer the last match.
  let found: ReferenceFigure | undefined;
  for (const figure of REFERENCE_FIGURES) if (figure.match.test(name)) found = figure;
  return found;
}
