/**
 * TensorFlow.js, loaded on first use only: importing tunekit never loads it. Backends, best first:
 * - 'tensorflow': `@tensorflow/tfjs-node` (native libtensorflow), used when the user installed it;
 * - 'wasm': `@tensorflow/tfjs` + `@tensorflow/tfjs-backend-wasm` (the default here), with the
 *   `UnsortedSegmentSum` kernel it lacks registered by us (embeddings' gradient needs it);
 * - 'cpu': the pure-JS backend of `@tensorflow/tfjs`, only when asked for (far slower).
 * `@tensorflow/tfjs` rather than `@tensorflow/tfjs-core` alone: only the former registers the
 * gradients (its CommonJS build, the one Node loads, bundles them).
 * Loading is asynchronous (the wasm module compiles asynchronously); training itself is
 * synchronous once a backend is ready, so `fit` runs after `loadNeuralRuntime` resolved.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { TunekitError } from '../../core/errors.js';
import { registerSegmentSumKernel } from './segment-sum.js';

export type TF = typeof tfjs;
export type NeuralBackend = 'tensorflow' | 'wasm' | 'cpu';
/** A backend, or 'auto': 'tensorflow' when `@tensorflow/tfjs-node` is installed, else 'wasm'. */
export type NeuralBackendChoice = 'auto' | NeuralBackend;

export interface NeuralRuntime {
  readonly tf: TF;
  readonly backend: NeuralBackend;
  /** The TensorFlow.js version (of tfjs-core). */
  readonly version: string;
}

/**
 * TensorFlow.js is not installed (code 'NEURAL_BACKEND_MISSING'), not loaded yet, or a backend
 * failed to start (code 'NEURAL_BACKEND').
 */
export class NeuralBackendError extends TunekitError {
  constructor(message: string, options?: { cause?: unknown; missing?: boolean }) {
    super(options?.missing ? 'NEURAL_BACKEND_MISSING' : 'NEURAL_BACKEND', message, options);
  }
}

// Specifiers in variables: bundlers and the type checker leave optional peers alone.
const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS = '@tensorflow/tfjs';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

const INSTALL_HINT = 'install the optional peers: npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm';

/** Loaded runtimes by backend; 'auto' resolves to one of them once. */
const loading = new Map<NeuralBackendChoice, Promise<NeuralRuntime>>();
const ready = new Map<NeuralBackend, NeuralRuntime>();
let autoBackend: NeuralBackend | undefined;

/** The import failed because the package itself is not installed (not because it is broken). */
function isMissing(err: unknown, specifier: string): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find|could not resolve/i.test(message ?? '');
  return notFound && (message ?? '').includes(specifier);
}

async function importPeer<T>(specifier: string): Promise<T> {
  const mod = (await import(specifier)) as T & { default?: T };
  // CommonJS builds come back as a namespace with the exports on `default` under some loaders.
  return (mod.default && typeof mod.default === 'object' && 'tensor' in (mod.default as object) ? mod.default : mod) as T;
}

async function start(backend: NeuralBackend): Promise<NeuralRuntime> {
  const packages = backend === 'tensorflow' ? [TFJS_NODE] : backend === 'wasm' ? [TFJS, TFJS_WASM] : [TFJS];
  let tf: TF | undefined;
  for (const specifier of packages) {
    try {
      const mod = await importPeer<TF>(specifier);
      tf ??= mod;
    } catch (err) {
      if (isMissing(err, specifier)) {
        const hint = backend === 'tensorflow' ? 'or choose another backend' : INSTALL_HINT;
        throw new NeuralBackendError(`the neural models need TensorFlow.js: ${specifier} is not installed (${hint})`, { cause: err, missing: true });
      }
      throw new NeuralBackendError(`TensorFlow.js (${backend} backend) failed to load: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!tf) throw new NeuralBackendError(`TensorFlow.js (${backend} backend) failed to load`);
  if (backend === 'wasm') registerSegmentSumKernel(tf, 'wasm');
  const before = processListeners();
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
  } catch (err) {
    throw new NeuralBackendError(`TensorFlow.js backend '${backend}' failed to start: ${(err as Error).message}`, { cause: err });
  } finally {
    restoreProcessListeners(before);
  }
  if (!ok) throw new NeuralBackendError(`TensorFlow.js backend '${backend}' failed to start`);
  return { tf, backend, version: tf.version_core };
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

function processListeners(): Map<string, Set<unknown>> {
  return new Map(PROCESS_EVENTS.map((e) => [e, new Set<unknown>(process.listeners(e as 'uncaughtException'))]));
}

/**
 * The wasm module (Emscripten) adds process handlers that rethrow any uncaught error after
 * printing its own minified source: take them off again, the host's handling stays as it was.
 */
function restoreProcessListeners(before: Map<string, Set<unknown>>): void {
  for (const e of PROCESS_EVENTS) {
    for (const l of process.listeners(e as 'uncaughtException')) if (!before.get(e)?.has(l)) process.removeListener(e, l);
  }
}

async function resolveAuto(): Promise<NeuralRuntime> {
  try {
    return await loadNeuralRuntime('tensorflow');
  } catch (err) {
    if (!(err instanceof NeuralBackendError && err.code === 'NEURAL_BACKEND_MISSING')) throw err;
    return loadNeuralRuntime('wasm');
  }
}

/**
 * Load TensorFlow.js with a backend (once per thread; later calls return the same runtime). Fits
 * of the neural models call it themselves through `fitAsync`; call it before a synchronous `fit`.
 */
export function loadNeuralRuntime(choice: NeuralBackendChoice = 'auto'): Promise<NeuralRuntime> {
  let p = loading.get(choice);
  if (!p) {
    p = (choice === 'auto' ? resolveAuto() : start(choice)).then((rt) => {
      ready.set(rt.backend, rt);
      if (choice === 'auto') autoBackend = rt.backend;
      return rt;
    });
    // A failed load may be retried (after installing, or with another choice).
    p.catch(() => loading.delete(choice));
    loading.set(choice, p);
  }
  return p;
}

/**
 * The runtime for `choice`, made the active backend, when it has been loaded; undefined when
 * `loadNeuralRuntime(choice)` has not resolved yet. Synchronous: what `fit` calls.
 */
export function neuralRuntime(choice: NeuralBackendChoice = 'auto'): NeuralRuntime | undefined {
  const backend = choice === 'auto' ? autoBackend : choice;
  const rt = backend && ready.get(backend);
  if (!rt) return undefined;
  // Backends were initialised when loaded: switching between them is synchronous.
  if (rt.tf.getBackend() !== rt.backend) rt.tf.setBackend(rt.backend);
  return rt;
}

/** Which TensorFlow.js backend the neural models train on in this thread. */
export interface NeuralBackendInfo {
  readonly backend: NeuralBackend;
  readonly version: string;
}

/**
 * Load TensorFlow.js for the neural models (`MLPRegressor`) in this thread, once: needed before a
 * synchronous `fit` (`fitAsync` and the tuner's workers call it themselves). Throws
 * NeuralBackendError when TensorFlow.js is not installed.
 */
export async function loadNeuralBackend(choice: NeuralBackendChoice = 'auto'): Promise<NeuralBackendInfo> {
  const { backend, version } = await loadNeuralRuntime(choice);
  return { backend, version };
}
