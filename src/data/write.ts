/** Arrow -> Parquet bytes with parquet-wasm (used by the generator and by tests). */
import * as arrow from 'apache-arrow/Arrow';
import { Compression } from 'parquet-wasm/esm';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { callParquet, parquetWasmSync } from './wasm.js';

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
  const codec = parquetCodec('writeParquet', options.compression ?? 'snappy');
  if (options.rowGroupSize !== undefined && (!Number.isInteger(options.rowGroupSize) || options.rowGroupSize < 1)) {
    throw new InvalidParameterError('writeParquet', 'rowGroupSize', options.rowGroupSize, 'must be an integer >= 1');
  }
  const ipc = arrow.tableToIPC(table, 'stream');
  try {
    // Through callParquet: a failure drops the instance, as a failed read does.
    return callParquet(parquetWasmSync(), ({ Table: WasmTable, WriterPropertiesBuilder, writeParquet: wasmWriteParquet }) => {
      let builder = new WriterPropertiesBuilder().setCompression(codec);
      if (options.rowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(options.rowGroupSize);
      if (options.createdBy !== undefined) builder = builder.setCreatedBy(options.createdBy);
      return wasmWriteParquet(WasmTable.fromIPCStream(ipc), builder.build());
    });
  } catch (err) {
    throw new InvalidInputError(`writeParquet: parquet-wasm cannot write this table: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
