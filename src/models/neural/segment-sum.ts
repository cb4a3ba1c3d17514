/**
 * `UnsortedSegmentSum` for TensorFlow.js's wasm backend, which ships without it
 * (tensorflow/tfjs#8082): the gradient of `gather` (an embedding lookup) is a segment sum of the
 * output gradient by index, so embeddings cannot train there without it. tfjs's cpu kernel makes
 * one masked pass over the data per segment (O(segments x rows)); this one is one scatter-add
 * pass (O(rows x width)), reading and writing the wasm heap in place.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { TF } from './runtime.js';

/**
 * out[s, :] = sum of x[i, :] over the rows i with ids[i] = s, for s in [0, nSegments); rows with
 * an id outside that range are dropped (as TensorFlow does for negative ids). `out` is
 * overwritten; x is row-major with `width` values per row.
 */
export function segmentSum(x: ArrayLike<number>, ids: ArrayLike<number>, width: number, nSegments: number, out: Float32Array | Int32Array): void {
  out.fill(0);
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < nSegments)) continue;
    const src = i * width;
    const dst = s * width;
    for (let k = 0; k < width; k++) out[dst + k] += x[src + k];
  }
}

/** Naive reference (tests only): each output cell summed on its own over every row. */
export function segmentSumNaive(x: ArrayLike<number>, ids: ArrayLike<number>, width: number, nSegments: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < nSegments; s++) {
    for (let k = 0; k < width; k++) {
      let sum = 0;
      for (let i = 0; i < ids.length; i++) if (ids[i] === s) sum += x[i * width + k];
      out.push(sum);
    }
  }
  return out;
}

interface TensorInfoLike {
  readonly dataId: object;
  readonly shape: number[];
  readonly dtype: string;
}

/** What the kernel uses of tfjs's wasm backend (`BackendWasm`). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfoLike;
  typedArrayFromHeap(t: TensorInfoLike): Float32Array | Int32Array | Uint8Array;
}

const KERNEL = 'UnsortedSegmentSum';

/**
 * Register the kernel for `backendName` unless that backend has one already (a later tfjs may ship
 * it). Returns whether it registered.
 */
export function registerSegmentSumKernel(tf: TF, backendName: string): boolean {
  if (tf.getKernel(KERNEL, backendName) !== undefined) return false;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as TensorInfoLike;
      const ids = inputs.segmentIds as TensorInfoLike;
      const nSegments = (attrs as { numSegments: number }).numSegments;
      if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${KERNEL}: dtype ${x.dtype} is not supported`);
      const wasm = backend as unknown as WasmBackendLike;
      // Segment ids index the leading dimensions of x; what is left is one row's width.
      const idsRank = ids.shape.length;
      const innerShape = x.shape.slice(idsRank);
      const width = innerShape.reduce((a, b) => a * b, 1);
      const out = wasm.makeOutput([nSegments, ...innerShape], x.dtype);
      // Views after makeOutput: an allocation may grow (and so replace) the heap's buffer.
      segmentSum(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(ids), width, nSegments, wasm.typedArrayFromHeap(out) as Float32Array | Int32Array);
      return out as unknown as TensorInfo;
    },
  });
  return true;
}
