import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactError, InvalidInputError } from '../../src/core/errors.js';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import { loadClassifierPipeline, loadModel, loadPipeline, modelToBytes, saveModel } from '../../src/models/io.js';
import { LinearRegression, LogisticRegression } from '../../src/models/linear/index.js';
import { ClassifierPipelineModel, Pipeline, PipelineModel } from '../../src/models/pipeline.js';
import { paymentRecords } from '../helpers/classification-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-classifier-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('classifier pipelines', () => {
  const { train, test } = paymentRecords();

  it('fit on records with string labels, save, load, and predict labels and probabilities from raw records', async () => {
    const pipe = new Pipeline(new LogisticRegression({ C: 10 })).fit(train.X, train.y);
    expect(pipe).toBeInstanceOf(ClassifierPipelineModel);
    expect(pipe.task).toBe('classification');
    expect(pipe.classes).toEqual(['cash', 'credit_card', 'dispute', 'no_charge']);
    // The same as vectorizing by hand and predicting with the model.
    const dv = new DictVectorizer().fit(train.X);
    const direct = new LogisticRegression({ C: 10 }).fit(dv.transform(train.X), train.y);
    expect(pipe.predict(test.X)).toEqual(direct.predict(dv.transform(test.X)));
    expect(pipe.predictProba(test.X)).toEqual(direct.predictProba(dv.transform(test.X)));

    const path = join(dir, 'payments.tkm');
    await saveModel(pipe, path);
    const back = await loadClassifierPipeline(path);
    expect(back.classes).toEqual(pipe.classes);
    expect(back.predict(test.X)).toEqual(pipe.predict(test.X));
    expect(back.predictProba(test.X)).toEqual(pipe.predictProba(test.X));
    const any = await loadModel<unknown>(path);
    expect(any.task).toBe('classification');
    await expect(loadPipeline(path)).rejects.toThrow(/holds a classifier \('logistic_regression'\); load it with loadClassifierPipeline/);
    // An Arrow table with the input columns predicts the same.
    const table = arrow.tableFromArrays({
      PU_DO: test.X.map((r) => r.PU_DO as string),
      trip_distance: Float64Array.from(test.X, (r) => r.trip_distance as number),
    });
    expect(back.predict(table)).toEqual(pipe.predict(test.X));
  });

  it('numeric labels round-trip as a Float64Array of the same values', async () => {
    const codes = { cash: 2, credit_card: 1, dispute: 4, no_charge: 3 } as const;
    const y = Float64Array.from(train.y, (l) => codes[l as keyof typeof codes]);
    const reports: number[] = [];
    const pipe = new Pipeline(new LogisticRegression({ solver: 'liblinear' })).fit(train.X, y, {
      validation: { X: test.X, y: Float64Array.from(test.y, (l) => codes[l as keyof typeof codes]) },
      metric: 'accuracy',
      onIteration: (r) => {
        reports.push(r.metrics.accuracy);
        return true;
      },
    });
    expect(reports).toHaveLength(1);
    const back = await loadClassifierPipeline(modelToBytes(pipe));
    const pred = back.predict(test.X);
    expect(pred).toBeInstanceOf(Float64Array);
    expect(back.classes).toEqual(Float64Array.of(1, 2, 3, 4));
    expect(pred).toEqual(pipe.predict(test.X));
  });

  it('regression pipelines are unchanged and the two kinds are told apart', async () => {
    const y = Float64Array.from(train.X, (r) => 3 * (r.trip_distance as number) + 1);
    const reg = new Pipeline(new LinearRegression()).fit(train.X, y);
    expect(reg).toBeInstanceOf(PipelineModel);
    expect((await loadPipeline(modelToBytes(reg))).predict(test.X)).toEqual(reg.predict(test.X));
    await expect(loadClassifierPipeline(modelToBytes(reg))).rejects.toThrow(ArtifactError);
    const classifier = new Pipeline(new LogisticRegression()).fit(train.X, train.y);
    expect(() => new PipelineModel(classifier.vectorizer, classifier.model)).toThrow(InvalidInputError);
    expect(() => new ClassifierPipelineModel(reg.vectorizer, reg.model)).toThrow(/holds a classification model/);
  });
});
