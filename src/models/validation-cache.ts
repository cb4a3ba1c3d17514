import { InvalidInputError } from '../core/errors.js';

/**
 * What fits derive from one validation set (row-major rows, distinct rows, a row router), kept for
 * the next fit on the same set instead of being rebuilt and freed on every fit. Whoever holds a
 * cache promises that the set's X does not change while the cache is in use: a search's worker
 * keeps one per dataset, whose data is immutable shared memory. Pass it as
 * `FitOptions.validation.cache`; a cache serves one X only.
 */
export class ValidationCache {
  private X: object | undefined;
  private readonly entries = new Map<string, unknown>();

  /** The entry `key` for validation input `X`, made by `make` the first time. */
  get<T>(X: object, key: string, make: () => T): T {
    if (this.X === undefined) this.X = X;
    else if (this.X !== X) throw new InvalidInputError('ValidationCache: this cache holds another validation X; use one cache per validation set');
    if (!this.entries.has(key)) this.entries.set(key, make());
    return this.entries.get(key) as T;
  }
}
