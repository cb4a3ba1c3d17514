/**
 * parquet-wasm, compiled and started once per thread.
 *
 * parquet-wasm's Node entry compiles its 5 MB module synchronously the moment it is imported. Its
 * web build exposes the same API with the start left to the caller, which lets tunekit:
 * - never block at import: the data layer starts reading and compiling the module in the
 *   background when it is imported (`prefetchParquetWasm`), off the main thread
 *   (`WebAssembly.compile`), so the compile overlaps the rest of the process's start;
 * - delay V8's first optimising recompile of the module's functions (see FIRST_TIER_UP_BUDGET).
 *
 * Every caller must go through `parquetWasm()` / `parquetWasmSync()` before touching the API.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import * as wasm from 'parquet-wasm/esm';
import { type WasmModule, webAssembly } from '../core/wasm.js';

export type ParquetWasm = typeof wasm;

const { compile, Module } = webAssembly;

/**
 * V8 runs wasm functions in its baseline compiler (Liftoff) and recompiles hot ones with TurboFan
 * once a per-function budget of executed code is spent (`--wasm-tiering-budget`, 1.8 M by
 * default). On one month of taxi data that default sends dozens of large functions (inflate,
 * decoders) to TurboFan during the first read: 0.1-0.25 s of compile CPU that, on a small machine,
 * doubles the first read's wall time and is not repaid within it. The module starts with a 55x
 * larger budget (V8 reads the flag when it compiles and instantiates), so short reads stay in
 * Liftoff and long ones (millions of rows) still tier up; the flag goes back to V8's default once
 * the module has started (a few ms; another module compiled in that window would share the larger
 * first budget), for every other module and for the budgets renewed after a tier-up.
 */
const FIRST_TIER_UP_BUDGET = 100_000_000;
const V8_DEFAULT_TIER_UP_BUDGET = 1_800_000;
/** V8 flags by which a user chose wasm tiering themselves: then the flag is left alone. */
const TIERING_FLAGS = /--(?:wasm[-_]tiering[-_]budget|liftoff[-_]only|no[-_]liftoff|(?:no[-_])?wasm[-_]dynamic[-_]tiering)\b/;

let started = false;
let starting: Promise<void> | undefined;

/**
 * Starts reading and compiling the module in the background, if not started yet: the data layer
 * calls it when it is imported, so the compile overlaps whatever the process loads or does before
 * its first read. Errors surface at the first `parquetWasm()`.
 */
export function prefetchParquetWasm(): void {
  if (started || starting !== undefined) return;
  starting = startAsync();
  starting.catch(() => {});
}

/** The started module; compiles off the main thread when this is the first use. */
export async function parquetWasm(): Promise<ParquetWasm> {
  if (!started) {
    starting ??= startAsync();
    await starting;
  }
  return wasm;
}

async function startAsync(): Promise<void> {
  const bytes = await readFile(wasmPath());
  if (started) return;
  const restore = raiseFirstBudget();
  try {
    start(await compile(bytes));
  } finally {
    restore();
  }
}

/** The started module, compiling on this thread when needed (for synchronous writers). */
export function parquetWasmSync(): ParquetWasm {
  if (!started) {
    const restore = raiseFirstBudget();
    try {
      start(new Module(readFileSync(wasmPath())));
    } finally {
      restore();
    }
  }
  return wasm;
}

function start(module: WasmModule): void {
  if (started) return;
  wasm.initSync({ module });
  started = true;
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
