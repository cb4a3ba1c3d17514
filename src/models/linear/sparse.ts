import { InvalidInputError } from '../../core/errors.js';
import type { CsrMatrix, DenseMatrix, Matrix } from '../../features/matrix.js';
import type { ModelInput } from '../types.js';

/**
 * Input checks and sparse helpers shared by the linear solvers. Linear models work on CSR;
 * dense input is converted once (zeros dropped).
 */

/** Compressed sparse column view (explicit zeros dropped). */
export interface CscMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  readonly values: Float64Array;
}

function isMatrix(X: unknown): X is Matrix {
  const f = (X as { format?: unknown } | null)?.format;
  return f === 'csr' || f === 'dense';
}

/** Throw a clear error unless X is a matrix (csr or dense). */
export function requireMatrix(owner: string, X: ModelInput | unknown): Matrix {
  if (!isMatrix(X)) {
    const f = (X as { format?: unknown } | null)?.format;
    throw new InvalidInputError(`${owner}: expects a matrix (format 'csr' or 'dense'); got ${f === undefined ? typeof X : `format '${String(f)}'`}`);
  }
  return X;
}

/** Validate shape and values of a training matrix and return it as CSR. */
export function toTrainingCsr(owner: string, input: ModelInput | unknown): CsrMatrix {
  const X = requireMatrix(owner, input);
  if (X.nRows <= 0 || X.nCols <= 0) throw new InvalidInputError(`${owner}: X is empty (${X.nRows} rows x ${X.nCols} columns)`);
  const csr = X.format === 'dense' ? denseToCsr(owner, X) : X;
  checkCsr(owner, csr);
  return csr;
}

function denseToCsr(owner: string, X: DenseMatrix): CsrMatrix {
  const { nRows, nCols, data } = X;
  if (data.length !== nRows * nCols) {
    throw new InvalidInputError(`${owner}: dense X has ${data.length} values, expected ${nRows} x ${nCols} = ${nRows * nCols}`);
  }
  let nnz = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < nRows; i++) {
    const base = i * nCols;
    for (let j = 0; j < nCols; j++) {
      const v = data[base + j];
      if (v !== 0) {
        indices[p] = j;
        values[p++] = v;
      }
    }
    indptr[i + 1] = p;
  }
  return { format: 'csr', nRows, nCols, indptr, indices, values, ...(X.featureNames ? { featureNames: X.featureNames } : {}) };
}

function checkCsr(owner: string, X: CsrMatrix): void {
  const { nRows, nCols, indptr, indices, values } = X;
  if (indptr.length !== nRows + 1 || indptr[0] !== 0 || indptr[nRows] !== indices.length || indices.length !== values.length) {
    throw new InvalidInputError(`${owner}: malformed CSR matrix (indptr length ${indptr.length} for ${nRows} rows, ${indices.length} indices, ${values.length} values)`);
  }
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k];
    if (j < 0 || j >= nCols) throw new InvalidInputError(`${owner}: CSR column index ${j} out of range [0, ${nCols})`);
    if (!Number.isFinite(values[k])) {
      let row = 0;
      while (indptr[row + 1] <= k) row++;
      throw new InvalidInputError(`${owner}: X has a non-finite value (${values[k]}) at row ${row}, column ${X.featureNames?.[j] ?? j}`);
    }
  }
}

/** Check the target vector against the number of rows. */
export function checkTarget(owner: string, y: Float64Array, nRows: number): void {
  if (!(y instanceof Float64Array)) throw new InvalidInputError(`${owner}: y must be a Float64Array`);
  if (y.length !== nRows) throw new InvalidInputError(`${owner}: X has ${nRows} rows but y has ${y.length} values`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new InvalidInputError(`${owner}: y has a non-finite value (${y[i]}) at row ${i}`);
  }
}

/** Column view of a CSR matrix; explicit zeros are dropped. */
export function toCsc(X: CsrMatrix): CscMatrix {
  const { nRows, nCols, indptr, indices, values } = X;
  const colPtr = new Int32Array(nCols + 1);
  for (let k = 0; k < indices.length; k++) if (values[k] !== 0) colPtr[indices[k] + 1]++;
  for (let j = 0; j < nCols; j++) colPtr[j + 1] += colPtr[j];
  const nnz = colPtr[nCols];
  const rowIdx = new Int32Array(nnz);
  const vals = new Float64Array(nnz);
  const next = colPtr.slice(0, nCols);
  for (let i = 0; i < nRows; i++) {
    for (let k = indptr[i]; k < indptr[i + 1]; k++) {
      const v = values[k];
      if (v === 0) continue;
      const p = next[indices[k]]++;
      rowIdx[p] = i;
      vals[p] = v;
    }
  }
  return { nRows, nCols, colPtr, rowIdx, values: vals };
}

/** out = X w + intercept, for CSR or dense X (no checks). */
export function linearPredict(X: Matrix, coef: Float64Array, intercept: number, out: Float64Array = new Float64Array(X.nRows)): Float64Array {
  if (X.format === 'csr') {
    const { indptr, indices, values } = X;
    for (let i = 0; i < X.nRows; i++) {
      let s = intercept;
      for (let k = indptr[i]; k < indptr[i + 1]; k++) s += values[k] * coef[indices[k]];
      out[i] = s;
    }
  } else {
    const { data, nCols } = X;
    for (let i = 0; i < X.nRows; i++) {
      let s = intercept;
      const base = i * nCols;
      for (let j = 0; j < nCols; j++) s += data[base + j] * coef[j];
      out[i] = s;
    }
  }
  return out;
}
