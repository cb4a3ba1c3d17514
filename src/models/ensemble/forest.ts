import { InvalidInputError } from '../../core/errors.js';
import { type ParamsOf, defineParams, resolveParams } from '../../core/params.js';
import { metrics } from '../metrics/index.js';
import type { ModelKind } from '../registry.js';
import type { Estimator, FitOptions, ModelInput, ScoringJob, ValidationSet } from '../types.js';
import { type BinnedDataset, DEFAULT_MAX_BINS } from '../tree/binning.js';
import { CompiledForest } from '../tree/compiled.js';
import { TreeOutputs } from '../tree/outputs.js';
import { RowRouter } from '../tree/route.js';
import { type ForestArrays, type TreeArrays, concatTrees } from '../tree/tree.js';
import { type ForestPlan, bootstrapCounts, growForestTrees } from './forest-trees.js';
import { distinctRows } from './distinct-rows.js';
import { type GrownTrees, type ScoredTrees, ScoringTurns, fromBoard, growWithHelp } from './tree-board.js';
import { type FeatureSchema, checkTarget, fromValidation, primaryOf, schemaKey, schemaOf, toBinned, validationRows } from './input.js';
import { TreeEnsembleModel, meanScale } from './model.js';
import { growTreesOnWorkers } from './workers.js';

/** Parameters shared by the forests; names and defaults follow scikit-learn. */
const forestSpec = {
  nEstimators: { type: 'int', default: 100, min: 1, doc: 'Number of trees.', search: { low: 10, high: 50 } },
  maxDepth: { type: 'int', default: null, nullable: true, min: 1, doc: 'Maximum depth (null = grow until leaves are pure or minimal).', search: { low: 1, high: 20 } },
  minSamplesSplit: { type: 'int', default: 2, min: 2, doc: 'Minimum rows (distinct in-bag rows) in a node to split it.', search: { low: 2, high: 10 } },
  minSamplesLeaf: { type: 'int', default: 1, min: 1, doc: 'Minimum rows in each child of a split.', search: { low: 1, high: 4 } },
  maxFeatures: {
    type: 'float',
    default: 1.0,
    min: 0,
    exclusiveMin: true,
    max: 1,
    doc: 'Fraction of the feature columns examined per node (a categorical column counts once with all its "code vs rest" splits).',
  },
  maxLeafNodes: { type: 'int', default: null, nullable: true, min: 2, doc: 'Grow best-first up to this many leaves (null = unlimited, depth-first).' },
  minImpurityDecrease: { type: 'float', default: 0, min: 0, doc: 'Split only if the weighted impurity decrease is at least this (scikit-learn definition).' },
  maxSamples: {
    type: 'float',
    default: null,
    nullable: true,
    min: 0,
    exclusiveMin: true,
    max: 1,
    doc: 'Bootstrap draws per tree as a fraction of the rows (null = as many as rows).',
  },
  oobScore: { type: 'bool', default: false, doc: 'Compute the out-of-bag R² (and RMSE) of the training rows (needs bootstrap).' },
  seed: { type: 'int', default: 0, min: 0, doc: 'Random seed; tree t uses a stream derived from (seed, t).' },
  nJobs: { type: 'int', default: 1, min: 1, doc: 'Worker threads for fitAsync (the same seed gives the same model whatever nJobs).' },
  maxBins: { type: 'int', default: DEFAULT_MAX_BINS, min: 2, max: 255, doc: 'Value bins per numeric feature (ignored for pre-binned input).' },
} as const;

export const randomForestParams = defineParams({
  ...forestSpec,
  bootstrap: { type: 'bool', default: true, doc: 'Draw a bootstrap sample per tree (otherwise every tree sees every row).' },
});

export const extraTreesParams = defineParams({
  ...forestSpec,
  bootstrap: { type: 'bool', default: false, doc: 'Draw a bootstrap sample per tree (off by default, as in scikit-learn).' },
});

export type RandomForestParams = ParamsOf<typeof randomForestParams>;
export type ExtraTreesParams = ParamsOf<typeof extraTreesParams>;
export type ForestParams = RandomForestParams | ExtraTreesParams;

function forestPlan(params: ForestParams, data: BinnedDataset, randomThresholds: boolean): ForestPlan {
  const n = data.nRows;
  const nSamples = params.maxSamples === null ? n : Math.max(1, Math.round(params.maxSamples * n));
  const nFeatures = data.features.length;
  return {
    seed: params.seed,
    bootstrap: params.bootstrap,
    nSamples,
    grow: {
      maxDepth: params.maxDepth ?? Number.POSITIVE_INFINITY,
      maxLeaves: params.maxLeafNodes ?? Number.POSITIVE_INFINITY,
      minSamplesSplit: params.minSamplesSplit,
      minSamplesLeaf: params.minSamplesLeaf,
      minChildWeight: 0,
      // scikit-learn compares the decrease weighted by the node's share of all samples.
      minGain: params.minImpurityDecrease * (params.bootstrap ? nSamples : n),
      lambda: 0,
      alpha: 0,
      maxFeatures: Math.max(1, Math.floor(params.maxFeatures * nFeatures)),
      randomThresholds,
    },
  };
}

abstract class ForestEstimator<P extends ForestParams> implements Estimator<P, ModelInput, TreeEnsembleModel> {
  abstract readonly kind: string;
  readonly params: P;
  protected abstract readonly randomThresholds: boolean;

  constructor(owner: string, spec: typeof randomForestParams | typeof extraTreesParams, params: Partial<P>) {
    this.params = resolveParams(owner, spec, params) as P;
    if (this.params.oobScore && !this.params.bootstrap) {
      throw new InvalidInputError(`${owner}: oobScore needs bootstrap = true (without it no row is out of bag)`);
    }
  }

  /** Single-threaded fit (with `options.treeHelp`, other threads may grow some of the trees). */
  fit(X: ModelInput | BinnedDataset, y: Float64Array, options?: FitOptions<ModelInput>): TreeEnsembleModel {
    const { data, plan } = this.prepare(X, y);
    const n = this.params.nEstimators;
    const help = options?.treeHelp;
    const trees = help ? growWithHelp(n, help, (indices) => growForestTrees(data, y, plan, indices)) : growForestTrees(data, y, plan, range(n));
    return this.finish(data, y, plan, trees, options);
  }

  /**
   * Score trees of another thread's fit on the validation rows (see `TreeHelp`): take indices from
   * the job's board until none is left or `stop()`; each tree's outputs are its leaf values per
   * distinct row, computed by the routing or walking kernel (no tables: they pay for many trees).
   */
  helpScore(X: ModelInput | BinnedDataset, validation: ValidationSet, job: ScoringJob, stop: () => boolean): ScoredTrees {
    const schema = schemaOf(toBinned(this.kind, X, this.params.maxBins));
    const { nDistinct, outputs: kernels } = scoringKernels(this.kind, job.forest, schema, validation, false);
    const indices: number[] = [];
    const outputs: Float64Array[] = [];
    for (const t of fromBoard(job.board, job.forest.roots.length, indices, stop)) {
      const out = new Float64Array(nDistinct);
      kernels.add(t, t + 1, out);
      outputs.push(out);
    }
    return { indices, outputs };
  }

  /**
   * Grow trees of another thread's fit of these params on the same data (see `TreeHelp`): take
   * indices from `board` until none is left or `stop()` says so.
   */
  helpGrow(X: ModelInput | BinnedDataset, y: Float64Array, board: Int32Array, stop: () => boolean): GrownTrees {
    const { data, plan } = this.prepare(X, y);
    const indices: number[] = [];
    const trees = growForestTrees(data, y, plan, fromBoard(board, this.params.nEstimators, indices, stop));
    return { indices, trees };
  }

  /** Same model as `fit` (tree t always uses the stream of (seed, t)); trees grow on nJobs worker threads. */
  async fitAsync(X: ModelInput | BinnedDataset, y: Float64Array, options?: FitOptions<ModelInput>): Promise<TreeEnsembleModel> {
    const { data, plan } = this.prepare(X, y);
    const nJobs = Math.min(this.params.nJobs, this.params.nEstimators);
    const trees = nJobs <= 1 ? growForestTrees(data, y, plan, range(this.params.nEstimators)) : await growTreesOnWorkers(data, y, plan, this.params.nEstimators, nJobs);
    return this.finish(data, y, plan, trees, options);
  }

  private prepare(X: ModelInput | BinnedDataset, y: Float64Array): { data: BinnedDataset; plan: ForestPlan } {
    const data = toBinned(this.kind, X, this.params.maxBins);
    checkTarget(this.kind, y, data.nRows);
    return { data, plan: forestPlan(this.params, data, this.randomThresholds) };
  }

  private finish(data: BinnedDataset, y: Float64Array, plan: ForestPlan, trees: TreeArrays[], options?: FitOptions<ModelInput>): TreeEnsembleModel {
    const validating = options?.validation !== undefined && (options.onIteration !== undefined || options.output !== undefined);
    // Helpers read a forest they score from shared memory.
    let forest = concatTrees(trees, validating && options?.treeHelp?.announceScoring !== undefined);
    let kept = trees;
    if (validating && options) {
      const nKept = validateForest(this.kind, forest, data, options);
      if (nKept < trees.length) {
        kept = trees.slice(0, nKept);
        forest = concatTrees(kept);
      }
    }
    const info: Record<string, number> = {};
    if (this.params.oobScore) Object.assign(info, oob(data, y, plan, kept));
    return new TreeEnsembleModel(this.kind, this.params, schemaOf(data), forest, 0, 'mean', info);
  }
}

/** scikit-learn's RandomForestRegressor: bootstrap samples, best "code vs rest" and threshold splits. */
export class RandomForestRegressor extends ForestEstimator<RandomForestParams> {
  static readonly kind = 'random_forest';
  static readonly spec = randomForestParams;
  readonly kind = RandomForestRegressor.kind;
  protected readonly randomThresholds = false;
  constructor(params: Partial<RandomForestParams> = {}) {
    super('RandomForestRegressor', randomForestParams, params);
  }
}

/** scikit-learn's ExtraTreesRegressor: one random threshold per numeric feature and node, no bootstrap by default. */
export class ExtraTreesRegressor extends ForestEstimator<ExtraTreesParams> {
  static readonly kind = 'extra_trees';
  static readonly spec = extraTreesParams;
  readonly kind = ExtraTreesRegressor.kind;
  protected readonly randomThresholds = true;
  constructor(params: Partial<ExtraTreesParams> = {}) {
    super('ExtraTreesRegressor', extraTreesParams, params);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Route the validation rows through the trees one at a time (a running sum, one pass per tree),
 * report the metric of the forest so far after each tree when asked, and hand back the final
 * predictions through `options.output`. Returns how many trees to keep (a report may stop).
 */
function validateForest(kind: string, forest: ForestArrays, data: BinnedDataset, options: FitOptions<ModelInput>): number {
  const validation = options.validation!;
  const name = options.metric ?? 'rmse';
  const metric = metrics.get(name);
  const { nRows, nDistinct, distinctOf, outputs } = scoringKernels(kind, forest, schemaOf(data), validation, true);
  const sum = new Float64Array(nDistinct);
  // With helpers, trees are scored by whichever thread takes them and added here in tree order.
  const help = options.treeHelp;
  const turns = help?.announceScoring ? new ScoringTurns(forest, help, nDistinct, (t, out) => outputs.add(t, t + 1, out)) : undefined;
  const avg = new Float64Array(nRows);
  const nTrees = forest.roots.length;
  // Squared-error metrics of the forest so far come from per-distinct-row sums, without
  // averaging every row after every tree.
  const fromSse = metric.ofSquaredError;
  const sse = fromSse && options.onIteration ? new RunningSquaredError(validation.y, distinctOf, nDistinct) : undefined;
  let kept = nTrees;
  for (let t = 0; t < nTrees; t++) {
    if (turns) turns.add(t, sum);
    else outputs.add(t, t + 1, sum);
    if (!options.onIteration) continue;
    const k = t + 1;
    // The average of k trees as predict forms it (0 + scale x sum).
    const scale = meanScale(k);
    let value: number;
    if (sse && fromSse) {
      value = fromSse(sse.of(sum, scale), nRows);
    } else {
      if (distinctOf) for (let i = 0; i < nRows; i++) avg[i] = 0 + scale * sum[distinctOf[i]];
      else for (let i = 0; i < nRows; i++) avg[i] = 0 + scale * sum[i];
      value = metric.fn(validation.y, avg);
    }
    if (options.onIteration({ iteration: k, metrics: { [name]: value } }) === false) {
      kept = k;
      turns?.stop();
      break;
    }
  }
  if (options.output) {
    // What predict computes: base 0 plus scale times the sum of the kept trees, in tree order.
    const scale = meanScale(kept);
    if (distinctOf) for (let i = 0; i < nRows; i++) avg[i] = 0 + scale * sum[distinctOf[i]];
    else for (let i = 0; i < nRows; i++) avg[i] = 0 + scale * sum[i];
    options.output.validationPrediction = avg;
  }
  return kept;
}

/**
 * The sum of squared errors of predictions scale x s_d, where s_d is a per-distinct-row sum: the
 * rows of distinct row d (count n_d, target sum Y_d) contribute sum(y^2) - a (2 Y_d - n_d a) with
 * a = scale x s_d. One pass over the distinct rows instead of two over all rows per report; equal
 * to the metric of the averaged predictions up to rounding.
 */
class RunningSquaredError {
  private readonly count: Float64Array;
  private readonly ySum: Float64Array;
  private readonly ySquares: number;

  constructor(y: Float64Array, distinctOf: Int32Array | undefined, nDistinct: number) {
    this.count = new Float64Array(nDistinct);
    this.ySum = new Float64Array(nDistinct);
    let q = 0;
    for (let i = 0; i < y.length; i++) {
      const d = distinctOf ? distinctOf[i] : i;
      this.count[d] += 1;
      this.ySum[d] += y[i];
      q += y[i] * y[i];
    }
    this.ySquares = q;
  }

  of(sum: Float64Array, scale: number): number {
    const { count, ySum } = this;
    let cross = 0;
    for (let d = 0; d < count.length; d++) {
      const a = scale * sum[d];
      cross += a * (2 * ySum[d] - count[d] * a);
    }
    return Math.max(0, this.ySquares - cross);
  }
}

/**
 * The kernels that add a forest's trees' outputs on the validation rows, each distinct row once
 * (rows and router kept in the set's cache). Every kernel (table, router, walk) adds each tree's
 * leaf value to a row's running sum, tree after tree, as predict does: the same sums bit for bit.
 * Lookup tables (`withTables`) when there are enough rows for the build to pay (one pass over the
 * rows per tree instead of one per split); trees whose table would be too large are routed or walked.
 */
function scoringKernels(kind: string, forest: ForestArrays, schema: FeatureSchema, validation: ValidationSet, withTables: boolean) {
  const rows = validationRows(kind, validation, schema);
  const F = schema.names.length;
  const primary = primaryOf(schema);
  const key = schemaKey(schema);
  const { x, nDistinct, distinctOf } = fromValidation(validation, `distinct ${key}`, () => distinctRows(rows.x, rows.nRows, F));
  const lo = rows.binned ? forest.binLo : forest.lo;
  const hi = rows.binned ? forest.binHi : forest.hi;
  const compiled = withTables && nDistinct >= TABLE_MIN_ROWS ? new CompiledForest(forest, lo, hi, F) : undefined;
  const router = () => fromValidation(validation, `router ${key}`, () => new RowRouter(x, nDistinct, F, primary));
  return { nRows: rows.nRows, nDistinct, distinctOf, outputs: new TreeOutputs(forest, lo, hi, x, nDistinct, F, primary, compiled, router) };
}

/** Validation rows (distinct) from which tables pay for their build. */
const TABLE_MIN_ROWS = 4096;

/** Out-of-bag predictions: each row averaged over the trees that did not draw it. */
function oob(data: BinnedDataset, y: Float64Array, plan: ForestPlan, trees: TreeArrays[]): { oobScore: number; oobRmse: number; oobRows: number } {
  const n = data.nRows;
  const F = data.features.length;
  const sum = new Float64Array(n);
  const hits = new Int32Array(n);
  const counts = new Int32Array(n);
  const row = new Float64Array(F);
  const cols = data.features.map((f) => f.bins);
  trees.forEach((tr, t) => {
    bootstrapCounts(plan, n, t, counts);
    for (let k = 0; k < n; k++) {
      if (counts[k] !== 0) continue;
      const i = data.order[k];
      for (let j = 0; j < F; j++) row[j] = cols[j][i];
      let node = 0;
      while (tr.feature[node] >= 0) {
        const v = row[tr.feature[node]];
        node = tr.binLo[node] <= v && v <= tr.binHi[node] ? tr.child[node] : tr.child[node] + 1;
      }
      sum[i] += tr.value[node];
      hits[i]++;
    }
  });
  let mean = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (hits[i] === 0) continue;
    mean += y[i];
    m++;
  }
  mean /= Math.max(1, m);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    if (hits[i] === 0) continue;
    const d = y[i] - sum[i] / hits[i];
    ssRes += d * d;
    ssTot += (y[i] - mean) ** 2;
  }
  return { oobScore: ssTot > 0 ? 1 - ssRes / ssTot : 0, oobRmse: Math.sqrt(ssRes / Math.max(1, m)), oobRows: m };
}

export const randomForestKind: ModelKind = {
  kind: RandomForestRegressor.kind,
  doc: 'Random forest of histogram trees with native "code vs rest" categorical splits.',
  task: 'regression',
  input: 'columns',
  paramsSpec: randomForestParams,
  create: (params) => new RandomForestRegressor((params ?? {}) as Partial<RandomForestParams>),
  load: (artifact) => TreeEnsembleModel.fromArtifact(artifact, RandomForestRegressor.kind),
};

export const extraTreesKind: ModelKind = {
  kind: ExtraTreesRegressor.kind,
  doc: 'Extremely randomised trees (random thresholds) with native categorical splits.',
  task: 'regression',
  input: 'columns',
  paramsSpec: extraTreesParams,
  create: (params) => new ExtraTreesRegressor((params ?? {}) as Partial<ExtraTreesParams>),
  load: (artifact) => TreeEnsembleModel.fromArtifact(artifact, ExtraTreesRegressor.kind),
};
