import { ArtifactError } from '../../core/errors.js';
import type { FeatureColumns } from '../../features/matrix.js';
import { type JsonValue, type ModelArtifact, checkHeader, makeHeader, requireArray } from '../artifact.js';
import type { ModelInput, RegressionModel } from '../types.js';
import { type EncodedRows, type NeuralSchema, type ScaledInput, encodeRows, scalingFromJson, scalingToJson } from './encode.js';
import { ACTIVATIONS, type Activation, type DenseLayer, type FoldedFirstLayer, type NetworkWeights, foldFirstLayer, forward } from './network.js';

/** The tag of a neural model's run that names the TensorFlow.js backend that trained it. */
export const NEURAL_BACKEND_TAG = 'tunekit.neural.backend';

/** What a fitted network knows besides its weights. */
export interface NeuralModelState {
  readonly schema: NeuralSchema;
  readonly scaling: readonly ScaledInput[];
  readonly activation: Activation;
  /** Prediction = yMean + yScale x network output. */
  readonly yMean: number;
  readonly yScale: number;
  /** Learned extras kept in the artifact (backend, epochs, best epoch, ...). */
  readonly info: Readonly<Record<string, JsonValue>>;
}

/**
 * A fitted multilayer perceptron. Predicts in plain typed-array code (no TensorFlow.js): loading,
 * serving and scoring a saved model cost no TensorFlow.js start-up, and give the same numbers on
 * every machine.
 */
export class NeuralNetworkModel implements RegressionModel<ModelInput> {
  readonly kind: string;
  readonly task = 'regression' as const;
  readonly params: Readonly<Record<string, unknown>>;
  readonly nFeatures: number;
  readonly featureNames: readonly string[];
  readonly weights: NetworkWeights;
  readonly state: NeuralModelState;
  private folded: FoldedFirstLayer | undefined;

  constructor(kind: string, params: Readonly<Record<string, unknown>>, weights: NetworkWeights, state: NeuralModelState) {
    this.kind = kind;
    this.params = params;
    this.weights = weights;
    this.state = state;
    this.nFeatures = state.schema.names.length;
    this.featureNames = state.schema.names;
  }

  /** Learned extras: the backend that trained the model, TensorFlow.js version, epochs run, best epoch. */
  get info(): Readonly<Record<string, JsonValue>> {
    return this.state.info;
  }

  /** Recorded with the model's run: which TensorFlow.js backend trained it. */
  get tags(): Readonly<Record<string, string>> {
    return { [NEURAL_BACKEND_TAG]: String(this.state.info.backend) };
  }

  predict(X: ModelInput): Float64Array {
    return this.predictEncoded(this.encode(X as FeatureColumns));
  }

  /** Rows as the network reads them (checked against the training schema). */
  encode(X: FeatureColumns): EncodedRows {
    return encodeRows(this.kind, X, this.state.schema, this.state.scaling);
  }

  predictEncoded(rows: EncodedRows): Float64Array {
    this.folded ??= foldFirstLayer(this.weights, this.state.scaling.length);
    const out = new Float64Array(rows.nRows);
    forward(this.weights, this.folded, this.state.activation, rows, out);
    const { yMean, yScale } = this.state;
    for (let i = 0; i < out.length; i++) out[i] = yMean + yScale * out[i];
    return out;
  }

  toArtifact(): ModelArtifact {
    const { schema, scaling, activation, yMean, yScale, info } = this.state;
    const w = this.weights;
    const arrays: Record<string, Float32Array> = {};
    w.embeddings.forEach((e, j) => {
      arrays[`embedding${j}`] = e;
    });
    w.layers.forEach((l, i) => {
      arrays[`weight${i}`] = l.weight;
      arrays[`bias${i}`] = l.bias;
    });
    const state: Record<string, JsonValue> = {
      schema: { names: [...schema.names], kinds: [...schema.kinds], nCategories: [...schema.nCategories] },
      scaling: scalingToJson(scaling),
      activation,
      embeddingDims: [...w.embeddingDims],
      layerSizes: w.layers.map((l) => l.nOut),
      yMean,
      yScale,
      info: { ...info },
    };
    return { header: makeHeader(this.kind, this.params, state, schema.names), arrays };
  }

  static fromArtifact(artifact: ModelArtifact, kind: string): NeuralNetworkModel {
    const header = checkHeader(artifact?.header, kind);
    const s = header.state as Record<string, unknown>;
    const fail = (what: string): never => {
      throw new ArtifactError(`'${kind}' artifact: ${what}`);
    };
    const schema = s.schema as NeuralSchema;
    if (
      typeof schema !== 'object' ||
      schema === null ||
      !Array.isArray(schema.names) ||
      !Array.isArray(schema.kinds) ||
      !Array.isArray(schema.nCategories) ||
      schema.kinds.length !== schema.names.length ||
      schema.nCategories.length !== schema.names.length ||
      !schema.kinds.every((k) => k === 'numeric' || k === 'categorical') ||
      !schema.nCategories.every((n) => Number.isInteger(n) && n >= 0)
    ) {
      fail('bad schema');
    }
    let scaling: ScaledInput[] = [];
    try {
      scaling = scalingFromJson(s.scaling, schema);
    } catch (err) {
      fail((err as Error).message);
    }
    const activation = s.activation as Activation;
    if (!ACTIVATIONS.includes(activation)) fail(`unknown activation ${JSON.stringify(activation)}`);
    const dims = s.embeddingDims as number[];
    const sizes = s.layerSizes as number[];
    const positiveInts = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => Number.isInteger(v) && v > 0);
    const categorical = schema.nCategories.filter((_, j) => schema.kinds[j] === 'categorical');
    if (!positiveInts(dims) || dims.length !== categorical.length) fail('bad embedding sizes');
    if (!positiveInts(sizes) || sizes.length < 2 || sizes[sizes.length - 1] !== 1) fail('bad layer sizes');
    const { yMean, yScale } = s as { yMean: number; yScale: number };
    if (!Number.isFinite(yMean) || !Number.isFinite(yScale)) fail('bad target scaling');
    const embeddings = dims.map((d, j) => requireArray(artifact, `embedding${j}`, Float32Array, (categorical[j] + 1) * d));
    let nIn = dims.reduce((a, b) => a + b, 0) + scaling.length;
    const layers: DenseLayer[] = sizes.map((nOut, i) => {
      const layer = { nIn, nOut, weight: requireArray(artifact, `weight${i}`, Float32Array, nIn * nOut), bias: requireArray(artifact, `bias${i}`, Float32Array, nOut) };
      nIn = nOut;
      return layer;
    });
    const info = (typeof s.info === 'object' && s.info !== null ? s.info : {}) as Record<string, JsonValue>;
    return new NeuralNetworkModel(kind, header.params, { embeddings, embeddingDims: dims, layers }, { schema, scaling, activation, yMean, yScale, info });
  }
}
