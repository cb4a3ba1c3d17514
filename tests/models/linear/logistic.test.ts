import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArtifactError, ConvergenceWarning, InvalidInputError, InvalidParameterError, type TunekitWarning } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { CsrMatrix, DenseMatrix } from '../../../src/features/matrix.js';
import { decodeArtifact, encodeArtifact } from '../../../src/models/artifact.js';
import { loadModelSync } from '../../../src/models/io.js';
import '../../../src/models/kinds.js';
import { LogisticModel, LogisticRegression, type LogisticRegressionParams } from '../../../src/models/linear/logistic.js';
import { LogisticObjective, type LogisticProblem } from '../../../src/models/linear/logistic-loss.js';
import { logLoss, rocAucScore } from '../../../src/models/metrics/index.js';
import { modelKinds } from '../../../src/models/registry.js';
import type { Labels } from '../../../src/models/types.js';
import { type SklearnCase, diabetes, payments, sklearnReference } from '../../helpers/classification-fixtures.js';
import { type DenseProblem, denseNewton, denseObjective, numericGradient } from './logistic-reference.js';
import { csrFromDense } from './reference.js';

function tinyProblem(seed: number, n: number, p: number, k: number): { rows: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, () => Array.from({ length: p }, () => (rng.float() < 0.3 ? 0 : rng.normal(0, 1.5))));
  const w = Array.from({ length: p * Math.max(k, 2) }, () => rng.normal(0, 1));
  const y = rows.map((x) => {
    if (k === 1) return rng.float() < 1 / (1 + Math.exp(-x.reduce((a, v, j) => a + v * w[j], 0.3))) ? 1 : 0;
    const z = Array.from({ length: k }, (_, c) => x.reduce((a, v, j) => a + v * w[j * k + c], 0) + rng.normal(0, 0.5));
    return z.indexOf(Math.max(...z));
  });
  return { rows, y };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('the logistic objective against its definition', () => {
  const cases: [string, number, number, boolean, number][] = [
    ['binary, unpenalised intercept', 1, 1, false, 0.7],
    ['binary, penalised intercept column of 3 (liblinear)', 1, 3, true, 0.5],
    ['binary, no intercept', 1, 0, false, 2],
    ['softmax over 4 classes', 4, 1, false, 0.3],
    ['softmax, no penalty', 3, 1, false, 0],
  ];
  it.each(cases)('%s: value, gradient and Hessian-vector products match finite differences', (_name, k, s, penaliseIntercept, l2) => {
    const { rows, y } = tinyProblem(7 + k, 30, 4, k);
    const rng = new Rng(1);
    const weight = y.map(() => 0.5 + rng.float());
    const dense: DenseProblem = { X: rows, y, weight, k, s, penaliseIntercept, l2 };
    const problem: LogisticProblem = {
      X: csrFromDense(rows),
      y: Int32Array.from(y),
      weight: Float64Array.from(weight),
      nOutputs: k,
      interceptScaling: s,
      penaliseIntercept,
      l2,
    };
    const obj = new LogisticObjective(problem);
    const theta = Float64Array.from({ length: obj.size }, () => rng.normal(0, 0.6));
    const g = new Float64Array(obj.size);
    const f = obj.evaluate(theta, g);
    const ref = (t: number[]) => denseObjective(dense, t);
    expect(f).toBeCloseTo(ref([...theta]), 10);
    expect(obj.value(theta)).toBeCloseTo(f, 12);
    expect(maxDiff(g, numericGradient(ref, [...theta]))).toBeLessThan(1e-6);
    // H v against the difference of gradients along v.
    const v = Float64Array.from({ length: obj.size }, () => rng.normal(0, 1));
    const hv = new Float64Array(obj.size);
    obj.hessVec(v, hv);
    const h = 1e-6;
    const gp = new Float64Array(obj.size);
    const gm = new Float64Array(obj.size);
    const probe = new LogisticObjective(problem);
    probe.evaluate(theta.map((t, j) => t + h * v[j]), gp);
    probe.evaluate(theta.map((t, j) => t - h * v[j]), gm);
    const fd = gp.map((a, j) => (a - gm[j]) / (2 * h));
    expect(maxDiff(hv, fd)).toBeLessThan(1e-5 * Math.max(1, maxDiff(fd, new Float64Array(fd.length))));
    // The diagonal is H e_j.
    const diag = new Float64Array(obj.size);
    obj.hessDiag(diag);
    for (const j of [0, obj.size - 1]) {
      const e = new Float64Array(obj.size);
      e[j] = 1;
      obj.hessVec(e, hv);
      expect(diag[j]).toBeCloseTo(hv[j], 10);
    }
    // Values along a direction need no pass over X, and agree with evaluating there.
    obj.evaluate(theta, g);
    obj.setDirection(v);
    expect(obj.valueAlong(0.25)).toBeCloseTo(ref([...theta.map((t, j) => t + 0.25 * v[j])]), 10);
  });
});

describe('LogisticRegression against a dense Newton solve', () => {
  it('binary (both intercept conventions) and multinomial fits reach the dense solution', () => {
    const exact = { tol: 1e-10, maxIter: 100 };
    for (const [solver, k, C] of [
      ['lbfgs', 1, 0.8],
      ['liblinear', 1, 2.5],
      ['lbfgs', 3, 1.5],
    ] as const) {
      const { rows, y } = tinyProblem(21 + k, 60, 5, k);
      const liblinear = solver === 'liblinear';
      const s = liblinear ? 2 : 1;
      const dense: DenseProblem = { X: rows, y, weight: y.map(() => 1), k, s, penaliseIntercept: liblinear, l2: 1 / C };
      // The intercepts of softmax are fixed up to a common shift: a tiny ridge keeps the dense
      // Hessian invertible, and both solutions are compared centred.
      const ref = denseNewton(dense, 40, k > 1 ? 1e-12 : 0);
      const outputs = Math.max(1, k);
      const shift = k > 1 ? ref.slice(5 * k).reduce((a, b) => a + b, 0) / k : 0;
      for (let c = 0; c < k && k > 1; c++) ref[5 * k + c] -= shift;
      const model = new LogisticRegression({ solver, C, interceptScaling: s, ...exact }).fit(csrFromDense(rows), Float64Array.from(y));
      expect(model.info.converged).toBe(true);
      for (let c = 0; c < outputs; c++) {
        for (let j = 0; j < 5; j++) expect(model.coef[c * 5 + j]).toBeCloseTo(ref[j * outputs + c], 7);
        expect(model.intercept[c]).toBeCloseTo(s * ref[5 * outputs + c], 7);
      }
    }
  });
});

/** The sklearn parameters of a reference case as tunekit's. */
function paramsOf(c: SklearnCase, extra: Partial<LogisticRegressionParams> = {}): Partial<LogisticRegressionParams> {
  const p = c.params as Record<string, unknown>;
  return {
    solver: p.solver as 'lbfgs' | 'liblinear',
    C: p.C as number,
    ...(p.penalty ? { penalty: p.penalty as 'l1' | 'l2' } : {}),
    ...(p.class_weight ? { classWeight: p.class_weight as 'balanced' | Record<string, number> } : {}),
    ...(p.intercept_scaling ? { interceptScaling: p.intercept_scaling as number } : {}),
    ...(p.fit_intercept === false ? { fitIntercept: false } : {}),
    ...extra,
  };
}

/** Largest difference of coefficients and intercepts from scikit-learn's, over the largest of theirs. */
function relativeGap(model: LogisticModel, featureNames: readonly string[], ref: SklearnCase['exact']): number {
  let worst = 0;
  let scale = 0;
  ref.coef.forEach((row, c) => {
    row.forEach((v, j) => {
      const ours = model.coef[c * model.nFeatures + model.featureNames!.indexOf(featureNames[j])];
      worst = Math.max(worst, Math.abs(ours - v));
      scale = Math.max(scale, Math.abs(v));
    });
    worst = Math.max(worst, Math.abs(model.intercept[c] - ref.intercept[c]));
    scale = Math.max(scale, Math.abs(ref.intercept[c]));
  });
  return worst / scale;
}

/** The L1 objective C sum_i w_i loss_i + sum |coef| (+ |b| / s): what liblinear minimises, naively. */
function l1Objective(X: CsrMatrix, y: Labels, classes: Labels, coefOf: (c: number, j: number) => number, interceptOf: (c: number) => number, C: number, c: number): number {
  let loss = 0;
  for (let i = 0; i < X.nRows; i++) {
    let z = interceptOf(c);
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) z += X.values[q] * coefOf(c, X.indices[q]);
    const pos = y[i] === classes[classes.length === 2 ? 1 : c];
    loss += Math.log1p(Math.exp(pos ? -z : z));
  }
  let l1 = Math.abs(interceptOf(c));
  for (let j = 0; j < X.nCols; j++) l1 += Math.abs(coefOf(c, j));
  return C * loss + l1;
}

describe('LogisticRegression against scikit-learn 1.2.1 (tests/fixtures/classification)', () => {
  const ref = sklearnReference();
  const data = { diabetes: diabetes(), payments: payments() };
  const csr = (X: DenseMatrix | CsrMatrix): CsrMatrix => (X.format === 'csr' ? X : csrFromDense(Array.from({ length: X.nRows }, (_, i) => Array.from(X.data.subarray(i * X.nCols, (i + 1) * X.nCols)))));

  it.each(Object.keys(ref.cases))('%s: coefficients, probabilities and test scores', (name) => {
    const c = ref.cases[name];
    const { train, test } = data[c.dataset];
    const l1 = c.params.penalty === 'l1';
    // At the default tol (1e-4 on the gradient entries) and at 1e-9.
    const model = new LogisticRegression(paramsOf(c)).fit(train.X, train.y);
    const tight = new LogisticRegression(paramsOf(c, { tol: 1e-9 })).fit(train.X, train.y);
    expect(model.info.converged).toBe(true);
    expect(Array.from(model.classes as ArrayLike<number | string>)).toEqual(c.exact.classes);
    if (!l1) {
      // The L2 (and unpenalised-intercept) problems have one solution: scikit-learn's exact one.
      expect(relativeGap(tight, ref.features[c.dataset], c.exact)).toBeLessThan(1e-6);
      expect(relativeGap(model, ref.features[c.dataset], c.exact)).toBeLessThan(5e-4);
    } else {
      // L1 with collinear columns (an intercept beside a full one-hot block) has a set of
      // solutions: compare the objective liblinear minimises, per one-vs-rest class.
      const X = csr(train.X);
      const names = ref.features[c.dataset];
      const classes = tight.classes;
      for (let k = 0; k < c.exact.intercept.length; k++) {
        const ours = l1Objective(X, train.y, classes, (r, j) => tight.coef[r * tight.nFeatures + j], (r) => tight.intercept[r], c.params.C as number, k);
        const theirs = l1Objective(X, train.y, classes, (r, j) => c.exact.coef[r][names.indexOf(tight.featureNames![j])], (r) => c.exact.intercept[r], c.params.C as number, k);
        expect(ours).toBeLessThanOrEqual(theirs * (1 + 1e-11));
      }
      if (c.dataset === 'diabetes') expect(relativeGap(tight, names, c.exact)).toBeLessThan(1e-6);
    }
    const proba = tight.predictProba(test.X);
    const scores = tight.classes.length === 2 ? proba.filter((_, i) => i % 2 === 1) : proba;
    expect(Math.abs(rocAucScore(test.y, scores) - c.exact.test.roc_auc)).toBeLessThan(l1 ? 1e-4 : 1e-9);
    expect(Math.abs(logLoss(test.y, proba) - c.exact.test.logloss)).toBeLessThan(l1 ? 1e-4 : 1e-8);
  });
});

describe('labels, probabilities and class weights', () => {
  const { train, test } = payments();

  it('string labels come back as strings; numeric labels as a Float64Array of the same values', () => {
    const model = new LogisticRegression().fit(train.X, train.y);
    expect(model.task).toBe('classification');
    expect(model.classes).toEqual(['cash', 'credit_card', 'dispute', 'no_charge']);
    const pred = model.predict(test.X) as string[];
    expect(pred.every((p) => typeof p === 'string' && (model.classes as readonly string[]).includes(p))).toBe(true);
    const proba = model.predictProba(test.X);
    const k = 4;
    for (let i = 0; i < test.X.nRows; i++) {
      const row = proba.subarray(i * k, i * k + k);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(model.classes[row.indexOf(Math.max(...row))]).toBe(pred[i]);
    }
    const numeric = Float64Array.from(train.y, (l) => ({ cash: 2, credit_card: 1, dispute: 4, no_charge: 3.5 })[l as 'cash']);
    const m2 = new LogisticRegression().fit(train.X, numeric);
    expect(m2.classes).toEqual(Float64Array.of(1, 2, 3.5, 4));
    const p2 = m2.predict(test.X);
    expect(p2).toBeInstanceOf(Float64Array);
    // The same problem with relabelled classes: the same probabilities, columns in sorted-label order.
    const q2 = m2.predictProba(test.X);
    const order = [1, 0, 3, 2];
    for (let i = 0; i < 50; i++) for (let c = 0; c < 4; c++) expect(q2[i * 4 + c]).toBeCloseTo(proba[i * 4 + order[c]], 7);
  });

  it('binary probabilities are the sigmoid of the margin; predict thresholds it at 0', () => {
    const { train: t, test: v } = diabetes();
    const model = new LogisticRegression({ solver: 'liblinear', C: 100 }).fit(t.X, t.y);
    const z = model.decisionFunction(v.X);
    const proba = model.predictProba(v.X);
    const pred = model.predict(v.X) as Float64Array;
    for (let i = 0; i < v.X.nRows; i++) {
      expect(proba[2 * i + 1]).toBeCloseTo(1 / (1 + Math.exp(-z[i])), 14);
      expect(pred[i]).toBe(z[i] > 0 ? 1 : 0);
    }
  });

  it("classWeight 'balanced' equals the explicit map n / (k * count)", () => {
    const counts = new Map<string, number>();
    for (const l of train.y) counts.set(l, (counts.get(l) ?? 0) + 1);
    const map = Object.fromEntries([...counts].map(([l, c]) => [l, train.y.length / (4 * c)]));
    for (const solver of ['lbfgs', 'liblinear'] as const) {
      const a = new LogisticRegression({ solver, classWeight: 'balanced', tol: 1e-9 }).fit(train.X, train.y);
      const b = new LogisticRegression({ solver, classWeight: map, tol: 1e-9 }).fit(train.X, train.y);
      expect(maxDiff(a.coef, b.coef)).toBeLessThan(1e-9);
      const plain = new LogisticRegression({ solver, tol: 1e-9 }).fit(train.X, train.y);
      expect(maxDiff(a.coef, plain.coef)).toBeGreaterThan(0.01);
    }
    expect(() => new LogisticRegression({ classWeight: { refund: 2 } }).fit(train.X, train.y)).toThrow(/label "refund"/);
    expect(() => new LogisticRegression({ classWeight: { cash: -1 } })).toThrow(InvalidParameterError);
    expect(() => new LogisticRegression({ classWeight: 'uniform' as 'balanced' })).toThrow(/'balanced', a map/);
  });

  it('dense and CSR input give the same model', () => {
    const { train: t } = diabetes();
    const dense = new LogisticRegression({ solver: 'liblinear', penalty: 'l1' }).fit(t.X, t.y);
    const rows = Array.from({ length: t.X.nRows }, (_, i) => Array.from(t.X.data.subarray(i * t.X.nCols, (i + 1) * t.X.nCols)));
    const sparse = new LogisticRegression({ solver: 'liblinear', penalty: 'l1' }).fit(csrFromDense(rows), t.y);
    expect(maxDiff(dense.coef, sparse.coef)).toBe(0);
    expect(maxDiff(dense.predictProba(t.X), sparse.predictProba(csrFromDense(rows)))).toBeLessThan(1e-15);
  });
});

describe('convergence warnings', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a fit stopped by maxIter warns, through onWarning or process.emitWarning, and still returns its model', () => {
    const { train } = diabetes();
    const seen: TunekitWarning[] = [];
    const model = new LogisticRegression({ maxIter: 2 }).fit(train.X, train.y, { onWarning: (w) => seen.push(w) });
    expect(model.info.converged).toBe(false);
    expect(model.info.nIter).toBe(2);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(ConvergenceWarning);
    expect(seen[0].code).toBe('CONVERGENCE');
    expect(seen[0].message).toMatch(/stopped after 2 iterations/);
    expect(model.warnings).toHaveLength(1);
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    new LogisticRegression({ maxIter: 2 }).fit(train.X, train.y);
    expect(emit).toHaveBeenCalledTimes(1);
    expect(emit.mock.calls[0][0]).toBeInstanceOf(ConvergenceWarning);
    const converged = new LogisticRegression().fit(train.X, train.y);
    expect(converged.warnings).toHaveLength(0);
    expect(emit).toHaveBeenCalledTimes(1);
  });
});

describe('artifacts and the registry', () => {
  it('classifiers round-trip through bytes with their classes (strings and numbers)', () => {
    const { train, test } = payments();
    const d = diabetes();
    for (const model of [
      new LogisticRegression({ solver: 'liblinear', penalty: 'l1', C: 10 }).fit(train.X, train.y),
      new LogisticRegression().fit(train.X, train.y),
      new LogisticRegression({ C: 100, classWeight: { 1: 2 } }).fit(d.train.X, d.train.y),
    ]) {
      const back = loadModelSync(encodeArtifact(model.toArtifact()));
      expect(back).toBeInstanceOf(LogisticModel);
      if (back.task !== 'classification') throw new Error('not a classifier');
      const X = model.classes.length === 2 ? d.test.X : test.X;
      expect(back.classes).toEqual(model.classes);
      expect(back.predict(X)).toEqual(model.predict(X));
      expect(back.predictProba(X)).toEqual(model.predictProba(X));
      expect(back.params).toEqual(model.params);
    }
  });

  it('a corrupt artifact is refused with a clear error', () => {
    const { train } = payments();
    const art = new LogisticRegression().fit(train.X, train.y).toArtifact();
    const header = { ...art.header, state: { ...art.header.state, scheme: 'binary' } };
    expect(() => LogisticModel.fromArtifact({ header, arrays: art.arrays })).toThrow(ArtifactError);
    const noClasses = { ...art.header, state: { ...art.header.state, classes: null } };
    expect(() => LogisticModel.fromArtifact({ header: noClasses, arrays: art.arrays })).toThrow(/no classes/);
    const bytes = encodeArtifact(art);
    expect(decodeArtifact(bytes).header.kind).toBe('logistic_regression');
  });

  it('is registered as a classification kind with a default search space over C', () => {
    const kind = modelKinds.get('logistic_regression');
    expect(kind.task).toBe('classification');
    expect(kind.input).toBe('matrix');
    expect(kind.paramsSpec.C.search).toEqual({ low: 1e-4, high: 1e4, log: true });
    const { train } = diabetes();
    if (kind.task !== 'classification') throw new Error('not a classifier');
    const model = kind.create({ C: 100, solver: 'liblinear' }).fit(train.X, train.y);
    expect(model.classes).toEqual(Float64Array.of(0, 1));
  });
});

describe('bad input', () => {
  const { train } = diabetes();
  it('names what is wrong', () => {
    expect(() => new LogisticRegression({ penalty: 'l1' })).toThrow(/needs solver 'liblinear'/);
    expect(() => new LogisticRegression({ solver: 'liblinear', penalty: 'none' })).toThrow(/needs solver 'lbfgs'/);
    expect(() => new LogisticRegression({ C: 0 })).toThrow(InvalidParameterError);
    expect(() => new LogisticRegression().fit(train.X, new Float64Array(train.X.nRows).fill(1))).toThrow(/single class/);
    expect(() => new LogisticRegression().fit(train.X, train.y.subarray(1))).toThrow(/rows but y has/);
    const y = Float64Array.from(train.y);
    y[3] = Number.NaN;
    expect(() => new LogisticRegression().fit(train.X, y)).toThrow(InvalidInputError);
    const model = new LogisticRegression().fit(train.X, train.y);
    const narrow: DenseMatrix = { format: 'dense', nRows: 1, nCols: 3, data: new Float64Array(3) };
    expect(() => model.predict(narrow)).toThrow(/3 features but the model was fitted on 8/);
  });

  it('reports one validation metric, a classification one (log loss by default)', () => {
    const { test } = diabetes();
    const reports: Record<string, number>[] = [];
    const model = new LogisticRegression().fit(train.X, train.y, {
      validation: { X: test.X, y: test.y },
      onIteration: (r) => {
        reports.push(r.metrics);
        return true;
      },
    });
    expect(reports).toEqual([{ logloss: logLoss(test.y, model.predictProba(test.X)) }]);
    expect(() => new LogisticRegression().fit(train.X, train.y, { validation: { X: test.X, y: test.y }, metric: 'rmse', onIteration: () => true })).toThrow(
      /a classification model needs one of/,
    );
  });
});
