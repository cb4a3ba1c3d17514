import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError } from '../../../src/core/errors.js';
import type { CsrMatrix, FeatureColumns } from '../../../src/features/matrix.js';
import { ElasticNet, Lasso, LinearRegression, Ridge } from '../../../src/models/linear/index.js';
import { csrFromDense, denseMatrix } from './reference.js';

const rows = [
  [1, 0, 2],
  [0, 1, 3],
  [1, 0, 5],
  [0, 1, 1],
];
const X = csrFromDense(rows);
const y = Float64Array.of(1, 2, 3, 4);
const estimators = [new LinearRegression(), new Ridge(), new Lasso(), new ElasticNet()];

describe('linear models reject bad input with typed, named errors', () => {
  it.each(estimators.map((e) => [e.kind, e] as const))('%s', (_, est) => {
    expect(() => est.fit(X, Float64Array.of(1, 2, 3))).toThrow(/X has 4 rows but y has 3 values/);
    expect(() => est.fit(X, Float64Array.of(1, Number.NaN, 3, 4))).toThrow(/y has a non-finite value \(NaN\) at row 1/);
    expect(() => est.fit(X, Float64Array.of(1, 2, Number.POSITIVE_INFINITY, 4))).toThrow(/y has a non-finite value \(Infinity\) at row 2/);
    const badX: CsrMatrix = { ...X, values: X.values.map((v, k) => (k === 3 ? Number.NaN : v)) };
    expect(() => est.fit(badX, y)).toThrow(/X has a non-finite value \(NaN\) at row 1, column 2/);
    expect(() => est.fit(denseMatrix([[]]), new Float64Array(1))).toThrow(/X is empty/);
    const empty: CsrMatrix = { format: 'csr', nRows: 0, nCols: 3, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float64Array(0) };
    expect(() => est.fit(empty, new Float64Array(0))).toThrow(InvalidInputError);
    const model = est.fit(X, y);
    expect(() => model.predict(csrFromDense([[1, 0]]))).toThrow(/X has 2 features but the model was fitted on 3/);
    const columns: FeatureColumns = { format: 'columns', nRows: 1, columns: [] };
    expect(() => model.predict(columns)).toThrow(/expects a matrix .* got format 'columns'/);
    try {
      est.fit(X, Float64Array.of(1, 2, 3));
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
    }
  });

  it('validates params against the spec', () => {
    expect(() => new Ridge({ alpha: -1 })).toThrow(InvalidParameterError);
    expect(() => new Lasso({ alpha: -1 })).toThrow(/Lasso: parameter 'alpha' must be >= 0; got -1/);
    expect(() => new ElasticNet({ l1Ratio: 1.5 })).toThrow(/'l1Ratio' must be <= 1/);
    expect(() => new Lasso({ maxIter: 0.5 })).toThrow(/'maxIter' must be an integer/);
    expect(() => new LinearRegression({ fitintercept: false } as never)).toThrow(/'fitintercept' is not a parameter/);
    expect(new Lasso().params).toEqual({ alpha: 1, fitIntercept: true, maxIter: 1000, tol: 1e-4 });
    expect(Ridge.spec.alpha.search).toEqual({ low: 1e-4, high: 1e3, log: true });
  });
});
