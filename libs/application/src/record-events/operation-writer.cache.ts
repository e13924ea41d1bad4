/** What the cache needs of an entry: whether dropping it now would lose work. */
export interface Evictable {
  readonly idle: boolean;
}

/**
 * A bounded least-recently-used map of per-operation writers. Busy entries are
 * never evicted (a queued request must keep its writer), so the size may exceed
 * the bound while more operations than that are being written at once.
 */
export class OperationWriterCache<T extends Evictable> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly capacity: number,
    private readonly create: (key: string) => T,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T {
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      // Map iteration follows insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    const created = this.create(key);
    this.entries.set(key, created);
    if (this.entries.size > this.capacity) this.evict();
    return created;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.idle) this.entries.delete(key);
    }
  }
}
