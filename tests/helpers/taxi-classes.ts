/**
 * Classification targets on the real taxi months, beside the regression splits of `taxi.ts`:
 * - `long`: 1 when the ride took more than 20 minutes (every kept row);
 * - `payment`: TLC's payment_type (1 credit card, 2 cash, 3 no charge, 4 dispute, 5 unknown) on
 *   the kept rows that have one (the column is null on about 45% of green rows).
 * Rows and features are exactly those of `loadRealTaxiSplits` (vectorizer fitted on January).
 */
import type * as arrow from 'apache-arrow/Arrow';
import { readParquet } from '../../src/data/parquet.js';
import type { CsrMatrix } from '../../src/features/matrix.js';
import { type TaxiSplit, loadRealTaxiSplits, realTaxiPath } from './taxi.js';

export const LONG_RIDE_MINUTES = 20;

export interface TaxiClassSplit {
  readonly X: CsrMatrix;
  /** 1 = longer than 20 minutes. */
  readonly long: Float64Array;
  /** Rows with a payment type, and their types. */
  readonly payment: { readonly X: CsrMatrix; readonly y: Float64Array };
}

const MONTH_OF = { train: '2021-01', val: '2021-02', test: '2021-03' } as const;

let cached: Promise<{ train: TaxiClassSplit; val: TaxiClassSplit; test: TaxiClassSplit }> | undefined;

export function loadTaxiClassSplits(): Promise<{ train: TaxiClassSplit; val: TaxiClassSplit; test: TaxiClassSplit }> {
  cached ??= (async () => {
    const splits = await loadRealTaxiSplits();
    const make = async (name: keyof typeof MONTH_OF): Promise<TaxiClassSplit> => {
      const split = splits[name];
      const payment = await keptPaymentTypes(MONTH_OF[name], split);
      const rows: number[] = [];
      for (let i = 0; i < payment.length; i++) if (!Number.isNaN(payment[i])) rows.push(i);
      return {
        X: split.X,
        long: Float64Array.from(split.y, (d) => (d > LONG_RIDE_MINUTES ? 1 : 0)),
        payment: { X: csrRows(split.X, rows), y: Float64Array.from(rows, (i) => payment[i]) },
      };
    };
    return { train: await make('train'), val: await make('val'), test: await make('test') };
  })();
  return cached;
}

/**
 * payment_type of the rows the taxi preparation keeps (1 <= duration <= 60 minutes), NaN where
 * null. The kept rows' durations must equal the prepared split's, which checks the alignment.
 */
async function keptPaymentTypes(month: '2021-01' | '2021-02' | '2021-03', split: TaxiSplit): Promise<Float64Array> {
  const table = await readParquet(realTaxiPath(month), { columns: ['lpep_pickup_datetime', 'lpep_dropoff_datetime', 'payment_type'] });
  const micros = (name: string) => {
    const col = table.getChild(name) as arrow.Vector;
    return Float64Array.from(col.data.flatMap((d) => Array.from(d.values as BigInt64Array, Number)));
  };
  const pickup = micros('lpep_pickup_datetime');
  const dropoff = micros('lpep_dropoff_datetime');
  const type = table.getChild('payment_type') as arrow.Vector;
  const out = new Float64Array(split.nRows);
  let kept = 0;
  for (let i = 0; i < table.numRows; i++) {
    const minutes = (dropoff[i] - pickup[i]) / 60e6;
    if (!(minutes >= 1 && minutes <= 60)) continue;
    if (kept >= split.nRows || Math.abs(minutes - split.y[kept]) > 1e-9) throw new Error(`${month}: kept row ${kept} does not line up with the prepared split`);
    const v = type.get(i) as number | null;
    out[kept++] = v == null ? Number.NaN : v;
  }
  if (kept !== split.nRows) throw new Error(`${month}: ${kept} kept rows, the prepared split has ${split.nRows}`);
  return out;
}

/** The given rows of a CSR matrix. */
export function csrRows(X: CsrMatrix, rows: readonly number[]): CsrMatrix {
  let nnz = 0;
  for (const i of rows) nnz += X.indptr[i + 1] - X.indptr[i];
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  rows.forEach((i, r) => {
    for (let q = X.indptr[i]; q < X.indptr[i + 1]; q++) {
      indices[p] = X.indices[q];
      values[p++] = X.values[q];
    }
    indptr[r + 1] = p;
  });
  return { ...X, nRows: rows.length, indptr, indices, values };
}
