import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import type { DenseMatrix, FeatureColumns } from '../../../src/features/matrix.js';
import { ExtraTreesRegressor, RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import { GradientBoostingRegressor } from '../../../src/models/ensemble/gbdt.js';
import type { TreeEnsembleModel } from '../../../src/models/ensemble/model.js';
import type { FitOptions, ModelInput } from '../../../src/models/types.js';
import { fingerprint, forestFingerprint } from '../../helpers/fingerprint.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits } from '../../helpers/taxi.js';

/**
 * The learner grows exactly these trees. Each fingerprint hashes every array of the fitted trees
 * and the model's predictions; the values were recorded from the learner before its internals
 * were split into parts, and any change to what it computes (a split, a threshold, a leaf value,
 * a sum's rounding) changes them. Data are generated with uniform draws and arithmetic only
 * (no Math.log / Math.cos), so the figures do not depend on the platform's libm.
 * Run with TUNEKIT_PRINT_FINGERPRINTS=1 to print the current values.
 */
const PRINT = process.env.TUNEKIT_PRINT_FINGERPRINTS === '1';

function check(name: string, actual: string, expected: string): void {
  if (PRINT) console.log(`    '${name}': '${actual}',`);
  else expect(actual, name).toBe(expected);
}

/** Columns: `nCat` categoricals (cardinalities `levels`), `nNum` numerics (the first with NaNs, the second with few values). */
function columnsProblem(seed: number, n: number, levels: readonly number[], nNum: number): { X: FeatureColumns; y: Float64Array } {
  const rng = new Rng(seed);
  const columns: FeatureColumns['columns'][number][] = [];
  const y = new Float64Array(n);
  levels.forEach((nCodes, c) => {
    const effect = Float64Array.from({ length: nCodes }, () => 6 * rng.float() - 3);
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // Skewed draws: a few frequent codes and a long tail, like pick-up/drop-off pairs.
      const u = rng.float();
      codes[i] = Math.floor(nCodes * u * u);
      y[i] += effect[codes[i]];
    }
    columns.push({ kind: 'categorical', name: `c${c}`, codes, categories: Array.from({ length: nCodes }, (_, k) => `k${k}`) });
  });
  for (let j = 0; j < nNum; j++) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = rng.float();
      if (j === 0 && u < 0.05) {
        values[i] = Number.NaN;
        y[i] += 4;
        continue;
      }
      values[i] = j === 1 ? Math.floor(u * 12) : 40 * u * u;
      y[i] += (j === 1 ? 0.3 : 0.8) * values[i];
    }
    columns.push({ kind: 'numeric', name: `x${j}`, values });
  }
  for (let i = 0; i < n; i++) y[i] += 2 * (rng.float() + rng.float() - 1);
  return { X: { format: 'columns', nRows: n, columns }, y };
}

function denseProblem(seed: number, n: number, nCols: number): { X: DenseMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * nCols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nCols; j++) data[i * nCols + j] = j % 2 === 0 ? rng.float() * 10 : Math.floor(rng.float() * 7);
    const x = data.subarray(i * nCols, (i + 1) * nCols);
    y[i] = 3 * x[0] - 2 * x[1] + (x[2] > 5 ? 4 : 0) + x[3] * x[4] * 0.1 + rng.float();
  }
  return { X: { format: 'dense', nRows: n, nCols, data }, y };
}

const PROBLEMS = {
  pair: () => columnsProblem(1, 4000, [300], 1),
  wide: () => columnsProblem(2, 4000, [400, 12], 3),
  dense: () => denseProblem(3, 3000, 5),
};

type Fit = (X: ModelInput, y: Float64Array, options?: FitOptions) => TreeEnsembleModel;

const FITS: Record<string, Fit> = {
  'rf-full': (X, y) => new RandomForestRegressor({ nEstimators: 4, seed: 3 }).fit(X, y),
  'rf-sampled': (X, y) => new RandomForestRegressor({ nEstimators: 5, maxDepth: 8, maxFeatures: 0.5, minSamplesLeaf: 3, maxSamples: 0.7, seed: 5 }).fit(X, y),
  'rf-best-first': (X, y) => new RandomForestRegressor({ nEstimators: 3, maxLeafNodes: 60, minImpurityDecrease: 0.01, seed: 7 }).fit(X, y),
  'et-depth10': (X, y) => new ExtraTreesRegressor({ nEstimators: 5, maxDepth: 10, seed: 11 }).fit(X, y),
  'gbdt-depth': (X, y) => new GradientBoostingRegressor({ nEstimators: 20, maxDepth: 6, learningRate: 0.3 }).fit(X, y),
  'gbdt-leaves': (X, y) =>
    new GradientBoostingRegressor({ nEstimators: 20, maxDepth: null, numLeaves: 31, subsample: 0.8, colsampleBytree: 0.6, regAlpha: 0.1, minChildWeight: 3, seed: 13 }).fit(X, y),
};

const EXPECTED: Record<string, string> = {
    'dense/et-depth10': '171f32ca88bdc71e:2e55f1c7c55e6334',
    'dense/gbdt-depth': 'b306e5c9b112b18d:ad2316d2ade7f19e',
    'dense/gbdt-leaves': '0a2961780a608fdf:d6f8b591fcb84555',
    'dense/rf-best-first': 'c066863e22c7b8f8:c433a6cdb24445d2',
    'dense/rf-full': '35ecd2c08ca8eccc:7b1d19e1133a4946',
    'dense/rf-sampled': '7e1d3c652fc21cc0:39139cde47964a06',
    'pair/et-depth10': 'b4a55be83ecd2e67:2b2abea7d751d0c4',
    'pair/gbdt-depth': '307483cd362c8bf9:6ea98c808cad6ec8',
    'pair/gbdt-leaves': 'e89c55213feacb90:3aa921430708986f',
    'pair/rf-best-first': 'e11b375e89bdedb0:e420ec5eea26e491',
    'pair/rf-full': '1dee57599c4864cf:a8af290f0bd279ca',
    'pair/rf-sampled': '06df3efaa4989e97:1860a64e8f5e4ab8',
    'taxi/et-depth12': '9934427f7e2f62d7:3f5ac255d3db0768',
    'taxi/gbdt-30rounds': '5653e640748d704f:3a4eae25368d0e29',
    'taxi/rf-depth10-100trees': '269e980f28d0e6c0:cf270f57fab0cc42',
    'taxi/rf-homework-space': '965d92fd52969c80:07727b124d798fa6',
    'wide/et-depth10': '721f753dae54cceb:f5088183729c3eb6',
    'wide/gbdt-depth': 'efdc7c7411905ef0:a4e3567fd33e1eb8',
    'wide/gbdt-early-stopping': '3355f1740ccf9b68:69e88932f9a79807:a4d10fe64abcdbd8',
    'wide/gbdt-leaves': '33a17d3356d7f959:0e5e15b7e7f1781a',
    'wide/rf-best-first': '564da7c73062434e:ad9ce0a3cbb729b5',
    'wide/rf-full': 'f59e4803aa18ccce:2e97e79d9772546e',
    'wide/rf-sampled': '1dd5955696bf35f3:6df0a26b23a7ac8c',
};

describe('tree fingerprints', () => {
  for (const [problem, make] of Object.entries(PROBLEMS)) {
    it(`${problem}: every fit grows the recorded trees and predictions`, () => {
      const { X, y } = make();
      for (const [fit, run] of Object.entries(FITS)) {
        const model = run(X, y);
        check(`${problem}/${fit}`, `${forestFingerprint(model.trees)}:${fingerprint(model.predict(X))}`, EXPECTED[`${problem}/${fit}`]);
      }
    });
  }

  it('boosting with validation reports, early stopping and validation predictions', () => {
    const { X, y } = PROBLEMS.wide();
    const val = columnsProblem(4, 1500, [400, 12], 3);
    const curve: number[] = [];
    const output: { validationPrediction?: Float64Array } = {};
    const model = new GradientBoostingRegressor({ nEstimators: 60, maxDepth: 5, learningRate: 0.3, earlyStoppingRounds: 5 }).fit(X, y, {
      validation: { X: val.X, y: val.y },
      output,
      onIteration: (r) => {
        curve.push(r.metrics.rmse);
        return true;
      },
    });
    const pred = output.validationPrediction ?? new Float64Array(0);
    expect(Array.from(pred)).toEqual(Array.from(model.predict(val.X)));
    check('wide/gbdt-early-stopping', `${forestFingerprint(model.trees)}:${fingerprint(Float64Array.from(curve))}:${fingerprint(pred)}`, EXPECTED['wide/gbdt-early-stopping']);
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

describe.skipIf(!REAL_TAXI_DIR)('tree fingerprints on real taxi data', () => {
  it('January 2021: the homework forest, a forest of the homework search space, extra trees and boosting', async () => {
    const { train, val } = await loadRealTaxiSplits();
    const fits: Record<string, () => TreeEnsembleModel> = {
      'taxi/rf-depth10-100trees': () => new RandomForestRegressor({ maxDepth: 10, nEstimators: 100, seed: 42 }).fit(train.columns, train.y),
      'taxi/rf-homework-space': () => new RandomForestRegressor({ maxDepth: 19, nEstimators: 12, minSamplesSplit: 7, minSamplesLeaf: 3, seed: 42 }).fit(train.columns, train.y),
      'taxi/et-depth12': () => new ExtraTreesRegressor({ maxDepth: 12, nEstimators: 10, seed: 1 }).fit(train.columns, train.y),
      'taxi/gbdt-30rounds': () => new GradientBoostingRegressor({ nEstimators: 30, maxDepth: 8, learningRate: 0.2 }).fit(train.columns, train.y),
    };
    for (const [name, fitModel] of Object.entries(fits)) {
      const model = fitModel();
      check(name, `${forestFingerprint(model.trees)}:${fingerprint(model.predict(val.columns))}`, EXPECTED[name]);
    }
  });
});
