import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { KERNELS_WAT, assembleWat } from '../../../scripts/build-kernels.js';
import { KernelArena } from '../../../src/models/tree/arena.js';
import { type BinnedNumericFeature, DistinctTable, binColumns, binValues, findCuts, sortedDistinct } from '../../../src/models/tree/binning.js';
import { subtractHistogram } from '../../../src/models/tree/histogram.js';
import { moveBlock } from '../../../src/models/tree/partition.js';
import { KERNELS_WASM_BASE64 } from '../../../src/models/tree/kernels-wasm.js';
import {
  buildCodeList,
  buildHistogram,
  naiveCodeSplit,
  naiveHistogram,
  naiveNumericSplit,
  partitionByCode,
  partitionByThreshold,
} from '../../../src/models/tree/reference.js';
import {
  BEST_BIN,
  BEST_GAIN,
  BEST_MISSING_LEFT,
  BEST_SIZE,
  NODE_G,
  NODE_H,
  NODE_N,
  NODE_SCORE,
  NODE_SIZE,
  type SplitRules,
  leafScore,
  resetBest,
  scanCodeList,
  scanNumeric,
} from '../../../src/models/tree/split.js';

/** The kernels' node record for sums G, H over N rows. */
function nodeOf(G: number, H: number, N: number, rules: SplitRules): Float64Array {
  const node = new Float64Array(NODE_SIZE);
  node[NODE_G] = G;
  node[NODE_H] = H;
  node[NODE_N] = N;
  node[NODE_SCORE] = leafScore(G, H, rules.lambda, rules.alpha);
  return node;
}

function randomProblem(seed: number, n: number, nBins: number) {
  const rng = new Rng(seed);
  const bins = new Uint8Array(n);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bins[i] = rng.below(nBins);
    g[i] = rng.normal();
    h[i] = 0.5 + rng.float();
  }
  return { rng, bins, g, h };
}

describe('histogram kernels', () => {
  it('buildHistogram equals the naive histogram and reports the touched span', () => {
    const { rng, bins, g, h } = randomProblem(1, 500, 40);
    const idx = Int32Array.from({ length: 500 }, (_, i) => i).filter(() => rng.float() < 0.6);
    const hist = new Float64Array(3 * 40 + 6);
    const range = new Int32Array(2);
    buildHistogram(hist, 6, idx, 0, idx.length, bins, g, h, range);
    const ref = naiveHistogram(idx, bins, g, h, 40);
    for (let k = 0; k < ref.length; k++) expect(hist[6 + k]).toBeCloseTo(ref[k], 10);
    const used = Array.from(idx, (j) => bins[j]);
    expect(range[0]).toBe(Math.min(...used));
    expect(range[1]).toBe(Math.max(...used));
  });

  it('parent minus child equals the histogram of the other child', () => {
    const { bins, g, h } = randomProblem(2, 300, 20);
    const idx = Int32Array.from({ length: 300 }, (_, i) => i);
    const parent = new Float64Array(60);
    const child = new Float64Array(60);
    const range = new Int32Array(2);
    buildHistogram(parent, 0, idx, 0, 300, bins, g, h, range);
    const [plo, phi] = range;
    buildHistogram(child, 0, idx, 0, 120, bins, g, h, range);
    subtractHistogram(parent, child, 0, plo, phi, range);
    const ref = naiveHistogram(idx.subarray(120), bins, g, h, 20);
    for (let k = 0; k < 60; k++) expect(parent[k]).toBeCloseTo(ref[k], 10);
  });

  it('buildCodeList equals per-code sums of rows ordered by code', () => {
    const rng = new Rng(3);
    const n = 400;
    const codes = Int32Array.from({ length: n }, () => rng.below(50)).sort();
    const g = Float64Array.from({ length: n }, () => rng.normal());
    const h = Float64Array.from({ length: n }, () => rng.float());
    const idx = Int32Array.from({ length: n }, (_, i) => i).filter(() => rng.float() < 0.5);
    const L = () => new Int32Array(n);
    const F = () => new Float64Array(n);
    const [code, count, lg, lh] = [L(), L(), F(), F()];
    const len = buildCodeList(idx, 0, idx.length, codes, g, h, code, count, lg, lh, 5);
    const ref = new Map<number, { n: number; g: number; h: number }>();
    for (const j of idx) {
      const e = ref.get(codes[j]) ?? { n: 0, g: 0, h: 0 };
      e.n++;
      e.g += g[j];
      e.h += h[j];
      ref.set(codes[j], e);
    }
    expect(len).toBe(ref.size);
    // Entries in code order: each entry's block starts where the previous entries' rows end.
    let first = 0;
    for (let k = 5; k < 5 + len; k++) {
      const e = ref.get(code[k])!;
      expect(count[k]).toBe(e.n);
      expect(lg[k]).toBeCloseTo(e.g, 10);
      expect(lh[k]).toBeCloseTo(e.h, 10);
      expect(codes[idx[first]]).toBe(code[k]);
      if (k > 5) expect(code[k]).toBeGreaterThan(code[k - 1]);
      first += count[k];
    }
  });
});

describe('WebAssembly kernels', () => {
  /** Copies arrays into a fresh arena; returns their addresses and views of the copies. */
  function place(arrays: Record<string, Int32Array | Float64Array | Uint8Array>) {
    const arena = new KernelArena(1 << 16);
    const at: Record<string, number> = {};
    for (const [name, a] of Object.entries(arrays)) at[name] = arena.alloc(a.byteLength);
    const view = (name: string) => {
      const a = arrays[name];
      if (a instanceof Float64Array) return arena.float64(at[name], a.length);
      return a instanceof Uint8Array ? arena.uint8(at[name], a.length) : arena.int32(at[name], a.length);
    };
    for (const name of Object.keys(arrays)) view(name).set(arrays[name]);
    return { k: arena.kernels, at, view };
  }

  function packedProblem(seed: number, n: number, nCodes: number, nBins: number, keep: number) {
    const { rng, bins, g, h } = randomProblem(seed, n, nBins);
    const codes = Int32Array.from({ length: n }, () => rng.below(nCodes)).sort();
    const keys = Int32Array.from(codes, (c, j) => (c << 8) | bins[j]);
    const idx = Int32Array.from({ length: n }, (_, i) => i).filter(() => rng.float() < keep);
    return { rng, bins, g, h, codes, keys, idx };
  }

  it('the binary embedded in the package is kernels.wat assembled', async () => {
    expect(Buffer.from(await assembleWat(KERNELS_WAT)).toString('base64')).toBe(KERNELS_WASM_BASE64);
  });

  it('list + histogram, histogram and partition equal the JavaScript kernels on separate arrays, bit for bit, for every row count', () => {
    for (const [seed, n, nCodes, keep] of [[5, 700, 20000, 0.7], [6, 64, 9, 1], [7, 300, 3, 0.5]] as const) {
      const p = packedProblem(seed, n, nCodes, 256, keep);
      for (const [start, end] of [[3, p.idx.length], [2, 3], [5, 5], [0, Math.min(12, p.idx.length)], [5, p.idx.length - 2]]) {
        const lists = () => [new Int32Array(n + 2), new Int32Array(n + 2), new Float64Array(n + 2), new Float64Array(n + 2)] as const;
        const [c1, n1, g1, h1] = lists();
        const hist1 = new Float64Array(3 * 256 + 3);
        const r1 = new Int32Array(2);
        const len1 = buildCodeList(p.idx, start, end, p.codes, p.g, p.h, c1, n1, g1, h1, 1);
        buildHistogram(hist1, 1, p.idx, start, end, p.bins, p.g, p.h, r1);
        const [c2, n2, g2, h2] = lists();
        const w = place({ idx: p.idx, keys: p.keys, g: p.g, h: p.h, c2, n2, g2, h2, hist: new Float64Array(3 * 256 + 3), range: new Int32Array(2) });
        const len2 = w.k.listAndHistogram(w.at.idx, start, end, w.at.keys, w.at.g, w.at.h, w.at.c2, w.at.n2, w.at.g2, w.at.h2, 1, w.at.hist + 8, w.at.range);
        expect(len2).toBe(len1);
        expect(Array.from(w.view('range'))).toEqual(Array.from(r1));
        expect(Array.from(w.view('hist'))).toEqual(Array.from(hist1));
        for (const [a, name] of [[c1, 'c2'], [n1, 'n2'], [g1, 'g2'], [h1, 'h2']] as const) expect(Array.from(w.view(name))).toEqual(Array.from(a));

        const hist3 = new Float64Array(3 * 256);
        buildHistogram(hist3, 0, p.idx, start, end, p.bins, p.g, p.h, r1);
        w.view('hist').fill(0);
        w.k.histogram(w.at.hist, w.at.idx, start, end, w.at.keys, 255, w.at.g, w.at.h, w.at.range);
        expect(Array.from(w.view('hist').subarray(0, 3 * 256))).toEqual(Array.from(hist3));
        expect(Array.from(w.view('range'))).toEqual(Array.from(r1));

        for (const missingLeft of [false, true]) {
          const idx1 = p.idx.slice();
          const m1 = partitionByThreshold(idx1, new Int32Array(n), start, end, p.bins, 100, 255, missingLeft);
          const v = place({ idx: p.idx, keys: p.keys, scratch: new Int32Array(n) });
          const m2 = v.k.partition(v.at.idx, v.at.scratch, start, end, v.at.keys, 255, 100, missingLeft ? 255 : -1);
          expect(m2).toBe(m1);
          expect(Array.from(v.view('idx'))).toEqual(Array.from(idx1));
        }
      }
    }
  });

  it('byte-bin histogram and partition, plain-code histogram, partition and code list equal the JavaScript kernels, bit for bit', () => {
    for (const [seed, n, nCodes, keep] of [[11, 700, 5000, 0.7], [12, 64, 9, 1], [13, 300, 3, 0.5]] as const) {
      const p = packedProblem(seed, n, nCodes, 256, keep);
      for (const [start, end] of [[3, p.idx.length], [2, 3], [5, 5], [0, Math.min(12, p.idx.length)]]) {
        const r1 = new Int32Array(2);
        const width = 3 * Math.max(256, nCodes + 1);
        const w = place({ idx: p.idx, bins: p.bins, codes: p.codes, keys: p.keys, g: p.g, h: p.h, hist: new Float64Array(width), range: new Int32Array(2) });
        // Numeric feature: byte bins.
        const hist1 = new Float64Array(3 * 256);
        buildHistogram(hist1, 0, p.idx, start, end, p.bins, p.g, p.h, r1);
        w.k.histogram8(w.at.hist, w.at.idx, start, end, w.at.bins, w.at.g, w.at.h, w.at.range);
        expect(Array.from(w.view('hist').subarray(0, 3 * 256))).toEqual(Array.from(hist1));
        expect(Array.from(w.view('range'))).toEqual(Array.from(r1));
        // A categorical other than the primary: 32-bit codes, every bit of them the bin.
        const hist2 = new Float64Array(width);
        buildHistogram(hist2, 0, p.idx, start, end, p.codes, p.g, p.h, r1);
        w.view('hist').fill(0);
        w.k.histogram(w.at.hist, w.at.idx, start, end, w.at.codes, -1, w.at.g, w.at.h, w.at.range);
        expect(Array.from(w.view('hist'))).toEqual(Array.from(hist2));
        expect(Array.from(w.view('range'))).toEqual(Array.from(r1));
        // Code lists from plain codes (shift 0) and from keys (shift 8) are the same list.
        const lists = () => [new Int32Array(n + 2), new Int32Array(n + 2), new Float64Array(n + 2), new Float64Array(n + 2)] as const;
        const [c1, n1, g1, h1] = lists();
        const len1 = buildCodeList(p.idx, start, end, p.codes, p.g, p.h, c1, n1, g1, h1, 1);
        for (const [src, shift] of [['codes', 0], ['keys', 8]] as const) {
          const [c2, n2, g2, h2] = lists();
          const v = place({ idx: p.idx, src: src === 'codes' ? p.codes : p.keys, g: p.g, h: p.h, c2, n2, g2, h2 });
          expect(v.k.codeList(v.at.idx, start, end, v.at.src, shift, v.at.g, v.at.h, v.at.c2, v.at.n2, v.at.g2, v.at.h2, 1)).toBe(len1);
          for (const [a, name] of [[c1, 'c2'], [n1, 'n2'], [g1, 'g2'], [h1, 'h2']] as const) expect(Array.from(v.view(name))).toEqual(Array.from(a));
        }
        for (const missingLeft of [false, true]) {
          const idx1 = p.idx.slice();
          const m1 = partitionByThreshold(idx1, new Int32Array(n), start, end, p.bins, 100, 255, missingLeft);
          const v = place({ idx: p.idx, bins: p.bins, scratch: new Int32Array(n) });
          expect(v.k.partition8(v.at.idx, v.at.scratch, start, end, v.at.bins, 100, missingLeft ? 255 : -1)).toBe(m1);
          expect(Array.from(v.view('idx'))).toEqual(Array.from(idx1));
        }
        // "code == k": threshold -1, the code as the missing bin.
        const k = p.codes[p.idx[Math.min(start, p.idx.length - 1)]];
        const idx2 = p.idx.slice();
        const m2 = partitionByCode(idx2, new Int32Array(n), start, end, p.codes, k);
        const v = place({ idx: p.idx, codes: p.codes, scratch: new Int32Array(n) });
        expect(v.k.partition(v.at.idx, v.at.scratch, start, end, v.at.codes, -1, -1, k)).toBe(m2);
        expect(Array.from(v.view('idx'))).toEqual(Array.from(idx2));
      }
    }
  });

  it('subtractList leaves the parent list minus the child list in place, dropping emptied codes', () => {
    const p = packedProblem(8, 500, 40, 256, 1);
    const lists = () => [new Int32Array(500), new Int32Array(500), new Float64Array(500), new Float64Array(500)] as const;
    const parent = lists();
    const len = buildCodeList(p.idx, 0, 500, p.codes, p.g, p.h, ...parent, 0);
    // The child: a stable subset of the parent's rows (every row of some codes, some rows of others).
    const child = p.idx.filter((j) => p.codes[j] % 3 === 0 || p.rng.float() < 0.3);
    const small = lists();
    const lenS = buildCodeList(child, 0, child.length, p.codes, p.g, p.h, ...small, 0);
    // Naive: per code of the parent, subtract the child's entry of that code if any.
    const expected: [number, number, number, number][] = [];
    for (let e = 0; e < len; e++) {
      const k = Array.from(small[0].subarray(0, lenS)).indexOf(parent[0][e]);
      const cnt = parent[1][e] - (k >= 0 ? small[1][k] : 0);
      if (cnt > 0) expected.push([parent[0][e], cnt, k >= 0 ? parent[2][e] - small[2][k] : parent[2][e], k >= 0 ? parent[3][e] - small[3][k] : parent[3][e]]);
    }
    expect(expected.length).toBeLessThan(len);
    const w = place({ lc: parent[0], ln: parent[1], lg: parent[2], lh: parent[3], sc: small[0], sn: small[1], sg: small[2], sh: small[3] });
    const out = w.k.subtractList(w.at.lc, w.at.ln, w.at.lg, w.at.lh, 0, len, w.at.sc, w.at.sn, w.at.sg, w.at.sh, 0, lenS);
    expect(out).toBe(expected.length);
    const got = expected.map((_, e) => [w.view('lc')[e], w.view('ln')[e], w.view('lg')[e], w.view('lh')[e]]);
    expect(got).toEqual(expected);
  });

  it('gather copies keys and byte bins at in-bag positions', () => {
    const src = Int32Array.from({ length: 50 }, (_, i) => (i * 7919) ^ 0x5a5a);
    const bytes = Uint8Array.from(src, (v) => v & 255);
    const pos = Int32Array.from([0, 3, 3, 17, 49, 20, 1]);
    const w = place({ src, bytes, pos, dst: new Int32Array(7), dst8: new Uint8Array(7) });
    w.k.gather(w.at.dst, w.at.src, w.at.pos, 7);
    w.k.gather8(w.at.dst8, w.at.bytes, w.at.pos, 7);
    expect(Array.from(w.view('dst'))).toEqual(Array.from(pos, (k) => src[k]));
    expect(Array.from(w.view('dst8'))).toEqual(Array.from(pos, (k) => bytes[k]));
  });

  it('an arena that grows keeps its contents and reports the new buffer', () => {
    const arena = new KernelArena(1);
    const a = arena.alloc(40);
    arena.int32(a, 10).set(Array.from({ length: 10 }, (_, i) => i * i));
    const before = arena.buffer;
    arena.alloc(200_000);
    expect(arena.buffer).not.toBe(before);
    expect(Array.from(arena.int32(a, 10))).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    // Beyond what a 32-bit WebAssembly memory can hold: a typed error, the arena left as it was.
    expect(() => arena.alloc(2 ** 32)).toThrow(/4 GiB/);
    expect(Array.from(arena.int32(a, 10))).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    expect(arena.alloc(8)).toBe(40 + 200_000);
  });
});

describe('split kernels', () => {
  const ruleSets: SplitRules[] = [
    { minSamplesLeaf: 1, minChildWeight: 0, lambda: 0, alpha: 0 },
    { minSamplesLeaf: 7, minChildWeight: 0, lambda: 0, alpha: 0 },
    { minSamplesLeaf: 1, minChildWeight: 4, lambda: 1.5, alpha: 0.7 },
  ];

  it('scanNumeric finds the naive best threshold, missing values on the better side', () => {
    for (const [s, rules] of ruleSets.entries()) {
      const nCuts = 15;
      const { rng, bins, g, h } = randomProblem(10 + s, 300, nCuts + 1);
      for (let i = 0; i < 300; i++) {
        if (rng.float() < 0.1) {
          bins[i] = nCuts + 1;
          g[i] += 2;
        }
      }
      const idx = Int32Array.from({ length: 300 }, (_, i) => i);
      const hist = new Float64Array(3 * (nCuts + 2));
      const range = new Int32Array(2);
      buildHistogram(hist, 0, idx, 0, 300, bins, g, h, range);
      let G = 0;
      let H = 0;
      for (let i = 0; i < 300; i++) {
        G += g[i];
        H += h[i];
      }
      const best = new Float64Array(BEST_SIZE);
      resetBest(best);
      scanNumeric(hist, 0, range[0], range[1], nCuts, -1, nodeOf(G, H, 300, rules), rules, 0, best);
      const ref = naiveNumericSplit(idx, bins, nCuts, g, h, rules);
      expect(best[BEST_GAIN]).toBeCloseTo(ref.gain, 8);
      expect(best[BEST_BIN]).toBe(ref.bin);
      expect(best[BEST_MISSING_LEFT] === 1).toBe(ref.missingLeft);
    }
  });

  it('scanCodeList finds the naive best "code vs rest" split (plain and regularised paths)', () => {
    for (const [s, rules] of ruleSets.entries()) {
      const rng = new Rng(20 + s);
      const n = 500;
      const unknown = 90;
      const codes = Int32Array.from({ length: n }, () => rng.below(unknown + 1)).sort();
      const g = Float64Array.from(codes, (c) => (c % 7 === 0 ? 3 : 0) + rng.normal());
      const h = Float64Array.from({ length: n }, () => 1);
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      const L = () => new Int32Array(n);
      const F = () => new Float64Array(n);
      const [code, count, lg, lh] = [L(), L(), F(), F()];
      const len = buildCodeList(idx, 0, n, codes, g, h, code, count, lg, lh, 0);
      let G = 0;
      for (const v of g) G += v;
      const best = new Float64Array(BEST_SIZE);
      resetBest(best);
      const arena = new KernelArena(1 << 16);
      const at = [4 * n, 4 * n, 8 * n, 8 * n].map((bytes) => arena.alloc(bytes));
      const lists = { at: { code: at[0], count: at[1], g: at[2], h: at[3] }, code: arena.int32(at[0], n), count: arena.int32(at[1], n), g: arena.float64(at[2], n), h: arena.float64(at[3], n) };
      lists.code.set(code);
      lists.count.set(count);
      lists.g.set(lg);
      lists.h.set(lh);
      scanCodeList(arena.kernels, lists, 0, len, unknown, nodeOf(G, n, n, rules), rules, 0, best);
      const ref = naiveCodeSplit(idx, codes, unknown, g, h, rules);
      expect(best[BEST_GAIN]).toBeCloseTo(ref.gain, 8);
      expect(best[BEST_BIN]).toBe(ref.bin);
    }
  });
});

describe('partition kernels', () => {
  it('partitionByThreshold is a stable split by bin (missing bin on the chosen side)', () => {
    const rng = new Rng(5);
    const bins = Uint8Array.from({ length: 200 }, () => rng.below(12));
    for (const missingLeft of [false, true]) {
      const idx = Int32Array.from({ length: 200 }, (_, i) => i);
      const scratch = new Int32Array(200);
      const m = partitionByThreshold(idx, scratch, 10, 190, bins, 4, 11, missingLeft);
      const isLeft = (j: number) => bins[j] <= 4 || (missingLeft && bins[j] === 11);
      const all = Array.from({ length: 180 }, (_, i) => i + 10);
      expect(Array.from(idx.subarray(10, m))).toEqual(all.filter(isLeft));
      expect(Array.from(idx.subarray(m, 190))).toEqual(all.filter((j) => !isLeft(j)));
      expect(Array.from(idx.subarray(0, 10))).toEqual(all.slice(0, 0).concat(Array.from({ length: 10 }, (_, i) => i)));
    }
  });

  it('partitionByCode and moveBlock keep the order of the other rows', () => {
    const codes = Int32Array.from([0, 0, 1, 1, 1, 2, 3, 3, 4, 4]);
    const idx = Int32Array.from({ length: 10 }, (_, i) => i);
    const scratch = new Int32Array(10);
    const m = partitionByCode(idx, scratch, 0, 10, codes, 3);
    expect(m).toBe(2);
    expect(Array.from(idx)).toEqual([6, 7, 0, 1, 2, 3, 4, 5, 8, 9]);
    const a = Int32Array.from({ length: 10 }, (_, i) => i);
    moveBlock(a, scratch, 1, 9, 4, 6, true);
    expect(Array.from(a)).toEqual([0, 4, 5, 1, 2, 3, 6, 7, 8, 9]);
    const b = Int32Array.from({ length: 10 }, (_, i) => i);
    moveBlock(b, scratch, 1, 9, 3, 5, false);
    expect(Array.from(b)).toEqual([0, 1, 2, 5, 6, 7, 8, 3, 4, 9]);
  });
});

describe('binning', () => {
  it('few distinct values: one bin each, cuts at midpoints (exact thresholds)', () => {
    const cuts = findCuts(Float64Array.from([3, 1, 2, 2, 10, 1]), 255);
    expect(Array.from(cuts)).toEqual([1.5, 2.5, 6.5]);
    const out = new Uint8Array(4);
    binValues(Float64Array.from([1, 2.5, 11, Number.NaN]), cuts, out);
    expect(Array.from(out)).toEqual([0, 1, 3, 4]);
  });

  it('binning through the table of distinct values equals sorting and searching: cuts, bins, bin extremes', () => {
    const rng = new Rng(12);
    for (const [n, nValues] of [[5000, 40], [20_000, 900], [3000, 2]] as const) {
      const pool = Float64Array.from({ length: nValues }, () => Math.round(rng.normal(5, 20) * 100) / 100);
      pool[0] = 0;
      pool[1 % nValues] = -0;
      const v = Float64Array.from({ length: n }, () => (rng.float() < 0.03 ? Number.NaN : pool[rng.below(nValues)]));
      v[7] = 244_152;
      const table = DistinctTable.of(v, 1024);
      expect(table).toBeDefined();
      const sorted = sortedDistinct(v.filter((x) => !Number.isNaN(x)));
      expect(Array.from(table!.distinct.values)).toEqual(Array.from(sorted.values));
      expect(Array.from(table!.distinct.counts)).toEqual(Array.from(sorted.counts));
      for (const maxBins of [255, 16]) {
        const data = binColumns({ format: 'columns', nRows: n, columns: [{ kind: 'numeric', name: 'x', values: v }] }, { maxBins });
        const f = data.features[0] as BinnedNumericFeature;
        const cuts = findCuts(v, maxBins);
        expect(Array.from(f.cuts)).toEqual(Array.from(cuts));
        const bins = new Uint8Array(n);
        binValues(v, cuts, bins);
        expect(Array.from(f.bins)).toEqual(Array.from(bins));
        const lo = new Float64Array(cuts.length + 1).fill(Number.NaN);
        const hi = new Float64Array(cuts.length + 1).fill(Number.NaN);
        v.forEach((x, i) => {
          if (Number.isNaN(x)) return;
          lo[bins[i]] = Math.min(x + 0, Number.isNaN(lo[bins[i]]) ? x + 0 : lo[bins[i]]);
          hi[bins[i]] = Math.max(x + 0, Number.isNaN(hi[bins[i]]) ? x + 0 : hi[bins[i]]);
        });
        expect(Array.from(f.binMin)).toEqual(Array.from(lo));
        expect(Array.from(f.binMax)).toEqual(Array.from(hi));
      }
    }
    // More distinct values than the limit: no table (binning sorts instead).
    expect(DistinctTable.of(Float64Array.from({ length: 3000 }, (_, i) => i / 7), 1024)).toBeUndefined();
  });

  it('many distinct values: at most maxBins bins, heavy values isolated, outliers harmless', () => {
    const rng = new Rng(9);
    const v = new Float64Array(20_000);
    for (let i = 0; i < v.length; i++) v[i] = rng.float() < 0.2 ? 1 : rng.float() * 30;
    v[0] = 244_152;
    const cuts = findCuts(v, 64);
    expect(cuts.length).toBeLessThanOrEqual(63);
    for (let k = 1; k < cuts.length; k++) expect(cuts[k]).toBeGreaterThan(cuts[k - 1]);
    // The heavy value 1 sits alone in its bin: a cut just below and just above it.
    const below = cuts.findLastIndex((c) => c < 1);
    expect(cuts[below + 1]).toBeGreaterThanOrEqual(1);
    const lowerNeighbour = Math.max(...Array.from(v).filter((x) => x < 1));
    const upperNeighbour = Math.min(...Array.from(v).filter((x) => x > 1));
    expect(cuts[below]).toBeCloseTo((lowerNeighbour + 1) / 2, 12);
    expect(cuts[below + 1]).toBeCloseTo((upperNeighbour + 1) / 2, 12);
    // The outlier does not stretch the top bins: the last cut is inside the bulk.
    expect(cuts[cuts.length - 1]).toBeLessThan(31);
  });

  it('binColumns orders rows by the primary categorical code and rejects bad codes', () => {
    const data = binColumns({
      format: 'columns',
      nRows: 5,
      columns: [
        { kind: 'numeric', name: 'x', values: Float64Array.from([1, 2, 3, 4, 5]) },
        { kind: 'categorical', name: 'c', codes: Int32Array.from([2, 0, 2, 1, 0]), categories: ['a', 'b', 'c'] },
      ],
    });
    expect(data.primary).toBe(1);
    expect(Array.from(data.order)).toEqual([1, 4, 3, 0, 2]);
    expect(() =>
      binColumns({ format: 'columns', nRows: 1, columns: [{ kind: 'categorical', name: 'c', codes: Int32Array.from([7]), categories: ['a'] }] }),
    ).toThrow(/column 'c' row 0: code 7/);
  });
});

describe('row routing', () => {
  it('RowRouter gives the same sums as walking each row down each tree', async () => {
    const { RandomForestRegressor } = await import('../../../src/models/ensemble/forest.js');
    const { RowRouter } = await import('../../../src/models/tree/route.js');
    const { predictTrees } = await import('../../../src/models/tree/tree.js');
    const rng = new Rng(77);
    const n = 3000;
    const codes = Int32Array.from({ length: n }, () => rng.below(60));
    const x = Float64Array.from({ length: n }, () => (rng.float() < 0.05 ? Number.NaN : rng.float() * 10));
    const y = Float64Array.from({ length: n }, (_, i) => (codes[i] % 5) * 2 + (Number.isNaN(x[i]) ? 3 : x[i]) + rng.normal());
    const categories = Array.from({ length: 60 }, (_, k) => `c${k}`);
    const model = new RandomForestRegressor({ nEstimators: 5, maxDepth: 9 }).fit(
      { format: 'columns', nRows: n, columns: [{ kind: 'categorical', name: 'c', codes, categories }, { kind: 'numeric', name: 'x', values: x }] },
      y,
    );
    // New rows, including the unseen code 60.
    const m = 1000;
    const rows = new Float64Array(2 * m);
    for (let i = 0; i < m; i++) {
      rows[2 * i] = rng.below(61);
      rows[2 * i + 1] = rng.float() < 0.05 ? Number.NaN : rng.float() * 12 - 1;
    }
    const t = model.trees;
    const walked = new Float64Array(m);
    predictTrees(t.feature, t.lo, t.hi, t.child, t.value, t.roots, 0, t.roots.length, rows, m, 2, 1, walked);
    const routed = new Float64Array(m);
    new RowRouter(rows, m, 2, 0).addTrees(t.feature, t.lo, t.hi, t.child, t.value, t.roots, 0, t.roots.length, 1, routed);
    for (let i = 0; i < m; i++) expect(routed[i]).toBeCloseTo(walked[i], 9);
  });
});

describe('flat tree arrays', () => {
  it('concatTrees and sliceTree round-trip each tree', async () => {
    const { concatTrees, sliceTree } = await import('../../../src/models/tree/tree.js');
    const { RandomForestRegressor } = await import('../../../src/models/ensemble/forest.js');
    const rng = new Rng(8);
    const n = 500;
    const x = Float64Array.from({ length: n }, () => rng.float());
    const y = Float64Array.from(x, (v) => (v > 0.5 ? 1 : 0) + rng.normal(0, 0.1));
    const model = new RandomForestRegressor({ nEstimators: 3, maxDepth: 4 }).fit({ format: 'dense', nRows: n, nCols: 1, data: x }, y);
    const trees = [0, 1, 2].map((t) => sliceTree(model.trees, t));
    expect(trees.reduce((s, t) => s + t.nNodes, 0)).toBe(model.trees.nNodes);
    const again = concatTrees(trees);
    expect(Array.from(again.child)).toEqual(Array.from(model.trees.child));
    expect(Array.from(again.roots)).toEqual(Array.from(model.trees.roots));
    expect(Array.from(again.value)).toEqual(Array.from(model.trees.value));
  });
});
