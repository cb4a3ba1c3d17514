import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tour = readFileSync(join(ROOT, 'examples/tour/tour.ts'), 'utf8');

const normalise = (code: string): string => code.replace(/\s+$/gm, '').trim();
const tsBlocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => normalise(m[1]));
const regions = new Map([...tour.matchAll(/\/\/ #region (\w+)\n([\s\S]*?)\/\/ #endregion \1/g)].map((m) => [m[1], normalise(m[2])]));

describe('README', () => {
  it('has the two quick-start commands', () => {
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## The taxi example'));
    expect(quick).toMatch(/```sh\nnpm ci && npm run example:taxi\nnpm test\n```/);
  });

  it('every TypeScript snippet is a region of the tour program (which tsc checks)', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(7);
    const regionTexts = [...regions.values()];
    for (const block of tsBlocks) expect(regionTexts, `README snippet not in examples/tour/tour.ts:\n${block}`).toContain(block);
  });

  it('the tour program runs: fits, tunes, tracks, registers and loads by alias', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-tour-'));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/tour/tour.ts'), dir], {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      });
      const value = (label: string): number => Number(new RegExp(`^${label} ([0-9.]+)`, 'm').exec(stdout)?.[1]);
      // Generated months: trees beat the linear baseline, as on the real data.
      expect(value('linear')).toBeGreaterThan(value('forest'));
      expect(value('forest')).toBeGreaterThan(0);
      expect(value('boosting')).toBeLessThan(value('linear'));
      expect(stdout).toMatch(/same predictions true/);
      expect(stdout).toMatch(/fit output equals predict true/);
      expect(stdout).toMatch(/registered version 1/);
      expect(stdout).toMatch(/champion kind (random_forest|pipeline)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
