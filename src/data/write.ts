/** Arrow -> Parquet bytes with parquet-wasm (used by the generator and by tests). */
import * as arrow from 'apache-arrow/Arrow';
import { Compression } from 'parquet-wasm/esm';
import { InvalidParameterError } from '../core/errors.js';
import { parquetWasmSync } from './wasm.js';

export type ParquetCompression = 'uncompressed' | 'snappy' | 'gzip' | 'zstd' | 'brotli' | 'lz4';

const CODECS: Record<ParquetCompression, Compression> = {
  uncompressed: Compression.UNCOMPRESSED,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  zstd: Compression.ZSTD,
  brotli: Compression.BROTLI,
  lz4: Compression.LZ4_RAW,
};

export interface WriteParquetOptions {
  /** Codec of every column (default 'snappy'). */
  readonly compression?: ParquetCompression;
  /** Largest row group, in rows (parquet-wasm's default otherwise). */
  readonly rowGroupSize?: number;
  /** The file's "created by" string. */
  readonly createdBy?: string;
}

/** parquet-wasm's codec for a compression name (InvalidParameterError naming `owner` otherwise). */
export function parquetCodec(owner: string, compression: ParquetCompression): Compression {
  if (!Object.hasOwn(CODECS, compression)) {
    throw new InvalidParameterError(owner, 'compression', compression, `must be one of ${Object.keys(CODECS).join(', ')}`);
  }
  return CODECS[compression];
}

/** The Parquet bytes of an Arrow table. */
export function writeParquet(table: arrow.Table, options: WriteParquetOptions = {}): Uint8Array {
  const { Table: WasmTable, WriterPropertiesBuilder, writeParquet: wasmWriteParquet } = parquetWasmSync();
  let builder = new WriterPropertiesBuilder().setCompression(parquetCodec('writeParquet', options.compression ?? 'snappy'));
  if (options.rowGroupSize !== undefined) {
    if (!Number.isInteger(options.rowGroupSize) || options.rowGroupSize < 1) {
      throw new InvalidParameterError('writeParquet', 'rowGroupSize', options.rowGroupSize, 'must be an integer >= 1');
    }
    builder = builder.setMaxRowGroupSize(options.rowGroupSize);
  }
  if (options.createdBy !== undefined) builder = builder.setCreatedBy(options.createdBy);
  const wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  return wasmWriteParquet(wasmTable, builder.build());
}
