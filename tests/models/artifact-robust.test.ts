/**
 * Damaged and hostile model files: the header checksum, the array directory's bounds, files that
 * are not regular files, and a bounded-time fuzz of the header parser. Each ends in an
 * ArtifactError (or the same model, where only padding changed); nothing allocates more than the
 * file holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { crc32, decodeArtifact } from '../../src/models/artifact.js';
import { GradientBoostingRegressor, RandomForestRegressor } from '../../src/models/ensemble/index.js';
import { loadModel, loadModelSync, modelToBytes } from '../../src/models/io.js';
import { LinearRegression } from '../../src/models/linear/index.js';
import { Pipeline } from '../../src/models/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-artifact-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const n = 200;
const data = new Float64Array(n * 3);
const y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const a = (i * 7) % 13;
  const b = (i * 11) % 17;
  const c = (i * 5) % 7;
  data.set([a, b, c], i * 3);
  y[i] = 2 * a - b + 0.5 * c + ((i * 31) % 5) / 10;
}
const X = { format: 'dense' as const, nRows: n, nCols: 3, data };
const records = Array.from({ length: 40 }, (_, i) => ({ PU_DO: `${(i * 7) % 13}_${(i * 11) % 17}`, trip_distance: (i * 5) % 7 }));
const models = {
  linear: new LinearRegression().fit(X, y),
  forest: new RandomForestRegressor({ nEstimators: 3, maxDepth: 3, seed: 1 }).fit(X, y),
  boosting: new GradientBoostingRegressor({ nEstimators: 3, maxDepth: 3 }).fit(X, y),
  pipeline: new Pipeline(new LinearRegression()).fit(
    Array.from({ length: n }, (_, i) => ({ PU_DO: `${(i * 7) % 13}_${(i * 11) % 17}`, trip_distance: (i * 5) % 7 })),
    y,
  ),
};
// biome-ignore lint/suspicious/noExplicitAny: one call for every kind's input
const predict = (m: any, kind: string): Float64Array => (kind === 'pipeline' ? m.predict(records) : m.predict(X));

const align8 = (k: number) => (k + 7) & ~7;

/** The header JSON and the array blobs of a container-2 file. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; blob: Uint8Array } {
  const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h))), blob: bytes.subarray(align8(16 + h + 4)) };
}

/** A file of a given header text and blobs; container 2 with a correct header CRC, or container 1. */
function encode(headerJson: string, blob: Uint8Array, container: 1 | 2 = 2): Uint8Array {
  const hb = new TextEncoder().encode(headerJson);
  const start = align8(16 + hb.length + (container === 2 ? 4 : 0));
  const out = new Uint8Array(start + blob.length);
  out.set(new TextEncoder().encode('TUNEKIT\0'));
  const v = new DataView(out.buffer);
  v.setUint32(8, container, true);
  v.setUint32(12, hb.length, true);
  out.set(hb, 16);
  if (container === 2) v.setUint32(16 + hb.length, crc32(hb), true);
  out.set(blob, start);
  return out;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('header checksum', () => {
  it.each(Object.keys(models))('%s: every one-bit flip before the arrays is refused or loads the same model', (kind) => {
    const model = models[kind as keyof typeof models];
    const bytes = modelToBytes(model);
    const expected = predict(model, kind);
    const h = new DataView(bytes.buffer).getUint32(12, true);
    const arraysStart = align8(16 + h + 4);
    let refused = 0;
    for (let i = 0; i < arraysStart; i++) {
      for (const mask of [0x01, 0x10]) {
        const b = bytes.slice();
        b[i] ^= mask;
        let loaded: ReturnType<typeof loadModelSync> | undefined;
        try {
          loaded = loadModelSync(b);
        } catch (err) {
          expect(err).toBeInstanceOf(ArtifactError);
          refused++;
          continue;
        }
        // Only the alignment padding after the checksum is not covered, and changes nothing.
        expect(i).toBeGreaterThanOrEqual(16 + h + 4);
        expect(predict(loaded, kind)).toEqual(expected);
      }
    }
    expect(refused).toBeGreaterThanOrEqual(2 * (16 + h + 4));
  });

  it('an edited intercept (array checksums intact) is refused', () => {
    const { header, blob } = split(modelToBytes(models.linear));
    const state = header.state as { intercept: number };
    const edited = JSON.stringify({ ...header, state: { ...state, intercept: state.intercept + 1000 } });
    const bytes = modelToBytes(models.linear);
    const h = new DataView(bytes.buffer).getUint32(12, true);
    // Same bytes with the edited header text and the old header checksum.
    const forged = encode(edited, blob);
    new DataView(forged.buffer).setUint32(16 + new TextEncoder().encode(edited).length, new DataView(bytes.buffer).getUint32(16 + h, true), true);
    expect(() => loadModelSync(forged)).toThrow(/corrupt header \(checksum mismatch\)/);
  });

  it('container 1 (before the header checksum) still loads, arrays checked', () => {
    const { header, blob } = split(modelToBytes(models.forest));
    const old = encode(JSON.stringify(header), blob, 1);
    expect(predict(loadModelSync(old), 'forest')).toEqual(predict(models.forest, 'forest'));
    const flipped = old.slice();
    flipped[flipped.length - 5] ^= 0x01;
    expect(() => loadModelSync(flipped)).toThrow(/checksum mismatch in array/);
  });
});

describe('array directory', () => {
  const { header, blob } = split(modelToBytes(models.linear));
  const entries = header.arrays as { name: string; dtype: string; byteOffset: number; length: number; crc32: number }[];
  const withEntries = (list: unknown[], extra?: Uint8Array): Uint8Array => {
    const b = new Uint8Array(align8(blob.length) + (extra?.length ?? 0));
    b.set(blob);
    if (extra) b.set(extra, align8(blob.length));
    return encode(JSON.stringify({ ...header, arrays: list }), b);
  };

  it('entries that alias one range are refused before anything is copied (300 x 1 MiB from a 1 MB file)', () => {
    const big = new Uint8Array(new Float64Array(131072).fill(1.5).buffer);
    const at = align8(blob.length);
    const aliases = Array.from({ length: 300 }, (_, k) => ({ name: `x${k}`, dtype: 'float64', byteOffset: at, length: 131072, crc32: crc32(big) }));
    const file = withEntries([...entries, ...aliases], big);
    expect(() => decodeArtifact(file)).toThrow(/arrays 'x\d+' and 'x\d+' overlap/);
  });

  it('a name listed twice, an array the kind does not use, and too many entries are refused', () => {
    expect(() => decodeArtifact(withEntries([...entries, { ...entries[0] }]))).toThrow(/array 'coef' is listed twice/);
    const extra = new Uint8Array(16).fill(3);
    const unused = { name: 'extra', dtype: 'uint8', byteOffset: align8(blob.length), length: 16, crc32: crc32(extra) };
    const file = withEntries([...entries, unused], extra);
    expect(decodeArtifact(file).arrays.extra).toBeInstanceOf(Uint8Array);
    expect(() => loadModelSync(file)).toThrow(/'linear_regression' artifact holds array its kind does not use: 'extra'/);
    const many = Array.from({ length: 1025 }, (_, k) => ({ name: `e${k}`, dtype: 'uint8', byteOffset: 0, length: 0, crc32: 0 }));
    expect(() => decodeArtifact(withEntries(many))).toThrow(/1025 arrays, more than the limit of 1024/);
  });

  it('a pipeline array outside its model is refused', () => {
    const bytes = modelToBytes(models.pipeline);
    const p = split(bytes);
    const list = p.header.arrays as { name: string }[];
    const renamed = list.map((e) => ({ ...e, name: e.name.replace(/^model\//, 'vectorizer/') }));
    expect(() => loadModelSync(encode(JSON.stringify({ ...p.header, arrays: renamed }), p.blob))).toThrow(/pipeline artifact holds array 'vectorizer\/coef'/);
  });

  it('fuzz: mutated headers (checksum recomputed) end in ArtifactError or a model, never allocate more than the file', () => {
    const rng = new Rng(17);
    const sources = Object.values(models).map((m) => modelToBytes(m));
    const values = [null, -1, 0, 1, 7, 8, 2 ** 31, 2 ** 53, 1e300, Number.NaN, '', 'float64', 'constructor', '__proto__', [], {}, true];
    const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)];
    let refused = 0;
    let loaded = 0;
    for (let t = 0; t < 1500; t++) {
      const { header: h, blob: b } = split(pick(sources));
      const arrays = h.arrays as Record<string, unknown>[];
      const mutation = rng.below(5);
      if (mutation === 0 && arrays.length > 0) pick(arrays)[pick(['name', 'dtype', 'byteOffset', 'length', 'crc32'])] = pick(values);
      else if (mutation === 1 && arrays.length > 0) arrays.push({ ...pick(arrays), name: `copy${t}` });
      else if (mutation === 2) h[pick(['kind', 'formatVersion', 'params', 'state', 'arrays', 'format'])] = pick(values);
      else if (mutation === 3 && arrays.length > 0) pick(arrays).byteOffset = 8 * rng.below(b.length / 8 + 2);
      let text = JSON.stringify(h);
      if (mutation === 4) {
        const at = rng.below(text.length);
        text = text.slice(0, at) + pick(['"', '{', ']', ',', '0', '9', 'e', '-']) + text.slice(at + 1);
      }
      const file = encode(text, b);
      try {
        const art = decodeArtifact(file);
        const total = Object.values(art.arrays).reduce((s, a) => s + a.byteLength, 0);
        expect(total).toBeLessThanOrEqual(file.length);
        loadModelSync(file);
        loaded++;
      } catch (err) {
        if (!(err instanceof ArtifactError)) throw err;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(500);
    expect(loaded).toBeGreaterThan(0);
  });
});

describe('model files that are not regular files', () => {
  it('/dev/zero, a folder and a FIFO are refused at once, sync and async', async () => {
    const fifo = join(dir, 'fifo');
    let haveFifo = true;
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      haveFifo = false;
    }
    const paths = ['/dev/zero', dir, ...(haveFifo ? [fifo] : [])];
    for (const p of paths) {
      await expect(loadModel(p)).rejects.toThrow(/cannot read model file \(not a regular file/);
      expect(thrown(() => loadModelSync(p))).toBeInstanceOf(ArtifactError);
    }
  });

  it('a file over maxBytes is refused before it is read', async () => {
    const path = join(dir, 'm.tkm');
    const bytes = modelToBytes(models.forest);
    writeFileSync(path, bytes);
    await expect(loadModel(path, { maxBytes: bytes.length - 1 })).rejects.toThrow(/larger than the limit .* maxBytes/);
    expect(() => loadModelSync(path, { maxBytes: 100 })).toThrow(ArtifactError);
    expect(predict(await loadModel(path, { maxBytes: bytes.length }), 'forest')).toEqual(predict(models.forest, 'forest'));
  });
});
