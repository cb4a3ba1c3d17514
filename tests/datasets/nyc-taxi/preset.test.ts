import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/data/dataset.js';
import { loadDataset } from '../../../src/data/load.js';
import { readTable } from '../../../src/data/table.js';
import { taxiFeatures } from '../../../src/datasets/nyc-taxi/features.js';
import { loadNycTaxi, nycTaxiSpec } from '../../../src/datasets/nyc-taxi/preset.js';
import { TAXI_COLUMNS, readTaxiTrips } from '../../../src/datasets/nyc-taxi/trips.js';
import { datasetPresets } from '../../../src/datasets/presets.js';
import { DictVectorizer } from '../../../src/features/dict-vectorizer.js';
import { LinearRegression } from '../../../src/models/linear/estimators.js';
import { rmse } from '../../../src/models/metrics/index.js';
import { tableToCsv } from '../../helpers/csv.js';
import { REAL_TAXI_DIR, REAL_TAXI_SKIP_MESSAGE, realTaxiPath } from '../../helpers/taxi.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-preset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

if (!REAL_TAXI_DIR) console.warn(REAL_TAXI_SKIP_MESSAGE);

function numbers(ds: Dataset): Float64Array {
  if (ds.y.kind !== 'numeric') throw new Error('expected a numeric target');
  return ds.y.values;
}

/** LinearRegression fitted on January with the vectorizer fitted there; its RMSE on February. */
function linearValRmse(train: Dataset, val: Dataset): { rmse: number; features: readonly string[] } {
  const v = new DictVectorizer().fit(train.frame);
  const model = new LinearRegression().fit(v.transform(train.frame), numbers(train));
  return { rmse: rmse(numbers(val), model.predict(v.transform(val.frame))), features: v.featureNames };
}

describe.skipIf(!REAL_TAXI_DIR)('the nyc-taxi preset on the real months', () => {
  it('the generic path (readTable + spec), the taxi reader and the course’s preparation give the same rows, features and RMSE', async () => {
    const jan = realTaxiPath('2021-01');
    const feb = realTaxiPath('2021-02');
    const generic = { train: await loadDataset(jan, nycTaxiSpec()), val: await loadDataset(feb, nycTaxiSpec()) };
    const fast = { train: await loadNycTaxi(jan), val: await loadNycTaxi(feb) };
    const trips = await readTaxiTrips(jan);
    expect([generic.train.nRows, fast.train.nRows, trips.nRows]).toEqual([73908, 73908, 73908]);
    expect(numbers(generic.train)).toEqual(trips.duration);
    expect(numbers(fast.train)).toEqual(trips.duration);
    expect(generic.train.features).toEqual(['PU_DO', 'trip_distance']);
    // The same matrices (the dictionaries differ in order; the vectorizer's features do not).
    const course = taxiFeatures(trips);
    const v = new DictVectorizer().fit(course);
    const a = new DictVectorizer().fit(generic.train.frame);
    expect(a.featureNames).toEqual(v.featureNames);
    expect(a.transform(generic.train.frame)).toEqual(v.transform(course));
    const g = linearValRmse(generic.train, generic.val);
    const f = linearValRmse(fast.train, fast.val);
    expect(g.rmse).toBe(f.rmse);
    // The course's LinearRegression figure (scikit-learn: 7.4808).
    expect(g.rmse).toBeGreaterThan(7.48);
    expect(g.rmse).toBeLessThan(7.481);
  });

  it('a CSV of the month, and a folder of CSV months, give the same dataset as the Parquet files', async () => {
    const columns = TAXI_COLUMNS.green;
    const csvJan = join(dir, 'jan.csv');
    writeFileSync(csvJan, tableToCsv(await readTable(realTaxiPath('2021-01'), { columns })));
    const fromCsv = await loadNycTaxi(csvJan);
    const fromParquet = await loadNycTaxi(realTaxiPath('2021-01'));
    expect(fromCsv.nRows).toBe(fromParquet.nRows);
    expect(numbers(fromCsv)).toEqual(numbers(fromParquet));
    const v = new DictVectorizer().fit(fromParquet.frame);
    expect(new DictVectorizer().fit(fromCsv.frame).featureNames).toEqual(v.featureNames);
    expect(v.transform(fromCsv.frame)).toEqual(v.transform(fromParquet.frame));

    const folder = join(dir, 'months');
    mkdirSync(folder);
    for (const m of ['2021-02', '2021-03'] as const) writeFileSync(join(folder, `${m}.csv`), tableToCsv(await readTable(realTaxiPath(m), { columns })));
    const both = await loadNycTaxi(folder);
    const parquetBoth = await loadNycTaxi([realTaxiPath('2021-02'), realTaxiPath('2021-03')]);
    expect(both.nRows).toBe(parquetBoth.nRows);
    expect(numbers(both)).toEqual(numbers(parquetBoth));
  });

  it('is registered by name, and finds a month in the data folder', async () => {
    const preset = datasetPresets.get('nyc-taxi');
    expect(await preset.resolve('2021-01', { dataDir: REAL_TAXI_DIR })).toBe(realTaxiPath('2021-01'));
    expect(await preset.resolve('some/file.parquet')).toBe('some/file.parquet');
    expect(preset.spec().target).toBe('duration');
  });
});

describe('the nyc-taxi spec on a small table', () => {
  it('keeps 1 <= duration <= 60, names a missing zone nan, and refuses a table without the times', async () => {
    const csv = join(dir, 'small.csv');
    writeFileSync(
      csv,
      [
        'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance',
        '2021-01-01 00:00:00,2021-01-01 00:10:00,1,2,1.5',
        '2021-01-01 00:00:00,2021-01-01 00:00:30,1,2,0.1',
        '2021-01-01 00:00:00,2021-01-01 02:00:00,3,4,20',
        '2021-01-01 00:00:00,2021-01-01 01:00:00,,7,3',
      ].join('\n'),
    );
    const ds = await loadNycTaxi(csv);
    expect(numbers(ds)).toEqual(Float64Array.from([10, 60]));
    const puDo = ds.frame.columns.PU_DO;
    expect(puDo.kind === 'categorical' && Array.from(puDo.codes, (c) => puDo.dictionary[c])).toEqual(['1_2', 'nan_7']);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    await expect(loadNycTaxi(bad)).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
  });
});
