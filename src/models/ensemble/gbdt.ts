import { InvalidInputError, TunekitError } from '../../core/errors.js';
import { type ParamsOf, defineParams, resolveParams } from '../../core/params.js';
import { Rng } from '../../core/rng.js';
import { type Objective, createObjective } from '../objectives/index.js';
import { isBetter, metrics } from '../metrics/index.js';
import type { ModelKind } from '../registry.js';
import type { Estimator, FitOptions, ModelInput } from '../types.js';
import { type BinnedDataset, DEFAULT_MAX_BINS } from '../tree/binning.js';
import { type GrowParams, TreeGrower } from '../tree/grower.js';
import { RowRouter } from '../tree/route.js';
import { type TreeArrays, concatTrees, predictTrees } from '../tree/tree.js';
import { checkTarget, primaryOf, schemaOf, toBinned, validationRows } from './input.js';
import { distinctRows } from './distinct-rows.js';
import { TreeEnsembleModel } from './model.js';

/** Gradient boosting parameters, named after XGBoost / LightGBM (camelCased). */
export const gradientBoostingParams = defineParams({
  nEstimators: { type: 'int', default: 100, min: 1, doc: 'Boosting rounds (the most trees; early stopping may keep fewer).', search: { low: 50, high: 1000 } },
  learningRate: {
    type: 'float',
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    max: 1,
    doc: 'Shrinkage applied to every tree.',
    search: { low: 0.01, high: 0.3, log: true },
  },
  maxDepth: { type: 'int', default: 6, nullable: true, min: 1, doc: 'Maximum tree depth (null = unlimited; then bound numLeaves).', search: { low: 3, high: 30 } },
  numLeaves: { type: 'int', default: null, nullable: true, min: 2, doc: 'Grow leaf-wise (best gain first) up to this many leaves (null = depth-wise).' },
  regAlpha: { type: 'float', default: 0, min: 0, doc: 'L1 regularisation of leaf values.', search: { low: 1e-3, high: 1, log: true } },
  regLambda: { type: 'float', default: 1, min: 0, doc: 'L2 regularisation of leaf values.', search: { low: 1e-3, high: 10, log: true } },
  minChildWeight: { type: 'float', default: 1, min: 0, doc: 'Minimum hessian sum (rows, for squared error) in a child.', search: { low: 0.1, high: 10, log: true } },
  minSplitGain: { type: 'float', default: 0, min: 0, doc: "Minimum loss reduction to split (XGBoost's gamma)." },
  minSamplesLeaf: { type: 'int', default: 1, min: 1, doc: 'Minimum rows in a child.' },
  subsample: { type: 'float', default: 1, min: 0, exclusiveMin: true, max: 1, doc: 'Fraction of rows drawn (without replacement) for each tree.' },
  colsampleBytree: { type: 'float', default: 1, min: 0, exclusiveMin: true, max: 1, doc: 'Fraction of feature columns drawn for each tree.' },
  earlyStoppingRounds: {
    type: 'int',
    default: null,
    nullable: true,
    min: 1,
    doc: 'Stop when the validation metric has not improved for this many rounds; predict uses the best round (needs validation data in FitOptions).',
  },
  baseScore: { type: 'float', default: null, nullable: true, doc: 'Initial prediction (null = mean of y).' },
  seed: { type: 'int', default: 0, min: 0, doc: 'Random seed (row and column sampling).' },
  maxBins: { type: 'int', default: DEFAULT_MAX_BINS, min: 2, max: 255, doc: 'Value bins per numeric feature (ignored for pre-binned input).' },
});

export type GradientBoostingParams = ParamsOf<typeof gradientBoostingParams>;

/**
 * Gradient-boosted trees (XGBoost / LightGBM family) for squared error: leaf values
 * -T(G)/(H + lambda) scaled by the learning rate; depth-wise or leaf-wise growth; early stopping
 * on FitOptions.validation with the best round kept.
 */
export class GradientBoostingRegressor implements Estimator<GradientBoostingParams, ModelInput, TreeEnsembleModel> {
  static readonly kind = 'gradient_boosting';
  static readonly spec = gradientBoostingParams;
  readonly kind = GradientBoostingRegressor.kind;
  readonly params: GradientBoostingParams;

  constructor(params: Partial<GradientBoostingParams> = {}) {
    this.params = resolveParams('GradientBoostingRegressor', gradientBoostingParams, params);
  }

  fit(X: ModelInput | BinnedDataset, y: Float64Array, options?: FitOptions<ModelInput>): TreeEnsembleModel {
    const p = this.params;
    const data = toBinned(this.kind, X, p.maxBins);
    const n = data.nRows;
    checkTarget(this.kind, y, n);
    if (p.earlyStoppingRounds !== null && !options?.validation) {
      throw new InvalidInputError(`${this.kind}: earlyStoppingRounds needs validation data (FitOptions.validation)`);
    }
    const schema = schemaOf(data);
    const nFeatures = schema.names.length;
    const objective = createObjective('squared_error');
    // Everything on training rows is indexed by position in data.order (sequential access).
    const yOrd = inOrder(y, data.order);
    const base = p.baseScore ?? objective.initScore(yOrd)[0];
    // Validation: raw rows predicted tree by tree.
    const validation = options?.validation;
    const metricName = options?.metric ?? 'rmse';
    const metric = metrics.get(metricName);
    let boostVal: BoostValidation | undefined;
    if (validation) {
      const rows = validationRows(this.kind, validation, schema);
      boostVal = new BoostValidation(rows, nFeatures, primaryOf(schema), base, options?.output ? { keepBest: p.earlyStoppingRounds !== null } : undefined);
    }
    let bestIteration = -1;
    let bestScore = Number.NaN;
    const trees = boostRounds(this.kind, p, data, yOrd, objective, Float64Array.of(base), (it, round) => {
      if (!validation || !boostVal) return true;
      boostVal.add(round[0]);
      const score = metric.fn(validation.y, boostVal.pred);
      if (!Number.isFinite(score)) throw new TunekitError('NON_FINITE_METRIC', `${this.kind}: validation ${metricName} is ${score} at round ${it + 1}`);
      if (bestIteration < 0 || isBetter(metricName, score, bestScore)) {
        bestScore = score;
        bestIteration = it;
        boostVal.markBest();
      }
      const keepGoing = options?.onIteration?.({ iteration: it + 1, metrics: { [metricName]: score } });
      if (keepGoing === false) return false;
      return p.earlyStoppingRounds === null || it - bestIteration < p.earlyStoppingRounds;
    });
    const kept = p.earlyStoppingRounds !== null && bestIteration >= 0 ? trees.slice(0, bestIteration + 1) : trees;
    if (boostVal && options?.output) options.output.validationPrediction = boostVal.prediction();
    const info: Record<string, number | string | null> = { roundsTrained: trees.length };
    if (validation) {
      info.bestIteration = bestIteration + 1;
      info.bestScore = bestScore;
      info.metric = metricName;
    }
    return new TreeEnsembleModel(this.kind, this.params, schema, concatTrees(kept.flat()), base, 1, info);
  }
}

/** y[order[k]] for every position k: targets in the learner's row order. */
function inOrder(y: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = y[order[k]];
  return out;
}

/**
 * Boosting rounds: each round computes the objective's gradients at the current raw scores and
 * grows one tree per output on them (leaf values scaled by the learning rate). Rows of a round
 * are drawn once for all its trees (`subsample`); columns per tree (`colsampleBytree`).
 * `afterRound(round, trees)` sees each round's trees and returns false to stop. Returns the trees
 * of every round grown, round by round.
 */
export function boostRounds(
  owner: string,
  p: GradientBoostingParams,
  data: BinnedDataset,
  yOrd: Float64Array,
  objective: Objective,
  base: Float64Array,
  afterRound: (round: number, trees: readonly TreeArrays[]) => boolean,
): TreeArrays[][] {
  const n = data.nRows;
  const K = objective.nOutputs;
  const nFeatures = data.features.length;
  const grow: GrowParams = {
    maxDepth: p.maxDepth ?? Number.POSITIVE_INFINITY,
    maxLeaves: p.numLeaves ?? Number.POSITIVE_INFINITY,
    minSamplesSplit: 2 * p.minSamplesLeaf,
    minSamplesLeaf: p.minSamplesLeaf,
    minChildWeight: p.minChildWeight,
    // XGBoost's gain carries a factor 1/2 that ours does not.
    minGain: 2 * p.minSplitGain,
    lambda: p.regLambda,
    alpha: p.regAlpha,
    maxFeatures: nFeatures,
    randomThresholds: false,
  };
  if (grow.maxDepth === Number.POSITIVE_INFINITY && grow.maxLeaves === Number.POSITIVE_INFINITY) {
    throw new InvalidInputError(`${owner}: set maxDepth or numLeaves (both null would grow every tree to single rows)`);
  }
  // Raw scores, output-major, rows in data.order.
  const pred = new Float64Array(K * n);
  for (let k = 0; k < K; k++) pred.fill(base[k], k * n, (k + 1) * n);
  const rng = new Rng(p.seed);
  const inBag = new Uint8Array(n);
  const mask = new Uint8Array(nFeatures);
  const nCols = Math.max(1, Math.round(p.colsampleBytree * nFeatures));
  const cols = Int32Array.from({ length: nFeatures }, (_, j) => j);
  const sampled = p.subsample < 1;
  // Gradients of every output (one output over all rows goes straight to the grower).
  const direct = K === 1 && !sampled;
  const g = direct ? undefined : new Float64Array(K * n);
  const h = direct ? undefined : new Float64Array(K * n);
  const rounds: TreeArrays[][] = [];
  TreeGrower.run(data, (grower) => {
    for (let it = 0; it < p.nEstimators; it++) {
      const treeRng = rng.fork(it);
      let m = n;
      if (sampled) {
        // The grower's views are valid until its next tree.
        const ibPos = grower.ibPos;
        m = 0;
        for (let k = 0; k < n; k++) {
          const take = treeRng.float() < p.subsample ? 1 : 0;
          inBag[k] = take;
          if (take) ibPos[m++] = k;
        }
      } else if (it === 0) {
        // Every row in bag: positions are the identity, gradients are read in order.
        const ibPos = grower.ibPos;
        for (let k = 0; k < n; k++) ibPos[k] = k;
      }
      if (g && h) objective.gradients(yOrd, pred, g, h);
      else objective.gradients(yOrd, pred, grower.ibG, grower.ibH);
      const round: TreeArrays[] = [];
      for (let out = 0; out < K; out++) {
        if (g && h) inBagGradients(grower, g, h, out * n, sampled ? m : n, sampled);
        let featureMask: Uint8Array | undefined;
        if (nCols < nFeatures) {
          treeRng.shuffle(cols);
          mask.fill(0);
          for (let j = 0; j < nCols; j++) mask[cols[j]] = 1;
          featureMask = mask;
        }
        const tree = grower.grow(m, grow, treeRng, featureMask, !sampled);
        const lr = p.learningRate;
        for (let k = 0; k < tree.nNodes; k++) tree.value[k] *= lr;
        round.push(tree);
        const raw = K === 1 ? pred : pred.subarray(out * n, (out + 1) * n);
        grower.addLeafValues(raw, lr);
        if (sampled) grower.addOutOfBag(tree, inBag, raw, 1);
      }
      rounds.push(round);
      if (!afterRound(it, round)) break;
    }
  });
  return rounds;
}

/** One output's gradients (g, h from `from`) of the in-bag rows into the grower. */
function inBagGradients(grower: TreeGrower, g: Float64Array, h: Float64Array, from: number, m: number, sampled: boolean): void {
  const { ibPos, ibG, ibH } = grower;
  if (!sampled) {
    ibG.set(g.subarray(from, from + m));
    ibH.set(h.subarray(from, from + m));
    return;
  }
  for (let i = 0; i < m; i++) {
    const k = from + ibPos[i];
    ibG[i] = g[k];
    ibH[i] = h[k];
  }
}

/**
 * Validation rows scored round by round: `pred` (base + the trees so far, what the reports score)
 * and, when asked, the predictions `predict` gives for the kept trees. Rows with equal features
 * are routed once. Predict adds the trees' outputs from zero with its own kernel choice (routed
 * rows, or row walks for few rows or no categorical) and then the base score, so those sums are
 * kept apart from `pred`; with early stopping the sum at the best round is kept.
 */
class BoostValidation {
  /** base + the outputs of the trees so far, per row. */
  readonly pred: Float64Array;
  private readonly nRows: number;
  private readonly nFeatures: number;
  private readonly binned: boolean;
  private readonly base: number;
  /** The distinct rows (row-major) and the distinct row of each row (undefined: rows as they are). */
  private readonly x: Float64Array;
  private readonly nDistinct: number;
  private readonly distinctOf: Int32Array | undefined;
  private readonly router: RowRouter;
  /** One tree's output per distinct row. */
  private readonly tree: Float64Array;
  /** Predict's sums per distinct row (when asked for), its kernel, and the best round's copy. */
  private readonly sum: Float64Array | undefined;
  private readonly walked: boolean;
  private readonly best: Float64Array | undefined;
  private readonly root0 = new Int32Array(1);

  constructor(rows: { x: Float64Array; nRows: number; binned: boolean }, nFeatures: number, primary: number, base: number, output: { keepBest: boolean } | undefined) {
    this.nRows = rows.nRows;
    this.nFeatures = nFeatures;
    this.binned = rows.binned;
    this.base = base;
    const { x, nDistinct, distinctOf } = distinctRows(rows.x, rows.nRows, nFeatures);
    this.x = x;
    this.nDistinct = nDistinct;
    this.distinctOf = distinctOf;
    this.router = new RowRouter(x, nDistinct, nFeatures, primary);
    this.tree = new Float64Array(nDistinct);
    this.pred = new Float64Array(rows.nRows).fill(base);
    this.walked = !RowRouter.worthIt(rows.nRows, primary);
    this.sum = output ? new Float64Array(nDistinct) : undefined;
    this.best = output?.keepBest ? new Float64Array(nDistinct) : undefined;
  }

  /** Add a tree's outputs to `pred` (and to predict's sums). */
  add(t: TreeArrays): void {
    const lo = this.binned ? t.binLo : t.lo;
    const hi = this.binned ? t.binHi : t.hi;
    const { tree, pred, sum, distinctOf, nRows } = this;
    // 0 + 1 x s is s exactly: every row receives the very term a routing of all rows would add.
    tree.fill(0);
    this.router.addTrees(t.feature, lo, hi, t.child, t.value, this.root0, 0, 1, 1, tree);
    if (distinctOf) for (let i = 0; i < nRows; i++) pred[i] += tree[distinctOf[i]];
    else for (let i = 0; i < nRows; i++) pred[i] += tree[i];
    if (!sum) return;
    if (this.walked) predictTrees(t.feature, lo, hi, t.child, t.value, this.root0, 0, 1, this.x, this.nDistinct, this.nFeatures, 1, sum);
    else for (let d = 0; d < this.nDistinct; d++) sum[d] += tree[d];
  }

  /** The round just added is the best so far. */
  markBest(): void {
    if (this.sum) this.best?.set(this.sum);
  }

  /** What predict returns for the kept trees: base + 1 x their summed outputs. */
  prediction(): Float64Array {
    const src = this.best ?? this.sum;
    if (!src) throw new TunekitError('NO_OUTPUT', 'validation predictions were not asked for');
    const out = new Float64Array(this.nRows);
    const { distinctOf, base } = this;
    for (let i = 0; i < this.nRows; i++) out[i] = base + 1 * src[distinctOf ? distinctOf[i] : i];
    return out;
  }
}

export const gradientBoostingKind: ModelKind = {
  kind: GradientBoostingRegressor.kind,
  doc: 'Gradient-boosted histogram trees (XGBoost/LightGBM style) with native categorical splits and early stopping.',
  task: 'regression',
  input: 'columns',
  paramsSpec: gradientBoostingParams,
  create: (params) => new GradientBoostingRegressor((params ?? {}) as Partial<GradientBoostingParams>),
  load: (artifact) => TreeEnsembleModel.fromArtifact(artifact, GradientBoostingRegressor.kind),
};
