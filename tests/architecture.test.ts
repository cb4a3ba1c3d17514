import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Data flows one way: a layer may import only from itself and layers to its left.
//   - tracking stands alone (core only), except tracking/adapters, which connect it to the layers
//     to its left;
//   - datasets (named datasets, apart from the library) may use core, data and features; in src
//     only the cli imports them;
//   - testing (the shipped contract suites) may use any layer; nothing in src imports it;
//   - the root entry (src/index.ts, `tunekit`) re-exports the library, not datasets or testing.
const LAYERS = ['core', 'data', 'features', 'models', 'tuning', 'tracking', 'server', 'cli'] as const;
const SIDE = ['datasets', 'testing'] as const;
const DATASETS_MAY_USE = ['core', 'data', 'features'];
const SRC = resolve(__dirname, '../src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The top folder of a file under src ('' for the root entry); undefined outside src. */
function layerOf(file: string): string | undefined {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split('/');
  return parts.length === 1 ? '' : parts[0];
}

interface Import {
  target: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const spec = m[3] ?? m[4] ?? m[5];
    out.push({ target: resolve(dirname(file), spec), typeOnly: Boolean(m[2]) });
  }
  return out;
}

const rank = (layer: string): number => (LAYERS as readonly string[]).indexOf(layer);

function isAllowed(file: string, imp: Import): boolean {
  const from = layerOf(file);
  const to = layerOf(imp.target);
  if (from === undefined || to === undefined || to === from) return true;
  if (to === 'testing') return false;
  if (from === 'testing') return true;
  if (from === '') return to !== 'datasets';
  if (to === 'datasets') return from === 'cli';
  if (from === 'datasets') return DATASETS_MAY_USE.includes(to);
  if (rank(from) < 0 || rank(to) < 0) return false; // an unknown top folder: add it to the rule first
  if (from === 'tracking' && !relative(SRC, file).startsWith('tracking/adapters/')) return to === 'core';
  return rank(to) < rank(from);
}

describe('architecture', () => {
  const files = walk(SRC);

  it('finds the source tree and its imports', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap(importsOf).length).toBeGreaterThan(5);
  });

  it('every top folder of src is a known layer', () => {
    const tops = new Set(files.map(layerOf).filter((l) => l !== ''));
    for (const top of tops) expect([...LAYERS, ...SIDE], `src/${top}/ is in no layer`).toContain(top);
  });

  it('no layer imports from a layer to its right; datasets and testing stay at the edges', () => {
    const violations = files.flatMap((file) =>
      importsOf(file)
        .filter((imp) => !isAllowed(file, imp))
        .map((imp) => `${relative(SRC, file)} -> ${relative(SRC, imp.target)}`),
    );
    expect(violations).toEqual([]);
  });

  it('the rule rejects rightward imports and the edges, allows what the layering allows', () => {
    const at = (p: string) => join(SRC, p);
    const ok = (from: string, to: string, typeOnly = false) => isAllowed(at(from), { target: at(to), typeOnly });
    expect(ok('core/x.ts', 'models/types.ts')).toBe(false);
    expect(ok('models/x.ts', 'features/matrix.ts')).toBe(true);
    expect(ok('tuning/x.ts', 'tracking/client.ts')).toBe(false);
    expect(ok('server/x.ts', 'tracking/client.ts')).toBe(true);
    expect(ok('tracking/x.ts', 'server/x.ts')).toBe(false);
    expect(ok('cli/x.ts', 'server/x.ts')).toBe(true);
    expect(ok('server/x.ts', 'cli/x.ts')).toBe(false);
    // tracking: core only, its adapters connect it to the layers to its left
    expect(ok('tracking/x.ts', 'models/types.ts', true)).toBe(false);
    expect(ok('tracking/x.ts', 'core/errors.ts')).toBe(true);
    expect(ok('tracking/adapters/x.ts', 'tuning/study.ts', true)).toBe(true);
    expect(ok('tracking/adapters/x.ts', 'server/x.ts')).toBe(false);
    // datasets: use core, data, features; only the cli imports them
    expect(ok('datasets/nyc-taxi/x.ts', 'data/parquet.ts')).toBe(true);
    expect(ok('datasets/nyc-taxi/x.ts', 'features/frame.ts')).toBe(true);
    expect(ok('datasets/nyc-taxi/x.ts', 'models/types.ts')).toBe(false);
    expect(ok('models/x.ts', 'datasets/index.ts')).toBe(false);
    expect(ok('data/x.ts', 'datasets/index.ts')).toBe(false);
    expect(ok('cli/x.ts', 'datasets/index.ts')).toBe(true);
    // testing: uses anything, used by nothing in src
    expect(ok('testing/estimator.ts', 'tracking/client.ts')).toBe(true);
    expect(ok('testing/estimator.ts', 'datasets/index.ts')).toBe(true);
    expect(ok('models/x.ts', 'testing/index.ts')).toBe(false);
    expect(ok('cli/x.ts', 'testing/index.ts')).toBe(false);
    // the root entry: the library, not datasets or testing
    expect(ok('index.ts', 'tracking/index.ts')).toBe(true);
    expect(ok('index.ts', 'datasets/index.ts')).toBe(false);
    expect(ok('index.ts', 'testing/index.ts')).toBe(false);
    expect(ok('nowhere/x.ts', 'core/x.ts')).toBe(false);
    expect(importsOf(at('models/registry.ts')).some((i) => layerOf(i.target) === 'core')).toBe(true);
  });
});
