import * as zlib from 'node:zlib';
import { ArtifactError } from '../core/errors.js';
import type { TypedArray } from '../core/typed.js';
import { LIBRARY_VERSION } from '../core/version.js';

/**
 * The model artifact: a JSON header plus named binary typed arrays. Loading parses JSON and
 * copies bytes; it never evaluates code.
 *
 * File layout (little-endian):
 *   8 bytes  magic "TUNEKIT\0"
 *   u32      container version (1)
 *   u32      header JSON byte length H
 *   H bytes  header JSON (UTF-8) — includes `arrays`: [{ name, dtype, byteOffset, length }]
 *   padding to a multiple of 8, then the array blobs, each 8-byte aligned, offsets relative
 *   to the start of the blob section.
 */
export const ARTIFACT_FORMAT_VERSION = 1;
const MAGIC = 'TUNEKIT\0';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ArtifactHeader {
  readonly format: 'tunekit-model';
  /** Format version of this header's content; a newer one than we know is refused. */
  readonly formatVersion: number;
  /** Model kind, looked up in the model registry on load. */
  readonly kind: string;
  readonly libraryVersion: string;
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly featureNames?: readonly string[];
  /** Learned scalars and small structures (intercept, best iteration, ...). */
  readonly state: Readonly<Record<string, JsonValue>>;
}

export interface ModelArtifact {
  readonly header: ArtifactHeader;
  readonly arrays: Readonly<Record<string, TypedArray>>;
}

const DTYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bigint64: BigInt64Array,
} as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: TypedArray): DType {
  for (const [name, ctor] of Object.entries(DTYPES)) if (a instanceof ctor) return name as DType;
  throw new ArtifactError(`unsupported typed array ${(a as object).constructor.name}`);
}

/** Build a header with the current format and library version. */
export function makeHeader(
  kind: string,
  params: Readonly<Record<string, unknown>>,
  state: Readonly<Record<string, JsonValue>>,
  featureNames?: readonly string[],
): ArtifactHeader {
  return {
    format: 'tunekit-model',
    formatVersion: ARTIFACT_FORMAT_VERSION,
    kind,
    libraryVersion: LIBRARY_VERSION,
    params: params as Record<string, JsonValue>,
    ...(featureNames ? { featureNames: [...featureNames] } : {}),
    state,
  };
}

/** Check a header (from any source) before a loader trusts it. */
export function checkHeader(header: unknown, expectedKind?: string): ArtifactHeader {
  if (typeof header !== 'object' || header === null) throw new ArtifactError('artifact header is not an object');
  const h = header as Partial<ArtifactHeader>;
  if (h.format !== 'tunekit-model') throw new ArtifactError(`not a tunekit model artifact (format: ${JSON.stringify(h.format)})`);
  if (typeof h.formatVersion !== 'number' || !Number.isInteger(h.formatVersion)) {
    throw new ArtifactError('artifact header has no integer formatVersion');
  }
  if (h.formatVersion > ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(
      `artifact format version ${h.formatVersion} is newer than this tunekit (${LIBRARY_VERSION}) reads (<= ${ARTIFACT_FORMAT_VERSION}); upgrade tunekit`,
    );
  }
  if (typeof h.kind !== 'string' || h.kind === '') throw new ArtifactError('artifact header has no model kind');
  if (expectedKind !== undefined && h.kind !== expectedKind) {
    throw new ArtifactError(`artifact holds a '${h.kind}' model, expected '${expectedKind}'`);
  }
  if (typeof h.params !== 'object' || h.params === null) throw new ArtifactError('artifact header has no params');
  if (typeof h.state !== 'object' || h.state === null) throw new ArtifactError('artifact header has no state');
  return h as ArtifactHeader;
}

/** Fetch a required array of a given type from an artifact, with a clear error. */
export function requireArray<T extends TypedArray>(
  artifact: ModelArtifact,
  name: string,
  ctor: abstract new (...args: never[]) => T,
  length?: number,
): T {
  const a = artifact.arrays[name];
  if (a === undefined) throw new ArtifactError(`'${artifact.header.kind}' artifact is missing array '${name}'`);
  if (!(a instanceof ctor)) throw new ArtifactError(`'${artifact.header.kind}' artifact array '${name}' has the wrong type`);
  if (length !== undefined && a.length !== length) {
    throw new ArtifactError(`'${artifact.header.kind}' artifact array '${name}' has length ${a.length}, expected ${length}`);
  }
  return a;
}

interface ArrayEntry {
  name: string;
  dtype: DType;
  byteOffset: number;
  length: number;
  /** CRC-32 of the array's bytes: a flipped byte must not load as a silently different model. */
  crc32: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Node's native CRC-32 (Node >= 20.15): about 14 times faster than the table loop below. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE), as zip and PNG use. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : tableCrc32(bytes);
}

/** CRC-32 by the byte-wise table (older Node). */
export function tableCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const bytesOf = (a: TypedArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialize an artifact to bytes. */
export function encodeArtifact(artifact: ModelArtifact): Uint8Array {
  const entries: ArrayEntry[] = [];
  let blobBytes = 0;
  for (const [name, a] of Object.entries(artifact.arrays)) {
    entries.push({ name, dtype: dtypeOf(a), byteOffset: blobBytes, length: a.length, crc32: crc32(bytesOf(a)) });
    blobBytes = align8(blobBytes + a.byteLength);
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ ...artifact.header, arrays: entries }));
  const blobStart = align8(16 + headerBytes.length);
  const out = new Uint8Array(blobStart + blobBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, 1, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  entries.forEach((e) => {
    const a = artifact.arrays[e.name];
    out.set(bytesOf(a), blobStart + e.byteOffset);
  });
  return out;
}

/** Parse bytes written by `encodeArtifact`. Corrupt or truncated input throws ArtifactError. */
export function decodeArtifact(bytes: Uint8Array, source = 'artifact'): ModelArtifact {
  if (bytes.length < 16) throw new ArtifactError(`${source}: truncated (${bytes.length} bytes)`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new ArtifactError(`${source}: not a tunekit model artifact (bad magic bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const container = view.getUint32(8, true);
  if (container !== 1) throw new ArtifactError(`${source}: unknown container version ${container}`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) throw new ArtifactError(`${source}: truncated header`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (err) {
    throw new ArtifactError(`${source}: corrupt header JSON`, { cause: err });
  }
  const { arrays: entries, ...rest } = parsed as { arrays?: unknown } & Record<string, unknown>;
  const header = checkHeader(rest);
  if (!Array.isArray(entries)) throw new ArtifactError(`${source}: header has no array directory`);
  const blobStart = align8(16 + headerLength);
  const arrays: Record<string, TypedArray> = {};
  for (const raw of entries as ArrayEntry[]) {
    const ctor = DTYPES[raw?.dtype as DType];
    if (!ctor || typeof raw.name !== 'string' || !Number.isInteger(raw.byteOffset) || !Number.isInteger(raw.length) || raw.length < 0) {
      throw new ArtifactError(`${source}: corrupt array directory entry ${JSON.stringify(raw)}`);
    }
    const start = blobStart + raw.byteOffset;
    const end = start + raw.length * ctor.BYTES_PER_ELEMENT;
    if (raw.byteOffset < 0 || end > bytes.length) throw new ArtifactError(`${source}: truncated (array '${raw.name}' ends past the data)`);
    // Copy into an aligned buffer of its own (the input may be unaligned or shared).
    const copy = new Uint8Array(end - start);
    copy.set(bytes.subarray(start, end));
    if (crc32(copy) !== raw.crc32) throw new ArtifactError(`${source}: corrupt data (checksum mismatch in array '${raw.name}')`);
    arrays[raw.name] = new ctor(copy.buffer, 0, raw.length);
  }
  return { header, arrays };
}
