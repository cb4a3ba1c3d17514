/**
 * The generator and its destination: every option is checked before the file is touched, the
 * file appears only when complete, and the row count is bounded.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/core/errors.js';
import { GENERATED_MAX_ROWS } from '../../../src/core/limits.js';
import { type GenerateTaxiOptions, generateTaxiParquet, writeTaxiParquet } from '../../../src/datasets/nyc-taxi/generate.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-generate-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good: GenerateTaxiOptions = { month: '2021-01', rows: 500, seed: 1 };
const bad: [string, Partial<GenerateTaxiOptions> & Record<string, unknown>][] = [
  ['month', { month: '2021-13' }],
  ['rows', { rows: -1 }],
  ['rows', { rows: 1.5 }],
  ['rows', { rows: Number.NaN }],
  ['rows', { rows: Number.POSITIVE_INFINITY }],
  ['rows', { rows: 1e12 }],
  ['rows', { rows: 1e300 }],
  ['rows', { rows: 2 ** 53 + 2 }],
  ['rows', { rows: GENERATED_MAX_ROWS + 1 }],
  ['compression', { compression: 'rar' as never }],
  ['rowGroupSize', { rowGroupSize: 0 }],
  ['seed', { seed: Number.NaN }],
];

describe('writeTaxiParquet', () => {
  it.each(bad)('refuses %s %o before touching the destination: an existing file keeps its bytes, none is created', async (param, change) => {
    const existing = join(dir, `existing-${param}.parquet`);
    writeFileSync(existing, 'precious bytes');
    const options = { ...good, ...change } as GenerateTaxiOptions;
    const err = await writeTaxiParquet(existing, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect((err as InvalidParameterError).param).toBe(param);
    expect(readFileSync(existing, 'utf8')).toBe('precious bytes');
    const fresh = join(dir, `fresh-${param}.parquet`);
    await expect(writeTaxiParquet(fresh, options)).rejects.toThrow(InvalidParameterError);
    expect(readdirSync(dir).filter((f) => f.startsWith(`fresh-${param}`) || f.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces a file only when the new one is complete, and leaves no temporary file', async () => {
    const path = join(dir, 'month.parquet');
    writeFileSync(path, 'old');
    const { bytes } = await writeTaxiParquet(path, good);
    const written = readFileSync(path);
    expect(written.length).toBe(bytes);
    expect(Buffer.compare(written, Buffer.from(await generateTaxiParquet(good)))).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a write that fails (no such folder) leaves nothing behind', async () => {
    const path = join(dir, 'no-such-folder', 'month.parquet');
    await expect(writeTaxiParquet(path, good)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
