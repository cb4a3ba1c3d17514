/**
 * The network as plain typed arrays, and its forward pass without TensorFlow.js: what a fitted
 * model holds, saves and predicts with (loading and serving a model never load TensorFlow.js).
 *
 * Input row = [embedding of each categorical (in schema order), the numeric inputs]; each hidden
 * layer is activation(h W + b); the output is h W + b, one value (the standardised target).
 */
import type { EncodedRows } from './encode.js';

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'silu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface DenseLayer {
  readonly nIn: number;
  readonly nOut: number;
  /** Row-major [nIn, nOut]. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface NetworkWeights {
  /** Per categorical: row-major [nCategories + 1, dim]; the last row is the unseen category's. */
  readonly embeddings: readonly Float32Array[];
  readonly embeddingDims: readonly number[];
  /** Hidden layers, then the output layer (nOut = 1). */
  readonly layers: readonly DenseLayer[];
}

/**
 * Apply the activation to h[0..n) in place (the switch outside the loop), as TensorFlow.js
 * computes it: relu, elu (alpha 1), tanh, silu = x sigmoid(x).
 */
export function activateAll(kind: Activation, h: Float64Array, n: number): void {
  switch (kind) {
    case 'relu':
      for (let o = 0; o < n; o++) if (!(h[o] > 0)) h[o] = 0;
      return;
    case 'elu':
      for (let o = 0; o < n; o++) if (!(h[o] > 0)) h[o] = Math.expm1(h[o]);
      return;
    case 'tanh':
      for (let o = 0; o < n; o++) h[o] = Math.tanh(h[o]);
      return;
    case 'silu':
      for (let o = 0; o < n; o++) h[o] = h[o] / (1 + Math.exp(-h[o]));
      return;
  }
}

/**
 * The first layer folded with the embeddings: per categorical a table [nCategories + 1, nOut] of
 * (embedding row x its slice of the first weight matrix), so a row costs one table row per
 * categorical instead of a product over the embedding width.
 */
export interface FoldedFirstLayer {
  readonly tables: readonly Float64Array[];
  /** Rows of the first weight matrix that the numeric inputs multiply, row-major [nNumeric, nOut]. */
  readonly numeric: Float64Array;
  readonly bias: Float64Array;
  readonly nOut: number;
}

export function foldFirstLayer(w: NetworkWeights, nNumeric: number): FoldedFirstLayer {
  const first = w.layers[0];
  const nOut = first.nOut;
  let row = 0;
  const tables = w.embeddings.map((emb, j) => {
    const dim = w.embeddingDims[j];
    const nRows = emb.length / dim;
    const table = new Float64Array(nRows * nOut);
    for (let c = 0; c < nRows; c++) {
      for (let k = 0; k < dim; k++) {
        const e = emb[c * dim + k];
        const wRow = (row + k) * nOut;
        for (let o = 0; o < nOut; o++) table[c * nOut + o] += e * first.weight[wRow + o];
      }
    }
    row += dim;
    return table;
  });
  const numeric = Float64Array.from(first.weight.subarray(row * nOut, (row + nNumeric) * nOut));
  return { tables, numeric, bias: Float64Array.from(first.bias), nOut };
}

/**
 * Network outputs (standardised) for encoded rows, into `out`. Plain loops over typed arrays:
 * scratch vectors are allocated once per call.
 */
export function forward(w: NetworkWeights, folded: FoldedFirstLayer, activation: Activation, rows: EncodedRows, out: Float64Array): void {
  const { layers } = w;
  const nNumeric = folded.numeric.length / folded.nOut;
  let widest = 0;
  for (const l of layers) widest = Math.max(widest, l.nOut);
  let h = new Float64Array(widest);
  let next = new Float64Array(widest);
  const { tables } = folded;
  const { codes } = rows;
  for (let i = 0; i < rows.nRows; i++) {
    // First layer: bias + the categoricals' table rows + numeric inputs x their weight rows.
    let width = folded.nOut;
    h.set(folded.bias);
    for (let j = 0; j < tables.length; j++) {
      const t = tables[j];
      const base = codes[j][i] * width;
      for (let o = 0; o < width; o++) h[o] += t[base + o];
    }
    for (let k = 0; k < nNumeric; k++) {
      const x = rows.numeric[i * nNumeric + k];
      const base = k * width;
      for (let o = 0; o < width; o++) h[o] += x * folded.numeric[base + o];
    }
    activateAll(activation, h, width);
    for (let l = 1; l < layers.length; l++) {
      const { weight, bias, nOut } = layers[l];
      for (let o = 0; o < nOut; o++) next[o] = bias[o];
      for (let k = 0; k < width; k++) {
        const x = h[k];
        if (x === 0) continue;
        const base = k * nOut;
        for (let o = 0; o < nOut; o++) next[o] += x * weight[base + o];
      }
      const last = l === layers.length - 1;
      if (!last) activateAll(activation, next, nOut);
      const t = h;
      h = next;
      next = t;
      width = nOut;
    }
    out[i] = h[0];
  }
}
