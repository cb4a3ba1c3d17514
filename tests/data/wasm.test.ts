import { TimeUnit, Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ARROW_TIME_UNIT, ARROW_TYPE } from '../../src/data/arrow-ids.js';
import { parquetWasm, parquetWasmSync } from '../../src/data/wasm.js';

describe('arrow ids', () => {
  it("equal apache-arrow's own enums", () => {
    expect(ARROW_TYPE).toEqual({ Null: Type.Null, Int: Type.Int, Float: Type.Float, Timestamp: Type.Timestamp });
    expect(ARROW_TIME_UNIT).toEqual({
      SECOND: TimeUnit.SECOND,
      MILLISECOND: TimeUnit.MILLISECOND,
      MICROSECOND: TimeUnit.MICROSECOND,
      NANOSECOND: TimeUnit.NANOSECOND,
    });
  });
});

describe('parquet-wasm start', () => {
  it('starts one instance, shared by the async and sync paths, concurrent callers included', async () => {
    const [a, b] = await Promise.all([parquetWasm(), parquetWasm()]);
    const c = parquetWasmSync();
    expect(a).toBe(b);
    expect(c).toBe(a);
    const memory = a.wasmMemory() as { buffer: ArrayBuffer };
    expect(memory.buffer.byteLength).toBeGreaterThan(0);
    expect(c.wasmMemory()).toBe(memory);
  });
});
