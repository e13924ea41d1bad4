/**
 * Values by event id (or another string id), for what remembers every event: the
 * read models (a correction or retraction may target any of them) and the bulk
 * of the decided state's maps (docs/architecture.md, "The decided state's
 * collections"): a million ids are inserted once each and looked up rarely. An open-addressing table (linear probing, at most half full)
 * over insertion-ordered arrays inserts in about half the time a `Map` takes
 * at that size, and iterates in insertion order like one. Entries are never
 * removed; `set` on a known id replaces its value, `add` leaves it.
 */
export class EventIndex<V> implements Iterable<[string, V]> {
  private slots: Int32Array = new Int32Array(INITIAL_SLOTS);
  private hashes: Int32Array = new Int32Array(INITIAL_SLOTS / 2);
  private readonly ids: string[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.ids.length;
  }

  get(id: string): V | undefined {
    const index = this.indexOf(id, hashOf(id));
    return index === -1 ? undefined : this.values[index];
  }

  has(id: string): boolean {
    return this.indexOf(id, hashOf(id)) !== -1;
  }

  set(id: string, value: V): this {
    this.put(id, value, true);
    return this;
  }

  /** Inserts under an id not yet held and returns true; returns false, changing nothing, when the id is held. */
  add(id: string, value: V): boolean {
    return this.put(id, value, false);
  }

  /** The entries as they are now, unaffected by later changes: a copy of the values only (ids are append-only). */
  capture(): Iterable<[string, V]> & { readonly size: number } {
    const ids = this.ids;
    const values = this.values.slice();
    return {
      size: values.length,
      *[Symbol.iterator]() {
        for (let index = 0; index < values.length; index += 1) yield [ids[index], values[index]];
      },
    };
  }

  *[Symbol.iterator](): Iterator<[string, V]> {
    for (let index = 0; index < this.ids.length; index += 1) yield [this.ids[index], this.values[index]];
  }

  /** One probe for both: replaces a held id's value when `replace`, else leaves it; true when the id was new. */
  private put(id: string, value: V, replace: boolean): boolean {
    const hash = hashOf(id);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const held = this.slots[slot];
      if (held === 0) break;
      if (this.hashes[held - 1] === hash && this.ids[held - 1] === id) {
        if (replace) this.values[held - 1] = value;
        return false;
      }
      slot = (slot + 1) & mask;
    }
    const index = this.ids.length;
    this.ids.push(id);
    this.values.push(value);
    if (index === this.hashes.length) this.hashes = grown(this.hashes, this.hashes.length * 2);
    this.hashes[index] = hash;
    this.slots[slot] = index + 1;
    if ((index + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return true;
  }

  private indexOf(id: string, hash: number): number {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const held = this.slots[slot];
      if (held === 0) return -1;
      if (this.hashes[held - 1] === hash && this.ids[held - 1] === id) return held - 1;
      slot = (slot + 1) & mask;
    }
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let index = 0; index < this.ids.length; index += 1) {
      let slot = this.hashes[index] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}

const INITIAL_SLOTS = 1024;

function grown(array: Int32Array, size: number): Int32Array {
  const larger = new Int32Array(size);
  larger.set(array);
  return larger;
}

/** FNV-1a over the UTF-16 code units, with murmur3's finaliser so the low bits the table masks are well mixed. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1)
    hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}
