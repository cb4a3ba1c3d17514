import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { FeatureColumns } from '../../../src/features/matrix.js';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { loadPipeline, modelToBytes } from '../../../src/models/io.js';
import { modelKinds } from '../../../src/models/kinds.js';
import { Pipeline } from '../../../src/models/pipeline.js';
import { rmse } from '../../../src/models/metrics/index.js';
import { MLPRegressor, NeuralBackendError, NeuralNetworkModel, TRAIN_RMSE, loadNeuralBackend, mlpRegressorParams } from '../../../src/models/neural/index.js';
import { loadNeuralRuntime } from '../../../src/models/neural/runtime.js';
import { loadModelArtifact } from '../../../src/models/registry.js';
import type { IterationReport } from '../../../src/models/types.js';
import { ValidationCache } from '../../../src/models/validation-cache.js';
import { spaceFromParams } from '../../../src/tuning/space.js';

/**
 * y = a[A] + b[B] + 3 log1p(x) + (A even and B < 5 ? 4 : 0) + noise, with x heavy-tailed
 * (a few values up to 1e5, as the taxi trip_distance) and some x missing.
 */
function problem(seed: number, n: number): { X: FeatureColumns; y: Float64Array } {
  const rng = new Rng(seed);
  const nA = 20;
  const nB = 15;
  const effA = Float64Array.from({ length: nA }, (_, i) => Math.sin(i) * 5);
  const effB = Float64Array.from({ length: nB }, (_, i) => Math.cos(i * 1.7) * 3);
  const A = new Int32Array(n);
  const B = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    A[i] = rng.below(nA);
    B[i] = rng.below(nB);
    x[i] = rng.float() < 0.0005 ? 1e5 * rng.float() : rng.float() < 0.01 ? Number.NaN : Math.exp(rng.normal(1, 0.8));
    const xv = Number.isNaN(x[i]) ? 2.7 : Math.min(x[i], 40);
    y[i] = effA[A[i]] + effB[B[i]] + 3 * Math.log1p(xv) + (A[i] % 2 === 0 && B[i] < 5 ? 4 : 0) + rng.normal(0, 0.5);
  }
  const names = (k: number, p: string) => Array.from({ length: k }, (_, i) => `${p}${i}`);
  return {
    X: {
      format: 'columns',
      nRows: n,
      columns: [
        { kind: 'categorical', name: 'A', codes: A, categories: names(nA, 'a') },
        { kind: 'numeric', name: 'x', values: x },
        { kind: 'categorical', name: 'B', codes: B, categories: names(nB, 'b') },
      ],
    },
    y,
  };
}

const train = problem(1, 2000);
const val = problem(2, 600);
const SMALL = { hiddenLayers: 2, hiddenUnits: 24, epochs: 4, batchSize: 200, learningRate: 1e-2, backend: 'wasm' } as const;

describe('MLPRegressor before TensorFlow.js is loaded', () => {
  it('fit says to load it first (a typed error), and fitAsync loads it', async () => {
    const est = new MLPRegressor({ ...SMALL, epochs: 1 });
    expect(() => est.fit(train.X, train.y)).toThrow(NeuralBackendError);
    expect(() => est.fit(train.X, train.y)).toThrow(/loadNeuralBackend\('wasm'\)/);
    const model = await est.fitAsync(train.X, train.y);
    expect(model.info.backend).toBe('wasm');
    expect(() => est.fit(train.X, train.y)).not.toThrow();
  });
});

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(tfjsNodeInstalled)('without @tensorflow/tfjs-node', () => {
  it("asking for the 'tensorflow' backend says it is not installed (a typed error); 'auto' takes wasm", async () => {
    await expect(loadNeuralBackend('tensorflow')).rejects.toMatchObject({ code: 'NEURAL_BACKEND_MISSING', message: expect.stringMatching(/@tensorflow\/tfjs-node is not installed/) });
    expect(await loadNeuralBackend()).toMatchObject({ backend: 'wasm' });
  });
});

describe('MLPRegressor', () => {
  beforeAll(async () => {
    expect(await loadNeuralBackend('wasm')).toMatchObject({ backend: 'wasm', version: expect.stringMatching(/^4\./) });
  });

  it('is a registered kind on the column view with a default search space', () => {
    const kind = modelKinds.get('mlp_regressor');
    expect(kind.input).toBe('columns');
    expect(kind.create({ hiddenUnits: 8 })).toBeInstanceOf(MLPRegressor);
    expect(Object.keys(spaceFromParams(mlpRegressorParams)).sort()).toEqual(
      ['activation', 'batchSize', 'dropout', 'embeddingSize', 'hiddenLayers', 'hiddenUnits', 'learningRate', 'lrSchedule', 'weightDecay'].sort(),
    );
  });

  it('bad params throw InvalidParameterError naming the parameter', () => {
    const bad: Record<string, unknown>[] = [
      { hiddenLayers: 0 },
      { hiddenUnits: 2.5 },
      { activation: 'gelu' },
      { dropout: 1 },
      { learningRate: 0 },
      { batchSize: -1 },
      { epochs: Number.NaN },
      { patience: 0 },
      { backend: 'webgl' },
      { numericTransform: 'none' },
      { embeddingSize: 0 },
      { units: 3 },
    ];
    for (const params of bad) {
      const name = Object.keys(params)[0];
      expect(() => new MLPRegressor(params)).toThrow(InvalidParameterError);
      expect(() => new MLPRegressor(params)).toThrow(new RegExp(`'${name}'`));
    }
  });

  it('bad input throws InvalidInputError', () => {
    const est = new MLPRegressor(SMALL);
    const csr = { format: 'csr', nRows: 1, nCols: 1, indptr: new Int32Array([0, 1]), indices: new Int32Array([0]), values: new Float64Array([1]) };
    expect(() => est.fit(csr as never, new Float64Array(1))).toThrow(InvalidInputError);
    expect(() => est.fit(train.X, train.y.subarray(1))).toThrow(/2000 rows but y has 1999/);
    const nanY = Float64Array.from(train.y);
    nanY[5] = Number.NaN;
    expect(() => est.fit(train.X, nanY)).toThrow(InvalidInputError);
    const model = est.fit(train.X, train.y);
    expect(() => model.predict({ ...val.X, columns: val.X.columns.slice(0, 2) })).toThrow(/2 features, the model was trained on 3/);
    expect(() => model.predict({ ...val.X, columns: [val.X.columns[1], val.X.columns[0], val.X.columns[2]] })).toThrow(InvalidInputError);
  });

  it('learns: validation RMSE far below the spread of y, reports every epoch, returns predict exactly', () => {
    const reports: IterationReport[] = [];
    const output: { validationPrediction?: Float64Array } = {};
    const model = new MLPRegressor({ ...SMALL, epochs: 25, patience: 4 }).fit(train.X, train.y, {
      validation: { X: val.X, y: val.y },
      onIteration: (r) => void reports.push(r),
      output,
    });
    const pred = model.predict(val.X);
    const mean = val.y.reduce((a, b) => a + b, 0) / val.y.length;
    const spread = rmse(val.y, new Float64Array(val.y.length).fill(mean));
    expect(rmse(val.y, pred)).toBeLessThan(0.25 * spread);
    // One report per epoch, with the validation metric and the training RMSE.
    expect(reports.map((r) => r.iteration)).toEqual(Array.from({ length: reports.length }, (_, i) => i + 1));
    expect(reports.length).toBe(model.info.epochsTrained);
    for (const r of reports) expect(Object.keys(r.metrics).sort()).toEqual(['rmse', TRAIN_RMSE].sort());
    // The kept epoch is the best one reported; its score is what predict gives (float32 vs float64 forward).
    const best = model.info.bestEpoch as number;
    expect(Math.min(...reports.map((r) => r.metrics.rmse))).toBe(reports[best - 1].metrics.rmse);
    expect(rmse(val.y, pred)).toBeCloseTo(reports[best - 1].metrics.rmse, 4);
    expect(output.validationPrediction).toEqual(pred);
  });

  it('early stopping: stops `patience` epochs after the best; onIteration false stops at once', () => {
    const reports: IterationReport[] = [];
    const model = new MLPRegressor({ ...SMALL, epochs: 200, patience: 2, learningRate: 0.03 }).fit(train.X, train.y, {
      validation: { X: val.X, y: val.y },
      onIteration: (r) => void reports.push(r),
    });
    const ran = model.info.epochsTrained as number;
    expect(ran).toBeLessThan(200);
    expect(ran - (model.info.bestEpoch as number)).toBe(2);
    let calls = 0;
    const stopped = new MLPRegressor({ ...SMALL, epochs: 50 }).fit(train.X, train.y, {
      validation: { X: val.X, y: val.y },
      onIteration: () => ++calls < 3,
    });
    expect(calls).toBe(3);
    expect(stopped.info.epochsTrained).toBe(3);
  });

  it('leaves no tensor behind (every batch, the variables and the optimizer are disposed)', async () => {
    const { tf } = await loadNeuralRuntime('wasm');
    const before = tf.memory().numTensors;
    new MLPRegressor({ ...SMALL, dropout: 0.2, weightDecay: 1e-3, lrSchedule: 'cosine', epochs: 2 }).fit(train.X, train.y, { validation: { X: val.X, y: val.y } });
    expect(tf.memory().numTensors).toBe(before);
    // A callback that throws ends the fit with its error, and nothing is left behind either.
    const boom = () => {
      throw new Error('callback failed');
    };
    expect(() => new MLPRegressor(SMALL).fit(train.X, train.y, { validation: { X: val.X, y: val.y }, onIteration: boom })).toThrow('callback failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a diverging fit throws a typed error naming the epoch', () => {
    expect(() => new MLPRegressor({ ...SMALL, learningRate: 1e12, epochs: 3 }).fit(train.X, train.y)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^NON_FINITE_/), message: expect.stringMatching(/epoch \d/) }),
    );
  });

  it('is deterministic for a seed (same bytes), and the seed matters', () => {
    const bytesOf = (seed: number) => encodeArtifact(new MLPRegressor({ ...SMALL, dropout: 0.1, epochs: 3, seed }).fit(train.X, train.y).toArtifact());
    const a = bytesOf(7);
    expect(bytesOf(7)).toEqual(a);
    expect(bytesOf(8)).not.toEqual(a);
  });

  it('round-trips its artifact: plain typed arrays, checksummed, same predictions', () => {
    const model = new MLPRegressor({ ...SMALL, activation: 'silu', epochs: 3 }).fit(train.X, train.y);
    const artifact = model.toArtifact();
    for (const a of Object.values(artifact.arrays)) expect(a).toBeInstanceOf(Float32Array);
    const bytes = encodeArtifact(artifact);
    const loaded = loadModelArtifact(decodeArtifact(bytes));
    expect(loaded).toBeInstanceOf(NeuralNetworkModel);
    expect(loaded.predict(val.X)).toEqual(model.predict(val.X));
    expect(loaded.params).toEqual(model.params);
    // A flipped weight byte is caught by the checksum.
    const corrupt = Uint8Array.from(bytes);
    corrupt[Math.floor(corrupt.length * 0.9)] ^= 0xff;
    expect(() => decodeArtifact(corrupt)).toThrow(/checksum/);
  });

  it('predicts in plain JS what the TensorFlow.js forward pass computes', async () => {
    const model = new MLPRegressor({ ...SMALL, activation: 'elu', epochs: 2 }).fit(train.X, train.y);
    const { tf } = await loadNeuralRuntime('wasm');
    const w = model.weights;
    const rows = model.encode(val.X);
    const out = tf.tidy(() => {
      const parts = rows.codes.map((c, j) => tf.gather(tf.tensor2d(w.embeddings[j], [c.length ? w.embeddings[j].length / w.embeddingDims[j] : 0, w.embeddingDims[j]]), tf.tensor1d(c, 'int32')));
      parts.push(tf.tensor2d(rows.numeric, [rows.nRows, model.state.scaling.length]));
      let h = tf.concat(parts, 1);
      w.layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h, tf.tensor2d(l.weight, [l.nIn, l.nOut])), tf.tensor1d(l.bias));
        if (i < w.layers.length - 1) h = tf.elu(h);
      });
      return h.dataSync();
    });
    const pred = model.predict(val.X);
    for (let i = 0; i < out.length; i++) expect(pred[i]).toBeCloseTo(model.state.yMean + model.state.yScale * out[i], 3);
  });

  it('unseen categories take the reserved vector; numeric outliers are clipped to training quantiles', () => {
    const model = new MLPRegressor({ ...SMALL, epochs: 3, categoryDropout: 0.05 }).fit(train.X, train.y);
    const row = (a: number, x: number, b: number): FeatureColumns => ({
      format: 'columns',
      nRows: 1,
      columns: [
        { ...(val.X.columns[0] as object), codes: Int32Array.of(a) } as FeatureColumns['columns'][number],
        { kind: 'numeric', name: 'x', values: Float64Array.of(x) },
        { ...(val.X.columns[2] as object), codes: Int32Array.of(b) } as FeatureColumns['columns'][number],
      ],
    });
    const p = (a: number, x: number, b: number) => model.predict(row(a, x, b))[0];
    // Codes 20 (the reserved one), -1 and 999 all mean "unseen".
    expect(p(-1, 3, 2)).toBe(p(20, 3, 2));
    expect(p(999, 3, 2)).toBe(p(20, 3, 2));
    expect(p(999, 3, 2)).not.toBe(p(0, 3, 2));
    const hi = model.state.scaling[0].hi;
    expect(hi).toBeLessThan(1e4);
    expect(p(1, 244_152, 2)).toBe(p(1, hi, 2));
    expect(Number.isFinite(p(1, Number.NaN, 2))).toBe(true);
  });

  it('caches encoded validation rows in the validation set cache', () => {
    const cache = new ValidationCache();
    const est = new MLPRegressor({ ...SMALL, epochs: 1 });
    const a = est.fit(train.X, train.y, { validation: { X: val.X, y: val.y, cache } });
    const b = est.fit(train.X, train.y, { validation: { X: val.X, y: val.y, cache } });
    expect(b.predict(val.X)).toEqual(a.predict(val.X));
    expect(() => est.fit(train.X, train.y, { validation: { X: train.X, y: train.y, cache } })).toThrow(/another validation X/);
  });

  it('runs in a pipeline (records in, the vectorizer fitted with it) and loads back as one', async () => {
    const records = Array.from({ length: 600 }, (_, i) => ({ PU: `z${i % 7}`, DO: `z${(i * 3) % 5}`, trip_distance: (i % 13) / 2 }));
    const y = Float64Array.from(records, (r, i) => 3 + 2 * r.trip_distance + (i % 7) + ((i * 3) % 5));
    const model = new Pipeline(new MLPRegressor({ ...SMALL, epochs: 10 })).fit(records, y);
    const back = await loadPipeline(modelToBytes(model));
    const probe = [...records.slice(0, 5), { PU: 'never seen', DO: 'z1', trip_distance: 2 }];
    expect(back.predict(probe)).toEqual(model.predict(probe));
    expect(rmse(y, model.predict(records))).toBeLessThan(2);
  });
});
