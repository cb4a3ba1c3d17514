import { sharedArray } from '../../core/typed.js';
import type { BinnedDataset } from '../tree/binning.js';
import { type ForestArrays, TREE_FIELDS, type TreeArrays } from '../tree/tree.js';
import type { ModelInput, ScoringJob, TreeHelp, ValidationSet } from '../types.js';

/**
 * A tree board: the shared slots through which threads split a forest's trees. Each thread takes
 * the next tree index from the counter when it is free, so none waits while trees are left; tree t
 * is the same whoever grows it (its stream is (seed, t)).
 */
export const BOARD_NEXT = 0;
/** Trees in the fit, set by the thread that owns it (0 until it starts growing). */
export const BOARD_TOTAL = 1;
/** Helpers at work on the fit: the owner waits for their trees until this is 0. */
export const BOARD_HELPERS = 2;

export function newTreeBoard(): Int32Array {
  return sharedArray(Int32Array, 3);
}

/** Trees a helper grew, by index. */
export interface GrownTrees {
  readonly indices: number[];
  readonly trees: TreeArrays[];
}

/** The buffers of trees' arrays, to move them to another thread instead of copying. */
export function treeBuffers(trees: readonly TreeArrays[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of trees) for (const field of TREE_FIELDS) out.push(t[field].buffer as ArrayBuffer);
  return out;
}

/** Outputs of trees a helper scored, by index (one value per distinct validation row). */
export interface ScoredTrees {
  readonly indices: number[];
  readonly outputs: Float64Array[];
}

/** An estimator whose fit can take help (forests): it grows and scores trees of another thread's fit. */
export interface TreeHelper {
  helpGrow(X: ModelInput | BinnedDataset, y: Float64Array, board: Int32Array, stop: () => boolean): GrownTrees;
  /** Outputs of the job's trees on the validation rows, as the fitting thread would compute them. */
  helpScore(X: ModelInput | BinnedDataset, validation: ValidationSet, job: ScoringJob, stop: () => boolean): ScoredTrees;
}

export function isTreeHelper(estimator: object): estimator is TreeHelper {
  return typeof (estimator as Partial<TreeHelper>).helpGrow === 'function';
}

/** Tree indices from the board's counter until all `nTrees` are taken or `stop()`; each also pushed to `taken`. */
export function* fromBoard(board: Int32Array, nTrees: number, taken: number[], stop?: () => boolean): Generator<number> {
  while (!stop?.()) {
    const t = Atomics.add(board, BOARD_NEXT, 1);
    if (t >= nTrees) return;
    taken.push(t);
    yield t;
  }
}

/** How long the owner sleeps at most between looks at a helper that has not finished. */
const HELPER_WAIT_MS = 20;

/**
 * Grow trees 0..nTrees-1 with help: this thread takes indices from the board like any helper,
 * then waits for the trees the helpers took and grows whatever a failed helper left. Returns the
 * trees in index order: the same trees as growing them all here.
 */
export function growWithHelp(nTrees: number, help: TreeHelp, grow: (indices: Iterable<number>) => TreeArrays[]): TreeArrays[] {
  const { board } = help;
  const trees: (TreeArrays | undefined)[] = new Array(nTrees);
  Atomics.store(board, BOARD_TOTAL, nTrees);
  help.announce();
  const mine: number[] = [];
  grow(fromBoard(board, nTrees, mine)).forEach((tree, i) => {
    trees[mine[i]] = tree;
  });
  // Every index is taken now, so no helper takes another; wait until none is still at work. A
  // helper's trees are on the way before it counts itself out.
  for (;;) {
    const helpers = Atomics.load(board, BOARD_HELPERS);
    for (let batch = help.receive(); batch !== undefined; batch = help.receive()) {
      if (!('trees' in batch)) continue;
      batch.indices.forEach((t, i) => {
        trees[t] = batch.trees[i];
      });
    }
    if (helpers === 0) break;
    Atomics.wait(board, BOARD_HELPERS, helpers, HELPER_WAIT_MS);
  }
  const missing: number[] = [];
  for (let t = 0; t < nTrees; t++) if (trees[t] === undefined) missing.push(t);
  if (missing.length > 0) {
    grow(missing).forEach((tree, i) => {
      trees[missing[i]] = tree;
    });
  }
  return trees as TreeArrays[];
}

/**
 * Scoring a forest with help: made, it puts the forest's tree count on a new scoring board and
 * announces the job (the forest must be in shared memory). `add(t)` adds tree t's outputs to
 * `sum`: trees are taken from the board in order; a tree taken before its turn is scored into its
 * own array and added when its turn comes, as are the trees helpers scored. Each tree's outputs
 * are its leaf values, so `sum` gets the very terms, in the same order, as adding the trees one by
 * one here.
 */
export class ScoringTurns {
  private readonly ready = new Map<number, Float64Array>();
  private readonly job: ScoringJob;

  constructor(
    forest: ForestArrays,
    private readonly help: TreeHelp,
    private readonly nRows: number,
    private readonly score: (t: number, out: Float64Array) => void,
  ) {
    this.job = { forest, board: newTreeBoard() };
    Atomics.store(this.job.board, BOARD_TOTAL, forest.roots.length);
    help.announceScoring?.(this.job);
  }

  add(t: number, sum: Float64Array): void {
    const { board } = this.job;
    const nTrees = this.job.forest.roots.length;
    for (;;) {
      const done = this.ready.get(t);
      if (done) {
        for (let d = 0; d < this.nRows; d++) sum[d] += done[d];
        this.ready.delete(t);
        return;
      }
      const u = Atomics.add(board, BOARD_NEXT, 1);
      if (u === t) {
        this.score(t, sum);
        return;
      }
      if (u < nTrees) {
        const out = new Float64Array(this.nRows);
        this.score(u, out);
        this.ready.set(u, out);
        continue;
      }
      // A helper has tree t: take what has arrived; if no helper is at work any more and t is
      // still missing (a helper failed), score it here.
      const helpers = Atomics.load(board, BOARD_HELPERS);
      this.receive();
      if (this.ready.has(t)) continue;
      if (helpers === 0) {
        this.score(t, sum);
        return;
      }
      Atomics.wait(board, BOARD_HELPERS, helpers, HELPER_WAIT_MS);
    }
  }

  /** No more trees are wanted (the fit stopped early): helpers stop after their current tree. */
  stop(): void {
    Atomics.store(this.job.board, BOARD_NEXT, this.job.forest.roots.length);
  }

  private receive(): void {
    for (let batch = this.help.receive(); batch !== undefined; batch = this.help.receive()) {
      if (!('outputs' in batch)) continue;
      batch.indices.forEach((u, i) => {
        this.ready.set(u, batch.outputs[i]);
      });
    }
  }
}
