/**
 * Dataset presets by name (`tunekit train --preset nyc-taxi`): a named dataset's spec, where its
 * splits are found, and how it is read fastest.
 */
import { Registry } from '../core/registry.js';
import type { Dataset, DatasetSpec } from '../data/dataset.js';
import type { TableSource } from '../data/table.js';
import { type NycTaxiOptions, loadNycTaxi, nycTaxiSpec } from './nyc-taxi/preset.js';
import { resolveTaxiMonth } from './nyc-taxi/sources.js';

export interface PresetSourceOptions {
  /** Folder holding the dataset's files (the TLC months, for nyc-taxi). */
  readonly dataDir?: string;
  /** Rows of generated stand-in data when a split is found nowhere (nyc-taxi offline). */
  readonly generatedRows?: number;
}

export interface DatasetPreset {
  readonly name: string;
  readonly doc: string;
  /** The spec of the generic path (readTable + spec). */
  spec(): DatasetSpec;
  /** The file of a split named as the preset names them (a month, '2021-01'); a path is returned as is. */
  resolve(split: string, options?: PresetSourceOptions): Promise<string>;
  /** The prepared dataset of a source, by the fastest reader that gives the generic path's result. */
  load(source: TableSource): Promise<Dataset>;
}

function nycTaxi(options: NycTaxiOptions = {}): DatasetPreset {
  return {
    name: 'nyc-taxi',
    doc: 'NYC TLC green trips, as the MLOps course prepares them: target duration (minutes, 1..60), features PU_DO (categorical) and trip_distance; splits are months (2021-01) or files',
    spec: () => nycTaxiSpec(options),
    async resolve(split, source = {}) {
      if (!/^\d{4}-\d{2}$/.test(split)) return split;
      const found = await resolveTaxiMonth(
        { color: options.color ?? 'green', month: split },
        {
          ...(source.dataDir !== undefined ? { dataDir: source.dataDir } : {}),
          // Offline machines fall through to generated data quickly.
          download: { connectTimeoutMs: 3000 },
          generate: { rows: source.generatedRows ?? 80_000 },
        },
      );
      return found.path;
    },
    load: (source) => loadNycTaxi(source, options),
  };
}

export const datasetPresets = new Registry<DatasetPreset>('dataset preset', [['nyc-taxi', nycTaxi()]]);
