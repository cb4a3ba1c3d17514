/**
 * The synthetic classification fixtures (tests/fixtures/classification, made by make_fixtures.py)
 * and scikit-learn's answers on them (sklearn-reference.json, from sklearn_reference.py).
 * The files have no quoting; a split on commas reads them.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import type { FeatureRecord } from '../../src/features/frame.js';
import type { CsrMatrix, DenseMatrix } from '../../src/features/matrix.js';

export const FIXTURE_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/classification');

export function readFixtureCsv(name: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(join(FIXTURE_DIR, name), 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** The first 70% of rows train, the rest test (as sklearn_reference.py splits). */
function cut<T>(rows: T[]): [T[], T[]] {
  const at = Math.floor(rows.length * 0.7);
  return [rows.slice(0, at), rows.slice(at)];
}

export const DIABETES_FEATURES = ['Pregnancies', 'PlasmaGlucose', 'DiastolicBloodPressure', 'TricepsThickness', 'SerumInsulin', 'BMI', 'DiabetesPedigree', 'Age'];

export interface FixtureSplit<X, Y> {
  readonly X: X;
  readonly y: Y;
}

export function diabetes(): { train: FixtureSplit<DenseMatrix, Float64Array>; test: FixtureSplit<DenseMatrix, Float64Array> } {
  const { header, rows } = readFixtureCsv('diabetes.csv');
  const cols = DIABETES_FEATURES.map((f) => header.indexOf(f));
  const label = header.indexOf('Diabetic');
  const make = (part: string[][]): FixtureSplit<DenseMatrix, Float64Array> => ({
    X: { format: 'dense', nRows: part.length, nCols: cols.length, data: Float64Array.from(part.flatMap((r) => cols.map((c) => Number(r[c])))), featureNames: DIABETES_FEATURES },
    y: Float64Array.from(part, (r) => Number(r[label])),
  });
  const [train, test] = cut(rows);
  return { train: make(train), test: make(test) };
}

export function paymentRecords(): { train: FixtureSplit<FeatureRecord[], string[]>; test: FixtureSplit<FeatureRecord[], string[]> } {
  const { rows } = readFixtureCsv('payments.csv');
  const make = (part: string[][]): FixtureSplit<FeatureRecord[], string[]> => ({
    X: part.map((r) => ({ PU_DO: r[0], trip_distance: Number(r[1]) })),
    y: part.map((r) => r[2]),
  });
  const [train, test] = cut(rows);
  return { train: make(train), test: make(test) };
}

/** The payments fixture one-hot encoded by a DictVectorizer fitted on its training rows. */
export function payments(): { train: FixtureSplit<CsrMatrix, string[]>; test: FixtureSplit<CsrMatrix, string[]> } {
  const { train, test } = paymentRecords();
  const dv = new DictVectorizer().fit(train.X);
  return { train: { X: dv.transform(train.X), y: train.y }, test: { X: dv.transform(test.X), y: test.y } };
}

export interface SklearnFit {
  readonly classes: (number | string)[];
  readonly coef: number[][];
  readonly intercept: number[];
  readonly n_iter: number[];
  readonly test: { readonly accuracy: number; readonly roc_auc: number; readonly logloss: number };
}

export interface SklearnCase {
  readonly dataset: 'diabetes' | 'payments';
  readonly params: Record<string, unknown>;
  readonly default: SklearnFit;
  readonly exact: SklearnFit;
}

export interface SklearnReference {
  readonly source: string;
  readonly features: Record<string, string[]>;
  readonly cases: Record<string, SklearnCase>;
}

export function sklearnReference(): SklearnReference {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'sklearn-reference.json'), 'utf8')) as SklearnReference;
}
