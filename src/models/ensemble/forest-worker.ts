import { parentPort } from 'node:worker_threads';
import type { BinnedDataset } from '../tree/binning.js';
import { type ForestPlan, growForestTrees } from './forest-trees.js';
import { fromBoard, treeBuffers } from './tree-board.js';

/**
 * Worker thread body: grow trees of a forest, taking the next tree index from the board shared
 * by the job's workers until all `nTrees` are taken, and send them back with their indices.
 */
interface Job {
  id: number;
  data: BinnedDataset;
  y: Float64Array;
  plan: ForestPlan;
  nTrees: number;
  board: Int32Array;
}

parentPort?.on('message', (job: Job) => {
  try {
    const indices: number[] = [];
    const trees = growForestTrees(job.data, job.y, job.plan, fromBoard(job.board, job.nTrees, indices));
    parentPort?.postMessage({ id: job.id, indices, trees }, treeBuffers(trees));
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
