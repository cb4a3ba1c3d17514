import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../../src/models/linear/logistic.js';
import { WARNINGS_TAG } from '../../src/models/warnings.js';
import { classifierRecord, confusionMatrixSvg, logClassifierRecord } from '../../src/tracking/adapters/classifier.js';
import { TrackingClient } from '../../src/tracking/client.js';
import { diabetes, payments } from '../helpers/classification-fixtures.js';

// scikit-learn 1.2.1's values of the metrics MLflow's sklearn autolog logs, for the same fits on
// the synthetic fixtures (diabetes: liblinear C=100; payments: the lbfgs problem at C=1, solved
// by newton-cg at tol 1e-8), computed once with Debian's python3-sklearn as autolog computes them
// (precision/recall/F1 weighted, roc_auc one-vs-one weighted for 3+ classes).
const SKLEARN = {
  diabetes: {
    training_precision_score: 0.7408706771287417,
    training_recall_score: 0.7466666666666667,
    training_f1_score: 0.7399647486424943,
    training_accuracy_score: 0.7466666666666667,
    training_log_loss: 0.5174909592951261,
    training_roc_auc: 0.8023246700316644,
    training_score: 0.7466666666666667,
  },
  payments: {
    training_precision_score: 0.6851336871745035,
    training_recall_score: 0.7142857142857143,
    training_f1_score: 0.693552218367542,
    training_accuracy_score: 0.7142857142857143,
    training_log_loss: 0.6390094005347883,
    training_roc_auc: 0.8358571512008993,
    training_score: 0.7142857142857143,
  },
};

describe('classifier run records, named as MLflow autolog names them', () => {
  it('binary: the training metrics scikit-learn gives for the same fit', () => {
    const { train } = diabetes();
    const model = new LogisticRegression({ solver: 'liblinear', C: 100, tol: 1e-9 }).fit(train.X, train.y);
    const record = classifierRecord(model, train.X, train.y);
    expect(Object.keys(record.metrics).sort()).toEqual(Object.keys(SKLEARN.diabetes).sort());
    for (const [name, value] of Object.entries(SKLEARN.diabetes)) expect(record.metrics[name]).toBeCloseTo(value, 8);
    const json = JSON.parse(record.artifacts[0].text);
    expect(record.artifacts.map((a) => a.path)).toEqual(['training_confusion_matrix.json', 'training_confusion_matrix.svg']);
    expect(json.labels).toEqual([0, 1]);
    expect(json.counts).toEqual([
      [571, 97],
      [169, 213],
    ]);
  });

  it('multiclass (string labels): one-vs-one weighted ROC AUC, weighted F1, the confusion matrix', () => {
    const { train, test } = payments();
    const model = new LogisticRegression({ tol: 1e-9 }).fit(train.X, train.y);
    const record = classifierRecord(model, train.X, train.y);
    for (const [name, value] of Object.entries(SKLEARN.payments)) expect(record.metrics[name]).toBeCloseTo(value, 8);
    const json = JSON.parse(record.artifacts[0].text);
    expect(json.labels).toEqual(['cash', 'credit_card', 'dispute', 'no_charge']);
    expect(json.counts).toEqual([
      [171, 85, 0, 1],
      [55, 278, 0, 2],
      [5, 8, 0, 0],
      [3, 21, 0, 1],
    ]);
    expect(record.params).toMatchObject({ C: 1, solver: 'lbfgs', classWeight: null });
    const weighted = new LogisticRegression({ classWeight: { dispute: 5 } }).fit(train.X, train.y);
    expect(classifierRecord(weighted, train.X, train.y).params.classWeight).toBe('{"dispute":5}');
    const val = classifierRecord(model, test.X, test.y, { prefix: 'val_' });
    expect(Object.keys(val.metrics).every((k) => k.startsWith('val_'))).toBe(true);
    expect(val.artifacts[0].path).toBe('val_confusion_matrix.json');
  });

  it('a run records params, metrics, the warnings of a fit that did not converge, and the confusion matrix', async () => {
    const { train } = payments();
    const model = new LogisticRegression({ classWeight: 'balanced', maxIter: 2 }).fit(train.X, train.y, { onWarning: () => {} });
    const client = new TrackingClient('memory:');
    const run = await client.createRun({ experimentName: 'payments' });
    const record = classifierRecord(model, train.X, train.y);
    await logClassifierRecord(client, run.runId, record);
    const back = await client.getRun(run.runId);
    expect(back.params).toMatchObject({ C: '1', classWeight: 'balanced', maxIter: '2', solver: 'lbfgs' });
    expect(back.metrics.training_log_loss.value).toBe(record.metrics.training_log_loss);
    expect(back.tags[WARNINGS_TAG]).toMatch(/^ConvergenceWarning: logistic_regression: the solver stopped after 2 iterations/);
    expect((await client.listArtifacts(run.runId)).map((a) => a.path).sort()).toEqual(['training_confusion_matrix.json', 'training_confusion_matrix.svg']);
    expect(JSON.parse(await client.readText(run.runId, 'training_confusion_matrix.json')).labels).toEqual(['cash', 'credit_card', 'dispute', 'no_charge']);
  });

  it('the SVG escapes labels and shows each row normalised', () => {
    const svg = confusionMatrixSvg(['<a&b>', 'x'], Int32Array.of(3, 1, 0, 4));
    expect(svg).toContain('&lt;a&amp;b&gt;');
    expect(svg).not.toContain('<a&b>');
    expect(svg).toContain('>0.75<');
    expect(svg).toContain('>1.00<');
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
