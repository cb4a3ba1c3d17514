import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import {
  accuracyScore,
  averagePrecisionScore,
  balancedAccuracyScore,
  confusionMatrix,
  f1Score,
  logLoss,
  metrics,
  precisionScore,
  recallScore,
  rocAucScore,
} from '../../../src/models/metrics/index.js';

// Naive references written from the definitions, on plain arrays, O(n^2) where that is simplest.

/** AUC by counting every (positive, negative) pair: 1 when the positive scores higher, 1/2 on a tie. */
function bruteAuc(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Average precision: for each distinct threshold (high to low), recall gained times precision there. */
function bruteAp(y: number[], s: number[]): number {
  const nPos = y.filter((v) => v === 1).length;
  const thresholds = [...new Set(s)].sort((a, b) => b - a);
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < y.length; i++) if (s[i] >= t) y[i] === 1 ? tp++ : fp++;
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

function bruteLogLoss(y: number[], p: number[][]): number {
  const eps = 2 ** -52;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const clipped = p[i].map((v) => Math.min(Math.max(v, eps), 1 - eps));
    const sum = clipped.reduce((a, b) => a + b, 0);
    s -= Math.log(clipped[y[i]] / sum);
  }
  return s / y.length;
}

function brutePrf(y: number[], pred: number[], c: number): { precision: number; recall: number; f1: number; support: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    if (pred[i] === c && y[i] === c) tp++;
    else if (pred[i] === c) fp++;
    else if (y[i] === c) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support: tp + fn };
}

const flat = (p: number[][]) => Float64Array.from(p.flat());

describe('ranking metrics against pair counts', () => {
  it('ROC AUC equals the brute-force pair count, ties included', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.below(200);
      // Scores on a coarse grid: many ties within and across classes.
      const grid = 1 + rng.below(12);
      const y = Array.from({ length: n }, () => (rng.float() < 0.3 ? 1 : 0));
      y[0] = 1;
      y[1] = 0;
      const s = Array.from({ length: n }, (_, i) => Math.floor((rng.float() + 0.3 * y[i]) * grid) / grid);
      expect(rocAucScore(y, s)).toBeCloseTo(bruteAuc(y, s), 12);
      expect(averagePrecisionScore(y, s)).toBeCloseTo(bruteAp(y, s), 12);
      // The registry takes codes and positive-class probabilities (width 1) or n x 2.
      const two = s.flatMap((v) => [1 - v, v]);
      expect(metrics.get('roc_auc').fn(y, s)).toBe(rocAucScore(y, s));
      expect(metrics.get('roc_auc').fn(y, two)).toBeCloseTo(bruteAuc(y, s), 12);
      expect(metrics.get('pr_auc').fn(y, s)).toBe(averagePrecisionScore(y, s));
    }
  });

  it('multiclass ROC AUC and PR AUC are the one-vs-rest macro averages', () => {
    const rng = new Rng(5);
    const n = 300;
    const k = 4;
    const y = Array.from({ length: n }, () => rng.below(k));
    const p = y.map((c) => {
      const row = Array.from({ length: k }, (_, j) => rng.float() + (j === c ? 0.4 : 0));
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((v) => Math.round((v / sum) * 20) / 20);
    });
    let auc = 0;
    let ap = 0;
    for (let c = 0; c < k; c++) {
      const yc = y.map((v) => (v === c ? 1 : 0));
      const sc = p.map((row) => row[c]);
      auc += bruteAuc(yc, sc) / k;
      ap += bruteAp(yc, sc) / k;
    }
    expect(rocAucScore(y, flat(p))).toBeCloseTo(auc, 12);
    expect(averagePrecisionScore(y, flat(p))).toBeCloseTo(ap, 12);
    // One-vs-one: each pair of classes on their own rows, both ways, weighted by the rows.
    let ovo = 0;
    let total = 0;
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const rows = y.map((_, i) => i).filter((i) => y[i] === a || y[i] === b);
        const ab = bruteAuc(rows.map((i) => (y[i] === a ? 1 : 0)), rows.map((i) => p[i][a]));
        const ba = bruteAuc(rows.map((i) => (y[i] === b ? 1 : 0)), rows.map((i) => p[i][b]));
        ovo += (rows.length / n) * ((ab + ba) / 2);
        total += rows.length / n;
      }
    }
    expect(metrics.get('roc_auc_ovo_weighted').fn(y, flat(p))).toBeCloseTo(ovo / total, 12);
  });

  it('matches scikit-learn 1.2.1 on a small example', () => {
    // Computed once with Debian's python3-sklearn 1.2.1: roc_auc_score(y, p, multi_class='ovr'),
    // average_precision_score(label_binarize(y, classes=[0, 1, 2]), p), log_loss(y, p), and the
    // binary scores of yb, sb.
    const y = [0, 1, 1, 0, 2, 2, 1, 0, 2, 1];
    const p = [
      [0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.5, 0.5, 0], [0, 0, 1],
      [0.2, 0.2, 0.6], [0.4, 0.4, 0.2], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.3, 0.6, 0.1],
    ];
    expect(rocAucScore(y, flat(p))).toBeCloseTo(0.8531746031746031, 14);
    // roc_auc_score(y, p, multi_class='ovo', average='weighted')
    expect(metrics.get('roc_auc_ovo_weighted').fn(y, flat(p))).toBeCloseTo(0.8531250000000001, 14);
    expect(averagePrecisionScore(y, flat(p))).toBeCloseTo(0.8138888888888888, 14);
    expect(logLoss(y, flat(p))).toBeCloseTo(0.7110508140648613, 14);
    const pred = p.map((row) => row.indexOf(Math.max(...row)));
    expect(accuracyScore(y, pred)).toBe(0.7);
    expect(balancedAccuracyScore(y, pred)).toBeCloseTo(0.7222222222222222, 14);
    expect(f1Score(y, pred, { average: 'macro' })).toBeCloseTo(0.6984126984126985, 14);
    expect(f1Score(y, pred, { average: 'weighted' })).toBeCloseTo(0.6857142857142857, 14);
    expect(precisionScore(y, pred, { average: 'macro' })).toBeCloseTo(0.6944444444444443, 14);
    expect(recallScore(y, pred, { average: 'weighted' })).toBeCloseTo(0.7, 14);
    expect(f1Score(y, pred, { average: 'micro' })).toBeCloseTo(0.7, 14);
    expect(Array.from(confusionMatrix(y, pred).counts)).toEqual([3, 0, 0, 1, 2, 1, 0, 1, 2]);
    const yb = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0];
    const sb = [0.1, 0.8, 0.4, 0.4, 0.9, 0.2, 0.6, 0.4, 0.7, 0.05];
    expect(rocAucScore(yb, sb)).toBeCloseTo(0.88, 14);
    expect(averagePrecisionScore(yb, sb)).toBeCloseTo(0.8857142857142857, 14);
    expect(logLoss(yb, sb)).toBeCloseTo(0.43246741916588094, 14);
    const pb = sb.map((v) => (v > 0.5 ? 1 : 0));
    expect(f1Score(yb, pb)).toBeCloseTo(0.6666666666666665, 14);
    expect(precisionScore(yb, pb)).toBeCloseTo(0.75, 14);
    expect(recallScore(yb, pb)).toBeCloseTo(0.6, 14);
    // Clipping at float64 eps: a perfect prediction costs eps, a certain miss -log(eps).
    expect(logLoss([0, 1], [0, 1])).toBeCloseTo(2.2204460492503136e-16, 30);
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(36.04365338911715, 12);
  });
});

describe('label metrics against their definitions', () => {
  const rng = new Rng(8);
  const k = 4;
  const n = 400;
  const y = Array.from({ length: n }, () => rng.below(k));
  const p = y.map((c) => Array.from({ length: k }, (_, j) => rng.float() + (j === c ? 0.3 : 0)));
  const pred = p.map((row) => row.indexOf(Math.max(...row)));
  const per = Array.from({ length: k }, (_, c) => brutePrf(y, pred, c));

  it('accuracy, balanced accuracy, macro and weighted precision / recall / F1', () => {
    expect(accuracyScore(y, pred)).toBeCloseTo(y.filter((v, i) => v === pred[i]).length / n, 14);
    expect(balancedAccuracyScore(y, pred)).toBeCloseTo(per.reduce((a, r) => a + r.recall, 0) / k, 14);
    for (const what of ['precision', 'recall', 'f1'] as const) {
      const fn = { precision: precisionScore, recall: recallScore, f1: f1Score }[what];
      const macro = per.reduce((a, r) => a + r[what], 0) / k;
      const weighted = per.reduce((a, r) => a + r[what] * r.support, 0) / n;
      expect(fn(y, pred, { average: 'macro' })).toBeCloseTo(macro, 14);
      expect(fn(y, pred, { average: 'weighted' })).toBeCloseTo(weighted, 14);
      // The registry scores the most probable class of the probabilities.
      expect(metrics.get(`${what}_macro`).fn(y, flat(p))).toBeCloseTo(macro, 14);
      expect(metrics.get(`${what}_weighted`).fn(y, flat(p))).toBeCloseTo(weighted, 14);
    }
    expect(metrics.get('accuracy').fn(y, flat(p))).toBe(accuracyScore(y, pred));
    expect(metrics.get('balanced_accuracy').fn(y, flat(p))).toBeCloseTo(balancedAccuracyScore(y, pred), 14);
    expect(metrics.get('logloss').fn(y, flat(p))).toBeCloseTo(bruteLogLoss(y, p), 12);
  });

  it('binary precision / recall / F1 score the larger label, or posLabel', () => {
    const yb = y.map((v) => (v >= 2 ? 'yes' : 'no'));
    const pb = pred.map((v) => (v >= 2 ? 'yes' : 'no'));
    const codes = (a: string[]) => a.map((v) => (v === 'yes' ? 1 : 0));
    const pos = brutePrf(codes(yb), codes(pb), 1);
    const neg = brutePrf(codes(yb), codes(pb), 0);
    expect(f1Score(yb, pb)).toBeCloseTo(pos.f1, 14);
    expect(precisionScore(yb, pb)).toBeCloseTo(pos.precision, 14);
    expect(recallScore(yb, pb, { posLabel: 'no' })).toBeCloseTo(neg.recall, 14);
    expect(() => f1Score(y, pred)).toThrow(/'f1_macro'/);
    expect(() => metrics.get('f1').fn(y, flat(p))).toThrow(InvalidInputError);
  });

  it('the confusion matrix counts (true, predicted) pairs over the sorted labels', () => {
    const names = ['cash', 'card', 'dispute', 'free'];
    const yt = y.map((c) => names[c]);
    const yp = pred.map((c) => names[c]);
    const cm = confusionMatrix(yt, yp);
    expect(cm.labels).toEqual(['card', 'cash', 'dispute', 'free']);
    for (let t = 0; t < k; t++) {
      for (let q = 0; q < k; q++) {
        const want = yt.filter((v, i) => v === cm.labels[t] && yp[i] === cm.labels[q]).length;
        expect(cm.counts[t * k + q]).toBe(want);
      }
    }
    const fixed = confusionMatrix(yt, yp, ['free', 'dispute', 'cash', 'card']);
    expect(fixed.labels).toEqual(['card', 'cash', 'dispute', 'free']);
  });
});

describe('classification metrics reject bad input', () => {
  it('names what is wrong', () => {
    expect(() => rocAucScore([1, 1, 1], [0.1, 0.2, 0.3])).toThrow(/only one class/);
    expect(() => rocAucScore([0, 1, 2], [0.1, 0.2, 0.3])).toThrow(/3 classes in yTrue but 1 score column/);
    expect(() => logLoss([0, 1], [0.1, Number.NaN])).toThrow(/NaN/);
    expect(() => accuracyScore([0, 1], [0])).toThrow(/2 labels but yPred has 1/);
    expect(() => accuracyScore([0, 'a'] as unknown as number[], [0, 1])).toThrow(InvalidInputError);
    expect(() => metrics.get('logloss').fn([0, 3], [0.5, 0.5, 0.5, 0.5])).toThrow(/class code 3/);
    expect(() => metrics.get('accuracy').fn([0, 1, 1], [0.5, 0.5])).toThrow(/whole number of columns/);
  });

  it('every metric has a direction and a task', () => {
    for (const name of ['accuracy', 'balanced_accuracy', 'roc_auc', 'roc_auc_ovo_weighted', 'pr_auc', 'f1', 'f1_macro', 'f1_weighted', 'precision', 'recall']) {
      expect(metrics.get(name)).toMatchObject({ direction: 'max', task: 'classification' });
    }
    expect(metrics.get('logloss')).toMatchObject({ direction: 'min', task: 'classification' });
    expect(metrics.get('rmse')).toMatchObject({ direction: 'min', task: 'regression' });
  });
});
