import { describe, expect, it } from 'vitest';
import { ArtifactError, InvalidInputError } from '../../src/core/errors.js';
import { LabelEncoder } from '../../src/models/labels.js';

describe('LabelEncoder', () => {
  it('sorts numbers numerically and strings by code unit, as numpy does', () => {
    expect(LabelEncoder.fit('t', Float64Array.of(10, 2, 2, -1, 10)).classes).toEqual(Float64Array.of(-1, 2, 10));
    expect(LabelEncoder.fit('t', ['b', 'B', 'a', 'b', 'é']).classes).toEqual(['B', 'a', 'b', 'é']);
    expect(LabelEncoder.fit('t', [3, 1], [2, 3]).classes).toEqual(Float64Array.of(1, 2, 3));
  });

  it('encodes to codes and decodes back to labels of the same type', () => {
    const enc = LabelEncoder.fit('t', ['no', 'yes', 'no']);
    const codes = enc.encode('t', ['yes', 'no', 'yes']);
    expect(Array.from(codes)).toEqual([1, 0, 1]);
    expect(enc.decode(codes)).toEqual(['yes', 'no', 'yes']);
    const num = LabelEncoder.fit('t', Float64Array.of(0.5, 7));
    expect(num.decode(Int32Array.of(1, 0))).toEqual(Float64Array.of(7, 0.5));
    expect(num.codeOf(7)).toBe(1);
    expect(num.codeOf(8)).toBe(-1);
  });

  it('round-trips through artifact parts', () => {
    for (const enc of [LabelEncoder.fit('t', ['x', 'y']), LabelEncoder.fit('t', [1, 4])]) {
      const parts = enc.toArtifactParts();
      const header = { format: 'tunekit-model', formatVersion: 1, kind: 'k', libraryVersion: '0', params: {}, state: parts.state } as const;
      expect(LabelEncoder.fromArtifact({ header, arrays: parts.arrays }).classes).toEqual(enc.classes);
    }
    const header = { format: 'tunekit-model' as const, formatVersion: 1, kind: 'k', libraryVersion: '0', params: {}, state: { classes: ['b', 'a'] } };
    expect(() => LabelEncoder.fromArtifact({ header, arrays: {} })).toThrow(ArtifactError);
    const both = { ...header, state: { classes: ['a', 'b'] } };
    expect(() => LabelEncoder.fromArtifact({ header: both, arrays: { classes: Float64Array.of(0, 1) } })).toThrow(/both as names and as an array/);
  });

  it('names bad labels', () => {
    expect(() => LabelEncoder.fit('fit', [])).toThrow(/y is empty/);
    expect(() => LabelEncoder.fit('fit', [1, Number.NaN])).toThrow(/non-finite label \(NaN\) at row 1/);
    expect(() => LabelEncoder.fit('fit', ['a', 1] as unknown as string[])).toThrow(/mixes strings/);
    expect(() => LabelEncoder.fit('fit', ['a'], [1])).toThrow(/mix strings and numbers/);
    const enc = LabelEncoder.fit('fit', ['a', 'b']);
    expect(() => enc.encode('predict', ['a', 'c'])).toThrow(/label "c" at row 1 is not one of the classes \("a", "b"\)/);
    expect(() => enc.encode('predict', [1])).toThrow(InvalidInputError);
    expect(() => LabelEncoder.of('t', Float64Array.of(2, 1))).toThrow(/not sorted/);
  });
});
