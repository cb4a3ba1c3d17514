import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, TunekitError } from '../../core/errors.js';
import { ArtifactPathError } from '../errors.js';
import type { ArtifactEntry } from '../types.js';
import { normalizeArtifactPath } from '../validate.js';

/**
 * Artifact files of one run: `<root>/<experimentId>/<runId>/<path>`. Paths are normalised first
 * ('..' and absolute paths are refused), then every component below the store's root — the
 * experiment and run folders included — is checked with lstat: a symlink anywhere below the root
 * is refused, so a link cannot lead a read or a write outside it. File-system failures become
 * typed errors naming the artifact, never the store's absolute path.
 */
export interface RunFolder {
  /** The store's artifact root (the one folder the user chose). */
  readonly root: string;
  /** Folders from the root to the run's folder: [experimentId, runId]. */
  readonly parts: readonly string[];
  /** For messages: 'run <id>'. */
  readonly label: string;
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Walk `parts` below `root`; refuse symlinks and files; optionally create missing folders. */
function walk(root: string, rel: string, parts: readonly string[], create: boolean): string | undefined {
  let cur = root;
  for (const part of parts) {
    cur = join(cur, part);
    const st = lstatOrUndefined(cur);
    if (st === undefined) {
      if (!create) return undefined;
      mkdirSync(cur);
    } else if (st.isSymbolicLink()) {
      throw new ArtifactPathError(rel, `'${part}' is a symbolic link`);
    } else if (!st.isDirectory()) {
      throw new ArtifactPathError(rel, `'${part}' is a file, not a folder`);
    }
  }
  return cur;
}

function ioError(err: unknown, action: string, rel: string, run: RunFolder): unknown {
  if (err instanceof TunekitError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  return new TunekitError('ARTIFACT_IO', `cannot ${action} artifact '${rel}' of ${run.label} (${code})`, { cause: err });
}

export function writeArtifactFile(run: RunFolder, path: string, bytes: Uint8Array): void {
  const rel = normalizeArtifactPath(path);
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  try {
    mkdirSync(run.root, { recursive: true });
    const dir = walk(run.root, rel, [...run.parts, ...parts.slice(0, -1)], true)!;
    const target = join(dir, name);
    const st = lstatOrUndefined(target);
    if (st?.isSymbolicLink()) throw new ArtifactPathError(rel, 'is a symbolic link');
    if (st?.isDirectory()) throw new ArtifactPathError(rel, 'is a folder');
    // Write then rename: readers never see half a file, and rename never follows a link.
    const tmp = join(dir, `.${name.slice(0, 200)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      writeFileSync(tmp, bytes, { flag: 'wx' });
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  } catch (err) {
    throw ioError(err, 'write', rel, run);
  }
}

export function readArtifactFile(run: RunFolder, path: string): Uint8Array {
  const rel = normalizeArtifactPath(path);
  const parts = rel.split('/');
  try {
    const dir = walk(run.root, rel, [...run.parts, ...parts.slice(0, -1)], false);
    const target = dir === undefined ? undefined : join(dir, parts[parts.length - 1]);
    const st = target === undefined ? undefined : lstatOrUndefined(target);
    if (st === undefined) throw new NotFoundError(`artifact of ${run.label}`, rel);
    if (st.isSymbolicLink()) throw new ArtifactPathError(rel, 'is a symbolic link');
    if (!st.isFile()) throw new ArtifactPathError(rel, 'is not a file');
    return new Uint8Array(readFileSync(target!));
  } catch (err) {
    throw ioError(err, 'read', rel, run);
  }
}

export function listArtifactFiles(run: RunFolder, dir: string): ArtifactEntry[] {
  const rel = normalizeArtifactPath(dir, true);
  const parts = rel === '' ? [] : rel.split('/');
  try {
    const folder = walk(run.root, rel, [...run.parts, ...parts], false);
    if (folder === undefined) return [];
    const out: ArtifactEntry[] = [];
    for (const e of readdirSync(folder, { withFileTypes: true })) {
      if (e.name.startsWith('.') && e.name.endsWith('.tmp')) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) out.push(Object.freeze({ path, isDir: true, size: null }));
      else if (e.isFile()) out.push(Object.freeze({ path, isDir: false, size: lstatSync(join(folder, e.name)).size }));
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch (err) {
    throw ioError(err, 'list', rel, run);
  }
}
