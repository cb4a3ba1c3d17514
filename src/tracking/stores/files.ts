import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import { ArtifactPathError } from '../errors.js';
import type { ArtifactEntry } from '../types.js';
import { normalizeArtifactPath } from '../validate.js';

/**
 * Artifact files under one run's folder. Paths are normalised first ('..' and absolute paths are
 * refused), then every existing component is checked with lstat: a symlink anywhere below the
 * run folder is refused, so a link cannot lead a read or a write outside it.
 */

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Walk `parts` below `root`; refuse symlinks; optionally create missing folders. */
function walk(root: string, rel: string, parts: readonly string[], create: boolean): string {
  let cur = root;
  for (const part of parts) {
    cur = join(cur, part);
    const st = lstatOrUndefined(cur);
    if (st === undefined) {
      if (!create) return cur;
      mkdirSync(cur);
    } else if (st.isSymbolicLink()) {
      throw new ArtifactPathError(rel, `'${part}' is a symbolic link`);
    } else if (!st.isDirectory()) {
      throw new ArtifactPathError(rel, `'${part}' is a file, not a folder`);
    }
  }
  return cur;
}

export function writeArtifactFile(runDir: string, path: string, bytes: Uint8Array): void {
  const rel = normalizeArtifactPath(path);
  const parts = rel.split('/');
  mkdirSync(runDir, { recursive: true });
  const dir = walk(runDir, rel, parts.slice(0, -1), true);
  const target = join(dir, parts[parts.length - 1]);
  const st = lstatOrUndefined(target);
  if (st?.isSymbolicLink()) throw new ArtifactPathError(rel, 'is a symbolic link');
  if (st?.isDirectory()) throw new ArtifactPathError(rel, 'is a folder');
  // Write then rename: readers never see half a file, and rename never follows a link.
  const tmp = join(dir, `.${parts[parts.length - 1]}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, bytes, { flag: 'wx' });
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function readArtifactFile(runDir: string, path: string, what: string): Uint8Array {
  const rel = normalizeArtifactPath(path);
  const parts = rel.split('/');
  const dir = walk(runDir, rel, parts.slice(0, -1), false);
  const target = join(dir, parts[parts.length - 1]);
  const st = lstatOrUndefined(target);
  if (st === undefined) throw new NotFoundError(what, rel);
  if (st.isSymbolicLink()) throw new ArtifactPathError(rel, 'is a symbolic link');
  if (!st.isFile()) throw new ArtifactPathError(rel, 'is not a file');
  return new Uint8Array(readFileSync(target));
}

export function listArtifactFiles(runDir: string, dir: string): ArtifactEntry[] {
  const rel = normalizeArtifactPath(dir, true);
  const parts = rel === '' ? [] : rel.split('/');
  if (lstatOrUndefined(runDir) === undefined) return [];
  const folder = walk(runDir, rel, parts, false);
  const st = lstatOrUndefined(folder);
  if (st === undefined || !st.isDirectory()) return [];
  const out: ArtifactEntry[] = [];
  for (const e of readdirSync(folder, { withFileTypes: true })) {
    if (e.name.startsWith('.') && e.name.endsWith('.tmp')) continue;
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(Object.freeze({ path, isDir: true, size: null }));
    else if (e.isFile()) out.push(Object.freeze({ path, isDir: false, size: lstatSync(join(folder, e.name)).size }));
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
