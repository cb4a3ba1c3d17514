/**
 * The frame path of DictVectorizer against its record path (scikit-learn's semantics written
 * plainly) on random frames of any shape: many numeric and categorical columns, missing values,
 * categories unseen at fit time, dictionaries unsorted or with repeated strings, column names
 * that collide with one-hot names, sorted or not.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { FeatureFrame, FeatureRecord, FrameColumn } from '../../src/data/frame.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { CsrMatrix } from '../../src/features/matrix.js';

const NAMES = ['a', 'b', 'a=x', 'city', 'c', 'zone', 'z', 'a=b'];
const VALUES = ['x', 'y', 'b=c', 'x=1', '1', '10', '2', 'Oslo', '', 'é'];

function randomFrame(rng: Rng, nRows: number, names: readonly string[], kinds: readonly ('numeric' | 'categorical')[]): FeatureFrame {
  const columns: Record<string, FrameColumn> = {};
  names.forEach((name, j) => {
    if (kinds[j] === 'numeric') {
      columns[name] = { kind: 'numeric', values: Float64Array.from({ length: nRows }, () => (rng.float() < 0.1 ? Number.NaN : rng.int(-3, 3) * 0.5)) };
    } else {
      const size = rng.int(1, 6);
      // Dictionaries in any order, sometimes with a value twice.
      const dictionary = Array.from({ length: size }, () => VALUES[rng.below(VALUES.length)]);
      columns[name] = { kind: 'categorical', dictionary, codes: Int32Array.from({ length: nRows }, () => (rng.float() < 0.15 ? -1 : rng.below(size))) };
    }
  });
  return { nRows, columns };
}

function recordsOf(frame: FeatureFrame): FeatureRecord[] {
  return Array.from({ length: frame.nRows }, (_, i) => {
    const r: Record<string, string | number> = {};
    for (const [name, c] of Object.entries(frame.columns)) {
      if (c.kind === 'numeric') r[name] = c.values[i];
      else if (c.codes[i] >= 0) r[name] = c.dictionary[c.codes[i]];
    }
    return r;
  });
}

/** CSR as a comparable value (NaN written out: toEqual treats NaN as equal to NaN anyway). */
function plain(m: CsrMatrix) {
  return { nRows: m.nRows, nCols: m.nCols, indptr: Array.from(m.indptr), indices: Array.from(m.indices), values: Array.from(m.values) };
}

describe('DictVectorizer frames vs records', () => {
  it('gives the records form’s features, matrices and columns on 300 random frames', () => {
    const rng = new Rng(99);
    for (let k = 0; k < 300; k++) {
      const nCols = rng.int(1, 6);
      const names = [...NAMES].sort(() => rng.float() - 0.5).slice(0, nCols);
      const kinds = names.map((): 'numeric' | 'categorical' => (rng.float() < 0.4 ? 'numeric' : 'categorical'));
      const sort = rng.float() < 0.8;
      const train = randomFrame(rng, rng.int(0, 12), names, kinds);
      const other = randomFrame(rng, rng.int(1, 12), names, kinds);
      const fromFrame = new DictVectorizer({ sort }).fit(train);
      const fromRecords = new DictVectorizer({ sort }).fit(recordsOf(train));
      const what = `case ${k}: ${JSON.stringify(recordsOf(train))}`;
      expect(fromFrame.featureNames, what).toEqual(fromRecords.featureNames);
      for (const input of [train, other]) {
        expect(plain(fromFrame.transform(input)), what).toEqual(plain(fromRecords.transform(recordsOf(input))));
        // The column view, where the records form has one: the frame form also keeps a column
        // without any value at fit time (all its codes then read as unknown).
        // (The records form cannot give a column view of a key with numbers and text, and gives a
        // key no category for a name another key made first.)
        const numericAndText = fromRecords.keys.some((key) => key.numeric && key.categories.length > 0);
        const named = fromFrame.keys.reduce((s, key) => s + key.categories.length + (key.numeric ? 1 : 0), 0);
        if (sort && !numericAndText && named === fromFrame.nFeatures) {
          const known = new Set(fromRecords.keys.map((key) => key.name));
          const columns = fromFrame.transformColumns(input).columns.filter((c) => known.has(c.name));
          expect(columns, what).toEqual(fromRecords.transformColumns(recordsOf(input)).columns);
        }
      }
    }
  });

  it('fits many columns at once: each categorical column its block, numeric ones their own feature', () => {
    const n = 1000;
    const rng = new Rng(1);
    const columns: Record<string, FrameColumn> = {};
    for (let j = 0; j < 12; j++) {
      columns[`n${j}`] = { kind: 'numeric', values: Float64Array.from({ length: n }, () => rng.float()) };
      const dictionary = Array.from({ length: 5 + j }, (_, d) => `v${4 + j - d}`); // descending: not in feature order
      columns[`c${j}`] = { kind: 'categorical', dictionary, codes: Int32Array.from({ length: n }, () => rng.below(dictionary.length)) };
    }
    const frame = { nRows: n, columns };
    const v = new DictVectorizer().fit(frame);
    expect(v.nFeatures).toBe(12 + 12 * 5 + 66);
    const X = v.transform(frame);
    expect(X.indptr[n]).toBe(n * 24);
    const ref = new DictVectorizer().fit(recordsOf(frame));
    expect(plain(X)).toEqual(plain(ref.transform(recordsOf(frame))));
  });
});
