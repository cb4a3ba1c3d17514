/**
 * Reading a whole file that someone else named: only a regular file, and only up to a size.
 *
 * `readFile` on a FIFO waits for a writer forever, and on `/dev/zero` grows until the process
 * dies. Here the path is opened non-blocking (a FIFO opens at once instead of waiting for a
 * writer), the open descriptor is checked (no race between a check and the open), and exactly the
 * size it had is read. Each caller turns a `FileProblem` into its own typed error.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

export interface FileProblem {
  /** 'not-found': no such path; 'not-a-file': a folder, FIFO, device or socket; 'too-large'; 'read-failed': anything else. */
  readonly kind: 'not-found' | 'not-a-file' | 'too-large' | 'read-failed';
  /** What was wrong, without the path (callers name the file their own way); the errno code for 'not-found'. */
  readonly detail: string;
  readonly cause?: unknown;
}

/** Builds the caller's typed error from a problem. */
export type FileFailure = (problem: FileProblem) => Error;

// O_NONBLOCK is 0 where Node does not define it (Windows, which has no FIFOs at a path).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The bytes of a regular file of at most `maxBytes`. */
export async function readBoundedFile(path: string, maxBytes: number, fail: FileFailure): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (err) {
    throw fail(openProblem(err));
  }
  try {
    const size = checkStats(await handle.stat().catch(rethrowAs(fail)), maxBytes, fail);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, size - at, at).catch(rethrowAs(fail));
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Synchronous `readBoundedFile`. */
export function readBoundedFileSync(path: string, maxBytes: number, fail: FileFailure): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw fail(openProblem(err));
  }
  try {
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (err) {
      return rethrowAs(fail)(err);
    }
    const size = checkStats(st, maxBytes, fail);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      let n: number;
      try {
        n = readSync(fd, out, at, size - at, at);
      } catch (err) {
        return rethrowAs(fail)(err);
      }
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing left to do
    }
  }
}

/** A file that shrank while read is returned as read; one that grew, up to the size it had. */
function checkStats(st: Stats, maxBytes: number, fail: FileFailure): number {
  if (!st.isFile()) throw fail({ kind: 'not-a-file', detail: `not a regular file (${fileType(st)})` });
  if (st.size > maxBytes) throw fail({ kind: 'too-large', detail: `file of ${st.size} bytes is larger than the limit of ${maxBytes} bytes` });
  return st.size;
}

function rethrowAs(fail: FileFailure): (err: unknown) => never {
  return (err) => {
    throw fail({ kind: 'read-failed', detail: errorText(err), cause: err });
  };
}

function fileType(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

function openProblem(err: unknown): FileProblem {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'not-found', detail: code, cause: err };
  if (code === 'EISDIR') return { kind: 'not-a-file', detail: 'not a regular file (a folder)', cause: err };
  // A device or FIFO that refuses a non-blocking open (ENXIO: a FIFO opened for writing, never here).
  return { kind: 'read-failed', detail: errorText(err), cause: err };
}

function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code ?? (err instanceof Error ? err.message : String(err));
}
