import { NotFoundError, TunekitError } from './errors.js';

/** A small named registry: model kinds, samplers, metrics, store schemes are looked up by name. */
export class Registry<T> {
  private readonly items = new Map<string, T>();
  constructor(readonly what: string, entries: Iterable<readonly [string, T]> = []) {
    for (const [name, item] of entries) this.register(name, item);
  }

  register(name: string, item: T): void {
    if (this.items.has(name)) throw new TunekitError('DUPLICATE', `${this.what} '${name}' is already registered`);
    this.items.set(name, item);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  get(name: string): T {
    const item = this.items.get(name);
    if (item === undefined) throw new NotFoundError(this.what, name, this.names());
    return item;
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  values(): T[] {
    return [...this.items.values()];
  }
}
