import { parentPort } from 'node:worker_threads';
import type { BinnedDataset } from '../tree/binning.js';
import { TREE_FIELDS } from '../tree/tree.js';
import { type ForestPlan, growForestTrees } from './forest-trees.js';

/** Worker thread body: grow the requested trees of a forest and send them back. */
interface Job {
  id: number;
  data: BinnedDataset;
  y: Float64Array;
  plan: ForestPlan;
  indices: number[];
}

parentPort?.on('message', (job: Job) => {
  try {
    const trees = growForestTrees(job.data, job.y, job.plan, job.indices);
    const transfer: ArrayBuffer[] = [];
    for (const t of trees) {
      for (const field of TREE_FIELDS) transfer.push(t[field].buffer as ArrayBuffer);
    }
    parentPort?.postMessage({ id: job.id, trees }, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
