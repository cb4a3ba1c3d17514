/**
 * Datasets from tables on disk or in Arrow: read the columns a spec needs, then apply it.
 */
import type * as arrow from 'apache-arrow/Arrow';
import { frameFromTable } from './arrow-frame.js';
import { type Dataset, type DatasetSpec, checkSpec, columnsToRead, datasetFromFrame, neededColumns, unknownColumn } from './dataset.js';
import { type TableSource, readTable } from './table.js';

/** Reads a source (file, folder, list) and applies the spec. */
export async function loadDataset(source: TableSource, spec: DatasetSpec): Promise<Dataset> {
  return datasetFromTable(await readDatasetTable(source, spec), spec);
}

/** The table a spec reads from a source: the columns it needs (all with a transform). */
export function readDatasetTable(source: TableSource, spec: DatasetSpec): Promise<arrow.Table> {
  checkSpec(spec);
  return readTable(source, { ...spec.read, ...(spec.read?.columns ? {} : { columns: columnsToRead(spec) }) });
}

/** Applies the spec to an Arrow table. */
export function datasetFromTable(table: arrow.Table, spec: DatasetSpec): Dataset {
  checkSpec(spec);
  const names = table.schema.fields.map((f) => f.name);
  if (!spec.transform) {
    for (const name of neededColumns(spec)) {
      if (!names.includes(name)) throw unknownColumn(name, spec.target === name ? 'target' : 'features', names);
    }
  }
  return datasetFromFrame(frameFromTable(table, { columns: spec.transform ? names : columnsToRead(spec, names) }), spec);
}
