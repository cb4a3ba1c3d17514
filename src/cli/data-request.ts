/**
 * The data of a `train` or `tune` command: a table (files, folders) with its validation (another
 * source or a fraction) and a dataset spec, or a preset's named splits. Loaded as the datasets the
 * command trains and validates on, with where each came from.
 */
import type { DatasetSpec } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { type Splits, loadSplits, splitDataset } from '../data/split.js';
import { datasetPresets } from '../datasets/presets.js';

export type DataRequest =
  | {
      readonly data: readonly string[];
      readonly val?: readonly string[];
      readonly valFraction?: number;
      readonly seed: number;
      readonly spec: DatasetSpec;
    }
  | { readonly preset: string; readonly train: string; readonly val: string; readonly dataDir?: string };

export interface LoadedSplits extends Splits {
  readonly source: { readonly train: string; readonly validation: string };
}

export async function loadRequestedSplits(request: DataRequest): Promise<LoadedSplits> {
  if ('preset' in request) {
    const preset = datasetPresets.get(request.preset);
    const where = request.dataDir !== undefined ? { dataDir: request.dataDir } : {};
    const trainPath = await preset.resolve(request.train, where);
    const valPath = await preset.resolve(request.val, where);
    return { train: await preset.load(trainPath), validation: await preset.load(valPath), source: { train: trainPath, validation: valPath } };
  }
  const one = (list: readonly string[]) => (list.length === 1 ? list[0] : list);
  if (request.val) {
    const splits = await loadSplits({ train: one(request.data), validation: one(request.val) }, request.spec);
    return { ...splits, source: { train: request.data.join(','), validation: request.val.join(',') } };
  }
  const fraction = request.valFraction!;
  const all = await loadDataset(one(request.data), request.spec);
  const splits = splitDataset(all, { validation: fraction, seed: request.seed });
  const from = request.data.join(',');
  return { ...splits, source: { train: `${from} (${1 - fraction} of rows, seed ${request.seed})`, validation: `${from} (${fraction} of rows)` } };
}
