/** Typed-array helpers. Large read-only data lives in SharedArrayBuffer so workers see it uncopied. */

export type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array;

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/** A zero-filled typed array of `length` elements backed by a SharedArrayBuffer. */
export function sharedArray<T extends TypedArray>(ctor: Ctor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(Math.max(0, length) * ctor.BYTES_PER_ELEMENT), 0, length);
}

/** A SharedArrayBuffer-backed copy of `src` (or `src` itself when it already is shared). */
export function toShared<T extends TypedArray>(src: T): T {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  const ctor = src.constructor as unknown as Ctor<T>;
  const out = sharedArray(ctor, src.length);
  (out as unknown as { set(a: ArrayLike<unknown>): void }).set(src as unknown as ArrayLike<unknown>);
  return out;
}

export function isShared(a: TypedArray): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Empty slots (0) of an open-addressing hash table for up to `capacity` keys: a power of two at
 * least twice the capacity (at most half full), so `slots.length - 1` masks a hash to a slot.
 */
export function hashSlots(capacity: number): Int32Array {
  let size = 16;
  while (size < 2 * capacity) size *= 2;
  return new Int32Array(size);
}
