/**
 * The hand-over to the Python peers: the .npy files tunekit writes and the digest both sides
 * compute of the matrices. NumPy's own reader checks the files when Debian's python3-numpy is
 * installed; without it those checks are skipped, saying so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npyBytes, writeNpyFolder } from '../../benchmarks/peers/npy.js';
import { matricesDigest, PEER_PYTHON } from '../../benchmarks/peers/python.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunekit-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasNumpy = spawnSync(PEER_PYTHON, ['-c', 'import numpy, scipy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn(`skipping the NumPy read-back checks: ${PEER_PYTHON} cannot import numpy and scipy (apt-get install python3-numpy python3-scipy)`);

function python(script: string, ...args: string[]): string {
  return execFileSync(PEER_PYTHON, ['-c', script, ...args], { encoding: 'utf8' }).trim();
}

describe('npy', () => {
  it('writes a version 1.0 header padded so the data starts on a 64-byte boundary', () => {
    const bytes = npyBytes(new Float64Array([1.5, -2, Number.NaN]));
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes.readUInt16LE(8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f8', 'fortran_order': False, 'shape': \(3,\), \} *\n$/);
    expect(new Float64Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length))).toEqual(new Float64Array([1.5, -2, Number.NaN]));
  });

  it('writes only float64 and int32 arrays', () => {
    expect(() => npyBytes(new Float32Array(2) as unknown as Float64Array)).toThrow(/only Float64Array and Int32Array/);
  });

  it.skipIf(!hasNumpy)('is read by numpy.load exactly, subarrays included', () => {
    const ints = new Int32Array([7, -1, 2 ** 31 - 1, 0, 5]).subarray(1, 4);
    const floats = new Float64Array(1000).map((_, i) => Math.sin(i) * 1e6);
    const dir = path.join(tmp, 'arrays');
    writeNpyFolder(dir, { ints, floats }, { key: 'k' });
    const out = python(
      'import json, sys, numpy as np; a = np.load(sys.argv[1] + "/ints.npy"); b = np.load(sys.argv[1] + "/floats.npy"); ' +
        'print(json.dumps([str(a.dtype), a.tolist(), str(b.dtype), b.tolist()]))',
      dir,
    );
    // Python's float repr and JSON.parse both round-trip doubles exactly.
    expect(JSON.parse(out)).toEqual(['int32', [-1, 2 ** 31 - 1, 0], 'float64', Array.from(floats)]);
  });

  it.skipIf(!hasNumpy)('gives the digest the Python worker computes of the CSR matrices it loads', () => {
    // Two rows of a 3-column CSR matrix per split, with their targets.
    const split = (shift: number) => ({
      X: { format: 'csr' as const, nRows: 2, nCols: 3, indptr: new Int32Array([0, 2, 3]), indices: new Int32Array([0, 2, 1]), values: new Float64Array([1, 2.5 + shift, 1]) },
      y: new Float64Array([10 + shift, 20]),
    });
    const train = split(0);
    const val = split(1);
    const dir = path.join(tmp, 'matrices');
    const arrays: Record<string, Int32Array | Float64Array> = {};
    for (const [name, s] of [['train', train], ['val', val]] as const) {
      Object.assign(arrays, { [`${name}_indptr`]: s.X.indptr, [`${name}_indices`]: s.X.indices, [`${name}_data`]: s.X.values, [`${name}_y`]: s.y });
    }
    writeNpyFolder(dir, arrays, { key: 'm', features: 3, train: { rows: 2 }, val: { rows: 2 } });
    const here = path.resolve('benchmarks/peers');
    const out = python(`import sys, json; sys.path.insert(0, ${JSON.stringify(here)}); import taxi_data; print(json.dumps(taxi_data.load(sys.argv[1])))`, dir);
    const [figures, info] = JSON.parse(out) as [Record<string, number>, Record<string, string>];
    expect(figures).toEqual({ rows: 2, features: 3, nnz: 3 });
    expect(info.digest).toBe(matricesDigest(train, val));
    // A different matrix gives a different digest.
    expect(matricesDigest(train, split(2))).not.toBe(info.digest);
  });
});
