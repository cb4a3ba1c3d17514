import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError, InvalidInputError } from '../../src/core/errors.js';
import { defineParams, resolveParams } from '../../src/core/params.js';
import { Rng } from '../../src/core/rng.js';
import { readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import type { FeatureRecord } from '../../src/features/frame.js';
import type { FeatureColumns } from '../../src/features/matrix.js';
import { makeHeader, requireArray } from '../../src/models/artifact.js';
import { loadModel, loadPipeline, modelToBytes, saveModel } from '../../src/models/io.js';
import { modelKinds } from '../../src/models/kinds.js';
import { LinearRegression, Ridge } from '../../src/models/linear/index.js';
import { Pipeline, PipelineModel } from '../../src/models/pipeline.js';
import type { RegressionModel } from '../../src/models/types.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits, realTaxiPath } from '../helpers/taxi.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function taxiRecords(seed: number, n: number): { records: FeatureRecord[]; y: Float64Array } {
  const rng = new Rng(seed);
  const records: FeatureRecord[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pu = 1 + rng.below(6);
    const dof = 1 + rng.below(6);
    const d = rng.float() * 8;
    records.push({ PU_DO: `${pu}_${dof}`, trip_distance: d });
    y[i] = 4 + pu + 0.5 * dof + 3 * d + rng.normal(0, 1);
  }
  return { records, y };
}

const toTable = (records: readonly FeatureRecord[]): arrow.Table =>
  arrow.tableFromArrays({
    trip_distance: Float64Array.from(records, (r) => r.trip_distance as number),
    PU_DO: records.map((r) => r.PU_DO as string),
    extra: Int32Array.from(records, () => 1),
  });

/** A tiny 'columns' model kind (per-category mean of y), to show the pipeline serves any view. */
const meanSpec = defineParams({ column: { type: 'int', default: 0, min: 0, doc: 'categorical column index' } });
class CategoryMeanModel implements RegressionModel<FeatureColumns> {
  readonly kind = 'test_category_mean';
  readonly task = 'regression';
  constructor(
    readonly params: Readonly<Record<string, unknown>>,
    readonly means: Float64Array,
  ) {}
  get nFeatures(): number {
    return 2;
  }
  predict(X: FeatureColumns): Float64Array {
    const col = X.columns[this.params.column as number];
    if (col.kind !== 'categorical') throw new InvalidInputError('expected a categorical column');
    return Float64Array.from(col.codes, (c) => this.means[c]);
  }
  toArtifact() {
    return { header: makeHeader(this.kind, this.params, {}), arrays: { means: this.means } };
  }
}
modelKinds.register('test_category_mean', {
  kind: 'test_category_mean',
  task: 'regression',
  doc: 'test only',
  input: 'columns',
  paramsSpec: meanSpec,
  create: (p) => {
    const params = resolveParams('test_category_mean', meanSpec, p ?? {});
    return {
      kind: 'test_category_mean',
      params,
      fit: (X, y) => {
        const col = (X as FeatureColumns).columns[params.column];
        if (col.kind !== 'categorical') throw new InvalidInputError('expected a categorical column');
        const sum = new Float64Array(col.categories.length + 1);
        const cnt = new Float64Array(col.categories.length + 1);
        col.codes.forEach((c, i) => {
          sum[c] += y[i];
          cnt[c]++;
        });
        return new CategoryMeanModel(params, sum.map((s, c) => (cnt[c] ? s / cnt[c] : 0)));
      },
    };
  },
  load: (a) => new CategoryMeanModel(resolveParams('test_category_mean', meanSpec, a.header.params), requireArray(a, 'means', Float64Array)),
});

describe('pipeline (vectorizer + model)', () => {
  const { records, y } = taxiRecords(51, 400);
  const unseen: FeatureRecord[] = [{ PU_DO: '99_99', trip_distance: 2 }, ...records.slice(0, 20)];

  it('fits from records and predicts the same from records, a frame-free Arrow table and a reloaded file', async () => {
    const pipe = new Pipeline(new LinearRegression()).fit(records, y);
    expect(pipe.input).toBe('matrix');
    const direct = pipe.model.predict(pipe.vectorizer.transform(unseen));
    const fromRecords = pipe.predict(unseen);
    expect(fromRecords).toEqual(direct);
    expect(pipe.predict(toTable(unseen))).toEqual(direct);
    // The unseen PU_DO gets an all-zero one-hot block: intercept + slope * distance.
    const lr = pipe.model as unknown as { intercept: number; coef: Float64Array };
    expect(fromRecords[0]).toBeCloseTo(lr.intercept + lr.coef[pipe.vectorizer.featureIndex('trip_distance')] * 2, 12);

    const path = join(dir, 'pipe.tkm');
    await saveModel(pipe, path);
    const back = await loadPipeline(path);
    expect(back).toBeInstanceOf(PipelineModel);
    expect(back.model.kind).toBe('linear_regression');
    expect(back.vectorizer.featureNames).toEqual(pipe.vectorizer.featureNames);
    expect(back.predict(unseen)).toEqual(direct);
    expect(back.predict(toTable(unseen))).toEqual(direct);
    expect((await loadModel<FeatureRecord[]>(modelToBytes(pipe))).predict(unseen)).toEqual(direct);
  });

  it('hands a columns-view model the column view, and round-trips it', async () => {
    const pipe = new Pipeline(modelKinds.get('test_category_mean').create()).fit(toTable(records), y);
    expect(pipe.input).toBe('columns');
    const pred = pipe.predict(records);
    const mean = (key: string) => {
      const ys = records.flatMap((r, i) => (r.PU_DO === key ? [y[i]] : []));
      return ys.reduce((s, v) => s + v, 0) / ys.length;
    };
    expect(pred[0]).toBeCloseTo(mean(records[0].PU_DO as string), 12);
    const back = await loadPipeline(modelToBytes(pipe));
    expect(back.predict(toTable(unseen))).toEqual(pipe.predict(unseen));
    expect(back.predict(unseen)[0]).toBe(0); // unseen category -> reserved code
  });

  it('rejects inconsistent input and artifacts clearly', async () => {
    const pipe = new Pipeline(new Ridge()).fit(records, y);
    const noDistance = arrow.tableFromArrays({ PU_DO: ['1_1'] });
    expect(() => pipe.predict(noDistance)).toThrow(/Arrow table has no column 'trip_distance'/);
    const dates = arrow.tableFromArrays({ PU_DO: ['1_1'], trip_distance: [new Date(0)] });
    expect(() => pipe.predict(dates)).toThrow(InvalidInputError);
    const other = new Pipeline(new Ridge()).fit(records.slice(0, 10), y.slice(0, 10));
    expect(() => new PipelineModel(pipe.vectorizer, other.model)).toThrow(/features but the vectorizer makes/);
    const artifact = pipe.toArtifact();
    const { model: _, ...noModel } = artifact.header.state;
    await expect(loadModel({ header: { ...artifact.header, state: noModel }, arrays: artifact.arrays })).rejects.toThrow(/pipeline artifact has no model header/);
    await expect(loadModel({ header: artifact.header, arrays: {} })).rejects.toThrow(/missing array 'coef'/);
    const badVec = { ...artifact.header, state: { ...artifact.header.state, vectorizer: { kind: 'nope' } } };
    await expect(loadModel({ header: badVec, arrays: artifact.arrays })).rejects.toThrow(ArtifactError);
  });
});

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);
describe.skipIf(!REAL_TAXI_DIR)('pipeline on real taxi data', () => {
  it('predicts February from an Arrow table of raw PU_DO / trip_distance exactly as from the CSR matrix', async () => {
    const { vectorizer, train, val } = await loadRealTaxiSplits();
    const pipe = new PipelineModel(vectorizer, new LinearRegression().fit(train.X, train.y));
    const feb = await readTaxiTrips(realTaxiPath('2021-02'));
    const table = arrow.tableFromArrays({
      PU_DO: Array.from(feb.puLocationId, (pu, i) => `${pu}_${feb.doLocationId[i]}`),
      trip_distance: feb.tripDistance,
    });
    const bytes = modelToBytes(pipe);
    const back = await loadPipeline(bytes);
    expect(back.predict(table)).toEqual(pipe.model.predict(val.X));
  });
});
