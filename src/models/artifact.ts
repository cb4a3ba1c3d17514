import * as zlib from 'node:zlib';
import { ArtifactError } from '../core/errors.js';
import { MODEL_MAX_ARRAYS, MODEL_HEADER_MAX_BYTES, JSON_MAX_DEPTH, KEY_MAX_LENGTH, exceedsDepth } from '../core/limits.js';
import type { TypedArray } from '../core/typed.js';
import { LIBRARY_VERSION } from '../core/version.js';

/**
 * The model artifact: a JSON header plus named binary typed arrays. Loading parses JSON and
 * copies bytes; it never evaluates code.
 *
 * File layout (little-endian):
 *   8 bytes  magic "TUNEKIT\0"
 *   u32      container version (2)
 *   u32      header JSON byte length H
 *   H bytes  header JSON (UTF-8) — includes `arrays`: [{ name, dtype, byteOffset, length, crc32 }]
 *   u32      CRC-32 of the H header bytes
 *   padding to a multiple of 8, then the array blobs, each 8-byte aligned, offsets relative
 *   to the start of the blob section.
 *
 * Every byte that decides what a model predicts is checksummed: the header (its scalars, params,
 * the array directory) and each array. Container 1, written before the header had its checksum,
 * is the same without that u32; it still loads, with the arrays checked and the header not (saving
 * the model again writes container 2). The header starts at byte 16 in both.
 *
 * Decoding is bounded by the input: the header is at most MODEL_HEADER_MAX_BYTES and
 * JSON_MAX_DEPTH deep, the directory at most MODEL_MAX_ARRAYS entries with distinct names, and
 * the arrays' byte ranges lie inside the file without overlapping, so all of them together are
 * never larger than the file.
 */
export const ARTIFACT_FORMAT_VERSION = 1;
const MAGIC = 'TUNEKIT\0';
const CONTAINER = 2;

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
  const blobStart = align8(16 + headerBytes.length + 4);
  const out = new Uint8Array(blobStart + blobBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, CONTAINER, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  view.setUint32(16 + headerBytes.length, crc32(headerBytes), true);
  entries.forEach((e) => {
    const a = artifact.arrays[e.name];
    out.set(bytesOf(a), blobStart + e.byteOffset);
  });
  return out;
}

/** Parse bytes written by `encodeArtifact`. Corrupt, truncated or inconsistent input throws ArtifactError. */
export function decodeArtifact(bytes: Uint8Array, source = 'artifact'): ModelArtifact {
  const fail = (why: string, cause?: unknown): never => {
    throw new ArtifactError(`${source}: ${why}`, cause === undefined ? undefined : { cause });
  };
  if (bytes.length < 16) fail(`truncated (${bytes.length} bytes)`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) fail('not a tunekit model artifact (bad magic bytes)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const container = view.getUint32(8, true);
  if (container !== 1 && container !== CONTAINER) fail(`unknown container version ${container}`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MODEL_HEADER_MAX_BYTES) fail(`header of ${headerLength} bytes is larger than the limit of ${MODEL_HEADER_MAX_BYTES} (MODEL_HEADER_MAX_BYTES)`);
  const headerEnd = 16 + headerLength + (container === 1 ? 0 : 4);
  if (headerEnd > bytes.length) fail('truncated header');
  const headerBytes = bytes.subarray(16, 16 + headerLength);
  if (container !== 1 && crc32(headerBytes) !== view.getUint32(16 + headerLength, true)) fail('corrupt header (checksum mismatch)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    fail('corrupt header JSON', err);
  }
  if (exceedsDepth(parsed)) fail(`header nests deeper than ${JSON_MAX_DEPTH} levels`);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('header is not an object');
  const { arrays: entries, ...rest } = parsed as { arrays?: unknown } & Record<string, unknown>;
  let header: ArtifactHeader;
  try {
    header = checkHeader(rest);
  } catch (err) {
    return fail((err as Error).message, err);
  }
  if (!Array.isArray(entries)) fail('header has no array directory');
  const blobStart = align8(headerEnd);
  const directory = checkDirectory(entries as unknown[], bytes.length - blobStart, fail);
  const arrays: Record<string, TypedArray> = Object.create(null);
  for (const e of directory) {
    const start = blobStart + e.byteOffset;
    // Copy into an aligned buffer of its own (the input may be unaligned or shared).
    const copy = new Uint8Array(e.length * DTYPES[e.dtype].BYTES_PER_ELEMENT);
    copy.set(bytes.subarray(start, start + copy.length));
    if (crc32(copy) !== e.crc32) fail(`corrupt data (checksum mismatch in array '${e.name}')`);
    arrays[e.name] = new DTYPES[e.dtype](copy.buffer, 0, e.length);
  }
  return { header, arrays };
}

/**
 * The array directory, checked before anything is allocated: at most MODEL_MAX_ARRAYS
 * well-formed entries with distinct names, whose byte ranges lie inside the `blobBytes` after the
 * header and do not overlap (so together they are no larger than the file).
 */
function checkDirectory(entries: readonly unknown[], blobBytes: number, fail: (why: string) => never): ArrayEntry[] {
  if (entries.length > MODEL_MAX_ARRAYS) fail(`array directory lists ${entries.length} arrays, more than the limit of ${MODEL_MAX_ARRAYS}`);
  const out: ArrayEntry[] = [];
  const names = new Set<string>();
  for (const raw of entries) {
    const e = raw as Partial<ArrayEntry> | null;
    const ok =
      typeof e === 'object' &&
      e !== null &&
      typeof e.name === 'string' &&
      e.name.length > 0 &&
      e.name.length <= KEY_MAX_LENGTH &&
      typeof e.dtype === 'string' &&
      Object.hasOwn(DTYPES, e.dtype) &&
      Number.isSafeInteger(e.byteOffset) &&
      Number.isSafeInteger(e.length) &&
      Number.isInteger(e.crc32);
    if (!ok) fail(`corrupt array directory entry ${JSON.stringify(raw)?.slice(0, 200)}`);
    const entry = e as ArrayEntry;
    if (names.has(entry.name)) fail(`array '${entry.name}' is listed twice`);
    names.add(entry.name);
    if (entry.byteOffset < 0 || entry.length < 0 || entry.byteOffset % 8 !== 0) fail(`corrupt array directory entry for '${entry.name}'`);
    if (entry.byteOffset + entry.length * DTYPES[entry.dtype].BYTES_PER_ELEMENT > blobBytes) fail(`truncated (array '${entry.name}' ends past the data)`);
    out.push(entry);
  }
  const ranges = out
    .map((e) => ({ name: e.name, start: e.byteOffset, end: e.byteOffset + e.length * DTYPES[e.dtype].BYTES_PER_ELEMENT }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].start < ranges[i - 1].end) fail(`arrays '${ranges[i - 1].name}' and '${ranges[i].name}' overlap`);
  }
  return out;
}

/**
 * Runs a kind's `load` on an artifact and refuses arrays it never read: every kind reads each
 * array it writes, so an extra one is a damaged or forged file (and memory nobody uses).
 */
export function loadReadingEveryArray<T>(artifact: ModelArtifact, load: (artifact: ModelArtifact) => T): T {
  const read = new Set<string>();
  const arrays = new Proxy(artifact.arrays, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  const model = load({ header: artifact.header, arrays });
  const unread = Object.keys(artifact.arrays).filter((name) => !read.has(name));
  if (unread.length > 0) {
    throw new ArtifactError(`'${artifact.header.kind}' artifact holds array${unread.length > 1 ? 's' : ''} its kind does not use: ${unread.map((n) => `'${n}'`).join(', ')}`);
  }
  return model;
}
