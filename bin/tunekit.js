#!/usr/bin/env node
// Launcher for the `tunekit` command: runs the compiled CLI when the package is built, else the
// TypeScript source through tsx (a dependency), resolved from this package, not the caller's cwd.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

async function load() {
  if (existsSync(compiled)) return import(pathToFileURL(compiled).href);
  if (!existsSync(source)) throw new Error(`tunekit: neither ${compiled} nor ${source} exists`);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(source).href, import.meta.url);
}

try {
  const cli = await load();
  process.exitCode = await cli.run(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`tunekit: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
