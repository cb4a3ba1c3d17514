import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { isShared } from '../../../src/core/typed.js';
import type { FeatureColumns } from '../../../src/features/matrix.js';
import { GradientBoostingRegressor } from '../../../src/models/ensemble/gbdt.js';
import { RandomForestRegressor } from '../../../src/models/ensemble/forest.js';
import type { TreeEnsembleModel } from '../../../src/models/ensemble/model.js';
import { BOARD_HELPERS, BOARD_NEXT, BOARD_TOTAL, type GrownTrees, newTreeBoard } from '../../../src/models/ensemble/tree-board.js';
import { binColumns } from '../../../src/models/tree/binning.js';
import { TREE_FIELDS } from '../../../src/models/tree/tree.js';
import type { FitOutput, HelpBatch, IterationReport, ScoringJob, TreeHelp } from '../../../src/models/types.js';
import { ValidationCache } from '../../../src/models/validation-cache.js';

function data(seed: number, n: number): { X: FeatureColumns; y: Float64Array } {
  const rng = new Rng(seed);
  const codes = Int32Array.from({ length: n }, () => rng.below(40));
  const dist = Float64Array.from({ length: n }, () => Math.round(rng.float() * 2000) / 100);
  const y = Float64Array.from({ length: n }, (_, i) => (codes[i] % 7) + 2 * dist[i] + rng.normal(0, 1));
  const X: FeatureColumns = {
    format: 'columns',
    nRows: n,
    columns: [
      { kind: 'categorical', name: 'zone', codes, categories: Array.from({ length: 40 }, (_, k) => `z${k}`) },
      { kind: 'numeric', name: 'dist', values: dist },
    ],
  };
  return { X, y };
}

const train = data(1, 3000);
const val = data(2, 800);
const binned = binColumns(train.X);
const params = { nEstimators: 12, maxDepth: 8, seed: 4 };

function sameForest(a: TreeEnsembleModel, b: TreeEnsembleModel): void {
  expect(Array.from(b.trees.roots)).toEqual(Array.from(a.trees.roots));
  for (const field of TREE_FIELDS) expect(Array.from(b.trees[field]), field).toEqual(Array.from(a.trees[field]));
}

/** A fit's view of its helpers: batches handed over in order, announce calls counted. */
function helpOf(board: Int32Array, batches: GrownTrees[]): TreeHelp & { announced: number } {
  const help = {
    board,
    announced: 0,
    announce() {
      help.announced++;
    },
    receive: () => batches.shift(),
  };
  return help;
}

describe('forest fits with helper threads (tree board)', () => {
  const alone = new RandomForestRegressor(params).fit(binned, train.y);

  it('trees grown by a helper arrive by index: the same forest as growing all of them', () => {
    const board = newTreeBoard();
    // The helper takes the first five indices before the owner starts (the order does not matter).
    let taken = 0;
    const grown = new RandomForestRegressor(params).helpGrow(binned, train.y, board, () => taken++ >= 5);
    expect(grown.indices).toEqual([0, 1, 2, 3, 4]);
    const help = helpOf(board, [grown]);
    const model = new RandomForestRegressor(params).fit(binned, train.y, { treeHelp: help });
    sameForest(alone, model);
    expect(help.announced).toBe(1);
    expect(board[BOARD_TOTAL]).toBe(params.nEstimators);
    expect(board[BOARD_NEXT]).toBeGreaterThanOrEqual(params.nEstimators);
  });

  it('indices a helper took but never delivered (it died) are grown by the owner', () => {
    const board = newTreeBoard();
    Atomics.store(board, BOARD_NEXT, 7); // a helper took 0..6 and failed
    const model = new RandomForestRegressor(params).fit(binned, train.y, { treeHelp: helpOf(board, []) });
    sameForest(alone, model);
  });

  it('the owner waits for a helper still at work, then takes its trees', async () => {
    const board = newTreeBoard();
    Atomics.store(board, BOARD_HELPERS, 1);
    let taken = 0;
    const grown = new RandomForestRegressor(params).helpGrow(binned, train.y, board, () => taken++ >= 3);
    const batches: GrownTrees[] = [];
    // The helper's batch arrives, then it counts itself out, while the owner waits.
    let polls = 0;
    const help: TreeHelp = {
      board,
      announce: () => undefined,
      receive: () => {
        polls++;
        if (polls === 2) {
          batches.push(grown);
          Atomics.store(board, BOARD_HELPERS, 0);
        }
        return batches.shift();
      },
    };
    const model = new RandomForestRegressor(params).fit(binned, train.y, { treeHelp: help });
    sameForest(alone, model);
    expect(polls).toBeGreaterThanOrEqual(3);
  });

  it('a helper stops when asked and takes nothing once every index is taken', () => {
    const board = newTreeBoard();
    expect(new RandomForestRegressor(params).helpGrow(binned, train.y, board, () => true).indices).toEqual([]);
    Atomics.store(board, BOARD_NEXT, params.nEstimators);
    expect(new RandomForestRegressor(params).helpGrow(binned, train.y, board, () => false).indices).toEqual([]);
  });
});

describe('forest validation scored with helper threads', () => {
  // Enough distinct rows for the fitting thread to use lookup tables; helpers route rows instead.
  const big = data(3, 6000);
  const scoredFit = (help: TreeHelp | undefined, stopAt = Number.POSITIVE_INFINITY) => {
    const reports: number[] = [];
    const output: FitOutput = {};
    const cache = new ValidationCache();
    const model = new RandomForestRegressor(params).fit(binned, train.y, {
      validation: { X: big.X, y: big.y, cache },
      output,
      onIteration: (r) => {
        reports.push(r.metrics.rmse);
        return r.iteration < stopAt;
      },
      ...(help ? { treeHelp: help } : {}),
    });
    return { model, reports, pred: Array.from(output.validationPrediction ?? []) };
  };
  /** A fit whose scoring job is handed to `onJob` when announced (a helper runs in between). */
  const withScoring = (onJob: (job: ScoringJob, batches: HelpBatch[]) => void): TreeHelp => {
    const batches: HelpBatch[] = [];
    return {
      board: newTreeBoard(),
      announce: () => undefined,
      announceScoring: (job) => onJob(job, batches),
      receive: () => batches.shift(),
    };
  };
  const plain = scoredFit(undefined);

  it('trees scored by a helper are added in tree order: the same reports and predictions', () => {
    let scored = 0;
    const help = withScoring((job, batches) => {
      expect(isShared(job.forest.value)).toBe(true);
      let n = 0;
      const done = new RandomForestRegressor(params).helpScore(binned, { X: big.X, y: big.y, cache: new ValidationCache() }, job, () => n++ >= 4);
      scored = done.indices.length;
      batches.push(done);
    });
    const helped = scoredFit(help);
    expect(scored).toBe(4);
    expect(helped.reports).toEqual(plain.reports);
    expect(helped.pred).toEqual(plain.pred);
    sameForest(plain.model, helped.model);
  });

  it('trees a failed helper took are scored by the fit itself', () => {
    const help = withScoring((job) => {
      Atomics.store(job.board, BOARD_NEXT, 3); // took 0..2, delivered nothing, gone
    });
    const helped = scoredFit(help);
    expect(helped.reports).toEqual(plain.reports);
    expect(helped.pred).toEqual(plain.pred);
  });

  it('a fit stopped by a report stops its helpers and keeps what it would keep alone', () => {
    let board: Int32Array | undefined;
    const help = withScoring((job) => {
      board = job.board;
    });
    const alone = scoredFit(undefined, 5);
    const helped = scoredFit(help, 5);
    expect(helped.model.nTrees).toBe(5);
    expect(helped.reports).toEqual(alone.reports);
    expect(helped.pred).toEqual(alone.pred);
    expect(board && Atomics.load(board, BOARD_NEXT)).toBeGreaterThanOrEqual(params.nEstimators);
  });
});

describe('validation cache', () => {
  const reportsOf = (reports: IterationReport[]) => reports.map((r) => r.metrics.rmse);

  it('gives the same reports and predictions as fits without it, for forests and boosting', () => {
    const cache = new ValidationCache();
    for (const make of [() => new RandomForestRegressor(params), () => new GradientBoostingRegressor({ nEstimators: 15, maxDepth: 4, seed: 2 })]) {
      for (let round = 0; round < 2; round++) {
        const fitOnce = (withCache: boolean) => {
          const reports: IterationReport[] = [];
          const output: FitOutput = {};
          const validation = { X: val.X, y: val.y, ...(withCache ? { cache } : {}) };
          make().fit(binned, train.y, { validation, output, onIteration: (r) => void reports.push(r) });
          return { reports: reportsOf(reports), pred: Array.from(output.validationPrediction ?? []) };
        };
        const plain = fitOnce(false);
        const cached = fitOnce(true);
        expect(cached.reports).toEqual(plain.reports);
        expect(cached.pred).toEqual(plain.pred);
        expect(plain.pred.length).toBe(val.y.length);
      }
    }
  });

  it('serves one validation X only', () => {
    const cache = new ValidationCache();
    const fitOn = (X: FeatureColumns) => new RandomForestRegressor(params).fit(binned, train.y, { validation: { X, y: val.y, cache }, onIteration: () => true });
    fitOn(val.X);
    expect(() => fitOn({ ...val.X })).toThrow(/another validation X/);
  });
});
