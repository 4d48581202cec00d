/**
 * The names (agents, targets, sessions) a store has written or read, both ways: name to id for
 * writes, id to name for decoding. Bounded, because a long ingest can see millions of distinct
 * targets (one per task): past `capacity` names the cache is emptied and fills again with what is
 * asked next, since names are only a lookup away in the `names` table.
 *
 * It is emptied only by `trim()`, which callers run before a write or a decode, never in the
 * middle of one: a decode looks its names up after loading the missing ones, and they must still
 * be there.
 */
export class NameCache {
  readonly #ids = new Map<string, number>();
  readonly #names = new Map<number, string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#ids.size;
  }

  idOf(name: string): number | undefined {
    return this.#ids.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.#names.get(id);
  }

  has(id: number): boolean {
    return this.#names.has(id);
  }

  remember(id: number, name: string): void {
    this.#ids.set(name, id);
    this.#names.set(id, name);
  }

  forget(name: string): void {
    const id = this.#ids.get(name);
    this.#ids.delete(name);
    if (id !== undefined) this.#names.delete(id);
  }

  /** Empties the cache once it holds more than `capacity` names. */
  trim(): void {
    if (this.#ids.size <= this.capacity) return;
    this.#ids.clear();
    this.#names.clear();
  }
}
