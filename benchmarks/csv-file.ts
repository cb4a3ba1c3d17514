/**
 * A generated CSV file of a given size for the CSV benchmarks: taxi-like trips, eleven columns
 * (two timestamps, ids, counts, amounts with two decimals, a text column that is sometimes quoted,
 * a flag, empty fields for missing values), ~80 bytes a row. Seeded, so the same size gives the
 * same file. Rows are written as bytes into a buffer (a string per row would make generating a
 * gigabyte take minutes, mostly in the garbage collector).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Rng } from '../src/core/rng.js';

export const CSV_HEADER =
  'VendorID,pickup_datetime,dropoff_datetime,store_and_fwd_flag,PULocationID,DOLocationID,passenger_count,trip_distance,fare_amount,payment_type,total_amount';

const encoder = new TextEncoder();
const PAYMENTS = ['Credit card', 'Cash', 'No charge', '"Dispute, open"', 'Unknown'].map((p) => encoder.encode(p));
const CHUNK = 1 << 20;

class ByteWriter {
  buf = new Uint8Array(CHUNK + 4096);
  at = 0;

  byte(c: number): void {
    this.buf[this.at++] = c;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** A non-negative integer. */
  int(n: number): void {
    if (n >= 10) this.int(Math.floor(n / 10));
    this.buf[this.at++] = 48 + (n % 10);
  }

  two(n: number): void {
    this.buf[this.at++] = 48 + Math.floor(n / 10);
    this.buf[this.at++] = 48 + (n % 10);
  }

  /** Cents as 'units.cc'. */
  money(cents: number): void {
    this.int(Math.floor(cents / 100));
    this.byte(46);
    this.two(cents % 100);
  }

  /** 'YYYY-MM-DD hh:mm:ss' of a second of January 2021 (February past its end). */
  time(second: number): void {
    const day = Math.floor(second / 86400);
    const s = second - day * 86400;
    this.bytes(day < 31 ? JAN : FEB);
    this.two(day < 31 ? day + 1 : day - 30);
    this.byte(32);
    this.two(Math.floor(s / 3600));
    this.byte(58);
    this.two(Math.floor((s % 3600) / 60));
    this.byte(58);
    this.two(s % 60);
  }
}

const JAN = encoder.encode('2021-01-');
const FEB = encoder.encode('2021-02-');

/** Writes about `bytes` bytes of CSV to `path`; returns the rows and bytes written. */
export async function writeGeneratedCsv(path: string, bytes: number, seed = 1): Promise<{ rows: number; bytes: number }> {
  const rng = new Rng(seed);
  const out = createWriteStream(path);
  const w = new ByteWriter();
  w.bytes(encoder.encode(`${CSV_HEADER}\n`));
  let written = 0;
  let rows = 0;
  while (written + w.at < bytes) {
    const pickup = rng.below(31 * 86400 - 7200);
    const fare = 250 + rng.below(6000);
    w.int(1 + rng.below(2));
    w.byte(44);
    w.time(pickup);
    w.byte(44);
    w.time(pickup + 60 + rng.below(3600));
    w.byte(44);
    w.byte(rng.below(50) === 0 ? 89 : 78);
    w.byte(44);
    w.int(1 + rng.below(265));
    w.byte(44);
    w.int(1 + rng.below(265));
    w.byte(44);
    if (rng.below(20) !== 0) w.int(1 + rng.below(6));
    w.byte(44);
    if (rng.below(100) !== 0) w.money(rng.below(2000));
    w.byte(44);
    w.money(fare);
    w.byte(44);
    w.bytes(PAYMENTS[rng.below(PAYMENTS.length)]);
    w.byte(44);
    w.money(fare + 100 + rng.below(1500));
    w.byte(10);
    rows++;
    if (w.at >= CHUNK) {
      written += w.at;
      if (!out.write(w.buf.slice(0, w.at))) await once(out, 'drain');
      w.at = 0;
    }
  }
  written += w.at;
  out.end(w.buf.slice(0, w.at));
  await once(out, 'finish');
  return { rows, bytes: written };
}
