import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Data flows one way: a layer may import only from itself and layers to its left.
// tracking stands alone (core only), except tracking/adapters, which may use type-only imports.
const LAYERS = ['core', 'data', 'features', 'models', 'tuning', 'tracking'] as const;
const SRC = resolve(__dirname, '../src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string | undefined {
  const top = relative(SRC, file).split('/')[0];
  return (LAYERS as readonly string[]).includes(top) ? top : undefined;
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

function isAllowed(file: string, imp: Import): boolean {
  const from = layerOf(file);
  const to = layerOf(imp.target);
  if (!from || !to || to === from) return true;
  if (from === 'tracking') return to === 'core' || (relative(SRC, file).startsWith('tracking/adapters/') && imp.typeOnly);
  return LAYERS.indexOf(to as (typeof LAYERS)[number]) < LAYERS.indexOf(from as (typeof LAYERS)[number]);
}

describe('architecture', () => {
  const files = walk(SRC);

  it('finds the source tree and its imports', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap(importsOf).length).toBeGreaterThan(5);
  });

  it('no layer imports from a layer to its right; tracking imports only core', () => {
    const violations = files.flatMap((file) =>
      importsOf(file)
        .filter((imp) => !isAllowed(file, imp))
        .map((imp) => `${relative(SRC, file)} -> ${relative(SRC, imp.target)}`),
    );
    expect(violations).toEqual([]);
  });

  it('the rule rejects rightward and tracking imports, allows type-only adapter imports', () => {
    const at = (p: string) => join(SRC, p);
    expect(isAllowed(at('core/x.ts'), { target: at('models/types.ts'), typeOnly: false })).toBe(false);
    expect(isAllowed(at('models/x.ts'), { target: at('features/matrix.ts'), typeOnly: false })).toBe(true);
    expect(isAllowed(at('tracking/x.ts'), { target: at('models/types.ts'), typeOnly: true })).toBe(false);
    expect(isAllowed(at('tracking/adapters/x.ts'), { target: at('models/types.ts'), typeOnly: true })).toBe(true);
    expect(isAllowed(at('tracking/adapters/x.ts'), { target: at('models/types.ts'), typeOnly: false })).toBe(false);
    expect(importsOf(at('models/registry.ts')).some((i) => layerOf(i.target) === 'core')).toBe(true);
  });
});
