import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { type NeuralRuntime, type TF, loadNeuralRuntime } from '../../../src/models/neural/runtime.js';
import { registerSegmentSumKernel, segmentSum, segmentSumNaive } from '../../../src/models/neural/segment-sum.js';

let rt: NeuralRuntime;
let tf: TF;
beforeAll(async () => {
  rt = await loadNeuralRuntime('wasm');
  tf = rt.tf;
});

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, digits = 4): void {
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i], digits);
}

/** Random data [n, width] and ids in [-1, nSegments + 1] (some out of range: dropped). */
function problem(seed: number, n: number, width: number, nSegments: number) {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * width }, () => rng.uniform(-2, 2));
  const ids = Int32Array.from({ length: n }, () => rng.int(-1, nSegments + 1));
  return { x, ids };
}

describe('UnsortedSegmentSum', () => {
  it('the scatter-add kernel matches the naive reference, dropping out-of-range ids', () => {
    for (const [seed, n, width, nSegments] of [
      [1, 1, 1, 1],
      [2, 50, 3, 7],
      [3, 400, 8, 265],
      [4, 0, 4, 3],
    ]) {
      const { x, ids } = problem(seed, n, width, nSegments);
      const out = new Float32Array(nSegments * width).fill(99);
      segmentSum(x, ids, width, nSegments, out);
      const ref = segmentSumNaive(x, ids, width, nSegments);
      expectClose(out, ref);
    }
  });

  it('is registered for wasm only where it was missing, once', () => {
    expect(rt.backend).toBe('wasm');
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(registerSegmentSumKernel(tf, 'wasm')).toBe(false);
  });

  it('tf.unsortedSegmentSum on wasm gives the reference for float32 and int32, rank 1 to 3', () => {
    const { x, ids } = problem(5, 60, 6, 9);
    const ref = segmentSumNaive(x, ids, 6, 9);
    const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [60, 6]), tf.tensor1d(ids, 'int32'), 9).dataSync());
    expectClose(got, ref);
    // Inner shape [2, 3]: the same sums, the output shaped [9, 2, 3].
    const cube = tf.tidy(() => {
      const r = tf.unsortedSegmentSum(tf.tensor3d(x, [60, 2, 3]), tf.tensor1d(ids, 'int32'), 9);
      return { shape: r.shape, values: r.dataSync() };
    });
    expect(cube.shape).toEqual([9, 2, 3]);
    expectClose(cube.values, ref);
    const ints = Int32Array.from(x, (v) => Math.round(v * 10));
    const intRef = segmentSumNaive(ints, ids, 6, 9);
    const gotInts = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(ints, [60, 6], 'int32'), tf.tensor1d(ids, 'int32'), 9).dataSync());
    expect(Array.from(gotInts)).toEqual(intRef);
    const vector = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d(x.subarray(0, 60)), tf.tensor1d(ids, 'int32'), 9).dataSync());
    const vectorRef = segmentSumNaive(x.subarray(0, 60), ids, 1, 9);
    expectClose(vector, vectorRef);
  });

  it("an embedding's gradient on wasm (through the kernel) matches finite differences", () => {
    // loss(E) = sum_i w_i . E[ids_i]^2 / 2 over a batch with repeated ids: dL/dE[c] = sum over rows of c of w_i * E[c].
    const nCat = 6;
    const dim = 3;
    const rng = new Rng(11);
    const E = Float64Array.from({ length: nCat * dim }, () => rng.uniform(-1, 1));
    const ids = Int32Array.from([0, 2, 2, 5, 1, 2, 0, 5, 5, 5]);
    const w = Float64Array.from({ length: ids.length * dim }, () => rng.uniform(-1, 1));
    const loss = (e: Float64Array): number => {
      let s = 0;
      ids.forEach((c, i) => {
        for (let k = 0; k < dim; k++) s += (w[i * dim + k] * e[c * dim + k] ** 2) / 2;
      });
      return s;
    };
    const grad = tf.tidy(() => {
      const g = tf.grad((e: import('@tensorflow/tfjs').Tensor) =>
        tf.sum(tf.div(tf.mul(tf.tensor2d(Float32Array.from(w), [ids.length, dim]), tf.square(tf.gather(e, tf.tensor1d(ids, 'int32')))), 2)),
      );
      return g(tf.tensor2d(Float32Array.from(E), [nCat, dim])).dataSync();
    });
    const h = 1e-6;
    for (let j = 0; j < E.length; j++) {
      const up = Float64Array.from(E);
      const down = Float64Array.from(E);
      up[j] += h;
      down[j] -= h;
      const fd = (loss(up) - loss(down)) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 4);
    }
    // Category 3 and 4 appear in no row: zero gradient.
    for (const c of [3, 4]) for (let k = 0; k < dim; k++) expect(grad[c * dim + k]).toBe(0);
  });

  it("the segment sum's own gradient (a gather of the output gradient) matches finite differences", () => {
    // tfjs's gradient gathers by id, which refuses ids out of range: in-range ids only here.
    const { x } = problem(7, 12, 2, 4);
    const ids = Int32Array.from([0, 3, 3, 1, 0, 0, 2, 3, 1, 1, 3, 0]);
    const rng = new Rng(8);
    const v = Float64Array.from({ length: 4 * 2 }, () => rng.uniform(-1, 1));
    // loss(x) = sum_s v_s . segmentSum(x)_s^2
    const loss = (xs: Float64Array): number => segmentSumNaive(xs, ids, 2, 4).reduce((s, o, i) => s + v[i] * o * o, 0);
    const grad = tf.tidy(() =>
      tf
        .grad((t: import('@tensorflow/tfjs').Tensor) => tf.sum(tf.mul(tf.tensor2d(Float32Array.from(v), [4, 2]), tf.square(tf.unsortedSegmentSum(t, tf.tensor1d(ids, 'int32'), 4)))))(
          tf.tensor2d(x, [12, 2]),
        )
        .dataSync(),
    );
    const h = 1e-5;
    const x64 = Float64Array.from(x);
    for (let j = 0; j < x64.length; j++) {
      const up = Float64Array.from(x64);
      const down = Float64Array.from(x64);
      up[j] += h;
      down[j] -= h;
      expect(grad[j]).toBeCloseTo((loss(up) - loss(down)) / (2 * h), 3);
    }
  });
});
