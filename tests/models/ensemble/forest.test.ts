import { describe, expect, it } from 'vitest';
import { regressor } from '../../helpers/models.js';
import { InvalidParameterError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { FeatureColumns } from '../../../src/features/matrix.js';
import { type JsonValue, decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { TreeEnsembleModel } from '../../../src/models/ensemble/model.js';
import { distinctRows } from '../../../src/models/ensemble/distinct-rows.js';
import { ExtraTreesRegressor, RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import '../../../src/models/kinds.js';
import { metrics, rmse } from '../../../src/models/metrics/index.js';
import { loadModelArtifact } from '../../../src/models/registry.js';
import { binColumns, binLike } from '../../../src/models/tree/binning.js';
import type { FitOutput, ModelInput } from '../../../src/models/types.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits } from '../../helpers/taxi.js';

/** Taxi-like synthetic data: one categorical with many levels, one heavy-tailed numeric. */
function taxiLike(seed: number, n: number, nCodes = 2000) {
  const rng = new Rng(seed);
  const effect = Float64Array.from({ length: nCodes }, () => rng.normal(0, 4));
  const codes = new Int32Array(n);
  const dist = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    codes[i] = Math.min(nCodes - 1, Math.floor(nCodes * rng.float() ** 2));
    dist[i] = rng.float() < 0.001 ? 1e5 * rng.float() : Math.round(-Math.log(1 - rng.float()) * 300) / 100;
    y[i] = 12 + effect[codes[i]] + 3 * Math.min(dist[i], 20) + rng.normal(0, 2);
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

const train = taxiLike(1, 6000);
const val = taxiLike(2, 2000);

describe('RandomForestRegressor / ExtraTreesRegressor', () => {
  it('rejects bad parameters with InvalidParameterError', () => {
    const bad: Record<string, unknown>[] = [
      { maxDepth: 0 },
      { nEstimators: 2.5 },
      { nEstimators: 0 },
      { minSamplesSplit: 1 },
      { minSamplesLeaf: 0 },
      { maxFeatures: 0 },
      { maxSamples: 1.5 },
      { maxBins: 300 },
      { nJobs: 0 },
      { depth: 3 },
    ];
    for (const params of bad) expect(() => new RandomForestRegressor(params), JSON.stringify(params)).toThrow(InvalidParameterError);
    expect(() => new ExtraTreesRegressor({ maxDepth: -1 })).toThrow(/maxDepth/);
  });

  it('learns the synthetic problem; same seed gives the same model, another seed another one', () => {
    const a = new RandomForestRegressor({ nEstimators: 20, maxDepth: 12, seed: 7 }).fit(train.X, train.y);
    const b = new RandomForestRegressor({ nEstimators: 20, maxDepth: 12, seed: 7 }).fit(train.X, train.y);
    const c = new RandomForestRegressor({ nEstimators: 20, maxDepth: 12, seed: 8 }).fit(train.X, train.y);
    const pa = a.predict(val.X);
    expect(Array.from(b.predict(val.X))).toEqual(Array.from(pa));
    expect(Array.from(c.predict(val.X))).not.toEqual(Array.from(pa));
    let mean = 0;
    for (const v of val.y) mean += v;
    mean /= val.y.length;
    const baseline = rmse(val.y, new Float64Array(val.y.length).fill(mean));
    expect(rmse(val.y, pa)).toBeLessThan(0.6 * baseline);
  });

  it('fitAsync on 2 or 3 worker threads builds exactly the model of fit (trees taken from a shared counter)', async () => {
    const sync = new RandomForestRegressor({ nEstimators: 7, maxDepth: 8, seed: 3 }).fit(train.X, train.y);
    for (const nJobs of [2, 3]) {
      const par = await new RandomForestRegressor({ nEstimators: 7, maxDepth: 8, seed: 3, nJobs }).fitAsync(train.X, train.y);
      expect(Array.from(par.trees.value)).toEqual(Array.from(sync.trees.value));
      expect(Array.from(par.trees.feature)).toEqual(Array.from(sync.trees.feature));
      expect(Array.from(par.predict(val.X))).toEqual(Array.from(sync.predict(val.X)));
    }
  });

  it('accepts data binned once and reused across fits', () => {
    const data = binColumns(train.X);
    const fromBinned = new RandomForestRegressor({ nEstimators: 5, maxDepth: 6 }).fit(data, train.y);
    const fromColumns = new RandomForestRegressor({ nEstimators: 5, maxDepth: 6 }).fit(train.X, train.y);
    expect(Array.from(fromBinned.predict(val.X))).toEqual(Array.from(fromColumns.predict(val.X)));
    // Bin-space prediction on the training bins agrees with prediction on raw values.
    const onBins = fromBinned.predict(data);
    const onRaw = fromBinned.predict(train.X);
    let same = 0;
    for (let i = 0; i < onRaw.length; i++) if (Math.abs(onBins[i] - onRaw[i]) < 1e-9) same++;
    expect(same).toBe(onRaw.length);
  });

  it('saves to an artifact and loads back with identical predictions', () => {
    for (const est of [new RandomForestRegressor({ nEstimators: 4, maxDepth: 6 }), new ExtraTreesRegressor({ nEstimators: 4, maxDepth: 6 })]) {
      const model = est.fit(train.X, train.y);
      const loaded = regressor(loadModelArtifact(decodeArtifact(encodeArtifact(model.toArtifact()))));
      expect(loaded.kind).toBe(est.kind);
      expect(Array.from(loaded.predict(val.X))).toEqual(Array.from(model.predict(val.X)));
    }
  });

  it('feature importances: split counts add up to the inner nodes, named by feature', () => {
    const model = new RandomForestRegressor({ nEstimators: 3, maxDepth: 5 }).fit(train.X, train.y);
    const imp = model.featureImportances();
    expect(imp.map((f) => f.feature)).toEqual(['PU_DO', 'trip_distance']);
    const inner = Array.from(model.trees.feature).filter((f) => f >= 0).length;
    expect(imp[0].splits + imp[1].splits).toBe(inner);
    expect(imp[0].gainShare + imp[1].gainShare).toBeCloseTo(1, 12);
    expect(imp[1].gain).toBeGreaterThan(0);
  });

  it('out-of-bag score, per-tree validation reports and pruning through onIteration', () => {
    const reports: number[] = [];
    const model = new RandomForestRegressor({ nEstimators: 8, maxDepth: 10, oobScore: true }).fit(train.X, train.y, {
      validation: { X: val.X, y: val.y },
      onIteration: (r) => {
        reports.push(r.metrics.rmse);
        return r.iteration < 5;
      },
    });
    expect(reports.length).toBe(5);
    expect(model.nTrees).toBe(5);
    expect(reports[4]).toBeCloseTo(rmse(val.y, model.predict(val.X)), 9);
    expect(model.info.oobScore).toBeGreaterThan(0.5);
    expect(model.info.oobScore).toBeLessThan(1);
    expect(() => new RandomForestRegressor({ oobScore: true, bootstrap: false })).toThrow(/oobScore/);
  });

  it('each report is the metric of the first k trees (squared errors from per-distinct-row sums, others from the average)', () => {
    // Validation rows that repeat, so distinct rows carry counts above 1.
    const codes = val.X.columns[0].kind === 'categorical' ? val.X.columns[0].codes : new Int32Array(0);
    const dist = val.X.columns[1].kind === 'numeric' ? val.X.columns[1].values : new Float64Array(0);
    const n = val.y.length;
    const rep: FeatureColumns = {
      format: 'columns',
      nRows: 2 * n,
      columns: [
        { ...(val.X.columns[0] as Extract<FeatureColumns['columns'][number], { kind: 'categorical' }>), codes: Int32Array.from({ length: 2 * n }, (_, i) => codes[i % n]) },
        { kind: 'numeric', name: 'trip_distance', values: Float64Array.from({ length: 2 * n }, (_, i) => dist[i % n]) },
      ],
    };
    const repY = Float64Array.from({ length: 2 * n }, (_, i) => val.y[i % n] + (i >= n ? 1 : 0));
    for (const metric of ['rmse', 'mse', 'mae', 'r2']) {
      const reports: number[] = [];
      const model = new RandomForestRegressor({ nEstimators: 6, maxDepth: 8, seed: 3 }).fit(train.X, train.y, {
        validation: { X: rep, y: repY },
        metric,
        onIteration: (r) => void reports.push(r.metrics[metric]),
      });
      expect(reports.length).toBe(6);
      reports.forEach((value, t) => {
        const exact = metrics.get(metric).fn(repY, model.predictFirst(rep, t + 1));
        expect(Math.abs(value - exact), `${metric} after ${t + 1} trees`).toBeLessThan(1e-10 * Math.max(1, Math.abs(exact)));
      });
      // The first k trees of a forest average over k, also after a round trip through an
      // artifact, and for artifacts written before the model stored that it averages.
      const first3 = Array.from(model.predictFirst(rep, 3));
      const art = decodeArtifact(encodeArtifact(model.toArtifact()));
      expect(Array.from(TreeEnsembleModel.fromArtifact(art, 'random_forest').predictFirst(rep, 3))).toEqual(first3);
      const { averaged: _, ...legacyState } = art.header.state as Record<string, JsonValue>;
      const legacy = { ...art, header: { ...art.header, state: legacyState } };
      expect(Array.from(TreeEnsembleModel.fromArtifact(legacy, 'random_forest').predictFirst(rep, 3))).toEqual(first3);
    }
  });

  it('hands back the validation predictions of the returned model, bit for bit those of predict', () => {
    const trained = binColumns(train.X);
    const small = taxiLike(3, 120); // under the size where predict routes rows: row walks
    // Tree models also take validation rows binned with the training cuts.
    const binnedVal = binLike(trained, val.X) as unknown as ModelInput;
    // Rows that repeat (few zones, whole distances) are routed once per distinct row.
    const repeated = (n: number) => {
      const r = taxiLike(4, n);
      const [zone, distance] = r.X.columns;
      if (zone.kind !== 'categorical' || distance.kind !== 'numeric') throw new Error('taxiLike columns');
      const X: FeatureColumns = {
        ...r.X,
        columns: [
          { ...zone, codes: zone.codes.map((c) => c % 40) },
          { ...distance, values: distance.values.map((v) => Math.min(Math.round(v), 6)) },
        ],
      };
      return { X, y: r.y };
    };
    const many = repeated(3000);
    const few = repeated(200);
    const large = taxiLike(5, 6000); // enough distinct rows for the fit to score them through tables
    const cases = [
      { name: 'tabled rows', X: large.X, y: large.y },
      { name: 'routed rows', X: val.X, y: val.y },
      { name: 'binned rows', X: binnedVal, y: val.y },
      { name: 'walked rows', X: small.X, y: small.y },
      { name: 'routed repeated rows', X: many.X, y: many.y },
      { name: 'walked repeated rows', X: few.X, y: few.y },
    ];
    for (const c of cases) {
      for (const stopAt of [Number.POSITIVE_INFINITY, 4]) {
        const output: FitOutput = {};
        let reports = 0;
        const model = new RandomForestRegressor({ nEstimators: 7, maxDepth: 9, seed: 2 }).fit(trained, train.y, {
          validation: { X: c.X, y: c.y },
          output,
          onIteration: (r) => {
            reports++;
            return r.iteration < stopAt;
          },
        });
        expect(model.nTrees, c.name).toBe(Math.min(7, stopAt));
        expect(reports, c.name).toBe(model.nTrees);
        expect(Array.from(output.validationPrediction ?? []), c.name).toEqual(Array.from(model.predict(c.X)));
      }
      // Without reports the fit still fills the output, and keeps every tree.
      const output: FitOutput = {};
      const model = new ExtraTreesRegressor({ nEstimators: 5, maxDepth: 6 }).fit(trained, train.y, { validation: { X: c.X, y: c.y }, output });
      expect(model.nTrees).toBe(5);
      expect(Array.from(output.validationPrediction ?? []), c.name).toEqual(Array.from(model.predict(c.X)));
    }
    const untouched: FitOutput = {};
    new RandomForestRegressor({ nEstimators: 2, maxDepth: 3 }).fit(trained, train.y, { output: untouched });
    expect(untouched.validationPrediction).toBeUndefined();
  });

  it('distinct validation rows: the same partition as a naive grouping by value', () => {
    const rng = new Rng(9);
    const F = 3;
    for (const [n, levels] of [[500, 4], [500, 1000], [1, 1]]) {
      const x = Float64Array.from({ length: n * F }, (_, k) => (k % F === 2 && rng.float() < 0.1 ? Number.NaN : rng.int(0, levels)));
      const { x: ux, nDistinct, distinctOf } = distinctRows(x, n, F);
      const key = (a: Float64Array, i: number) => JSON.stringify(Array.from(a.subarray(i * F, i * F + F), String));
      const naive = new Map<string, number>();
      for (let i = 0; i < n; i++) if (!naive.has(key(x, i))) naive.set(key(x, i), naive.size);
      if (naive.size > 0.9 * n) {
        // Too few repeats to pay off: the rows are used as they are.
        expect(distinctOf).toBeUndefined();
        expect(ux).toBe(x);
        expect(nDistinct).toBe(n);
        continue;
      }
      expect(nDistinct).toBe(naive.size);
      const of = distinctOf as Int32Array;
      for (let i = 0; i < n; i++) {
        expect(of[i]).toBe(naive.get(key(x, i)));
        expect(key(ux, of[i])).toBe(key(x, i));
      }
    }
  });

  it('minImpurityDecrease and maxSamples follow scikit-learn', () => {
    const stump = new RandomForestRegressor({ nEstimators: 2, minImpurityDecrease: 1e9 }).fit(train.X, train.y);
    expect(stump.trees.nNodes).toBe(2); // two single-leaf trees
    const small = new RandomForestRegressor({ nEstimators: 1, maxSamples: 0.1, maxDepth: 3 }).fit(train.X, train.y);
    // The root holds the distinct rows among 600 draws.
    expect(small.trees.count[0]).toBeLessThanOrEqual(600);
    expect(small.trees.count[0]).toBeGreaterThan(500);
  });

  it('ExtraTrees draws random thresholds: a different model of similar quality', () => {
    const et = new ExtraTreesRegressor({ nEstimators: 20, maxDepth: 12 }).fit(train.X, train.y);
    const rf = new RandomForestRegressor({ nEstimators: 20, maxDepth: 12 }).fit(train.X, train.y);
    const pe = et.predict(val.X);
    const pr = rf.predict(val.X);
    expect(Array.from(pe)).not.toEqual(Array.from(pr));
    expect(rmse(val.y, pe)).toBeLessThan(1.2 * rmse(val.y, pr));
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);
describe.skipIf(!REAL_TAXI_DIR)('RandomForestRegressor on real taxi data', () => {
  it('maxDepth 10, 100 trees: val and test RMSE within 1% of scikit-learn (6.7291 / 6.6482)', async () => {
    const { train: tr, val: va, test: te } = await loadRealTaxiSplits();
    const model = new RandomForestRegressor({ maxDepth: 10, seed: 42 }).fit(tr.columns, tr.y);
    const valRmse = rmse(va.y, model.predict(va.columns));
    const testRmse = rmse(te.y, model.predict(te.columns));
    expect(Math.abs(valRmse / 6.7291 - 1)).toBeLessThan(0.01);
    expect(Math.abs(testRmse / 6.6482 - 1)).toBeLessThan(0.01);
  });
});
