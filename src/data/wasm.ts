/**
 * parquet-wasm: compiled on first use, called through `callParquet`, replaced after a failure.
 *
 * - Nothing happens at import: no compile, no V8 flag. The first read compiles the 5 MB module
 *   off the main thread (`WebAssembly.compile`) while it reads its file; `warmParquet()` starts
 *   that earlier, so the compile overlaps whatever the caller does before its first read.
 * - A call that fails (a wasm trap such as `unreachable` from a Rust panic, a stack overflow, an
 *   out-of-memory, or a Rust error) may leave the instance's stack pointer, heap and borrow flags
 *   mid-operation. That instance is dropped, never called again, and the next call gets a fresh
 *   one. The first instance runs in parquet-wasm's ES module glue, started from the module compiled
 *   off the main thread; replacements load a fresh copy of its CommonJS glue (synchronously,
 *   ~50 ms), which is dropped from the require cache at once so that a dropped instance and its
 *   memory can be collected. (An ES module is never unloaded: if the first instance fails, its
 *   memory stays allocated, once per process.)
 *
 * Callers use the synchronous API only (`readParquet`, `readSchema`, ...): a failure inside it is
 * thrown to the caller. parquet-wasm's asynchronous reader panics on some corrupt pages inside a
 * microtask of its own, where no caller can catch it and the awaited promise never settles.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import * as firstGlue from 'parquet-wasm/esm';
import { type WasmModule, webAssembly } from '../core/wasm.js';

export type ParquetWasm = typeof firstGlue;

/**
 * V8 runs wasm functions in its baseline compiler (Liftoff) and recompiles hot ones with TurboFan
 * once a per-function budget of executed code is spent (`--wasm-tiering-budget`, 1.8 M by
 * default). On one month of taxi data that default sends dozens of large functions (inflate,
 * decoders) to TurboFan during the first read: 0.1-0.25 s of compile CPU that, on a small machine,
 * doubles the first read's wall time and is not repaid within it. The module is compiled and
 * started with a 55x larger budget (V8 reads the flag when it compiles and instantiates), so short
 * reads stay in Liftoff and long ones (millions of rows) still tier up; the flag goes back to V8's
 * default once the module has started (a few ms; another module compiled in that window would
 * share the larger first budget), for every other module and for the budgets renewed after a
 * tier-up.
 */
const FIRST_TIER_UP_BUDGET = 100_000_000;
const V8_DEFAULT_TIER_UP_BUDGET = 1_800_000;
/** V8 flags by which a user chose wasm tiering themselves: then the flag is left alone. */
const TIERING_FLAGS = /--(?:wasm[-_]tiering[-_]budget|liftoff[-_]only|no[-_]liftoff|(?:no[-_])?wasm[-_]dynamic[-_]tiering)\b/;

/** The instance callers get; undefined before the first use and after a failure. */
let current: ParquetWasm | undefined;
/** The start under way (compile and/or glue import), shared by concurrent callers. */
let starting: Promise<ParquetWasm> | undefined;
let compiled: WasmModule | undefined;
/** The statically imported glue holds the first instance; later ones need a copy of their own. */
let firstGlueUsed = false;
let instancesStarted = 0;

/** Compiles and starts parquet-wasm now, if not done yet (else the first read does it). */
export async function warmParquet(): Promise<void> {
  await parquetWasm();
}

/** The current instance, started when there is none (compiling off the main thread the first time). */
export function parquetWasm(): Promise<ParquetWasm> {
  if (current !== undefined) return Promise.resolve(current);
  starting ??= startAsync().finally(() => {
    starting = undefined;
  });
  return starting;
}

async function startAsync(): Promise<ParquetWasm> {
  if (compiled === undefined) {
    const bytes = await readFile(wasmPath());
    if (compiled === undefined) {
      const restore = raiseFirstBudget();
      try {
        const module = await webAssembly.compile(bytes);
        compiled ??= module;
      } finally {
        restore();
      }
    }
  }
  // A synchronous caller may have started one meanwhile.
  return current ?? (firstGlueUsed ? replacement() : instantiate(firstGlue, compiled));
}

/** The current instance for synchronous callers, compiling on this thread when needed. */
export function parquetWasmSync(): ParquetWasm {
  if (current !== undefined) return current;
  if (firstGlueUsed) return replacement();
  if (compiled === undefined) {
    const restore = raiseFirstBudget();
    try {
      compiled = new webAssembly.Module(readFileSync(wasmPath()));
    } finally {
      restore();
    }
  }
  return instantiate(firstGlue, compiled);
}

/** The first instance, in the ES module glue. */
function instantiate(glue: ParquetWasm, module: WasmModule): ParquetWasm {
  firstGlueUsed = true;
  const restore = raiseFirstBudget();
  try {
    glue.initSync({ module: module as never });
  } finally {
    restore();
  }
  instancesStarted++;
  current = glue;
  return glue;
}

/** A fresh instance in a fresh copy of the CommonJS glue, which nothing but `current` keeps. */
function replacement(): ParquetWasm {
  const require = createRequire(import.meta.url);
  const path = require.resolve('parquet-wasm/node');
  try {
    current = require(path) as ParquetWasm;
  } finally {
    delete require.cache[path];
  }
  instancesStarted++;
  return current;
}

/**
 * Runs `fn` (synchronous calls into `wasm`). When it throws, the instance is dropped (the next
 * caller gets a fresh one) and the error rethrown for the caller to name the file. Errors are rare
 * (corrupt or unreadable files), so a fresh instance after any of them costs little, and it spares
 * telling a Rust error that returned cleanly from one thrown through wasm frames.
 */
export function callParquet<T>(wasm: ParquetWasm, fn: (wasm: ParquetWasm) => T): T {
  try {
    return fn(wasm);
  } catch (err) {
    if (current === wasm) current = undefined;
    throw err;
  }
}

/** How many instances have been started in this thread (tests: a failure starts a new one). */
export function parquetInstances(): number {
  return instancesStarted;
}

/** Sets the first tier-up budget (unless the user chose tiering flags); returns the undo. */
function raiseFirstBudget(): () => void {
  if (userChoseTiering()) return () => {};
  setFlagsFromString(`--wasm-tiering-budget=${FIRST_TIER_UP_BUDGET}`);
  return () => setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIER_UP_BUDGET}`);
}

function userChoseTiering(): boolean {
  return TIERING_FLAGS.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
}

function wasmPath(): string {
  return createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
}
