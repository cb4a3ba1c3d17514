/**
 * Training on TensorFlow.js: mini-batch Adam with decoupled weight decay (AdamW) over the network
 * of `network.ts`. Everything random (initial weights, row order, dropout masks, category
 * dropout) comes from our seeded Rng in JS, so a seed gives the same model on one backend; the
 * trained weights leave TensorFlow.js as plain typed arrays.
 */
import { Rng } from '../../core/rng.js';
import type { EncodedRows } from './encode.js';
import type { Activation, DenseLayer, NetworkWeights } from './network.js';
import type { NeuralRuntime, TF } from './runtime.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

export interface TrainConfig {
  readonly hiddenUnits: readonly number[];
  readonly activation: Activation;
  readonly embeddingDims: readonly number[];
  /** Category count of each categorical input (the unseen code is nCategories). */
  readonly nCategories: readonly number[];
  readonly nNumeric: number;
  readonly dropout: number;
  readonly categoryDropout: number;
  readonly learningRate: number;
  readonly lrSchedule: 'constant' | 'cosine';
  readonly batchSize: number;
  readonly epochs: number;
  readonly weightDecay: number;
  readonly seed: number;
}

/** One epoch's figures, for reports and early stopping. */
export interface EpochReport {
  readonly epoch: number;
  /** Mean of the batches' losses (mean squared error of the standardised target, with dropout). */
  readonly trainLoss: number;
}

/**
 * Called after each epoch with the network's weights readable through `snapshot`; returns false
 * to stop.
 */
export type EpochHook = (report: EpochReport, net: TrainingNetwork) => boolean;

/** The network being trained: forward passes without dropout, and a copy of its weights. */
export interface TrainingNetwork {
  /** Standardised outputs for encoded rows (in chunks, no dropout). */
  predict(rows: EncodedRows): Float32Array;
  /** A copy of the current weights. */
  snapshot(): NetworkWeights;
}

const PREDICT_CHUNK = 16_384;

function initialWeights(cfg: TrainConfig, rng: Rng): NetworkWeights {
  const embeddings = cfg.nCategories.map((n, j) => {
    const dim = cfg.embeddingDims[j];
    const e = new Float32Array((n + 1) * dim);
    for (let i = 0; i < e.length; i++) e[i] = rng.uniform(-0.05, 0.05);
    return e;
  });
  const layers: DenseLayer[] = [];
  let nIn = cfg.embeddingDims.reduce((a, b) => a + b, 0) + cfg.nNumeric;
  const sizes = [...cfg.hiddenUnits, 1];
  sizes.forEach((nOut, l) => {
    // He-uniform for the rectifier family, Glorot-uniform for tanh and the output layer.
    const last = l === sizes.length - 1;
    const limit = !last && cfg.activation !== 'tanh' ? Math.sqrt(6 / nIn) : Math.sqrt(6 / (nIn + nOut));
    const weight = new Float32Array(nIn * nOut);
    for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-limit, limit);
    layers.push({ nIn, nOut, weight, bias: new Float32Array(nOut) });
    nIn = nOut;
  });
  return { embeddings, embeddingDims: cfg.embeddingDims, layers };
}

/**
 * Train on encoded rows and standardised targets; `onEpoch` sees every epoch. Returns the final
 * weights (the caller keeps the best ones through `snapshot` when it stops early). Synchronous:
 * the runtime's backend must be ready.
 */
export function trainNetwork(rt: NeuralRuntime, cfg: TrainConfig, rows: EncodedRows, y: Float32Array, onEpoch: EpochHook): NetworkWeights {
  const { tf } = rt;
  const rng = new Rng(cfg.seed);
  const init = initialWeights(cfg, rng.fork(0));
  const nCat = cfg.nCategories.length;
  const nHidden = cfg.hiddenUnits.length;
  // tidy frees the initial tensors (a variable keeps its own reference to the data).
  const variable = (values: Float32Array, shape: number[]): Variable => tf.tidy(() => tf.variable(tf.tensor(values, shape), true));
  const embVars = init.embeddings.map((e, j) => variable(e, [cfg.nCategories[j] + 1, cfg.embeddingDims[j]]));
  const weightVars = init.layers.map((l) => variable(l.weight, [l.nIn, l.nOut]));
  const biasVars = init.layers.map((l) => variable(l.bias, [l.nOut]));
  const trainable: Variable[] = [...embVars, ...weightVars, ...biasVars];
  const decayed = [...embVars, ...weightVars];
  const optimizer = tf.train.adam(cfg.learningRate);

  const act = (x: Tensor): Tensor => {
    switch (cfg.activation) {
      case 'relu':
        return tf.relu(x);
      case 'elu':
        return tf.elu(x);
      case 'tanh':
        return tf.tanh(x);
      case 'silu':
        return tf.mul(x, tf.sigmoid(x));
    }
  };
  /**
   * h W + b with its gradient written out: tfjs's wasm matMul takes a slow path (about 8 times
   * slower) for transposed operands, which the stock gradient uses (dy W^T, h^T dy), and its sum
   * over the batch axis (the bias gradient) is slower than a product with a row of ones. Same math.
   */
  const dense = tf.customGrad(((h: Tensor, w: Tensor, b: Tensor, save: (t: Tensor[]) => void) => {
    save([h, w]);
    return {
      value: tf.add(tf.matMul(h, w), b),
      gradFunc: (dy: Tensor, [hs, ws]: Tensor[]) => [
        tf.matMul(dy, tf.transpose(ws)),
        tf.matMul(tf.transpose(hs), dy),
        tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [-1]),
      ],
    };
  }) as unknown as Parameters<TF['customGrad']>[0]) as unknown as (h: Tensor, w: Tensor, b: Tensor) => Tensor;
  /** Outputs [B] for code tensors, numeric inputs [B, nNumeric] and optional dropout masks. */
  const net = (codes: Tensor[], numeric: Tensor, masks: Tensor[] | undefined): Tensor => {
    const parts: Tensor[] = codes.map((c, j) => tf.gather(embVars[j], c));
    if (cfg.nNumeric > 0) parts.push(numeric);
    let h: Tensor = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    for (let l = 0; l < nHidden; l++) {
      h = act(dense(h, weightVars[l], biasVars[l]));
      if (masks) h = tf.mul(h, masks[l]);
    }
    return tf.reshape(dense(h, weightVars[nHidden], biasVars[nHidden]), [-1]);
  };

  const n = rows.nRows;
  const B = Math.min(cfg.batchSize, n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batchCodes = Array.from({ length: nCat }, () => new Int32Array(B));
  const batchNumeric = new Float32Array(B * cfg.nNumeric);
  const batchY = new Float32Array(B);
  const keep = 1 - cfg.dropout;
  const batchMasks = cfg.dropout > 0 ? cfg.hiddenUnits.map((u) => new Float32Array(B * u)) : undefined;

  const network: TrainingNetwork = {
    predict: (encoded) => {
      const out = new Float32Array(encoded.nRows);
      for (let s = 0; s < encoded.nRows; s += PREDICT_CHUNK) {
        const e = Math.min(encoded.nRows, s + PREDICT_CHUNK);
        const values = tf.tidy(() => {
          const codes = encoded.codes.map((c) => tf.tensor1d(c.subarray(s, e), 'int32'));
          const numeric = tf.tensor2d(encoded.numeric.subarray(s * cfg.nNumeric, e * cfg.nNumeric), [e - s, cfg.nNumeric]);
          return net(codes, numeric, undefined).dataSync();
        });
        out.set(values, s);
      }
      return out;
    },
    snapshot: () => ({
      embeddings: embVars.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
      embeddingDims: cfg.embeddingDims,
      layers: init.layers.map((l, i) => ({
        nIn: l.nIn,
        nOut: l.nOut,
        weight: Float32Array.from(weightVars[i].dataSync() as Float32Array),
        bias: Float32Array.from(biasVars[i].dataSync() as Float32Array),
      })),
    }),
  };

  try {
    const steps = Math.ceil(n / B);
    const totalSteps = steps * cfg.epochs;
    let step = 0;
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const epochRng = rng.fork(epoch);
      epochRng.shuffle(order);
      let lossSum = 0;
      for (let s = 0; s < n; s += B) {
        const e = Math.min(n, s + B);
        const m = e - s;
        fillBatch(rows, y, order, s, e, cfg, epochRng, batchCodes, batchNumeric, batchY);
        if (batchMasks) {
          for (const mask of batchMasks) for (let i = 0; i < mask.length; i++) mask[i] = epochRng.float() < keep ? 1 / keep : 0;
        }
        const lr = cfg.lrSchedule === 'cosine' ? 0.5 * cfg.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps)) : cfg.learningRate;
        // Adam reads its (protected) rate on every step: the schedule sets it before each one.
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        const loss = tf.tidy(() => {
          const codes = batchCodes.map((c) => tf.tensor1d(c.subarray(0, m), 'int32'));
          const numeric = tf.tensor2d(batchNumeric.subarray(0, m * cfg.nNumeric), [m, cfg.nNumeric]);
          const target = tf.tensor1d(batchY.subarray(0, m));
          const masks = batchMasks?.map((mask, l) => tf.tensor2d(mask.subarray(0, m * cfg.hiddenUnits[l]), [m, cfg.hiddenUnits[l]]));
          const cost = optimizer.minimize(() => tf.mean(tf.squaredDifference(net(codes, numeric, masks), target)) as import('@tensorflow/tfjs').Scalar, true, trainable as Variable[]);
          if (cfg.weightDecay > 0) {
            const factor = 1 - lr * cfg.weightDecay;
            for (const v of decayed) v.assign(tf.mul(v, factor));
          }
          return (cost as Tensor).dataSync()[0];
        });
        lossSum += loss * m;
        step++;
      }
      if (!onEpoch({ epoch, trainLoss: lossSum / n }, network)) break;
    }
    return network.snapshot();
  } finally {
    optimizer.dispose();
    for (const v of trainable) v.dispose();
  }
}

/** Rows order[s..e) into the batch arrays; category dropout swaps codes for the unseen code. */
function fillBatch(
  rows: EncodedRows,
  y: Float32Array,
  order: Int32Array,
  s: number,
  e: number,
  cfg: TrainConfig,
  rng: Rng,
  codes: Int32Array[],
  numeric: Float32Array,
  batchY: Float32Array,
): void {
  const w = cfg.nNumeric;
  for (let k = 0; k < e - s; k++) {
    const i = order[s + k];
    batchY[k] = y[i];
    for (let j = 0; j < codes.length; j++) {
      const c = rows.codes[j][i];
      codes[j][k] = cfg.categoryDropout > 0 && rng.float() < cfg.categoryDropout ? cfg.nCategories[j] : c;
    }
    for (let q = 0; q < w; q++) numeric[k * w + q] = rows.numeric[i * w + q];
  }
}
