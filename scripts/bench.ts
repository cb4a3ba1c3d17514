/**
 * `npm run bench [-- options]`: compiles the library and the benchmarks with tsc (a fresh folder
 * under node_modules/.cache, so a renamed suite leaves no stale copy behind), then runs the
 * compiled runner under plain node with the given options. The figures are those of the
 * JavaScript a user of the package runs, not of the sources transpiled on load by tsx (whose
 * loader threads and larger heaps cost the worker pools measurable time).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_BUILD = path.join(ROOT, 'node_modules', '.cache', 'tunekit-bench');

function run(args: string[]): number {
  const res = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  return res.status ?? 1;
}

rmSync(BENCH_BUILD, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = run([tsc, '-p', path.join(ROOT, 'tsconfig.bench.json'), '--outDir', BENCH_BUILD]);
if (built !== 0) {
  console.error('bench: the TypeScript build failed (see above); nothing was measured');
  process.exit(built);
}
process.exit(run([path.join(BENCH_BUILD, 'benchmarks', 'run.js'), ...process.argv.slice(2)]));
