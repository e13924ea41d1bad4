import { Map as ImmutableMap } from 'immutable';
import { EventIndex } from '@timeline/kernel';

/**
 * Most entries a map keeps in its persistent overlay before `settle` folds them
 * into the shared mutable base: small enough that a persistent set stays a
 * couple of node copies, large enough that folds are rare.
 */
export const LAYERED_MAP_OVERLAY_BOUND = 1024;

/**
 * The mutable bulk several layered maps share, and the generation of the one
 * that may still read it: folding an overlay in moves the generation on.
 */
class SharedBase<V> {
  /** An open-addressing table: inserts a million ids in about half the time a `Map` takes. */
  readonly entries = new EventIndex<V>();
  generation = 0;
}

/** A layered map read or changed after another map folded into their shared base: a fault of the caller. */
export class SupersededLayeredMapError extends Error {
  constructor() {
    super(
      'A superseded map was used: a newer map folded its overlay into the base they share ' +
        '(docs/architecture.md, "The decided state\'s collections")',
    );
    this.name = 'SupersededLayeredMapError';
  }
}

/**
 * A persistent map whose bulk is a mutable EventIndex (docs/architecture.md,
 * "The decided state's collections"). Reads look in a small persistent overlay
 * (immutable.js), then in the base shared with the maps it was derived
 * from; `set` adds to the overlay, so a map can be changed speculatively and the
 * result dropped at a cost independent of the size. `settle` folds a grown
 * overlay into the base, in place.
 *
 * The ownership rule that makes the mutable base safe: only the newest map of a
 * line may settle (the owner of the committed state, never a speculative one);
 * settling moves the base's generation on, and every other map sharing that base
 * (ancestors, dropped speculative branches) throws SupersededLayeredMapError on
 * any later use, rather than see entries that are not its own. Values are never
 * `undefined`. Iteration is in the base's insertion order, then the overlay's new
 * keys.
 */
export class LayeredMap<K extends string, V> implements Iterable<[K, V]> {
  private constructor(
    private readonly base: SharedBase<V>,
    private readonly generation: number,
    /** Entries set since the last fold: new keys and replacements of the base's. */
    private readonly overlay: ImmutableMap<K, V>,
    /** Entries in the whole map. */
    private count: number,
    /** Written in place until `asImmutable()` (a builder no one else holds). */
    private building: boolean,
  ) {}

  static empty<K extends string, V>(): LayeredMap<K, V> {
    return new LayeredMap<K, V>(new SharedBase(), 0, ImmutableMap(), 0, false);
  }

  /**
   * A map written in place, starting with `entries`, until `asImmutable()`: for
   * loading a long stream or a snapshot, which no one else sees meanwhile.
   */
  static building<K extends string, V>(entries: Iterable<readonly [K, V]> = []): LayeredMap<K, V> {
    const base = new SharedBase<V>();
    for (const [key, value] of entries) base.entries.set(key, value);
    return new LayeredMap<K, V>(base, 0, ImmutableMap(), base.entries.size, true);
  }

  get size(): number {
    return this.count;
  }

  /** How many entries wait in the overlay (folded into the base by `settle` past the bound). */
  get overlaySize(): number {
    return this.overlay.size;
  }

  get(key: K): V | undefined {
    this.check();
    const value = this.overlay.get(key);
    return value !== undefined ? value : this.base.entries.get(key);
  }

  has(key: K): boolean {
    this.check();
    return this.overlay.has(key) || this.base.entries.has(key);
  }

  /** This map with `key` set: a new map, or this one written in place while building. */
  set(key: K, value: V): LayeredMap<K, V> {
    if (this.building) {
      this.base.entries.set(key, value);
      this.count = this.base.entries.size;
      return this;
    }
    const added = this.has(key) ? 0 : 1;
    return new LayeredMap(
      this.base,
      this.generation,
      this.overlay.set(key, value),
      this.count + added,
      false,
    );
  }

  /**
   * The same map, its overlay folded into the base once it holds `bound` entries
   * or more. Only the owner of the newest map of a line may call it: every other
   * map sharing the base is unreadable afterwards.
   */
  settle(bound: number = LAYERED_MAP_OVERLAY_BOUND): LayeredMap<K, V> {
    this.check();
    if (this.building || this.overlay.size === 0 || this.overlay.size < bound) return this;
    for (const [key, value] of this.overlay) this.base.entries.set(key, value);
    this.base.generation += 1;
    return new LayeredMap(this.base, this.base.generation, ImmutableMap(), this.size, false);
  }

  /** A builder's result, persistent from now on; the builder itself is no longer usable. */
  asImmutable(): LayeredMap<K, V> {
    this.check();
    if (!this.building) return this;
    this.building = false;
    this.base.generation += 1;
    return new LayeredMap(this.base, this.base.generation, ImmutableMap(), this.size, false);
  }

  /**
   * The entries as they are now, as two arrays in iteration order: unaffected by
   * anything done later to this map's line (a snapshot written while writes go on).
   */
  capture(): { readonly keys: K[]; readonly values: V[] } {
    this.check();
    const keys = new Array<K>(this.size);
    const values = new Array<V>(this.size);
    let index = 0;
    for (const entry of this) {
      keys[index] = entry[0];
      values[index] = entry[1];
      index += 1;
    }
    return { keys, values };
  }

  *[Symbol.iterator](): Iterator<[K, V]> {
    this.check();
    // The overlay read once into native structures: a persistent lookup per base entry would hash every key again.
    const replaced = new Map<K, V>();
    const added: [K, V][] = [];
    for (const [key, value] of this.overlay) {
      if (this.base.entries.has(key)) replaced.set(key, value);
      else added.push([key, value]);
    }
    for (const [id, value] of this.base.entries) {
      const key = id as K;
      const replacement = replaced.size === 0 ? undefined : replaced.get(key);
      yield [key, replacement !== undefined ? replacement : value];
      this.check();
    }
    for (const entry of added) {
      yield entry;
      this.check();
    }
  }

  keys(): IterableIterator<K> {
    return mapped(this, ([key]) => key);
  }

  values(): IterableIterator<V> {
    return mapped(this, ([, value]) => value);
  }

  /**
   * The entries as an object (string keys, values as they are), keys in sorted
   * order: equal maps give equal JSON however their entries are layered.
   */
  toJSON(): Record<string, V> {
    const entries = [...this].map(([key, value]): [string, V] => [String(key), value]);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries) as Record<string, V>;
  }

  /** As immutable.js's `toJS`: the values are plain data already. */
  toJS(): Record<string, V> {
    return this.toJSON();
  }

  private check(): void {
    if (!this.building && this.generation !== this.base.generation) throw new SupersededLayeredMapError();
  }
}

function* mapped<K extends string, V, T>(
  map: LayeredMap<K, V>,
  select: (entry: [K, V]) => T,
): IterableIterator<T> {
  for (const entry of map) yield select(entry);
}
