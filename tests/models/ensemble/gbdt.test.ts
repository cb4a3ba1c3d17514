import { describe, expect, it } from 'vitest';
import { regressor } from '../../helpers/models.js';
import { InvalidInputError, InvalidParameterError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { FeatureColumns } from '../../../src/features/matrix.js';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import { GradientBoostingRegressor } from '../../../src/models/ensemble/gbdt.js';
import '../../../src/models/kinds.js';
import { rmse } from '../../../src/models/metrics/index.js';
import { loadModelArtifact } from '../../../src/models/registry.js';
import type { FitOutput } from '../../../src/models/types.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits } from '../../helpers/taxi.js';

function taxiLike(seed: number, n: number, nCodes = 500) {
  const rng = new Rng(seed);
  const effect = Float64Array.from({ length: nCodes }, (_, k) => Math.sin(k) * 5);
  const codes = new Int32Array(n);
  const dist = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    codes[i] = Math.min(nCodes - 1, Math.floor(nCodes * rng.float() ** 2));
    dist[i] = rng.float() < 0.02 ? Number.NaN : Math.round(-Math.log(1 - rng.float()) * 300) / 100;
    y[i] = 12 + effect[codes[i]] + 3 * Math.min(Number.isNaN(dist[i]) ? 5 : dist[i], 15) + rng.normal(0, 2);
  }
  const X: FeatureColumns = {
    format: 'columns',
    nRows: n,
    columns: [
      { kind: 'categorical', name: 'PU_DO', codes, categories: Array.from({ length: nCodes }, (_, k) => `z${k}`) },
      { kind: 'numeric', name: 'trip_distance', values: dist },
    ],
  };
  return { X, y };
}

const train = taxiLike(11, 5000);
const val = taxiLike(12, 2000);

describe('GradientBoostingRegressor', () => {
  it('rejects bad parameters with InvalidParameterError', () => {
    const bad: Record<string, unknown>[] = [
      { learningRate: 0 },
      { learningRate: -0.1 },
      { nEstimators: 1.5 },
      { maxDepth: 0 },
      { numLeaves: 1 },
      { subsample: 0 },
      { colsampleBytree: 1.5 },
      { regLambda: -1 },
      { minChildWeight: Number.NaN },
      { earlyStoppingRounds: 0 },
    ];
    for (const params of bad) expect(() => new GradientBoostingRegressor(params), JSON.stringify(params)).toThrow(InvalidParameterError);
    expect(() => new GradientBoostingRegressor({ earlyStoppingRounds: 5 }).fit(train.X, train.y)).toThrow(InvalidInputError);
    expect(() => new GradientBoostingRegressor({ maxDepth: null }).fit(train.X, train.y)).toThrow(/maxDepth or numLeaves/);
  });

  it('one round at learning rate 1 without regularisation is the plain regression tree', () => {
    const gb = new GradientBoostingRegressor({ nEstimators: 1, learningRate: 1, regLambda: 0, minChildWeight: 0, maxDepth: 5 }).fit(train.X, train.y);
    const tree = new RandomForestRegressor({ nEstimators: 1, bootstrap: false, maxDepth: 5 }).fit(train.X, train.y);
    const a = gb.predict(val.X);
    const b = tree.predict(val.X);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 9);
  });

  it('early stopping keeps the best round, reports every round, and predict uses the best round', () => {
    const reports: number[] = [];
    const model = new GradientBoostingRegressor({ nEstimators: 400, learningRate: 0.3, maxDepth: 8, regLambda: 0, minChildWeight: 0, earlyStoppingRounds: 10 }).fit(
      train.X,
      train.y,
      { validation: { X: val.X, y: val.y }, onIteration: (r) => void reports.push(r.metrics.rmse) },
    );
    const best = Math.min(...reports);
    const bestRound = reports.indexOf(best) + 1;
    expect(reports.length).toBeLessThan(400);
    expect(reports.length).toBe(bestRound + 10);
    expect(model.nTrees).toBe(bestRound);
    expect(model.info.bestIteration).toBe(bestRound);
    expect(rmse(val.y, model.predict(val.X))).toBeCloseTo(best, 9);
    expect(reports[0]).toBeGreaterThan(best);
  });

  it('hands back the validation predictions of the returned model, bit for bit those of predict', () => {
    const small = taxiLike(13, 120); // under the size where predict routes rows: row walks
    const rng = new Rng(4);
    const dense = { format: 'dense' as const, nRows: 600, nCols: 2, data: Float64Array.from({ length: 1200 }, () => rng.float() * 10) };
    const denseY = Float64Array.from({ length: 600 }, (_, i) => dense.data[2 * i] ** 2 - 3 * dense.data[2 * i + 1]);
    const denseVal = { ...dense, data: dense.data.map((v) => v + 0.5) };
    // Rows that repeat (few zones, whole distances) are routed once per distinct row.
    const [zone, distance] = val.X.columns;
    if (zone.kind !== 'categorical' || distance.kind !== 'numeric') throw new Error('taxiLike columns');
    const repeated: FeatureColumns = {
      ...val.X,
      columns: [
        { ...zone, codes: zone.codes.map((c) => c % 30) },
        { ...distance, values: distance.values.map((v) => (Number.isNaN(v) ? v : Math.min(Math.round(v), 6))) },
      ],
    };
    const cases = [
      { name: 'routed rows', trainX: train.X, trainY: train.y, X: val.X, y: val.y },
      { name: 'routed repeated rows', trainX: train.X, trainY: train.y, X: repeated, y: val.y },
      { name: 'walked rows (few)', trainX: train.X, trainY: train.y, X: small.X, y: small.y },
      { name: 'walked repeated rows', trainX: train.X, trainY: train.y, X: { ...repeated, nRows: 150, columns: repeated.columns.map((col) => (col.kind === 'categorical' ? { ...col, codes: col.codes.subarray(0, 150) } : { ...col, values: col.values.subarray(0, 150) })) }, y: val.y.subarray(0, 150) },
      { name: 'walked rows (no categorical)', trainX: dense, trainY: denseY, X: denseVal, y: denseY },
    ];
    for (const c of cases) {
      for (const params of [
        { nEstimators: 12, maxDepth: 5 },
        { nEstimators: 300, learningRate: 0.5, maxDepth: 8, regLambda: 0, minChildWeight: 0, earlyStoppingRounds: 3 },
        { nEstimators: 12, maxDepth: 4, subsample: 0.6, earlyStoppingRounds: 50 },
      ]) {
        const output: FitOutput = {};
        const reports: number[] = [];
        const model = new GradientBoostingRegressor(params).fit(c.trainX, c.trainY, {
          validation: { X: c.X, y: c.y },
          output,
          onIteration: (r) => void reports.push(r.metrics.rmse),
        });
        const label = `${c.name} ${JSON.stringify(params)}`;
        if (params.earlyStoppingRounds === 3) expect(model.nTrees, label).toBeLessThan(reports.length);
        const pred = model.predict(c.X);
        expect(Array.from(output.validationPrediction ?? []), label).toEqual(Array.from(pred));
        // The kept round's report scores the model that predict runs.
        expect(reports[model.nTrees - 1], label).toBeCloseTo(rmse(c.y, pred), 9);
      }
    }
    // Pruned through onIteration, and without any report callback.
    const pruned: FitOutput = {};
    const model = new GradientBoostingRegressor({ nEstimators: 30 }).fit(train.X, train.y, { validation: { X: val.X, y: val.y }, output: pruned, onIteration: (r) => r.iteration < 6 });
    expect(model.nTrees).toBe(6);
    expect(Array.from(pruned.validationPrediction ?? [])).toEqual(Array.from(model.predict(val.X)));
    const quiet: FitOutput = {};
    const full = new GradientBoostingRegressor({ nEstimators: 8 }).fit(train.X, train.y, { validation: { X: val.X, y: val.y }, output: quiet });
    expect(Array.from(quiet.validationPrediction ?? [])).toEqual(Array.from(full.predict(val.X)));
  });

  it('onIteration returning false stops training (pruning)', () => {
    const model = new GradientBoostingRegressor({ nEstimators: 50 }).fit(train.X, train.y, {
      validation: { X: val.X, y: val.y },
      onIteration: (r) => r.iteration < 7,
    });
    expect(model.nTrees).toBe(7);
  });

  it('leaf-wise growth caps leaves; row and column sampling are seeded', () => {
    const params = { nEstimators: 15, maxDepth: null, numLeaves: 9, subsample: 0.7, colsampleBytree: 0.5, seed: 5 };
    const a = new GradientBoostingRegressor(params).fit(train.X, train.y);
    const b = new GradientBoostingRegressor(params).fit(train.X, train.y);
    const c = new GradientBoostingRegressor({ ...params, seed: 6 }).fit(train.X, train.y);
    const t = a.trees;
    for (let k = 0; k < a.nTrees; k++) {
      const end = k + 1 < a.nTrees ? t.roots[k + 1] : t.nNodes;
      let leaves = 0;
      for (let n = t.roots[k]; n < end; n++) if (t.feature[n] < 0) leaves++;
      expect(leaves).toBeLessThanOrEqual(9);
    }
    expect(Array.from(b.predict(val.X))).toEqual(Array.from(a.predict(val.X)));
    expect(Array.from(c.predict(val.X))).not.toEqual(Array.from(a.predict(val.X)));
  });

  it('saves to an artifact and loads back with identical predictions', () => {
    const model = new GradientBoostingRegressor({ nEstimators: 20, maxDepth: 4 }).fit(train.X, train.y);
    const loaded = regressor(loadModelArtifact(decodeArtifact(encodeArtifact(model.toArtifact()))));
    expect(loaded.kind).toBe('gradient_boosting');
    expect(Array.from(loaded.predict(val.X))).toEqual(Array.from(model.predict(val.X)));
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);
describe.skipIf(!REAL_TAXI_DIR)('GradientBoostingRegressor on real taxi data', () => {
  it("the course's best XGBoost settings reach val RMSE <= 6.32 (XGBoost: 6.3185)", async () => {
    const { train: tr, val: va, test: te } = await loadRealTaxiSplits();
    const model = new GradientBoostingRegressor({
      maxDepth: 30,
      learningRate: 0.0951,
      regAlpha: 0.018,
      regLambda: 0.0117,
      minChildWeight: 1.06,
      nEstimators: 1000,
      earlyStoppingRounds: 50,
      seed: 42,
    }).fit(tr.columns, tr.y, {
      validation: { X: va.columns, y: va.y },
      // Stop once the target is reached (the tuner prunes the same way); keeps the test short.
      onIteration: (r) => r.metrics.rmse > 6.32,
    });
    const valRmse = rmse(va.y, model.predict(va.columns));
    expect(valRmse).toBeLessThanOrEqual(6.32);
    expect(model.nTrees).toBeLessThan(1000);
    expect(rmse(te.y, model.predict(te.columns))).toBeLessThan(6.3);
  });
});
