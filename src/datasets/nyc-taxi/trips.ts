/**
 * NYC taxi preparation, as in the course notebooks: duration in minutes from pickup/dropoff,
 * keep minDuration <= duration <= maxDuration, and the columns the features are built from.
 * Vectorised over typed arrays; no per-row objects.
 *
 * `readTaxiTrips` reads the five needed columns straight from wasm memory (no Arrow JS, which
 * keeps a fresh process fast); `prepareTaxi` does the same on an Arrow table.
 */
import type * as arrow from 'apache-arrow/Arrow';
import { DataSourceError, InvalidInputError, InvalidParameterError } from '../../core/errors.js';
import { ARROW_TIME_UNIT, ARROW_TYPE } from '../../data/arrow-ids.js';
import {
  type ParquetSource,
  ParquetErrorCode,
  type RawColumn,
  checkColumnKinds,
  checkColumnsExist,
  formatTicksPerSecond,
  consumeRawBatches,
  openParquet,
  sourcesOf,
} from '../../data/parquet-file.js';

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

/**
 * Reads only the needed columns of TLC trip files (green or yellow, detected per file) and
 * prepares them, row group by row group: only the kept rows of the whole source are held at once.
 */
export async function readTaxiTrips(source: ParquetSource, options: PrepareTaxiOptions = {}): Promise<TaxiTrips> {
  const bounds = checkBounds(options);
  const parts: TaxiTrips[] = [];
  for (const file of sourcesOf(source)) {
    const opened = await openParquet(file);
    const names = opened.fields.map((f) => f.name);
    const columns = TAXI_COLUMNS[names.includes('tpep_pickup_datetime') ? 'yellow' : 'green'];
    checkColumnsExist(opened, columns);
    checkColumnKinds(opened, {
      [columns[0]]: 'timestamp',
      [columns[1]]: 'timestamp',
      PULocationID: 'number',
      DOLocationID: 'number',
      trip_distance: 'number',
    });
    let firstRow = 0; // of the row group, in the file
    for (let g = 0; g < opened.rowGroups; g++) {
      // The timestamps, then the other three, each used in place in wasm memory: parquet-wasm's
      // memory peaks at two or three decoded columns rather than five, the second read reusing
      // what the first freed, and nothing is copied out (memory touched for the first time is
      // what costs most in a fresh process).
      try {
        const rows = await consumeRawBatches(opened, columns.slice(0, 2), [g], (batches) =>
          keptDurations(
            batches.map((b) => ({ length: b.length, pickup: b.columns[columns[0]], dropoff: b.columns[columns[1]] })),
            bounds,
          ),
        );
        parts.push(
          await consumeRawBatches(opened, columns.slice(2), [g], (batches) => {
            const length = batches.reduce((s, b) => s + b.length, 0);
            if (length !== rows.keep.length) {
              throw new DataSourceError(opened.name, `row group ${g}: ${length} rows of zone ids and distances for ${rows.keep.length} of timestamps`, {
                code: ParquetErrorCode.readFailed,
              });
            }
            const chunks = batches.map((b) => ({ length: b.length, pu: b.columns.PULocationID, dof: b.columns.DOLocationID, distance: b.columns.trip_distance }));
            return copyKept(chunks, rows, firstRow);
          }),
        );
      } catch (err) {
        if (err instanceof InvalidInputError) throw new DataSourceError(opened.name, err.message, { code: ParquetErrorCode.invalidValue, cause: err });
        throw err;
      }
      firstRow += opened.rowGroupRows[g];
    }
  }
  return concatTrips(parts);
}

/** Duration filter and typed columns from a table of TLC trips (extra columns are ignored). */
export function prepareTaxi(table: arrow.Table, options: PrepareTaxiOptions = {}): TaxiTrips {
  const bounds = checkBounds(options);
  const names = table.schema.fields.map((f) => f.name);
  const prefix = names.includes('lpep_pickup_datetime') ? 'lpep' : names.includes('tpep_pickup_datetime') ? 'tpep' : undefined;
  if (prefix === undefined) {
    throw new InvalidInputError(
      `prepareTaxi: no pickup time column (expected 'lpep_pickup_datetime' or 'tpep_pickup_datetime'; columns: ${names.join(', ')})`,
    );
  }
  const idx = [`${prefix}_pickup_datetime`, `${prefix}_dropoff_datetime`, 'PULocationID', 'DOLocationID', 'trip_distance'].map((name, k) =>
    columnIndex(table, name, k < 2 ? 'timestamp' : 'number'),
  );
  const chunks = table.batches.map((batch) => {
    const col = (k: number) => rawOf(batch.data.children[idx[k]] as arrow.Data);
    return { length: batch.numRows, pickup: col(0), dropoff: col(1), pu: col(2), dof: col(3), distance: col(4) };
  });
  return prepareChunks(chunks, bounds);
}

/** Trips of several parts, in order, as one. */
export function concatTrips(parts: readonly TaxiTrips[]): TaxiTrips {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, p) => s + p.nRows, 0);
  const out = emptyTrips(n);
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

// --- kernel -------------------------------------------------------------------------------------

interface Bounds {
  readonly lo: number;
  readonly hi: number;
}

/** The timestamps of one batch, in their C data interface format ('tsu:', 'tsn:', ...). */
interface TimeChunk {
  readonly length: number;
  readonly pickup: RawColumn;
  readonly dropoff: RawColumn;
}

/** The zone ids and distance of one batch. */
interface PlaceChunk {
  readonly length: number;
  readonly pu: RawColumn;
  readonly dof: RawColumn;
  readonly distance: RawColumn;
}

/** The five columns of one batch. */
type TripChunk = TimeChunk & PlaceChunk;

/** Every row's duration, which rows are kept, and how many. */
interface KeptRows {
  readonly duration: Float64Array;
  readonly keep: Uint8Array;
  readonly kept: number;
}

function checkBounds(options: PrepareTaxiOptions): Bounds {
  const lo = options.minDuration ?? 1;
  const hi = options.maxDuration ?? 60;
  if (!Number.isFinite(lo)) throw new InvalidParameterError('prepareTaxi', 'minDuration', lo, 'must be a finite number');
  if (!Number.isFinite(hi) || hi < lo) throw new InvalidParameterError('prepareTaxi', 'maxDuration', hi, `must be a finite number >= minDuration (${lo})`);
  return { lo, hi };
}

function emptyTrips(n: number): TaxiTrips {
  return {
    nRows: n,
    duration: new Float64Array(n),
    tripDistance: new Float64Array(n),
    puLocationId: new Int32Array(n),
    doLocationId: new Int32Array(n),
  };
}

function prepareChunks(chunks: readonly TripChunk[], bounds: Bounds): TaxiTrips {
  return copyKept(chunks, keptDurations(chunks, bounds));
}

/** Pass 1: durations of all rows, which are kept, and how many. */
function keptDurations(chunks: readonly TimeChunk[], { lo, hi }: Bounds): KeptRows {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const duration = new Float64Array(total);
  const keep = new Uint8Array(total);
  let kept = 0;
  let at = 0;
  for (const c of chunks) {
    kept += durations(c.pickup, c.dropoff, c.length, duration, keep, at, lo, hi);
    at += c.length;
  }
  return { duration, keep, kept };
}

/**
 * Pass 2: copy the kept rows. Doubles move as their two int32 halves: code not yet optimised then
 * makes no heap number per value (which would cost garbage collections in a fresh process).
 */
function copyKept(chunks: readonly PlaceChunk[], { duration, keep, kept }: KeptRows, firstRow = 0): TaxiTrips {
  const out = emptyTrips(kept);
  const durationBits = halves(duration);
  const outDuration = halves(out.duration);
  const outDistance = halves(out.tripDistance);
  const outPu = out.puLocationId;
  const outDo = out.doLocationId;
  let w = 0;
  let at = 0;
  for (const c of chunks) {
    const n = c.length;
    const pu = zoneIds(c.pu, n, 'PULocationID', firstRow + at);
    const dof = zoneIds(c.dof, n, 'DOLocationID', firstRow + at);
    const puStep = pu.length === n ? 1 : 2;
    const doStep = dof.length === n ? 1 : 2;
    const dist = halves(asNumbers(c.distance, n));
    for (let i = 0; i < n; i++) {
      if (keep[at + i] === 0) continue;
      const r = 2 * (at + i);
      outDuration[2 * w] = durationBits[r];
      outDuration[2 * w + 1] = durationBits[r + 1];
      outDistance[2 * w] = dist[2 * i];
      outDistance[2 * w + 1] = dist[2 * i + 1];
      outPu[w] = pu[puStep * i];
      outDo[w] = dof[doStep * i];
      w++;
    }
    at += n;
  }
  return out;
}

/** The bits of a Float64Array as int32 pairs (low half first). */
function halves(a: Float64Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, 2 * a.length);
}

/** The largest zone id kept as it is: any whole number in [0, 2^31 - 1] fits an Int32Array. */
const MAX_ZONE_ID = 2147483647;

/**
 * Zone ids as int32, -1 for a null (or NaN). Any other value that is not a whole number in
 * [0, MAX_ZONE_ID] (a fraction, a negative, an infinity, a 64-bit id beyond int32) is refused
 * with InvalidInputError naming the column, the row (`firstRow` + i) and the value: it is not a
 * zone, and no cast would make it one. Int64 ids without nulls (TLC's usual storage) are read in
 * place: the returned view then has two elements per row and row i's id is the low half at 2i.
 */
function zoneIds(c: RawColumn, n: number, column: string, firstRow: number): Int32Array {
  const values = c.values;
  if (c.nullCount === 0 && values instanceof BigInt64Array) {
    const h = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) if (h[2 * i + 1] !== 0 || h[2 * i] < 0) notAZone(column, firstRow + i, String(values[i]));
    return h;
  }
  if (c.nullCount === 0 && values instanceof Int32Array) {
    const v = values.length === n ? values : values.subarray(0, n);
    for (let i = 0; i < n; i++) if (v[i] < 0) notAZone(column, firstRow + i, String(v[i]));
    return v;
  }
  const numbers = asNumbers(c, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = numbers[i];
    if (Number.isNaN(x)) out[i] = -1;
    else if (Number.isInteger(x) && x >= 0 && x <= MAX_ZONE_ID) out[i] = x;
    else notAZone(column, firstRow + i, String(x));
  }
  return out;
}

function notAZone(column: string, row: number, value: string): never {
  throw new InvalidInputError(`column '${column}' holds ${value} at row ${row}: zone ids are whole numbers from 0 to ${MAX_ZONE_ID} (or null)`);
}

function isValid(c: RawColumn, i: number): boolean {
  if (c.validity === undefined) return c.values !== undefined;
  const j = c.validityOffset + i;
  return (c.validity[j >> 3] & (1 << (j & 7))) !== 0;
}

/**
 * Writes the duration in minutes of each row of one chunk into out[at..] (NaN for a null end) and
 * marks in keep[at..] the rows within bounds; returns how many. Timestamps are int64 ticks read as
 * two int32 halves, so the difference is exact without a BigInt per row; minutes =
 * (ticks / ticks-per-second) / 60, the same arithmetic as pandas' `total_seconds() / 60`.
 */
function durations(p: RawColumn, d: RawColumn, n: number, out: Float64Array, keep: Uint8Array, at: number, lo: number, hi: number): number {
  const perSecond = formatTicksPerSecond(p.format);
  const perSecondD = formatTicksPerSecond(d.format);
  const pv = p.values as BigInt64Array;
  const dv = d.values as BigInt64Array;
  const ph = new Int32Array(pv.buffer, pv.byteOffset, n * 2);
  const dh = new Int32Array(dv.buffer, dv.byteOffset, n * 2);
  let kept = 0;
  if (perSecond === perSecondD) {
    for (let i = 0; i < n; i++) {
      // Difference of the signed low halves plus the high halves' difference corrected for the
      // low halves' signs: the same ticks as (hi * 2^32 + unsigned lo), in small integers mostly.
      const dl = dh[2 * i];
      const pl = ph[2 * i];
      const high = dh[2 * i + 1] - ph[2 * i + 1] + (dl < 0 ? 1 : 0) - (pl < 0 ? 1 : 0);
      const ticks = high === 0 ? dl - pl : high * 4294967296 + (dl - pl);
      const m = ticks / perSecond / 60;
      out[at + i] = m;
      if (m >= lo && m <= hi) {
        keep[at + i] = 1;
        kept++;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const a = (ph[2 * i + 1] * 4294967296 + (ph[2 * i] >>> 0)) / perSecond;
      const b = (dh[2 * i + 1] * 4294967296 + (dh[2 * i] >>> 0)) / perSecondD;
      const m = (b - a) / 60;
      out[at + i] = m;
      if (m >= lo && m <= hi) {
        keep[at + i] = 1;
        kept++;
      }
    }
  }
  if (p.nullCount > 0 || d.nullCount > 0) {
    for (let i = 0; i < n; i++) {
      if (!isValid(p, i) || !isValid(d, i)) {
        kept -= keep[at + i];
        keep[at + i] = 0;
        out[at + i] = Number.NaN;
      }
    }
  }
  return kept;
}

/** A numeric column as Float64 (no copy when it already is), nulls as NaN. */
function asNumbers(c: RawColumn, n: number): Float64Array {
  const values = c.values;
  if (values === undefined) return new Float64Array(n).fill(Number.NaN);
  if (values instanceof Float64Array && c.nullCount === 0) return values.length === n ? values : values.subarray(0, n);
  const out = new Float64Array(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const h = new Int32Array(values.buffer, values.byteOffset, n * 2);
    const unsigned = values instanceof BigUint64Array;
    for (let i = 0; i < n; i++) out[i] = (unsigned ? h[2 * i + 1] >>> 0 : h[2 * i + 1]) * 4294967296 + (h[2 * i] >>> 0);
  } else {
    for (let i = 0; i < n; i++) out[i] = values[i];
  }
  if (c.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(c, i)) out[i] = Number.NaN;
  return out;
}

// --- Arrow tables -------------------------------------------------------------------------------

const TIMESTAMP_FORMAT: Record<number, string> = {
  [ARROW_TIME_UNIT.SECOND]: 'tss:',
  [ARROW_TIME_UNIT.MILLISECOND]: 'tsm:',
  [ARROW_TIME_UNIT.MICROSECOND]: 'tsu:',
  [ARROW_TIME_UNIT.NANOSECOND]: 'tsn:',
};

/** An Arrow chunk seen as a raw column (values are offset-adjusted by Arrow JS; bits are not). */
function rawOf(d: arrow.Data): RawColumn {
  const type = d.type as arrow.DataType;
  const format = (type.typeId as number) === ARROW_TYPE.Timestamp ? TIMESTAMP_FORMAT[(type as arrow.Timestamp).unit] : (type.typeId as number) === ARROW_TYPE.Null ? 'n' : 'number';
  const values = (type.typeId as number) === ARROW_TYPE.Null ? undefined : (d.values as RawColumn['values']);
  const hasBits = d.nullCount > 0 && d.nullBitmap !== undefined && d.nullBitmap.length > 0;
  return {
    format,
    length: d.length,
    nullCount: (type.typeId as number) === ARROW_TYPE.Null ? d.length : d.nullCount,
    values,
    validity: hasBits ? d.nullBitmap : undefined,
    validityOffset: d.offset,
  };
}

function columnIndex(table: arrow.Table, name: string, kind: 'timestamp' | 'number'): number {
  const idx = table.schema.fields.findIndex((f) => f.name === name);
  if (idx < 0) {
    throw new InvalidInputError(`prepareTaxi: column '${name}' is missing (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const id = table.schema.fields[idx].type.typeId;
  const ok = kind === 'timestamp' ? id === ARROW_TYPE.Timestamp : id === ARROW_TYPE.Int || id === ARROW_TYPE.Float || id === ARROW_TYPE.Null;
  if (!ok) throw new InvalidInputError(`prepareTaxi: column '${name}' has type ${table.schema.fields[idx].type}; expected a ${kind} column`);
  return idx;
}
