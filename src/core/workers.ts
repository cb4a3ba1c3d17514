import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Worker threads started from TypeScript sources (tests, tsx) need tsx's loader; from compiled
 * JavaScript they need nothing. The loader is resolved to an absolute URL from this package, so
 * it is found whatever the process's working folder is (a bare `--import tsx` resolves from the
 * working folder and fails elsewhere).
 */
export function isSourceModule(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.ts');
}

/** Absolute URL of tsx's ESM loader entry (for `--import`). */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Absolute URL of tsx's ESM `register` API (for a bootstrap that registers the loader itself). */
export function tsxRegisterApiUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/** `execArgv` for a worker whose entry sits beside `moduleUrl`. */
export function workerExecArgv(moduleUrl: string): string[] {
  return isSourceModule(moduleUrl) ? ['--import', tsxLoaderUrl()] : [];
}
