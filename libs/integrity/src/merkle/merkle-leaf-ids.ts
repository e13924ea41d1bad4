import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One leaf's event id on disk: the UUID's 16 bytes (an id that is no UUID: the first 16 bytes of its SHA-256). */
export const LEAF_ID_BYTES = 16;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMPTY_SLOT = 0;

export function leafIdOf(eventId: string): Buffer {
  if (UUID.test(eventId)) return Buffer.from(eventId.replace(/-/g, ''), 'hex');
  return createHash('sha256').update(eventId, 'utf8').digest().subarray(0, LEAF_ID_BYTES);
}

/**
 * 32 bits of an id for the table, every byte mixed in: ids with a structure
 * (time-ordered UUIDs, sequential test ids) must not fall into the same slots.
 */
function fingerprint(id: Buffer, offset = 0): number {
  let hash = 0x811c9dc5;
  for (let word = 0; word < LEAF_ID_BYTES; word += 4) {
    hash = Math.imul(hash ^ id.readUInt32BE(offset + word), 0x9e3779b1);
    hash ^= hash >>> 15;
  }
  return hash >>> 0;
}

/**
 * The event id of every leaf, in leaf order, in a file beside the leaf file,
 * and a hash table over them in memory (open addressing: a 32-bit fingerprint
 * and the leaf index per slot, about 11 bytes per leaf), so an event's leaf is
 * found by its id without reading the log. A hit is a candidate: whoever uses
 * it checks the event at that leaf's position in the store (docs/merkle-log.md).
 */
export class LeafIdIndex {
  private fingerprints = new Uint32Array(1024);
  /** Leaf index + 1; 0 is an empty slot. */
  private leaves = new Uint32Array(1024);
  private count = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /** Opens (creating it if missing) the file and keeps its first `leafCount` ids at most. */
  static open(path: string, leafCount: number): LeafIdIndex {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'a+');
    const index = new LeafIdIndex(path, fd);
    const total = Math.min(leafCount, Math.floor(fstatSync(fd).size / LEAF_ID_BYTES));
    if (fstatSync(fd).size !== total * LEAF_ID_BYTES) ftruncateSync(fd, total * LEAF_ID_BYTES);
    index.reserve(total);
    const chunk = 65_536;
    for (let start = 0; start < total; start += chunk) {
      const count = Math.min(chunk, total - start);
      const bytes = Buffer.allocUnsafe(count * LEAF_ID_BYTES);
      readSync(fd, bytes, 0, bytes.length, start * LEAF_ID_BYTES);
      for (let i = 0; i < count; i += 1) index.insert(fingerprint(bytes, i * LEAF_ID_BYTES), start + i);
    }
    index.count = total;
    return index;
  }

  /** Leaves whose id is known: the first `size` leaves. */
  get size(): number {
    return this.count;
  }

  /** Appends the ids of the next leaves. */
  append(ids: readonly Buffer[]): void {
    if (ids.length === 0) return;
    const bytes = Buffer.concat(ids as Buffer[]);
    if (bytes.length !== ids.length * LEAF_ID_BYTES)
      throw new RangeError(`a leaf id is ${LEAF_ID_BYTES} bytes`);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.reserve(this.count + ids.length);
    ids.forEach((id, i) => this.insert(fingerprint(id), this.count + i));
    this.count += ids.length;
  }

  /** The index of the leaf of the event with this id, or null when no leaf has it. */
  indexOf(eventId: string): number | null {
    const id = leafIdOf(eventId);
    const print = fingerprint(id);
    const mask = this.leaves.length - 1;
    const stored = Buffer.allocUnsafe(LEAF_ID_BYTES);
    for (let slot = print & mask; this.leaves[slot] !== EMPTY_SLOT; slot = (slot + 1) & mask) {
      if (this.fingerprints[slot] !== print) continue;
      const leaf = this.leaves[slot] - 1;
      readSync(this.fd, stored, 0, LEAF_ID_BYTES, leaf * LEAF_ID_BYTES);
      if (stored.equals(id)) return leaf;
    }
    return null;
  }

  close(): void {
    closeSync(this.fd);
  }

  private insert(print: number, leaf: number): void {
    const mask = this.leaves.length - 1;
    let slot = print & mask;
    while (this.leaves[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
    this.fingerprints[slot] = print;
    this.leaves[slot] = leaf + 1;
  }

  /** Grows the table (a power of two, at most three quarters full) to hold `count` leaves. */
  private reserve(count: number): void {
    if (count * 4 <= this.leaves.length * 3) return;
    let capacity = this.leaves.length;
    while (count * 4 > capacity * 3) capacity *= 2;
    const fingerprints = this.fingerprints;
    const leaves = this.leaves;
    this.fingerprints = new Uint32Array(capacity);
    this.leaves = new Uint32Array(capacity);
    for (let slot = 0; slot < leaves.length; slot += 1)
      if (leaves[slot] !== EMPTY_SLOT) this.insert(fingerprints[slot], leaves[slot] - 1);
  }
}
