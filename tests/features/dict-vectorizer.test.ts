import { describe, expect, it } from 'vitest';
import { ArtifactError, InvalidInputError, InvalidParameterError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { isShared } from '../../src/core/typed.js';
import { DictVectorizer, FittedDictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { FeatureFrame, FeatureRecord } from '../../src/features/frame.js';
import type { CsrMatrix } from '../../src/features/matrix.js';
import { taxiFeatures } from '../../src/datasets/nyc-taxi/features.js';
import { readTaxiTrips } from '../../src/datasets/nyc-taxi/trips.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, loadRealTaxiSplits, realTaxiPath } from '../helpers/taxi.js';

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

function dense(X: CsrMatrix): number[][] {
  const out = Array.from({ length: X.nRows }, () => new Array<number>(X.nCols).fill(0));
  for (let i = 0; i < X.nRows; i++) for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) out[i][X.indices[k]] = X.values[k];
  return out;
}

/** Index of the first element where two long arrays differ (Object.is), -1 when equal; -2 on length. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Reference CSR built row by row from records: look each name up, sort the row's entries. */
function naiveCsr(rows: readonly FeatureRecord[], featureNames: readonly string[]) {
  const index = new Map(featureNames.map((f, i) => [f, i] as const));
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    const entries: [number, number][] = [];
    for (const [k, v] of Object.entries(row)) {
      const f = index.get(typeof v === 'string' ? `${k}=${v}` : k);
      if (f !== undefined) entries.push([f, typeof v === 'string' ? 1 : v]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    for (const [f, v] of entries) {
      indices.push(f);
      values.push(v);
    }
    indptr.push(indices.length);
  }
  return { indptr, indices, values };
}

/** X equals the naive row-by-row CSR of `rows` over X's columns. */
function expectNaiveCsr(X: CsrMatrix, rows: readonly FeatureRecord[], featureNames: readonly string[]): void {
  const ref = naiveCsr(rows, featureNames);
  expect(Array.from(X.indptr)).toEqual(ref.indptr);
  expect(Array.from(X.indices)).toEqual(ref.indices);
  expect(Array.from(X.values)).toEqual(ref.values);
}

describe('DictVectorizer on lists of dicts (scikit-learn examples, outputs computed by hand)', () => {
  it('numbers pass through, names sorted, unseen names ignored', () => {
    const v = new DictVectorizer().fit([
      { foo: 1, bar: 2 },
      { foo: 3, baz: 1 },
    ]);
    expect(v.featureNames).toEqual(['bar', 'baz', 'foo']);
    const X = v.transform([
      { foo: 1, bar: 2 },
      { foo: 3, baz: 1 },
    ]);
    expect(dense(X)).toEqual([
      [2, 0, 1],
      [0, 1, 3],
    ]);
    expect(dense(v.transform([{ foo: 4, unseen_feature: 3 }]))).toEqual([[0, 0, 4]]);
  });

  it('strings become name=value one-hot columns', () => {
    const rows = [
      { city: 'Dubai', temperature: 33 },
      { city: 'London', temperature: 12 },
      { city: 'San Francisco', temperature: 18 },
    ];
    const v = new DictVectorizer().fit(rows);
    expect(v.featureNames).toEqual(['city=Dubai', 'city=London', 'city=San Francisco', 'temperature']);
    expect(dense(v.transform(rows))).toEqual([
      [1, 0, 0, 33],
      [0, 1, 0, 12],
      [0, 0, 1, 18],
    ]);
    // An unknown city leaves its one-hot block empty.
    const X = v.transform([{ city: 'Paris', temperature: 20 }]);
    expect(Array.from(X.indices)).toEqual([3]);
    expect(Array.from(X.values)).toEqual([20]);
  });

  it('sorts by the full feature name as Python sorts strings ("100_1" < "10_1" < "1_10")', () => {
    const v = new DictVectorizer().fit([{ a: '10_1' }, { a: '9_1' }, { a: '1_10' }, { a: '100_1' }, { Z: 1, a: 'x' }]);
    expect(v.featureNames).toEqual(['Z', 'a=100_1', 'a=10_1', 'a=1_10', 'a=9_1', 'a=x']);
    expect(v.keys.map((k) => k.name)).toEqual(['Z', 'a']);
    expect(v.keys[1].categories).toEqual(['100_1', '10_1', '1_10', '9_1', 'x']);
  });

  it('keeps explicit zeros of numeric features, sorted indices, shared buffers', () => {
    const v = new DictVectorizer().fit([{ b: 'q', a: 0 }]);
    const X = v.transform([{ b: 'q', a: 0 }, { a: 2.5 }]);
    expect(Array.from(X.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(X.indices)).toEqual([0, 1, 0]);
    expect(Array.from(X.values)).toEqual([0, 1, 2.5]);
    expect(X.featureNames).toEqual(['a', 'b=q']);
    expect(isShared(X.indptr) && isShared(X.indices) && isShared(X.values)).toBe(true);
  });

  it('sort: false keeps first-appearance order', () => {
    const v = new DictVectorizer({ sort: false }).fit([{ z: 'b', a: 1 }, { z: 'a' }]);
    expect(v.featureNames).toEqual(['z=b', 'a', 'z=a']);
    expect(dense(v.transform([{ z: 'a', a: 3 }]))).toEqual([[0, 3, 1]]);
  });

  it('rejects bad parameters and values', () => {
    expect(() => new DictVectorizer({ sort: 'yes' as unknown as boolean })).toThrow(InvalidParameterError);
    expect(() => new DictVectorizer({ sparse: true } as never)).toThrow(/sparse/);
    expect(() => new DictVectorizer().fit([{ a: true as unknown as number }])).toThrow(InvalidInputError);
  });
});

describe('DictVectorizer on columnar frames', () => {
  const frame: FeatureFrame = {
    nRows: 5,
    columns: {
      PU_DO: { kind: 'categorical', codes: Int32Array.from([0, 1, 0, 2, -1]), dictionary: ['7_8', '10_1', '100_1', 'never'] },
      trip_distance: { kind: 'numeric', values: Float64Array.from([1.5, 0, 2, Number.NaN, 4]) },
    },
  };
  const records: FeatureRecord[] = [
    { PU_DO: '7_8', trip_distance: 1.5 },
    { PU_DO: '10_1', trip_distance: 0 },
    { PU_DO: '7_8', trip_distance: 2 },
    { PU_DO: '100_1', trip_distance: Number.NaN },
    { trip_distance: 4 },
  ];

  it('fits the same names as the records form, from used dictionary entries only', () => {
    const a = new DictVectorizer().fit(frame);
    const b = new DictVectorizer().fit(records);
    expect(a.featureNames).toEqual(['PU_DO=100_1', 'PU_DO=10_1', 'PU_DO=7_8', 'trip_distance']);
    expect(a.toJSON()).toEqual(b.toJSON());
    expectNaiveCsr(a.transform(frame), records, a.featureNames);
  });

  it('gives the tree view: codes in sorted category order, unknown and missing -> categories.length', () => {
    const v = new DictVectorizer().fit(frame);
    const other: FeatureFrame = {
      nRows: 3,
      columns: {
        PU_DO: { kind: 'categorical', codes: Int32Array.from([0, 1, 2]), dictionary: ['100_1', 'new', '7_8'] },
        trip_distance: { kind: 'numeric', values: Float64Array.from([9, 8, 7]) },
      },
    };
    const cols = v.transformColumns(other);
    expect(cols.nRows).toBe(3);
    const [pudo, dist] = cols.columns;
    expect(pudo.kind === 'categorical' && pudo.categories).toEqual(['100_1', '10_1', '7_8']);
    expect(pudo.kind === 'categorical' && Array.from(pudo.codes)).toEqual([0, 3, 2]);
    expect(dist.kind === 'numeric' && Array.from(dist.values)).toEqual([9, 8, 7]);
    const fromRecords = v.transformColumns(records);
    expect(fromRecords.columns[0].kind === 'categorical' && Array.from(fromRecords.columns[0].codes)).toEqual([2, 1, 2, 0, 3]);
    expect(() => v.transformColumns({ nRows: 3, columns: { PU_DO: other.columns.PU_DO } })).toThrow(/trip_distance/);
  });

  it('round-trips through JSON to an identical vectorizer', () => {
    const v = new DictVectorizer().fit(frame);
    const json = JSON.parse(JSON.stringify(v.toJSON()));
    const w = FittedDictVectorizer.fromJSON(json);
    expect(w.toJSON()).toEqual(v.toJSON());
    expect(w.featureNames).toEqual(v.featureNames);
    const a = v.transform(frame);
    const b = w.transform(frame);
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(() => FittedDictVectorizer.fromJSON({ ...json, version: 2 })).toThrow(ArtifactError);
    expect(() => FittedDictVectorizer.fromJSON({ ...json, featureNames: ['trip_distance'] })).toThrow(/not a feature/);
  });

  it('merges equal feature names (a dictionary with repeated strings) into one feature', () => {
    const dup: FeatureFrame = {
      nRows: 3,
      columns: { c: { kind: 'categorical', codes: Int32Array.from([0, 1, 2]), dictionary: ['x', 'y', 'x'] } },
    };
    for (const sort of [true, false]) {
      const v = new DictVectorizer({ sort }).fit(dup);
      expect(v.featureNames).toEqual(['c=x', 'c=y']);
      expect(Array.from(v.transform(dup).indices)).toEqual([0, 1, 0]);
      const col = v.transformColumns(dup).columns[0];
      expect(col.kind === 'categorical' && Array.from(col.codes)).toEqual([0, 1, 0]);
    }
  });

  it('rejects columns whose length differs from nRows', () => {
    const bad: FeatureFrame = { nRows: 4, columns: { x: { kind: 'numeric', values: new Float64Array(3) } } };
    expect(() => new DictVectorizer().fit(bad)).toThrow(/'x' has 3 values/);
    const v = new DictVectorizer().fit(frame);
    const outside: FeatureFrame = { nRows: 1, columns: { PU_DO: { kind: 'categorical', codes: Int32Array.from([7]), dictionary: ['7_8'] } } };
    expect(() => v.transform(outside)).toThrow(/column 'PU_DO' row 0 has code 7/);
    expect(() => new DictVectorizer().fit(outside)).toThrow(/column 'PU_DO' row 0 has code 7/);
  });
});

describe('DictVectorizer on frames with sorted dictionaries (fit without sorting)', () => {
  /** Random frame and the same rows as records: 2 categorical columns and a numeric one. */
  function randomFrame(rng: Rng, sortedDictionaries: boolean, missing: number): { frame: FeatureFrame; records: FeatureRecord[] } {
    const nRows = 1 + rng.below(60);
    // Values chosen so that names of the two columns interleave ('b=...' between 'a=...' and 'c=...').
    const pool = ['1', '10', '10_1', '1_10', '2', 'x', 'b=q', 'a', 'zz', ''];
    const columns: Record<string, FeatureFrame['columns'][string]> = {};
    const records: Record<string, string | number>[] = Array.from({ length: nRows }, () => ({}));
    for (const name of ['c', 'a']) {
      let dictionary = pool.filter(() => rng.float() < 0.7);
      if (dictionary.length === 0) dictionary = ['1'];
      dictionary = sortedDictionaries ? [...dictionary].sort() : rng.shuffle([...dictionary]);
      const codes = new Int32Array(nRows);
      for (let i = 0; i < nRows; i++) {
        codes[i] = rng.float() < missing ? -1 : rng.below(dictionary.length);
        if (codes[i] >= 0) records[i][name] = dictionary[codes[i]];
      }
      columns[name] = { kind: 'categorical', codes, dictionary };
    }
    const values = Float64Array.from({ length: nRows }, () => rng.normal());
    for (let i = 0; i < nRows; i++) records[i].b = values[i];
    columns.b = { kind: 'numeric', values };
    return { frame: { nRows, columns }, records };
  }

  it('fits and transforms as the records form does, sorted dictionaries or not', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      // Without missing codes every row holds one entry per column (the column-by-column fill).
      const { frame, records } = randomFrame(rng, trial % 2 === 0, trial % 4 < 2 ? 0.1 : 0);
      const v = new DictVectorizer().fit(frame);
      const ref = new DictVectorizer().fit(records);
      expect(v.toJSON()).toEqual(ref.toJSON());
      expectNaiveCsr(v.transform(frame), records, v.featureNames);
      const cols = v.transformColumns(frame);
      const fromRecords = ref.transformColumns(records);
      for (let c = 0; c < cols.columns.length; c++) {
        const a = cols.columns[c];
        const b = fromRecords.columns[c];
        expect(a.kind === 'categorical' ? Array.from(a.codes) : Array.from(a.values)).toEqual(
          b.kind === 'categorical' ? Array.from(b.codes) : Array.from(b.values),
        );
      }
    }
  });

  it('a numeric column named like a one-hot feature gives the same names as records', () => {
    const frame: FeatureFrame = {
      nRows: 2,
      columns: {
        a: { kind: 'categorical', codes: Int32Array.from([0, 1]), dictionary: ['b', 'c'] },
        'a=b': { kind: 'numeric', values: Float64Array.from([3, 4]) },
      },
    };
    const records: FeatureRecord[] = [
      { a: 'b', 'a=b': 3 },
      { a: 'c', 'a=b': 4 },
    ];
    const v = new DictVectorizer().fit(frame);
    expect(v.toJSON()).toEqual(new DictVectorizer().fit(records).toJSON());
    expectNaiveCsr(v.transform(frame), records, v.featureNames);
  });

  it('taxiFeatures gives a strictly ascending PU_DO dictionary, nulls as "nan"', () => {
    const pu = Int32Array.from([1, 10, 100, 1, -1, 9, 10, 2, 1]);
    const dof = Int32Array.from([10, 1, 1, 2, 5, -1, 1, 2, 10]);
    const trips = { nRows: pu.length, duration: new Float64Array(pu.length), tripDistance: new Float64Array(pu.length), puLocationId: pu, doLocationId: dof };
    const frame = taxiFeatures(trips);
    const col = frame.columns.PU_DO;
    if (col.kind !== 'categorical') throw new Error('PU_DO should be categorical');
    const names = Array.from(pu, (p, i) => `${p < 0 ? 'nan' : p}_${dof[i] < 0 ? 'nan' : dof[i]}`);
    expect(col.dictionary).toEqual([...new Set(names)].sort());
    expect(Array.from(col.codes, (c) => col.dictionary[c])).toEqual(names);
    // Ids too large for the pair table take the Map path: same result.
    const big = taxiFeatures({ ...trips, puLocationId: Int32Array.from(pu, (p) => (p === 100 ? 100000 : p)) });
    const bigCol = big.columns.PU_DO;
    if (bigCol.kind !== 'categorical') throw new Error('PU_DO should be categorical');
    const bigNames = names.map((s) => (s === '100_1' ? '100000_1' : s));
    expect(bigCol.dictionary).toEqual([...new Set(bigNames)].sort());
    expect(Array.from(bigCol.codes, (c) => bigCol.dictionary[c])).toEqual(bigNames);
  });
});

describe.skipIf(!REAL_TAXI_DIR)('DictVectorizer on the real green 2021 files', () => {
  it('January vectorises to 13,221 features; February has 5,257 unseen PU_DO; CSR equals the naive reference', async () => {
    const { vectorizer, train, val, test } = await loadRealTaxiSplits();
    expect(train.nRows).toBe(73908);
    expect(val.nRows).toBe(61921);
    expect(test.nRows).toBe(80372);
    expect(vectorizer.featureNames.length).toBe(13221);
    expect(vectorizer.featureNames.filter((f) => f.startsWith('PU_DO=')).length).toBe(13220);
    expect(vectorizer.featureNames.at(-1)).toBe('trip_distance');

    // A vectorizer loaded from JSON (no state from the fit) transforms the training frame the same.
    const trips = await readTaxiTrips(realTaxiPath('2021-01'));
    const loaded = FittedDictVectorizer.fromJSON(JSON.parse(JSON.stringify(vectorizer.toJSON())));
    const again = loaded.transform(taxiFeatures(trips));
    expect(firstDifference(again.indices, train.X.indices)).toBe(-1);
    expect(firstDifference(again.values, train.X.values)).toBe(-1);

    const pudo = val.columns.columns[0];
    expect(pudo.kind).toBe('categorical');
    if (pudo.kind !== 'categorical') return;
    expect(pudo.codes.filter((c) => c === pudo.categories.length).length).toBe(5257);

    // Reference: records built row by row, as the course does with to_dict(orient='records').
    for (const [month, split] of [
      ['2021-01', train],
      ['2021-02', val],
    ] as const) {
      const trips = await readTaxiTrips(realTaxiPath(month));
      const records = Array.from({ length: trips.nRows }, (_, i) => ({
        PU_DO: `${trips.puLocationId[i]}_${trips.doLocationId[i]}`,
        trip_distance: trips.tripDistance[i],
      }));
      if (month === '2021-01') {
        const names = [...new Set(records.map((r) => `PU_DO=${r.PU_DO}`)), 'trip_distance'].sort();
        expect(vectorizer.featureNames).toEqual(names);
      }
      const ref = naiveCsr(records, vectorizer.featureNames);
      expect(firstDifference(split.X.indptr, ref.indptr)).toBe(-1);
      expect(firstDifference(split.X.indices, ref.indices)).toBe(-1);
      expect(firstDifference(split.X.values, ref.values)).toBe(-1);
      expect(split.X.nCols).toBe(13221);
      // The tree view names the same category as the one-hot column of each row.
      const col = split.columns.columns[0];
      if (col.kind !== 'categorical') throw new Error('PU_DO should be categorical');
      for (let i = 0; i < split.nRows; i += 97) {
        const code = col.codes[i];
        const known = code < col.categories.length;
        expect(known ? col.categories[code] : undefined).toBe(known ? records[i].PU_DO : undefined);
        expect(split.X.indptr[i + 1] - split.X.indptr[i]).toBe(known ? 2 : 1);
      }
    }
  });

  it('taxiFeatures makes one PU_DO string per distinct pair', async () => {
    const trips = await readTaxiTrips(realTaxiPath('2021-01'));
    const frame = taxiFeatures(trips);
    const pudo = frame.columns.PU_DO;
    if (pudo.kind !== 'categorical') throw new Error('PU_DO should be categorical');
    expect(pudo.dictionary.length).toBe(13220);
    expect(pudo.dictionary).toEqual([...new Set(pudo.dictionary)].sort());
    for (let i = 0; i < trips.nRows; i += 101) {
      expect(pudo.dictionary[pudo.codes[i]]).toBe(`${trips.puLocationId[i]}_${trips.doLocationId[i]}`);
    }
  });
});
