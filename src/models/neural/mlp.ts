import { InvalidInputError, TunekitError } from '../../core/errors.js';
import { type ParamsOf, defineParams, resolveParams } from '../../core/params.js';
import type { FeatureColumns } from '../../features/matrix.js';
import type { JsonValue } from '../artifact.js';
import { checkTarget, fromValidation } from '../ensemble/input.js';
import { isBetter, metrics } from '../metrics/index.js';
import type { ModelKind } from '../registry.js';
import type { Estimator, FitOptions, ModelInput, ValidationSet } from '../types.js';
import { type EncodedRows, type NeuralSchema, type ScaledInput, encodeRows, fitScaling, schemaOfColumns } from './encode.js';
import { NeuralNetworkModel } from './model.js';
import { ACTIVATIONS, type NetworkWeights } from './network.js';
import { NeuralBackendError, loadNeuralRuntime, neuralRuntime } from './runtime.js';
import { trainNetwork } from './train.js';

/** Multilayer perceptron parameters (scikit-learn's MLPRegressor and Keras names, camelCased). */
export const mlpRegressorParams = defineParams({
  hiddenLayers: { type: 'int', default: 2, min: 1, max: 16, doc: 'Hidden layers.', search: { low: 1, high: 3 } },
  hiddenUnits: { type: 'int', default: 64, min: 1, max: 4096, doc: 'Units in each hidden layer.', search: { low: 16, high: 256, log: true } },
  activation: {
    type: 'enum',
    values: ACTIVATIONS,
    default: 'relu',
    doc: 'Activation of the hidden layers (silu = x sigmoid(x)).',
    search: { choices: ACTIVATIONS },
  },
  embeddingSize: {
    type: 'int',
    default: null,
    nullable: true,
    min: 1,
    max: 512,
    doc: 'Embedding width of every categorical feature (null: min(16, round(1.6 n^0.56)) for a feature of n categories).',
    search: { low: 2, high: 32, log: true },
  },
  dropout: { type: 'float', default: 0, min: 0, max: 1, exclusiveMax: true, doc: 'Dropout rate after each hidden layer (training only).', search: { low: 0, high: 0.3 } },
  categoryDropout: {
    type: 'float',
    default: 0.01,
    min: 0,
    max: 1,
    exclusiveMax: true,
    doc: "Fraction of training rows whose category is swapped for the reserved 'unseen' one (per categorical), so that vector learns what an unseen category predicts.",
  },
  learningRate: { type: 'float', default: 1e-3, min: 0, exclusiveMin: true, doc: 'Adam step size.', search: { low: 1e-4, high: 1e-2, log: true } },
  lrSchedule: {
    type: 'enum',
    values: ['constant', 'cosine'],
    default: 'constant',
    doc: "Learning rate over the epochs: constant, or cosine decay to 0 at 'epochs'.",
    search: { choices: ['constant', 'cosine'] },
  },
  batchSize: { type: 'int', default: 512, min: 1, doc: 'Rows per gradient step.', search: { low: 128, high: 2048, log: true } },
  epochs: { type: 'int', default: 20, min: 1, doc: 'Passes over the training rows (early stopping may stop sooner).' },
  weightDecay: {
    type: 'float',
    default: 0,
    min: 0,
    doc: 'Decoupled weight decay (AdamW) of the weights and embeddings, per unit of learning rate.',
    search: { low: 1e-6, high: 1e-2, log: true },
  },
  patience: {
    type: 'int',
    default: 5,
    nullable: true,
    min: 1,
    doc: 'With validation data: stop once the validation metric has not improved for this many epochs, and keep the best epoch (null: run every epoch, keep the last).',
  },
  numericTransform: {
    type: 'enum',
    values: ['clip', 'log', 'both'],
    default: 'both',
    doc: "Numeric inputs, learned from the training rows: clipped to the 0.1%..99.9% quantiles and standardised ('clip'), signed log1p of that ('log'), or both as two inputs.",
  },
  seed: { type: 'int', default: 0, min: 0, doc: 'Random seed (initial weights, row order, dropout).' },
  backend: {
    type: 'enum',
    values: ['auto', 'wasm', 'cpu', 'tensorflow'],
    default: 'auto',
    doc: "TensorFlow.js backend: 'auto' takes @tensorflow/tfjs-node when installed, else wasm. The same seed gives the same model on one backend.",
  },
});

export type MLPRegressorParams = ParamsOf<typeof mlpRegressorParams>;

/** Report key of the training loss, as an RMSE in target units (dropout included). */
export const TRAIN_RMSE = 'train_rmse';

/** Default embedding width for a categorical feature of n categories (fast.ai's rule, capped). */
export function defaultEmbeddingSize(n: number): number {
  return Math.max(1, Math.min(16, Math.round(1.6 * n ** 0.56)));
}

/**
 * A multilayer perceptron regressor trained with TensorFlow.js: categorical features enter
 * through embeddings (one learned vector per category, plus a reserved one for categories unseen
 * in training), numeric features robustly scaled; mini-batch AdamW on squared error, per-epoch
 * reports and early stopping on validation data. TensorFlow.js loads on first use: `fitAsync`
 * loads it; `fit` needs it loaded (`loadNeuralBackend()`). The fitted model predicts without it.
 */
export class MLPRegressor implements Estimator<MLPRegressorParams, ModelInput, NeuralNetworkModel> {
  static readonly kind = 'mlp_regressor';
  static readonly spec = mlpRegressorParams;
  readonly kind = MLPRegressor.kind;
  readonly params: MLPRegressorParams;

  constructor(params: Partial<MLPRegressorParams> = {}) {
    this.params = resolveParams('MLPRegressor', mlpRegressorParams, params);
  }

  /** Loads TensorFlow.js (the params' backend) if needed, then fits. */
  async fitAsync(X: ModelInput, y: Float64Array, options?: FitOptions<ModelInput>): Promise<NeuralNetworkModel> {
    await loadNeuralRuntime(this.params.backend);
    return this.fit(X, y, options);
  }

  fit(X: ModelInput, y: Float64Array, options?: FitOptions<ModelInput>): NeuralNetworkModel {
    const p = this.params;
    const schema = schemaOfColumns(this.kind, X as FeatureColumns);
    checkTarget(this.kind, y, X.nRows);
    const validation = options?.validation;
    const rt = neuralRuntime(p.backend);
    if (!rt) {
      throw new NeuralBackendError(
        `${this.kind}: TensorFlow.js is not loaded (it loads asynchronously): await loadNeuralBackend(${p.backend === 'auto' ? '' : `'${p.backend}'`}) before fit, or call fitAsync`,
      );
    }
    const columns = X as FeatureColumns;
    const scaling = fitScaling(columns, p.numericTransform);
    const rows = encodeRows(this.kind, columns, schema, scaling);
    const { mean: yMean, scale: yScale } = standardise(y);
    const yStd = Float32Array.from(y, (v) => (v - yMean) / yScale);
    const nCategories = schema.nCategories.filter((_, j) => schema.kinds[j] === 'categorical');
    const embeddingDims = nCategories.map((n) => p.embeddingSize ?? defaultEmbeddingSize(n));
    const metricName = options?.metric ?? 'rmse';
    const metric = metrics.get(metricName);
    const valRows = validation && validationRows(this.kind, validation, schema, scaling);
    const toTarget = (out: Float32Array): Float64Array => Float64Array.from(out, (v) => yMean + yScale * v);

    let bestEpoch = 0;
    let bestScore = Number.NaN;
    let best: NetworkWeights | undefined;
    let epochs = 0;
    const last = trainNetwork(
      rt,
      {
        hiddenUnits: Array.from({ length: p.hiddenLayers }, () => p.hiddenUnits),
        activation: p.activation,
        embeddingDims,
        nCategories,
        nNumeric: scaling.length,
        dropout: p.dropout,
        categoryDropout: p.categoryDropout,
        learningRate: p.learningRate,
        lrSchedule: p.lrSchedule,
        batchSize: p.batchSize,
        epochs: p.epochs,
        weightDecay: p.weightDecay,
        seed: p.seed,
      },
      rows,
      yStd,
      ({ epoch, trainLoss }, net) => {
        epochs = epoch;
        const trainRmse = Math.sqrt(trainLoss) * yScale;
        if (!Number.isFinite(trainRmse)) {
          throw new TunekitError('NON_FINITE_LOSS', `${this.kind}: the training loss is ${trainRmse} at epoch ${epoch} (diverged: lower learningRate)`);
        }
        const reported: Record<string, number> = { [TRAIN_RMSE]: trainRmse };
        if (valRows && validation) {
          const score = metric.fn(validation.y, toTarget(net.predict(valRows)));
          if (!Number.isFinite(score)) throw new TunekitError('NON_FINITE_METRIC', `${this.kind}: validation ${metricName} is ${score} at epoch ${epoch}`);
          reported[metricName] = score;
          if (bestEpoch === 0 || isBetter(metricName, score, bestScore)) {
            bestScore = score;
            bestEpoch = epoch;
            if (p.patience !== null) best = net.snapshot();
          }
        }
        if (options?.onIteration?.({ iteration: epoch, metrics: reported }) === false) return false;
        return !(p.patience !== null && bestEpoch > 0 && epoch - bestEpoch >= p.patience);
      },
    );
    const info: Record<string, JsonValue> = { backend: rt.backend, tfjsVersion: rt.version, epochsTrained: epochs };
    if (valRows) Object.assign(info, { bestEpoch, bestScore, metric: metricName });
    const model = new NeuralNetworkModel(this.kind, p, best ?? last, { schema, scaling, activation: p.activation, yMean, yScale, info });
    if (valRows && options?.output) options.output.validationPrediction = model.predictEncoded(valRows);
    return model;
  }
}

function standardise(y: Float64Array): { mean: number; scale: number } {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let sq = 0;
  for (let i = 0; i < y.length; i++) sq += (y[i] - mean) ** 2;
  const std = Math.sqrt(sq / y.length);
  return { mean, scale: std > 0 ? std : 1 };
}

/** Validation rows encoded for this fit's scaling (kept in the set's cache for fits that scale alike). */
function validationRows(owner: string, validation: ValidationSet, schema: NeuralSchema, scaling: readonly ScaledInput[]): EncodedRows {
  const key = `neural ${JSON.stringify(schema)} ${JSON.stringify(scaling)}`;
  const rows = fromValidation(validation, key, () => encodeRows(owner, validation.X as FeatureColumns, schema, scaling));
  if (rows.nRows !== validation.y.length) throw new InvalidInputError(`${owner}: validation X has ${rows.nRows} rows but y has ${validation.y.length}`);
  return rows;
}

export const mlpRegressorKind: ModelKind = {
  kind: MLPRegressor.kind,
  doc: 'Multilayer perceptron on TensorFlow.js: embeddings for categorical features, robustly scaled numeric ones, early stopping.',
  task: 'regression',
  input: 'columns',
  paramsSpec: mlpRegressorParams,
  create: (params) => new MLPRegressor((params ?? {}) as Partial<MLPRegressorParams>),
  prepare: async (params) => {
    await loadNeuralRuntime(new MLPRegressor(params as Partial<MLPRegressorParams>).params.backend);
  },
  load: (artifact) => NeuralNetworkModel.fromArtifact(artifact, MLPRegressor.kind),
};
