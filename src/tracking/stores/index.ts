import { InvalidInputError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import type { Store } from '../store.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';

/** Opens a store from the part of the URI after '<scheme>:'; `uri` is the whole URI. */
export type StoreOpener = (location: string, uri: string) => Store;

/** Store URI schemes. Register another backend here: `storeSchemes.register('pg', open)`. */
export const storeSchemes = new Registry<StoreOpener>('tracking store scheme', [
  ['sqlite', (location) => new SqliteStore(location.startsWith('//') ? location.slice(2) : location)],
  ['memory', (location) => new MemoryStore(`memory:${location}`)],
]);

export const TRACKING_URI_ENV = 'TUNEKIT_TRACKING_URI';
export const DEFAULT_TRACKING_URI = 'sqlite:tunekit.db';

/** The URI to use: the argument, else $TUNEKIT_TRACKING_URI, else `sqlite:tunekit.db` (working directory). */
export function resolveTrackingUri(uri?: string): string {
  return uri ?? process.env[TRACKING_URI_ENV] ?? DEFAULT_TRACKING_URI;
}

/** Split a tracking URI into its registered scheme and the rest; throws InvalidInputError. */
export function parseTrackingUri(uri: string): { scheme: string; location: string } {
  const colon = typeof uri === 'string' ? uri.indexOf(':') : -1;
  if (colon <= 0) throw new InvalidInputError(`tracking URI ${JSON.stringify(uri)} has no scheme (e.g. 'sqlite:tunekit.db' or 'memory:')`);
  const scheme = uri.slice(0, colon).toLowerCase();
  const location = uri.slice(colon + 1);
  if (scheme === 'sqlite' && location.replace(/^\/\//, '') === '') throw new InvalidInputError(`tracking URI ${JSON.stringify(uri)} names no database file`);
  storeSchemes.get(scheme);
  return { scheme, location };
}

/** Open a tracking store (with its model registry) by URI: `sqlite:path/to/file.db`, `memory:`. */
export function openStore(uri?: string): Store {
  const resolved = resolveTrackingUri(uri);
  const { scheme, location } = parseTrackingUri(resolved);
  return storeSchemes.get(scheme)(location, resolved);
}

export { MemoryStore, SqliteStore };
