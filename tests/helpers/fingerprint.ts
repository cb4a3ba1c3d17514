/**
 * Fingerprints of fitted trees and predictions: a SHA-256 over the bytes of every array, so a
 * test can say "the learner still grows exactly these trees" after a change to its internals.
 */
import { createHash } from 'node:crypto';
import type { ForestArrays } from '../../src/models/tree/tree.js';

const FIELDS = ['roots', 'feature', 'lo', 'hi', 'binLo', 'binHi', 'child', 'value', 'gain', 'count'] as const;

type Bytes = Int32Array | Float64Array | Uint8Array;

/** The first 16 hex digits of the SHA-256 of the arrays' bytes, in order. */
export function fingerprint(...arrays: readonly Bytes[]): string {
  const hash = createHash('sha256');
  for (const a of arrays) {
    hash.update(String(a.length));
    hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Fingerprint of every array of a forest (structure, thresholds, values, gains, counts). */
export function forestFingerprint(trees: ForestArrays): string {
  return fingerprint(...FIELDS.map((k) => trees[k]));
}
