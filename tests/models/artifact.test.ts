import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError } from '../../src/core/errors.js';
import type { CsrMatrix } from '../../src/features/matrix.js';
import { type ModelArtifact, crc32, decodeArtifact, encodeArtifact, tableCrc32 } from '../../src/models/artifact.js';
import { loadModel, loadModelSync, modelToBytes, saveModel } from '../../src/models/io.js';
import { modelKinds } from '../../src/models/kinds.js';
import { ElasticNet, Lasso, LinearModel, LinearRegression, Ridge } from '../../src/models/linear/index.js';
import { loadModelArtifact } from '../../src/models/registry.js';
import { oneHotProblem } from './linear/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-artifact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { X, y } = oneHotProblem(41, 300, 20, 1);
const named: CsrMatrix = { ...X, featureNames: Array.from({ length: X.nCols }, (_, j) => (j < 20 ? `PU_DO=${j}` : 'trip_distance')) };
const fitted = [
  new LinearRegression().fit(named, y),
  new Ridge({ alpha: 0.5 }).fit(named, y),
  new Lasso({ alpha: 0.05 }).fit(named, y),
  new ElasticNet({ alpha: 0.05, l1Ratio: 0.3 }).fit(named, y),
];

/** Re-encode an artifact with a changed header (the bytes stay well-formed). */
function withHeader(artifact: ModelArtifact, change: (h: Record<string, unknown>) => void): Uint8Array {
  const header = JSON.parse(JSON.stringify(artifact.header)) as Record<string, unknown>;
  change(header);
  return encodeArtifact({ header: header as unknown as ModelArtifact['header'], arrays: artifact.arrays });
}

describe('model artifacts', () => {
  it('registers every linear kind', () => {
    for (const kind of ['linear_regression', 'ridge', 'lasso', 'elastic_net']) {
      expect(modelKinds.get(kind).input).toBe('matrix');
      expect(modelKinds.get(kind).create().kind).toBe(kind);
    }
  });

  it.each(fitted.map((m) => [m.kind, m] as const))('%s round-trips bytes, files and artifacts with identical predictions', async (_, model) => {
    const expected = model.predict(X);
    const bytes = modelToBytes(model);
    const back = loadModelSync(bytes) as LinearModel;
    expect(back).toBeInstanceOf(LinearModel);
    expect(back.kind).toBe(model.kind);
    expect(back.params).toEqual(model.params);
    expect(back.featureNames).toEqual(named.featureNames);
    expect(back.intercept).toBe(model.intercept);
    expect(back.info).toEqual(model.info);
    expect(back.predict(X)).toEqual(expected);
    const header = decodeArtifact(bytes).header;
    expect(header.libraryVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(header.formatVersion).toBe(1);
    const path = join(dir, `${model.kind}.tkm`);
    await saveModel(model, path);
    expect((await loadModel(path)).predict(X)).toEqual(expected);
    expect(loadModelSync(path).predict(X)).toEqual(expected);
    expect(loadModelArtifact(model.toArtifact()).predict(X)).toEqual(expected);
  });

  it('truncated bytes throw ArtifactError at every cut point', () => {
    const bytes = modelToBytes(fitted[0]);
    const cuts = [0, 5, 15, 16, 40, bytes.length - 8, bytes.length - 1];
    for (const cut of cuts) expect(() => loadModelSync(bytes.subarray(0, cut))).toThrow(ArtifactError);
    expect(() => loadModelSync(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });

  it('corrupted bytes throw ArtifactError', () => {
    const bytes = modelToBytes(fitted[1]);
    const badMagic = bytes.slice();
    badMagic[0] ^= 0xff;
    expect(() => loadModelSync(badMagic)).toThrow(/bad magic/);
    const badJson = bytes.slice();
    badJson[16] = 0x7b ^ 0x55; // the header's opening brace
    expect(() => loadModelSync(badJson)).toThrow(/corrupt header \(checksum mismatch\)/);
    const h = new DataView(bytes.buffer).getUint32(12, true);
    new DataView(badJson.buffer).setUint32(16 + h, crc32(badJson.subarray(16, 16 + h)), true);
    expect(() => loadModelSync(badJson)).toThrow(/corrupt header JSON/);
    const badLength = bytes.slice();
    new DataView(badLength.buffer).setUint32(12, 0x7fffffff, true);
    expect(() => loadModelSync(badLength)).toThrow(/header of 2147483647 bytes is larger than the limit/);
    new DataView(badLength.buffer).setUint32(12, bytes.length, true);
    expect(() => loadModelSync(badLength)).toThrow(/truncated header/);
    const artifact = fitted[1].toArtifact();
    expect(() => loadModelSync(withHeader(artifact, (h) => (h.params = { alpha: -3 })))).toThrow(/invalid params.*alpha/);
    expect(() => loadModelSync(withHeader(artifact, (h) => (h.state = { intercept: 'x' })))).toThrow(/no finite intercept/);
    expect(() => loadModelSync(withHeader(artifact, (h) => (h.featureNames = ['a'])))).toThrow(/1 feature names for 21 coefficients/);
    expect(() => loadModelArtifact({ header: artifact.header, arrays: {} })).toThrow(/missing array 'coef'/);
    expect(() => loadModelArtifact({ header: artifact.header, arrays: { coef: new Float32Array(21) } })).toThrow(/wrong type/);
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0x01; // one bit inside the stored coefficients
    expect(() => loadModelSync(flipped)).toThrow(/checksum mismatch in array/);
    const garbage = new Uint8Array(64).fill(7);
    expect(() => loadModelSync(garbage)).toThrow(ArtifactError);
  });

  it('unknown kinds and newer format versions get clear errors', () => {
    const artifact = fitted[0].toArtifact();
    expect(() => loadModelSync(withHeader(artifact, (h) => (h.kind = 'quantum_forest')))).toThrow(/unknown model kind 'quantum_forest' \(known: .*linear_regression/);
    expect(() => loadModelSync(withHeader(artifact, (h) => (h.formatVersion = 99)))).toThrow(/format version 99 is newer .* upgrade tunekit/);
    expect(() => LinearModel.fromArtifact(artifact, 'ridge', Ridge.spec)).toThrow(/holds a 'linear_regression' model, expected 'ridge'/);
  });

  it('file errors name the path', async () => {
    const missing = join(dir, 'nope.tkm');
    await expect(loadModel(missing)).rejects.toThrow(new RegExp(`${missing}: cannot read model file \\(ENOENT\\)`));
    const junk = join(dir, 'junk.tkm');
    writeFileSync(junk, 'not a model at all, just text');
    await expect(loadModel(junk)).rejects.toThrow(new RegExp(`${junk}: not a tunekit model artifact`));
    await expect(saveModel(fitted[0], join(dir, 'no-such-dir', 'm.tkm'))).rejects.toThrow(ArtifactError);
  });
});

describe('artifact checksum', () => {
  it('CRC-32 is the IEEE one (check value of "123456789") and the native and table versions agree', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(tableCrc32(check)).toBe(0xcbf43926);
    const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24);
    for (const [from, to] of [[0, 0], [0, 1], [3, 4099], [0, bytes.length]]) {
      const part = bytes.subarray(from, to);
      expect(crc32(part)).toBe(tableCrc32(part));
    }
  });
});
