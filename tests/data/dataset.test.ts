import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow/Arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { frameFromTable } from '../../src/data/arrow-frame.js';
import { type DatasetSpec, datasetFromFrame } from '../../src/data/dataset.js';
import { type TableFrame, crossCategories, filterRows, frameColumn, numbersAsCategories } from '../../src/data/frame.js';
import { datasetFromTable, loadDataset } from '../../src/data/load.js';
import { loadSplits, splitDataset } from '../../src/data/split.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const HOUSES = 'id,city,rooms,area,built,price\n1,Oslo,3,70.5,2001-05-01,300\n2,Bergen,2,,1999-01-01,\n3,Oslo,4,120,2010-09-09,520\n4,,1,30,2020-01-01,150\n';

describe('frames from Arrow tables', () => {
  it('numbers, booleans and timestamps as typed arrays (missing -> NaN), text coded in order of first appearance', () => {
    const table = arrow.tableFromArrays({ n: Int32Array.from([1, 2, 3]), s: ['b', 'a', 'b'], f: Float64Array.from([0.5, Number.NaN, 2]) });
    const withNulls = new arrow.Table({ n: arrow.vectorFromArray([1, null, 3], new arrow.Int32()) });
    const frame = frameFromTable(table);
    expect(frame.columns.n).toEqual({ kind: 'numeric', values: Float64Array.from([1, 2, 3]) });
    expect(frame.columns.s).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 1, 0]), dictionary: ['b', 'a'] });
    expect(Array.from(frameColumn(frameFromTable(withNulls), 'n', 'numeric').values)).toEqual([1, Number.NaN, 3]);
    const texts = new arrow.Table({ t: arrow.vectorFromArray(['é', null, 'x', 'é', '日本', 'x'], new arrow.Utf8()) });
    expect(frameFromTable(texts).columns.t).toEqual({ kind: 'categorical', codes: Int32Array.from([0, -1, 1, 0, 2, 1]), dictionary: ['é', 'x', '日本'] });
    // Slices (Arrow data with an offset) read from their first row.
    expect(frameFromTable(texts.slice(1, 4)).columns.t).toEqual({ kind: 'categorical', codes: Int32Array.from([-1, 0, 1]), dictionary: ['x', 'é'] });
    expect(Array.from(frameColumn(frameFromTable(withNulls.slice(1)), 'n', 'numeric').values)).toEqual([Number.NaN, 3]);
    const flags = new arrow.Table({ b: arrow.vectorFromArray([true, false, null, true], new arrow.Bool()) }).slice(1);
    expect(Array.from(frameColumn(frameFromTable(flags), 'b', 'numeric').values)).toEqual([0, Number.NaN, 1]);
  });

  it('dictionary-encoded text maps to one coding across chunks', () => {
    const a = arrow.vectorFromArray(['x', 'y', 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const b = arrow.vectorFromArray(['z', 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const t = new arrow.Table({ d: a.concat(b) });
    const c = frameColumn(frameFromTable(t), 'd', 'categorical');
    expect(Array.from(c.codes, (k) => c.dictionary[k])).toEqual(['x', 'y', 'x', 'z', 'x']);
  });

  it('numbers as categories, crosses of categories, row filters', () => {
    const ids = numbersAsCategories(Float64Array.from([7, 12, Number.NaN, 7, 1.5]));
    expect(Array.from(ids.codes, (k) => (k < 0 ? null : ids.dictionary[k]))).toEqual(['7', '12', null, '7', '1.5']);
    const named = numbersAsCategories(Float64Array.from([Number.NaN, 3, Number.NaN]), 'nan');
    expect(Array.from(named.codes, (k) => named.dictionary[k])).toEqual(['nan', '3', 'nan']);
    const other = numbersAsCategories(Float64Array.from([1, 1, 2, 2, 3]));
    const crossed = crossCategories(ids, other, '_');
    expect(Array.from(crossed.codes, (k) => (k < 0 ? null : crossed.dictionary[k]))).toEqual(['7_1', '12_1', null, '7_2', '1.5_3']);
    const frame: TableFrame = { nRows: 5, columns: { c: crossed } };
    const kept = filterRows(frame, Uint8Array.from([1, 0, 1, 1, 0]));
    expect(frameColumn(kept, 'c', 'categorical').codes).toEqual(Int32Array.from([0, -1, 2]));
  });
});

describe('dataset spec', () => {
  it('takes every column but the target, ids and timestamps as features; drops and counts rows without a target', async () => {
    const ds = await loadDataset(csv('houses.csv', HOUSES), { target: 'price', exclude: ['id'] });
    expect(ds.features).toEqual(['city', 'rooms', 'area']);
    expect([ds.nRows, ds.droppedMissingTarget]).toEqual([3, 1]);
    expect(ds.y).toEqual({ kind: 'numeric', values: Float64Array.from([300, 520, 150]) });
    expect(ds.frame.columns.city).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 0, -1]), dictionary: ['Oslo', 'Bergen'] });
    expect(ds.frame.columns.area).toEqual({ kind: 'numeric', values: Float64Array.from([70.5, 120, 30]) });
  });

  it('reads only the listed features, with categorical and numeric overrides', async () => {
    const ds = await loadDataset(csv('houses.csv', HOUSES), { target: 'price', features: ['rooms', 'id'], categorical: ['rooms'] });
    expect(ds.features).toEqual(['rooms', 'id']);
    expect(ds.frame.columns.rooms).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 1, 2]), dictionary: ['3', '4', '1'] });
    const zips = datasetFromTable(arrow.tableFromArrays({ zip: ['0150', '5003'], y: Float64Array.from([1, 2]) }), { target: 'y', numeric: ['zip'] });
    expect(zips.frame.columns.zip).toEqual({ kind: 'numeric', values: Float64Array.from([150, 5003]) });
  });

  it('derives columns and filters rows in a typed transform', async () => {
    const spec: DatasetSpec = {
      target: 'price_per_m2',
      features: ['age', 'city'],
      transform: (f) => {
        const price = frameColumn(f, 'price', 'numeric').values;
        const area = frameColumn(f, 'area', 'numeric').values;
        const built = frameColumn(f, 'built', 'timestamp').values;
        const now = Date.UTC(2021, 0, 1) * 1000;
        const perM2 = price.map((p, i) => p / area[i]);
        const age = built.map((b) => (now - b) / (365.25 * 86400e6));
        return filterRows(
          { nRows: f.nRows, columns: { ...f.columns, price_per_m2: { kind: 'numeric', values: perM2 }, age: { kind: 'numeric', values: age } } },
          Uint8Array.from(area, (a) => (a >= 50 ? 1 : 0)),
        );
      },
    };
    const ds = await loadDataset(csv('houses.csv', HOUSES), spec);
    expect(ds.nRows).toBe(2);
    expect(Array.from((ds.y.values as Float64Array).map((v) => Math.round(v * 100) / 100))).toEqual([4.26, 4.33]);
  });

  it('keeps text labels for classification', () => {
    const ds = datasetFromFrame(
      { nRows: 3, columns: { label: { kind: 'categorical', codes: Int32Array.from([1, -1, 0]), dictionary: ['no', 'yes'] }, x: { kind: 'numeric', values: Float64Array.from([1, 2, 3]) } } },
      { target: 'label', task: 'classification' },
    );
    expect(ds.y).toEqual({ kind: 'labels', values: ['yes', 'no'] });
  });
});

describe('dataset spec: bad input gets a typed error naming what is wrong', () => {
  const frame: TableFrame = {
    nRows: 2,
    columns: { name: { kind: 'categorical', codes: Int32Array.from([0, 1]), dictionary: ['a', 'b'] }, x: { kind: 'numeric', values: Float64Array.from([1, 2]) } },
  };

  it('an unknown target or feature column', async () => {
    expect(() => datasetFromFrame(frame, { target: 'price' })).toThrow("dataset: parameter 'target' is not a column (columns: name, x); got \"price\"");
    expect(() => datasetFromFrame(frame, { target: 'x', features: ['nope'] })).toThrow(/'features' is not a column/);
    await expect(loadDataset(csv('houses.csv', HOUSES), { target: 'cost' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', param: 'target' });
    await expect(loadDataset(csv('houses.csv', HOUSES), { target: 'cost', features: ['area'] })).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
  });

  it('a target that is not numeric, for a regression', async () => {
    expect(() => datasetFromFrame(frame, { target: 'name' })).toThrow(/the target column 'name' holds text \(e.g. "a"\), not numbers: a regression needs a numeric target/);
    await expect(loadDataset(csv('houses.csv', HOUSES), { target: 'built' })).rejects.toThrow(/holds timestamps/);
  });

  it('a transform that throws or returns something else', () => {
    expect(() =>
      datasetFromFrame(frame, {
        target: 'x',
        transform: () => {
          throw new Error('boom');
        },
      }),
    ).toThrow(expect.objectContaining({ code: 'DATASET_TRANSFORM', message: "the dataset's transform failed: boom" }));
    expect(() => datasetFromFrame(frame, { target: 'x', transform: () => ({ nRows: 3, columns: frame.columns }) })).toThrow(/column 'name' has 2 values; the frame has 3 rows/);
    expect(() => datasetFromFrame(frame, { target: 'x', transform: () => null as unknown as TableFrame })).toThrow(/must return a frame/);
  });

  it('specs that contradict themselves', () => {
    expect(() => datasetFromFrame(frame, { target: 'x', features: ['x'] })).toThrow(/must not hold the target/);
    expect(() => datasetFromFrame(frame, { target: 'x', categorical: ['name'], numeric: ['name'] })).toThrow(/also listed as categorical/);
    expect(() => datasetFromFrame(frame, { target: 'x', features: ['name'], categorical: ['y'] })).toThrow(/'categorical' is not a feature/);
    expect(() => datasetFromFrame(frame, { target: '' })).toThrow(/target/);
    expect(() => datasetFromFrame(frame, { target: 'x', task: 'ranking' as 'regression' })).toThrow(/task/);
  });
});

describe('splits', () => {
  const ds = datasetFromFrame({ nRows: 10, columns: { i: { kind: 'numeric', values: Float64Array.from({ length: 10 }, (_, i) => i) }, y: { kind: 'numeric', values: Float64Array.from({ length: 10 }, (_, i) => 10 * i) } } }, { target: 'y' });
  const rowsOf = (d: { frame: { columns: Record<string, { kind: string; values?: Float64Array }> } } | undefined) => Array.from(d!.frame.columns.i.values!);

  it('seeded random fractions: disjoint, complete, each in row order, the same for the same seed', () => {
    const a = splitDataset(ds, { validation: 0.2, test: 0.2, seed: 3 });
    const b = splitDataset(ds, { validation: 0.2, test: 0.2, seed: 3 });
    expect([a.train.nRows, a.validation!.nRows, a.test!.nRows]).toEqual([6, 2, 2]);
    const all = [...rowsOf(a.train), ...rowsOf(a.validation), ...rowsOf(a.test)].sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rowsOf(a.train)).toEqual([...rowsOf(a.train)].sort((x, y) => x - y));
    expect(rowsOf(a.validation)).toEqual(rowsOf(b.validation));
    expect(Array.from(a.train.y.values as Float64Array)).toEqual(rowsOf(a.train).map((i) => 10 * i));
    expect(rowsOf(splitDataset(ds, { validation: 0.2, seed: 4 }).validation)).not.toEqual(rowsOf(splitDataset(ds, { validation: 0.2, seed: 5 }).validation));
  });

  it('ordered fractions keep time order: train first', () => {
    const s = splitDataset(ds, { validation: 0.25, order: 'ordered' });
    expect(rowsOf(s.train)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rowsOf(s.validation)).toEqual([7, 8, 9]);
    expect(s.test).toBeUndefined();
  });

  it('refuses fractions that leave nothing to train on', () => {
    expect(() => splitDataset(ds, { validation: 1 })).toThrow(/fraction/);
    expect(() => splitDataset(ds, { validation: 0.5, test: 0.5 })).toThrow(/must leave rows/);
  });

  it('by files: later CSV files are read with the training file’s types', async () => {
    const train = csv('split/train.csv', 'note,x,y\n,1,2\n,2,4\n');
    const val = csv('split/val.csv', 'x,note,y,extra\n3,hello,6,z\n');
    // 'note' is empty in the training file (so numeric): the validation file's text cannot be read as a number.
    await expect(loadSplits({ train, validation: val }, { target: 'y' })).rejects.toMatchObject({ code: 'CSV_BAD_VALUE', source: val, column: 'note' });
    const s = await loadSplits({ train, validation: val }, { target: 'y', exclude: ['note'], read: { types: { note: 'string' } } });
    expect([s.train.features, s.validation!.features, s.validation!.nRows]).toEqual([['x'], ['x'], 1]);
    await expect(loadSplits({ train: val, validation: train }, { target: 'y' })).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
  });
});
