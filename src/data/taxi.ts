/**
 * NYC taxi preparation, as in the course notebooks: duration in minutes from pickup/dropoff,
 * keep minDuration <= duration <= maxDuration, and the columns the features are built from.
 * Vectorised over the Arrow chunks' typed arrays; no per-row objects.
 */
import * as arrow from 'apache-arrow';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { type ParquetSource, parquetSchema, streamParquet, ticksPerSecond } from './parquet.js';

/** Prepared trips: one entry per kept row, columns as typed arrays. */
export interface TaxiTrips {
  readonly nRows: number;
  /** Minutes. */
  readonly duration: Float64Array;
  /** Miles; NaN where the file has a null. */
  readonly tripDistance: Float64Array;
  /** TLC zone ids; -1 where the file has a null. */
  readonly puLocationId: Int32Array;
  readonly doLocationId: Int32Array;
}

export interface PrepareTaxiOptions {
  /** Minimum duration in minutes, inclusive (default 1). */
  readonly minDuration?: number;
  /** Maximum duration in minutes, inclusive (default 60). */
  readonly maxDuration?: number;
}

export type TaxiColor = 'green' | 'yellow';

/** The columns `prepareTaxi` needs, per colour (green trips are "lpep", yellow "tpep"). */
export const TAXI_COLUMNS: Readonly<Record<TaxiColor, readonly string[]>> = {
  green: ['lpep_pickup_datetime', 'lpep_dropoff_datetime', 'PULocationID', 'DOLocationID', 'trip_distance'],
  yellow: ['tpep_pickup_datetime', 'tpep_dropoff_datetime', 'PULocationID', 'DOLocationID', 'trip_distance'],
};

/** Reads only the needed columns of TLC trip files (green or yellow, detected) and prepares them. */
export async function readTaxiTrips(source: ParquetSource, options: PrepareTaxiOptions = {}): Promise<TaxiTrips> {
  const first = typeof source === 'string' || source instanceof Uint8Array ? source : source[0];
  if (first === undefined) throw new InvalidInputError('readTaxiTrips: no source given');
  const schema = await parquetSchema(first);
  const names = schema.fields.map((f) => f.name);
  const color: TaxiColor = names.includes('tpep_pickup_datetime') ? 'yellow' : 'green';
  const columns = TAXI_COLUMNS[color];
  const kinds = { [columns[0]]: 'timestamp', [columns[1]]: 'timestamp', PULocationID: 'number', DOLocationID: 'number', trip_distance: 'number' } as const;
  // Row group by row group: only the kept rows of the whole source are held at once.
  const parts: TaxiTrips[] = [];
  for await (const batch of streamParquet(source, { columns, kinds })) parts.push(prepareTaxi(new arrow.Table(batch), options));
  return concatTrips(parts);
}

/** Trips of several parts, in order, as one. */
export function concatTrips(parts: readonly TaxiTrips[]): TaxiTrips {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.nRows, 0);
  const out: TaxiTrips = {
    nRows: n,
    duration: new Float64Array(n),
    tripDistance: new Float64Array(n),
    puLocationId: new Int32Array(n),
    doLocationId: new Int32Array(n),
  };
  let at = 0;
  for (const p of parts) {
    out.duration.set(p.duration, at);
    out.tripDistance.set(p.tripDistance, at);
    out.puLocationId.set(p.puLocationId, at);
    out.doLocationId.set(p.doLocationId, at);
    at += p.nRows;
  }
  return out;
}

/** Duration filter and typed columns from a table of TLC trips (extra columns are ignored). */
export function prepareTaxi(table: arrow.Table, options: PrepareTaxiOptions = {}): TaxiTrips {
  const minDuration = options.minDuration ?? 1;
  const maxDuration = options.maxDuration ?? 60;
  if (!Number.isFinite(minDuration)) throw new InvalidParameterError('prepareTaxi', 'minDuration', minDuration, 'must be a finite number');
  if (!Number.isFinite(maxDuration) || maxDuration < minDuration) {
    throw new InvalidParameterError('prepareTaxi', 'maxDuration', maxDuration, `must be a finite number >= minDuration (${minDuration})`);
  }
  const names = table.schema.fields.map((f) => f.name);
  const prefix = names.includes('lpep_pickup_datetime') ? 'lpep' : names.includes('tpep_pickup_datetime') ? 'tpep' : undefined;
  if (prefix === undefined) {
    throw new InvalidInputError(
      `prepareTaxi: no pickup time column (expected 'lpep_pickup_datetime' or 'tpep_pickup_datetime'; columns: ${names.join(', ')})`,
    );
  }
  const pickupIdx = columnIndex(table, `${prefix}_pickup_datetime`, 'timestamp');
  const dropoffIdx = columnIndex(table, `${prefix}_dropoff_datetime`, 'timestamp');
  const puIdx = columnIndex(table, 'PULocationID', 'number');
  const doIdx = columnIndex(table, 'DOLocationID', 'number');
  const distIdx = columnIndex(table, 'trip_distance', 'number');

  // Pass 1: durations of all rows, and how many are kept.
  const total = table.numRows;
  const duration = new Float64Array(total);
  let kept = 0;
  let at = 0;
  for (const batch of table.batches) {
    const p = batch.data.children[pickupIdx];
    const d = batch.data.children[dropoffIdx];
    kept += durations(p, d, duration, at, minDuration, maxDuration);
    at += batch.numRows;
  }

  // Pass 2: copy the kept rows.
  const out: TaxiTrips = {
    nRows: kept,
    duration: new Float64Array(kept),
    tripDistance: new Float64Array(kept),
    puLocationId: new Int32Array(kept),
    doLocationId: new Int32Array(kept),
  };
  let w = 0;
  at = 0;
  for (const batch of table.batches) {
    const n = batch.numRows;
    const pu = numbers(batch.data.children[puIdx]);
    const dof = numbers(batch.data.children[doIdx]);
    const dist = numbers(batch.data.children[distIdx]);
    for (let i = 0; i < n; i++) {
      const m = duration[at + i];
      if (m >= minDuration && m <= maxDuration) {
        out.duration[w] = m;
        out.tripDistance[w] = dist[i];
        const a = pu[i];
        const b = dof[i];
        out.puLocationId[w] = Number.isNaN(a) ? -1 : a;
        out.doLocationId[w] = Number.isNaN(b) ? -1 : b;
        w++;
      }
    }
    at += n;
  }
  return out;
}

function columnIndex(table: arrow.Table, name: string, kind: 'timestamp' | 'number'): number {
  const idx = table.schema.fields.findIndex((f) => f.name === name);
  if (idx < 0) {
    throw new InvalidInputError(`prepareTaxi: column '${name}' is missing (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const type = table.schema.fields[idx].type;
  const ok =
    kind === 'timestamp'
      ? arrow.DataType.isTimestamp(type)
      : arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isNull(type);
  if (!ok) {
    throw new InvalidInputError(`prepareTaxi: column '${name}' has type ${type}; expected a ${kind} column`);
  }
  return idx;
}

/**
 * Writes the duration in minutes of each row of one chunk into out[at..]; NaN for a null end.
 * Returns how many are within bounds. Timestamps are int64 ticks read as two int32 halves, so the
 * difference is exact without a BigInt per row; minutes = (ticks / ticks-per-second) / 60, the
 * same arithmetic as pandas' `total_seconds() / 60`.
 */
function durations(p: arrow.Data, d: arrow.Data, out: Float64Array, at: number, lo: number, hi: number): number {
  const n = p.length;
  const perSecond = ticksPerSecond((p.type as arrow.Timestamp).unit);
  const perSecondD = ticksPerSecond((d.type as arrow.Timestamp).unit);
  const pv = p.values as BigInt64Array;
  const dv = d.values as BigInt64Array;
  const ph = new Int32Array(pv.buffer, pv.byteOffset, n * 2);
  const dh = new Int32Array(dv.buffer, dv.byteOffset, n * 2);
  let kept = 0;
  if (perSecond === perSecondD) {
    for (let i = 0; i < n; i++) {
      const ticks = (dh[2 * i + 1] - ph[2 * i + 1]) * 4294967296 + ((dh[2 * i] >>> 0) - (ph[2 * i] >>> 0));
      const m = ticks / perSecond / 60;
      out[at + i] = m;
      if (m >= lo && m <= hi) kept++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const a = (ph[2 * i + 1] * 4294967296 + (ph[2 * i] >>> 0)) / perSecond;
      const b = (dh[2 * i + 1] * 4294967296 + (dh[2 * i] >>> 0)) / perSecondD;
      const m = (b - a) / 60;
      out[at + i] = m;
      if (m >= lo && m <= hi) kept++;
    }
  }
  if (p.nullCount > 0 || d.nullCount > 0) {
    for (let i = 0; i < n; i++) {
      if (!p.getValid(i) || !d.getValid(i)) {
        if (out[at + i] >= lo && out[at + i] <= hi) kept--;
        out[at + i] = Number.NaN;
      }
    }
  }
  return kept;
}

/** A numeric chunk as Float64 (no copy when it already is), nulls as NaN. */
function numbers(d: arrow.Data): Float64Array {
  const n = d.length;
  let out: Float64Array;
  const values = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array | undefined;
  if (arrow.DataType.isNull(d.type) || values === undefined) return new Float64Array(n).fill(Number.NaN);
  if (values instanceof Float64Array && d.nullCount === 0) return values.length === n ? values : values.subarray(0, n);
  out = new Float64Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const h = new Int32Array(values.buffer, values.byteOffset, n * 2);
    const unsigned = values instanceof BigUint64Array;
    for (let i = 0; i < n; i++) out[i] = (unsigned ? h[2 * i + 1] >>> 0 : h[2 * i + 1]) * 4294967296 + (h[2 * i] >>> 0);
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i];
  }
  if (d.nullCount > 0) for (let i = 0; i < n; i++) if (!d.getValid(i)) out[i] = Number.NaN;
  return out;
}
