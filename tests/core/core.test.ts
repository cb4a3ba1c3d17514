import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, LIBRARY_VERSION, Registry, Rng, defineParams, mixSeeds, resolveParams, sharedArray, toShared } from '../../src/core/index.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('float is in [0,1) with mean ~0.5; int covers its inclusive range uniformly', () => {
    const r = new Rng(1);
    let sum = 0;
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      counts[r.int(0, 5)]++;
    }
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('normal has mean 0 and std 1', () => {
    const r = new Rng(7);
    const xs = Array.from({ length: 50_000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
  });

  it('fork depends on seed and key only, not on how far the parent has advanced', () => {
    const a = new Rng(5);
    const f1 = a.fork(3).nextUint32();
    a.nextUint32();
    expect(a.fork(3).nextUint32()).toBe(f1);
    expect(a.fork(4).nextUint32()).not.toBe(f1);
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
  });

  it('shuffle is a permutation', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(9).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('params', () => {
  const spec = defineParams({
    maxDepth: { type: 'int', default: null, min: 1, nullable: true, doc: 'depth' },
    alpha: { type: 'float', default: 1, min: 0, exclusiveMin: true, doc: 'alpha' },
    criterion: { type: 'enum', values: ['squared_error', 'absolute_error'], default: 'squared_error', doc: 'c' },
    bootstrap: { type: 'bool', default: true, doc: 'b' },
  });

  it('fills defaults and keeps given values', () => {
    const p = resolveParams('Est', spec, { maxDepth: 3 });
    expect(p).toEqual({ maxDepth: 3, alpha: 1, criterion: 'squared_error', bootstrap: true });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it.each([
    [{ maxDepth: 0 }, /maxDepth' must be >= 1; got 0/],
    [{ maxDepth: 2.5 }, /maxDepth' must be an integer; got 2.5/],
    [{ alpha: 0 }, /alpha' must be > 0/],
    [{ alpha: Number.NaN }, /alpha' must be a finite number/],
    [{ criterion: 'gini' }, /criterion' must be one of/],
    [{ bootstrap: 1 }, /bootstrap' must be a boolean/],
    [{ nEstimators: 5 }, /nEstimators' is not a parameter/],
  ])('rejects %o', (input, message) => {
    expect(() => resolveParams('Est', spec, input)).toThrow(InvalidParameterError);
    expect(() => resolveParams('Est', spec, input)).toThrow(message);
  });

  it('json params hold plain structured values, checked by their spec', () => {
    const weights = defineParams({
      classWeight: {
        type: 'json',
        default: null as Readonly<Record<string, number>> | 'balanced' | null,
        check: (v: unknown) => (v === 'balanced' || (typeof v === 'object' && !Array.isArray(v)) ? undefined : "must be 'balanced' or a map"),
        doc: 'w',
      },
    });
    expect(resolveParams('Est', weights, {}).classWeight).toBeNull();
    expect(resolveParams('Est', weights, { classWeight: { a: 2 } }).classWeight).toEqual({ a: 2 });
    expect(() => resolveParams('Est', weights, { classWeight: [1] })).toThrow(/must be 'balanced' or a map/);
    expect(() => resolveParams('Est', weights, { classWeight: { a: Number.NaN } })).toThrow(/plain JSON/);
    expect(() => resolveParams('Est', weights, { classWeight: new Map() })).toThrow(/plain JSON/);
  });
});

describe('registry and shared arrays', () => {
  it('looks up by name and names the known ones on a miss', () => {
    const r = new Registry<number>('thing', [['a', 1]]);
    expect(r.get('a')).toBe(1);
    expect(() => r.get('b')).toThrow(/unknown thing 'b' \(known: a\)/);
    expect(() => r.register('a', 2)).toThrow(/already registered/);
  });

  it('sharedArray and toShared give SharedArrayBuffer-backed arrays', () => {
    const a = sharedArray(Float64Array, 4);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const b = toShared(Float64Array.of(1, 2));
    expect(b.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...b]).toEqual([1, 2]);
    expect(toShared(b)).toBe(b);
  });

  it('LIBRARY_VERSION equals package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });
});
