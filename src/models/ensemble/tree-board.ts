import { sharedArray } from '../../core/typed.js';
import type { ModelInput, TreeHelp } from '../types.js';
import type { BinnedDataset } from '../tree/binning.js';
import { TREE_FIELDS, type TreeArrays } from '../tree/tree.js';

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

/** An estimator whose fit can take help (forests): it grows trees of another thread's fit. */
export interface TreeHelper {
  helpGrow(X: ModelInput | BinnedDataset, y: Float64Array, board: Int32Array, stop: () => boolean): GrownTrees;
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
