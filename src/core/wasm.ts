/** A compiled WebAssembly.Module (opaque here). */
export type WasmModule = object;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The WebAssembly global, typed with the parts tunekit uses: Node has it, the project's type
 * libraries (no DOM) do not declare it.
 */
export const webAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<WasmModule>;
      Module: new (bytes: Uint8Array) => WasmModule;
      Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
      Memory: new (descriptor: { initial: number }) => WasmMemory;
    };
  }
).WebAssembly;
