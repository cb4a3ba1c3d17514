import { parentPort } from 'node:worker_threads';
import type { BinnedDataset } from '../tree/binning.js';
import { TREE_FIELDS } from '../tree/tree.js';
import { type ForestPlan, growForestTrees } from './forest-trees.js';

/**
 * Worker thread body: grow trees of a forest, taking the next tree index from the counter shared
 * by the job's workers until all `nTrees` are taken, and send them back with their indices.
 */
interface Job {
  id: number;
  data: BinnedDataset;
  y: Float64Array;
  plan: ForestPlan;
  nTrees: number;
  next: Int32Array;
}

/** Tree indices from the shared counter, each also recorded in `taken`. */
function* fromCounter(next: Int32Array, nTrees: number, taken: number[]): Generator<number> {
  for (let t = Atomics.add(next, 0, 1); t < nTrees; t = Atomics.add(next, 0, 1)) {
    taken.push(t);
    yield t;
  }
}

parentPort?.on('message', (job: Job) => {
  try {
    const indices: number[] = [];
    const trees = growForestTrees(job.data, job.y, job.plan, fromCounter(job.next, job.nTrees, indices));
    const transfer: ArrayBuffer[] = [];
    for (const t of trees) {
      for (const field of TREE_FIELDS) transfer.push(t[field].buffer as ArrayBuffer);
    }
    parentPort?.postMessage({ id: job.id, indices, trees }, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
