/**
 * The course's taxi preparation as a dataset spec: the target `duration` in minutes from pickup
 * to drop-off, rows kept with 1 <= duration <= 60, and the features PU_DO ("<pickup zone>_<drop-off
 * zone>", categorical; a missing zone reads 'nan' as pandas writes it) and trip_distance.
 *
 * `nycTaxiSpec` does it on any table the generic path reads (Parquet, CSV, Arrow); `loadNycTaxi`
 * reads Parquet files with the taxi reader instead (five columns straight out of wasm memory, no
 * Arrow JS), which gives the same dataset in less time and memory.
 */
import { type Dataset, type DatasetSpec, datasetFromFrame } from '../../data/dataset.js';
import { crossCategories, filterRows, frameColumn, numbersAsCategories } from '../../data/frame.js';
import type { TableSource } from '../../data/table.js';
import { taxiFeatures } from './features.js';
import { type PrepareTaxiOptions, TAXI_COLUMNS, type TaxiColor, readTaxiTrips } from './trips.js';

export interface NycTaxiOptions extends PrepareTaxiOptions {
  /** Which TLC files: green ('lpep_' times, default) or yellow ('tpep_'). */
  readonly color?: TaxiColor;
}

export const NYC_TAXI_TARGET = 'duration';
export const NYC_TAXI_FEATURES: readonly string[] = ['PU_DO', 'trip_distance'];

/** The preparation as a spec of the generic path. */
export function nycTaxiSpec(options: NycTaxiOptions = {}): DatasetSpec {
  const color = options.color ?? 'green';
  const [pickupName, dropoffName] = TAXI_COLUMNS[color];
  const lo = options.minDuration ?? 1;
  const hi = options.maxDuration ?? 60;
  return {
    target: NYC_TAXI_TARGET,
    features: NYC_TAXI_FEATURES,
    read: { columns: TAXI_COLUMNS[color] },
    transform: (frame) => {
      const pickup = frameColumn(frame, pickupName, 'timestamp').values;
      const dropoff = frameColumn(frame, dropoffName, 'timestamp').values;
      const n = frame.nRows;
      const duration = new Float64Array(n);
      const keep = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        // As pandas' (dropoff - pickup).total_seconds() / 60, on exact microseconds.
        const m = (dropoff[i] - pickup[i]) / 1e6 / 60;
        duration[i] = m;
        keep[i] = m >= lo && m <= hi ? 1 : 0;
      }
      const pu = numbersAsCategories(frameColumn(frame, 'PULocationID', 'numeric').values, 'nan');
      const dof = numbersAsCategories(frameColumn(frame, 'DOLocationID', 'numeric').values, 'nan');
      const columns = {
        duration: { kind: 'numeric', values: duration },
        PU_DO: crossCategories(pu, dof, '_'),
        trip_distance: frameColumn(frame, 'trip_distance', 'numeric'),
      } as const;
      return filterRows({ nRows: n, columns }, keep);
    },
  };
}

/**
 * The prepared dataset of a source: Parquet files through the taxi reader, other tables (CSV,
 * Arrow, folders) through `loadDataset` with `nycTaxiSpec`. The same rows, target and features
 * either way.
 */
export async function loadNycTaxi(source: TableSource, options: NycTaxiOptions = {}): Promise<Dataset> {
  const files = typeof source === 'string' ? [source] : source;
  if (files.length > 0 && files.every((f) => /\.parquet$/i.test(f))) {
    // The reader tells green from yellow files by their columns.
    const trips = await readTaxiTrips(files, options);
    return datasetFromFrame(
      { nRows: trips.nRows, columns: { [NYC_TAXI_TARGET]: { kind: 'numeric', values: trips.duration }, ...taxiFeatures(trips).columns } },
      { target: NYC_TAXI_TARGET, features: NYC_TAXI_FEATURES },
    );
  }
  // Arrow JS only when a table other than Parquet is read.
  const { loadDataset } = await import('../../data/load.js');
  return loadDataset(source, nycTaxiSpec(options));
}
