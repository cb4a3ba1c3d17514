/**
 * NumPy's `.npy` format (version 1.0) for one typed array: what the Python peers read with
 * `numpy.load`, no Parquet reader needed. The format is a magic string, a header naming dtype and
 * shape, and the raw little-endian bytes.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type NpyArray = Float64Array | Int32Array;

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0

function descr(a: NpyArray): string {
  if (a instanceof Float64Array) return '<f8';
  if (a instanceof Int32Array) return '<i4';
  throw new TypeError('npy: only Float64Array and Int32Array are written');
}

/** The bytes of a `.npy` file holding `a` as a 1-D array. */
export function npyBytes(a: NpyArray): Buffer {
  if (os.endianness() !== 'LE') throw new Error('npy: this writer assumes a little-endian machine');
  let header = `{'descr': '${descr(a)}', 'fortran_order': False, 'shape': (${a.length},), }`;
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
  const total = MAGIC.length + 2 + header.length + 1;
  header = header.padEnd(header.length + ((64 - (total % 64)) % 64)) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return Buffer.concat([MAGIC, len, Buffer.from(header, 'latin1'), Buffer.from(a.buffer, a.byteOffset, a.byteLength)]);
}

/**
 * Writes each array as `<dir>/<name>.npy`, plus `meta.json`, once: a folder already holding the
 * same `meta.key` is kept (another benchmark process of the run wrote it). The folder appears
 * whole or not at all (written aside, then renamed).
 */
export function writeNpyFolder(dir: string, arrays: Readonly<Record<string, NpyArray>>, meta: { readonly key: string } & Record<string, unknown>): void {
  const metaFile = path.join(dir, 'meta.json');
  if (existsSync(metaFile) && (JSON.parse(readFileSync(metaFile, 'utf8')) as { key?: string }).key === meta.key) return;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, a] of Object.entries(arrays)) writeFileSync(path.join(tmp, `${name}.npy`), npyBytes(a));
  writeFileSync(path.join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
