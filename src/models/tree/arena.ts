import { InvalidInputError } from '../../core/errors.js';
import { type WasmMemory, type WasmModule, webAssembly } from '../../core/wasm.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The WebAssembly kernels of kernels.wat. Arrays are byte addresses in the arena, counts are elements. */
export interface TreeKernels {
  /** Code list (code = key >> 8) and the partner's histogram (bin = key & 255) in one pass; returns the list length. */
  listAndHistogram(
    idx: number,
    start: number,
    end: number,
    keys: number,
    g: number,
    h: number,
    lCode: number,
    lCount: number,
    lG: number,
    lH: number,
    at: number,
    hist: number,
    range: number,
  ): number;
  /** Code list (code = key >> shift); returns its length. */
  codeList(idx: number, start: number, end: number, keys: number, shift: number, g: number, h: number, lCode: number, lCount: number, lG: number, lH: number, at: number): number;
  /** Histogram of 32-bit bins (bin = key & mask). */
  histogram(hist: number, idx: number, start: number, end: number, keys: number, mask: number, g: number, h: number, range: number): void;
  /** Histogram of byte bins. */
  histogram8(hist: number, idx: number, start: number, end: number, bins: number, g: number, h: number, range: number): void;
  /** Stable partition on 32-bit bins (bin = key & mask): bin <= threshold or bin == missing first. */
  partition(idx: number, scratch: number, start: number, end: number, keys: number, mask: number, threshold: number, missing: number): number;
  /** Stable partition on byte bins. */
  partition8(idx: number, scratch: number, start: number, end: number, bins: number, threshold: number, missing: number): number;
  subtractList(
    lCode: number,
    lCount: number,
    lG: number,
    lH: number,
    at: number,
    len: number,
    sCode: number,
    sCount: number,
    sG: number,
    sH: number,
    s0: number,
    lenS: number,
  ): number;
  /** dst[i] = src[pos[i]], 32-bit elements. */
  gather(dst: number, src: number, pos: number, n: number): void;
  /** dst[i] = src[pos[i]], bytes. */
  gather8(dst: number, src: number, pos: number, n: number): void;
  scanCodeList(
    lCode: number,
    lCount: number,
    lG: number,
    lH: number,
    from: number,
    len: number,
    unknown: number,
    G: number,
    H: number,
    target: number,
    minLeaf: number,
    maxLeft: number,
    minChildWeight: number,
    lambda: number,
    alpha: number,
  ): number;
}

const PAGE = 65536;
/** A 32-bit WebAssembly memory holds at most 65,536 pages (4 GiB). */
const MAX_PAGES = 65536;

const { Memory, Module, Instance } = webAssembly;

let compiled: WasmModule | undefined;

/** Compiled once per thread, on first use (about 1 KB: synchronous compilation is immediate). */
function kernelsModule(): WasmModule {
  compiled ??= new Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/**
 * One WebAssembly memory with the kernels bound to it, and a bump allocator over it. Typed-array
 * views of the memory serve the JavaScript side. Growing the memory detaches every view made
 * before: callers compare `buffer` after `alloc` and remake their views when it changed.
 */
export class KernelArena {
  readonly kernels: TreeKernels;
  private readonly memory: WasmMemory;
  private top = 0;

  constructor(initialBytes: number) {
    this.memory = new Memory({ initial: Math.max(1, Math.ceil(initialBytes / PAGE)) });
    const instance = new Instance(kernelsModule(), { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as TreeKernels;
  }

  /** Free everything for a new owner: the used bytes are zeroed, addresses start again at 0. */
  reset(): this {
    new Uint8Array(this.memory.buffer, 0, this.top).fill(0);
    this.top = 0;
    return this;
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Reserve `bytes` (8-byte aligned, zeroed); returns the address. Grows the memory when needed. */
  alloc(bytes: number): number {
    const at = this.top;
    const end = at + Math.ceil(bytes / 8) * 8;
    const pages = this.memory.buffer.byteLength / PAGE;
    const need = Math.ceil(end / PAGE);
    if (need > pages) {
      // At least double: growth (and remaking views) stays rare.
      const want = Math.min(MAX_PAGES, Math.max(need, 2 * pages));
      if (need > MAX_PAGES) {
        throw new InvalidInputError(`the tree learner needs ${end} bytes of working memory in one thread; a WebAssembly memory holds at most 4 GiB (about 65 million rows)`);
      }
      try {
        this.memory.grow(want - pages);
      } catch (cause) {
        throw new InvalidInputError(`the tree learner could not grow its working memory to ${want * PAGE} bytes`, { cause });
      }
    }
    this.top = end;
    return at;
  }

  int32(at: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, length);
  }

  uint8(at: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, length);
  }

  float64(at: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, length);
  }
}
