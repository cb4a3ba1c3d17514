import { InvalidInputError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import type { TrackingStore } from '../store.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';

/** Opens a store from the part of the URI after '<scheme>:'. */
export type StoreOpener = (location: string) => TrackingStore;

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

/** Open a tracking store by URI: `sqlite:path/to/file.db`, `memory:`. */
export function openStore(uri?: string): TrackingStore {
  const resolved = resolveTrackingUri(uri);
  const colon = resolved.indexOf(':');
  if (colon <= 0) throw new InvalidInputError(`tracking URI ${JSON.stringify(resolved)} has no scheme (e.g. 'sqlite:tunekit.db' or 'memory:')`);
  const scheme = resolved.slice(0, colon).toLowerCase();
  const location = resolved.slice(colon + 1);
  if (scheme === 'sqlite' && location === '') throw new InvalidInputError(`tracking URI ${JSON.stringify(resolved)} names no database file`);
  return storeSchemes.get(scheme)(location);
}

export { MemoryStore, SqliteStore };
