/**
 * Synthetic NYC green taxi months in TLC's own Parquet schema (as of 2021), for offline use,
 * tests and benchmarks at any size.
 *
 * The structure is what the models have to find in real data:
 * - a fixed "city" (zone positions by borough, zone popularity with a few hot spots, drop-off
 *   zones mostly near the pick-up zone) shared by every month and seed, so a model fitted on one
 *   generated month carries to the next;
 * - every zone pair has its own typical speed; duration follows distance through it, with rush
 *   hours slower and nights faster, plus noise;
 * - TLC's dirt: cancelled trips under a minute, meters left running for hours, zero distances,
 *   absurd distances (up to ~250,000 miles), pickups in other months and years, ~45% of rows with
 *   RatecodeID, passenger_count, payment_type, trip_type and store_and_fwd_flag all null, and
 *   ehail_fee always null (logical type NULL).
 *
 * Rows are made chunk by chunk into typed arrays; chunk k uses its own stream `rng.fork(k)`, so the
 * trips depend only on (month, rows, seed), whatever the row group size.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import * as arrow from 'apache-arrow/Arrow';
import type { Compression, RecordBatch as WasmRecordBatch } from 'parquet-wasm/esm';
import { InvalidParameterError } from '../../core/errors.js';
import { GENERATED_MAX_ROWS } from '../../core/limits.js';
import { Rng, mixSeeds } from '../../core/rng.js';
import { writeInt64 } from '../../data/int64.js';
import { parquetWasm } from '../../data/wasm.js';
import { type ParquetCompression, parquetCodec } from '../../data/write.js';

export interface GenerateTaxiOptions {
  /** 'YYYY-MM'. */
  readonly month: string;
  readonly rows: number;
  /** Seed of the trips (the city is the same for every seed). Default 0. */
  readonly seed?: number;
  /** Rows per Parquet row group (and per generated chunk). Default 1,000,000. */
  readonly rowGroupSize?: number;
  /** Default 'snappy' (TLC used GZIP in 2021 and ZSTD later; all read the same). */
  readonly compression?: ParquetCompression;
}

/** TLC's green trip columns, in file order. */
export const GREEN_TAXI_COLUMNS = [
  'VendorID',
  'lpep_pickup_datetime',
  'lpep_dropoff_datetime',
  'store_and_fwd_flag',
  'RatecodeID',
  'PULocationID',
  'DOLocationID',
  'passenger_count',
  'trip_distance',
  'fare_amount',
  'extra',
  'mta_tax',
  'tip_amount',
  'tolls_amount',
  'ehail_fee',
  'improvement_surcharge',
  'total_amount',
  'payment_type',
  'trip_type',
  'congestion_surcharge',
] as const;

const DEFAULT_ROW_GROUP = 1_000_000;
/** Rows made (and handed to the writer) at a time: small enough to stay in cache-friendly buffers. */
const CHUNK_ROWS = 131_072;
const N_ZONES = 265;
/** The city is the same whatever the caller's seed. */
const CITY_SEED = 20210101;
/** Share of rows whose rate code, passenger count, payment type, trip type and flag are null. */
const NULL_BLOCK_SHARE = 0.45;

// --- the city -----------------------------------------------------------------------------------

interface City {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Cumulative pickup weights over zones 1..265 (index 0 = zone 1). */
  readonly pickupCdf: Float64Array;
  /** Row-major N_ZONES x N_ZONES cumulative drop-off weights per pickup zone. */
  readonly dropoffCdf: Float64Array;
  /** Typical speed (mph) per (pickup, dropoff) pair, row-major. */
  readonly pairSpeed: Float64Array;
  /** Whether a zone is in Manhattan (congestion surcharge). */
  readonly manhattan: Uint8Array;
}

// Borough centres and spreads in miles; ids of the real green hot spots (East/Central Harlem,
// Astoria, Jamaica, Elmhurst, Morningside Heights, ...).
const BOROUGHS = [
  { share: 69, cx: 0, cy: 0, sx: 1.2, sy: 4, speed: 8.5 }, // Manhattan
  { share: 61, cx: 2, cy: -8, sx: 3, sy: 2.5, speed: 12 }, // Brooklyn
  { share: 69, cx: 9, cy: -2, sx: 4, sy: 3, speed: 14 }, // Queens
  { share: 43, cx: 3, cy: 8, sx: 2.5, sy: 2, speed: 12 }, // Bronx
  { share: 20, cx: -9, cy: -13, sx: 2.5, sy: 2.5, speed: 18 }, // Staten Island
] as const;
const HOT_ZONES = [74, 75, 41, 42, 166, 7, 95, 82, 97, 244, 129, 260, 181, 65, 152];

let city: City | undefined;

function buildCity(): City {
  const rng = new Rng(CITY_SEED);
  const x = new Float64Array(N_ZONES);
  const y = new Float64Array(N_ZONES);
  const speed = new Float64Array(N_ZONES);
  const weight = new Float64Array(N_ZONES);
  const manhattan = new Uint8Array(N_ZONES);
  const totalShare = BOROUGHS.reduce((s, b) => s + b.share, 0);
  for (let z = 0; z < N_ZONES; z++) {
    const id = z + 1;
    if (id === 1) {
      // Newark airport, far west; 264/265 are "unknown" and "outside NYC".
      x[z] = -12;
      y[z] = -6;
      speed[z] = 25;
      weight[z] = 0.02;
      continue;
    }
    if (id >= 264) {
      x[z] = rng.uniform(-15, 15);
      y[z] = rng.uniform(-15, 15);
      speed[z] = 15;
      weight[z] = 0.5;
      continue;
    }
    let pick = rng.float() * totalShare;
    let b = 0;
    while (pick >= BOROUGHS[b].share && b < BOROUGHS.length - 1) pick -= BOROUGHS[b++].share;
    const bor = BOROUGHS[b];
    x[z] = rng.normal(bor.cx, bor.sx);
    y[z] = rng.normal(bor.cy, bor.sy);
    speed[z] = bor.speed * Math.exp(rng.normal(0, 0.15));
    manhattan[z] = b === 0 ? 1 : 0;
    // Green cabs mostly serve the outer boroughs and upper Manhattan.
    weight[z] = Math.exp(rng.normal(0, 1.2)) * (b === 0 && y[z] < 2 ? 0.15 : 1);
  }
  for (const id of HOT_ZONES) weight[id - 1] *= 40;
  const pickupCdf = cumulative(weight);

  const dropoffCdf = new Float64Array(N_ZONES * N_ZONES);
  const pairSpeed = new Float64Array(N_ZONES * N_ZONES);
  const w = new Float64Array(N_ZONES);
  for (let i = 0; i < N_ZONES; i++) {
    for (let j = 0; j < N_ZONES; j++) {
      const d = Math.sqrt((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2);
      w[j] = Math.sqrt(weight[j] + 0.05) * Math.exp(-d / 2.5) + (i === j ? 0.5 : 0) + 0.006;
      // Harmonic mean of the two zones' speeds; longer trips use faster roads; each pair its own factor.
      const base = 2 / (1 / speed[i] + 1 / speed[j]);
      pairSpeed[i * N_ZONES + j] = base * (1 + 1.2 * Math.min(d / 12, 1)) * Math.exp(rng.normal(0, 0.25));
    }
    dropoffCdf.set(cumulative(w), i * N_ZONES);
  }
  return { x, y, pickupCdf, dropoffCdf, pairSpeed, manhattan };
}

function cumulative(w: Float64Array): Float64Array {
  const out = new Float64Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) out[i] = s += w[i];
  for (let i = 0; i < w.length; i++) out[i] /= s;
  out[w.length - 1] = 1;
  return out;
}

/** Index of the first cdf[offset + k] > u, k in [0, n). */
function sampleCdf(cdf: Float64Array, offset: number, n: number, u: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[offset + mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Relative pickups per hour of day (green cabs: busy afternoons, quiet nights).
const HOUR_CDF = cumulative(
  Float64Array.from([2, 1.5, 1, 0.8, 0.7, 1, 2, 4, 5, 4.5, 4, 4.2, 4.5, 4.6, 5, 5.5, 6, 6.3, 5.8, 5, 4, 3.5, 3, 2.5]),
);

// --- trips --------------------------------------------------------------------------------------

interface MonthSpec {
  readonly year: number;
  readonly month: number; // 1..12
  readonly startMicros: number;
  readonly days: number;
}

function parseMonth(month: string): MonthSpec {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = m ? Number(m[1]) : Number.NaN;
  const mon = m ? Number(m[2]) : Number.NaN;
  if (!m || mon < 1 || mon > 12 || year < 2000 || year > 2100) {
    throw new InvalidParameterError('generateTaxi', 'month', month, "must be 'YYYY-MM' (2000-01 .. 2100-12)");
  }
  const start = Date.UTC(year, mon - 1, 1);
  const days = Math.round((Date.UTC(year, mon, 1) - start) / 86_400_000);
  return { year, month: mon, startMicros: start * 1000, days };
}

/** Every option checked, before anything is generated or any file opened. */
function checkOptions(options: GenerateTaxiOptions): { spec: MonthSpec; rows: number; seed: number; group: number; codec: Compression } {
  const spec = parseMonth(options.month);
  const rows = options.rows;
  if (!Number.isInteger(rows) || rows < 0 || rows > GENERATED_MAX_ROWS) {
    throw new InvalidParameterError('generateTaxi', 'rows', rows, `must be an integer from 0 to ${GENERATED_MAX_ROWS} (GENERATED_MAX_ROWS)`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new InvalidParameterError('generateTaxi', 'seed', seed, 'must be a finite number');
  const group = options.rowGroupSize ?? DEFAULT_ROW_GROUP;
  if (!Number.isInteger(group) || group < 1) throw new InvalidParameterError('generateTaxi', 'rowGroupSize', group, 'must be an integer >= 1');
  const codec = parquetCodec('generateTaxi', options.compression ?? 'snappy');
  return { spec, rows, seed, group, codec };
}

const MINUTE = 60_000_000;

function generateChunk(spec: MonthSpec, n: number, rng: Rng): arrow.RecordBatch {
  city ??= buildCity();
  const { x, y, pickupCdf, dropoffCdf, pairSpeed, manhattan } = city;
  const vendor = new BigInt64Array(n);
  const vendorH = new Int32Array(vendor.buffer);
  const pickup = new BigInt64Array(n);
  const pickupH = new Int32Array(pickup.buffer);
  const dropoff = new BigInt64Array(n);
  const dropoffH = new Int32Array(dropoff.buffer);
  const puCol = new BigInt64Array(n);
  const puH = new Int32Array(puCol.buffer);
  const doCol = new BigInt64Array(n);
  const doH = new Int32Array(doCol.buffer);
  const ratecode = new Float64Array(n);
  const passengers = new Float64Array(n);
  const distance = new Float64Array(n);
  const fare = new Float64Array(n);
  const extra = new Float64Array(n);
  const mtaTax = new Float64Array(n);
  const tip = new Float64Array(n);
  const tolls = new Float64Array(n);
  const improvement = new Float64Array(n);
  const total = new Float64Array(n);
  const payment = new Float64Array(n);
  const tripType = new Float64Array(n);
  const congestion = new Float64Array(n);
  const valid = new Uint8Array((n + 7) >> 3); // validity of the null block (same rows for all)
  const flagBytes = new Uint8Array(n);
  const flagOffsets = new Int32Array(n + 1);
  let nulls = 0;
  let flagLength = 0;

  for (let i = 0; i < n; i++) {
    const pu = sampleCdf(pickupCdf, 0, N_ZONES, rng.float());
    const dof = sampleCdf(dropoffCdf, pu * N_ZONES, N_ZONES, rng.float());

    // Pickup time: a day of the month, an hour by the daily profile; a few strays elsewhere.
    const day = rng.below(spec.days);
    const hour = sampleCdf(HOUR_CDF, 0, 24, rng.float());
    let t = spec.startMicros + ((day * 24 + hour) * 3600 + rng.below(3600)) * 1e6;
    const stray = rng.float();
    if (stray < 0.0002) t -= (rng.int(5, 13) * 365.25 * 24 * 3600 + rng.below(86_400)) * 1e6;
    else if (stray < 0.001) t += (stray < 0.0006 ? -1 : 1) * rng.int(1, 3) * 86_400e6;
    const weekday = (Math.floor(t / 86_400e6) + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
    const rush = weekday >= 1 && weekday <= 5 && ((hour >= 7 && hour <= 9) || (hour >= 16 && hour <= 19));
    const night = hour >= 22 || hour <= 5;

    // Distance from the zones' positions with a detour; within a zone, a short hop.
    const straight = Math.sqrt((x[pu] - x[dof]) ** 2 + (y[pu] - y[dof]) ** 2);
    let miles = (straight * rng.uniform(1.15, 1.5) + (pu === dof ? rng.uniform(0.2, 2.2) : rng.uniform(0, 0.6))) * Math.exp(rng.normal(0, 0.12));
    const speed = pairSpeed[pu * N_ZONES + dof] * (rush ? 0.75 : night ? 1.3 : 1) * Math.exp(rng.normal(0, 0.18));
    let minutes = 1.2 + (miles / speed) * 60;

    // TLC's dirt.
    const dirt = rng.float();
    if (dirt < 0.021) {
      minutes = rng.float() * 0.99; // cancelled or instant trips
      if (rng.float() < 0.6) miles = 0;
    } else if (dirt < 0.026) {
      minutes = 61 + rng.float() * (rng.float() < 0.5 ? 120 : 1400); // meter left running
    } else if (dirt < 0.062) {
      miles = 0; // distance not recorded
    } else if (dirt < 0.0625) {
      miles = 10 ** rng.uniform(3, 5.39); // absurd odometer values
    }
    miles = Math.round(miles * 100) / 100;
    const end = t + Math.round(minutes * MINUTE);
    writeInt64(pickupH, i, t);
    writeInt64(dropoffH, i, end);
    puH[2 * i] = pu + 1;
    doH[2 * i] = dof + 1;
    vendorH[2 * i] = rng.float() < 0.82 ? 2 : 1;
    distance[i] = miles;

    // Payment details; ~45% of rows (dispatch records) have them all null.
    const nullBlock = rng.float() < NULL_BLOCK_SHARE;
    let paysCard = false;
    if (nullBlock) {
      nulls++;
      flagOffsets[i + 1] = flagLength;
    } else {
      valid[i >> 3] |= 1 << (i & 7);
      const r = rng.float();
      ratecode[i] = r < 0.955 ? 1 : r < 0.985 ? 5 : r < 0.993 ? 2 : r < 0.997 ? 3 : r < 0.9995 ? 4 : 99;
      const p = rng.float();
      passengers[i] = p < 0.8 ? 1 : p < 0.88 ? 2 : p < 0.91 ? 0 : p < 0.94 ? 5 : p < 0.97 ? 3 : p < 0.99 ? 6 : 4;
      const pay = rng.float();
      payment[i] = pay < 0.55 ? 1 : pay < 0.98 ? 2 : pay < 0.99 ? 3 : 4;
      paysCard = payment[i] === 1;
      tripType[i] = ratecode[i] === 5 ? 2 : 1;
      flagBytes[flagLength++] = rng.float() < 0.996 ? 78 : 89; // 'N' | 'Y'
      flagOffsets[i + 1] = flagLength;
    }
    const fareValue = Math.round((2.5 + 2.5 * Math.min(miles, 150) + 0.5 * Math.min(minutes, 240)) * 2) / 2;
    const refund = rng.float() < 0.002 ? -1 : 1;
    fare[i] = refund * fareValue;
    extra[i] = refund * (night ? 0.5 : rush ? 1 : 0);
    mtaTax[i] = refund * 0.5;
    improvement[i] = refund * 0.3;
    tolls[i] = rng.float() < 0.04 ? refund * 6.12 : 0;
    tip[i] = paysCard && refund > 0 ? Math.round(fareValue * rng.uniform(0.1, 0.25) * 100) / 100 : 0;
    congestion[i] = manhattan[dof] && !nullBlock && rng.float() < 0.5 ? refund * 2.75 : 0;
    total[i] = Math.round((fare[i] + extra[i] + mtaTax[i] + improvement[i] + tolls[i] + tip[i] + congestion[i]) * 100) / 100;
  }

  const nullable = (data: Float64Array) => float64Data(data, nulls, valid);
  const plain = (data: Float64Array) => float64Data(data, 0, undefined);
  const int64 = (data: BigInt64Array) => arrow.makeData({ type: new arrow.Int64(), length: data.length, nullCount: 0, data });
  const ts = (data: BigInt64Array) =>
    arrow.makeData({ type: new arrow.Timestamp(arrow.TimeUnit.MICROSECOND), length: data.length, nullCount: 0, data });
  const flag = arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? valid : undefined,
    valueOffsets: flagOffsets,
    data: flagBytes.subarray(0, flagLength),
  });
  const columns: Record<(typeof GREEN_TAXI_COLUMNS)[number], arrow.Data> = {
    VendorID: int64(vendor),
    lpep_pickup_datetime: ts(pickup),
    lpep_dropoff_datetime: ts(dropoff),
    store_and_fwd_flag: flag,
    RatecodeID: nullable(ratecode),
    PULocationID: int64(puCol),
    DOLocationID: int64(doCol),
    passenger_count: nullable(passengers),
    trip_distance: plain(distance),
    fare_amount: plain(fare),
    extra: plain(extra),
    mta_tax: plain(mtaTax),
    tip_amount: plain(tip),
    tolls_amount: plain(tolls),
    ehail_fee: arrow.makeData({ type: new arrow.Null(), length: n }),
    improvement_surcharge: plain(improvement),
    total_amount: plain(total),
    payment_type: nullable(payment),
    trip_type: nullable(tripType),
    congestion_surcharge: plain(congestion),
  };
  const fields = GREEN_TAXI_COLUMNS.map((name) => new arrow.Field(name, columns[name].type, true));
  const schema = new arrow.Schema(fields);
  const children = GREEN_TAXI_COLUMNS.map((name) => columns[name]);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children }));
}

function float64Data(data: Float64Array, nulls: number, valid: Uint8Array | undefined): arrow.Data {
  return arrow.makeData({ type: new arrow.Float64(), length: data.length, nullCount: nulls, nullBitmap: nulls > 0 ? valid : undefined, data });
}


/**
 * Generated trips as Arrow record batches of up to CHUNK_ROWS rows (the writer gathers them into
 * row groups). Values depend only on (month, rows, seed).
 */
export function* generateTaxiBatches(options: GenerateTaxiOptions): Generator<arrow.RecordBatch, void, undefined> {
  const { spec, rows, seed } = checkOptions(options);
  const rng = new Rng(mixSeeds(seed, spec.year, spec.month));
  for (let start = 0, k = 0; start < rows || (rows === 0 && k === 0); start += CHUNK_ROWS, k++) {
    yield generateChunk(spec, Math.min(CHUNK_ROWS, rows - start), rng.fork(k));
  }
}

/** Generated trips as one Arrow table (for small sizes; large ones stream with `writeTaxiParquet`). */
export function generateTaxiTable(options: GenerateTaxiOptions): arrow.Table {
  return new arrow.Table([...generateTaxiBatches(options)]);
}

/** Generated trips as Parquet bytes. */
export async function generateTaxiParquet(options: GenerateTaxiOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of parquetChunks(options)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Streams generated trips to a Parquet file, one row group at a time, so memory stays bounded
 * whatever `rows` is. Every option is checked first; the file is written under a temporary name
 * and renamed into place when complete, so a refused or failed call leaves `path` as it was.
 * Returns the file size in bytes.
 */
export async function writeTaxiParquet(path: string, options: GenerateTaxiOptions): Promise<{ path: string; rows: number; bytes: number }> {
  checkOptions(options);
  const tmp = `${path}.${randomUUID()}.tmp`;
  let bytes = 0;
  try {
    const counted = async function* () {
      for await (const chunk of parquetChunks(options)) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    };
    await pipeline(counted, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path, rows: options.rows, bytes };
}

async function* parquetChunks(options: GenerateTaxiOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const { group, codec } = checkOptions(options);
  const batches = generateTaxiBatches(options);
  const { Table: WasmTable, WriterPropertiesBuilder, transformParquetStream } = await parquetWasm();
  const input = new ReadableStream<WasmRecordBatch>({
    pull(controller) {
      const next = batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      const ipc = arrow.tableToIPC(new arrow.Table([next.value]), 'stream');
      controller.enqueue(WasmTable.fromIPCStream(ipc).recordBatch(0)!);
    },
  });
  const props = new WriterPropertiesBuilder()
    .setCompression(codec)
    .setMaxRowGroupSize(group)
    .setCreatedBy('tunekit taxi generator')
    .build();
  const output = (await transformParquetStream(input, props)) as ReadableStream<Uint8Array>;
  for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) yield chunk;
}
