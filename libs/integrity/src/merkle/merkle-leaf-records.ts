import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { comparePositions, type GlobalPosition } from '@timeline/event-store/port';
import { HASH_BYTES } from './merkle-hashing';
import type { LeafInputSource } from './merkle-tree';

/** A leaf of the log's tree: the event's global position and its leaf input (the stored hash, 32 bytes). */
export interface MerkleLeaf {
  readonly position: GlobalPosition;
  readonly leafInput: Buffer;
  /**
   * The event's id, when known: a tree in a file keeps it beside the leaf file
   * so the leaf is found by it (MerkleLog.leafIndexOfEvent).
   */
  readonly eventId?: string;
}

/** One leaf on disk: commit (u64 BE), prepare (u64 BE), leaf input (32 bytes). */
export const LEAF_RECORD_BYTES = 16 + HASH_BYTES;
const POSITION_BYTES = 16;

/**
 * The leaves of a tree in order, as fixed-size records: by index for proofs, by
 * position (binary search; positions strictly increase) to find an event's leaf.
 */
export abstract class LeafRecords implements LeafInputSource {
  protected count = 0;

  get size(): number {
    return this.count;
  }

  /** `count` records from `start`, concatenated. */
  protected abstract readRecords(start: number, count: number): Buffer;
  protected abstract writeRecords(records: Buffer): void;

  append(leaves: readonly MerkleLeaf[]): void {
    if (leaves.length === 0) return;
    const records = Buffer.allocUnsafe(leaves.length * LEAF_RECORD_BYTES);
    leaves.forEach((leaf, i) => encodeLeaf(leaf, records, i * LEAF_RECORD_BYTES));
    this.writeRecords(records);
    this.count += leaves.length;
  }

  leafAt(index: number): MerkleLeaf {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`no leaf ${index} of ${this.count}`);
    return decodeLeaf(this.readRecords(index, 1), 0);
  }

  readLeafInputs(start: number, count: number): Buffer {
    const records = this.readRecords(start, count);
    const inputs = Buffer.allocUnsafe(count * HASH_BYTES);
    for (let i = 0; i < count; i += 1)
      records.copy(inputs, i * HASH_BYTES, i * LEAF_RECORD_BYTES + 16, (i + 1) * LEAF_RECORD_BYTES);
    return inputs;
  }

  /** The index of the leaf at exactly this position, or null. */
  indexOf(position: GlobalPosition): number | null {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = comparePositions(this.leafAt(middle).position, position);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return null;
  }

  close(): void {}
}

export function encodeLeaf(leaf: MerkleLeaf, target: Buffer, offset: number): void {
  if (leaf.leafInput.length !== HASH_BYTES) throw new RangeError(`a leaf input is ${HASH_BYTES} bytes`);
  target.writeBigUInt64BE(leaf.position.commit, offset);
  target.writeBigUInt64BE(leaf.position.prepare, offset + 8);
  leaf.leafInput.copy(target, offset + 16);
}

export function decodeLeaf(source: Buffer, offset: number): MerkleLeaf {
  return {
    position: { commit: source.readBigUInt64BE(offset), prepare: source.readBigUInt64BE(offset + 8) },
    leafInput: Buffer.from(source.subarray(offset + 16, offset + LEAF_RECORD_BYTES)),
  };
}

/** Leaf records in memory: a tree rebuilt from the log for one verification. */
export class MemoryLeafRecords extends LeafRecords {
  private buffer = Buffer.allocUnsafe(1024 * LEAF_RECORD_BYTES);

  protected readRecords(start: number, count: number): Buffer {
    if (start < 0 || start + count > this.count)
      throw new RangeError(`no leaves [${start}, ${start + count})`);
    return this.buffer.subarray(start * LEAF_RECORD_BYTES, (start + count) * LEAF_RECORD_BYTES);
  }

  protected writeRecords(records: Buffer): void {
    const needed = this.count * LEAF_RECORD_BYTES + records.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.count * LEAF_RECORD_BYTES);
      this.buffer = grown;
    }
    records.copy(this.buffer, this.count * LEAF_RECORD_BYTES);
  }
}

/**
 * Leaf records in an append-only file. Appends are written, not fsynced: the
 * file is derived from the log, and a tail lost in a crash is read from the
 * log again (docs/merkle-log.md).
 */
export class FileLeafRecords extends LeafRecords {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {
    super();
  }

  /**
   * Opens (creating it and its directory if missing) the file. A torn last
   * record, and anything from the first record whose position does not follow
   * the one before, is cut off; the number of records dropped is returned.
   * `readOnly` (a verification reading the api's file): nothing is created or cut, the bad tail is only left unread.
   */
  static open(
    path: string,
    options: { readOnly?: boolean } = {},
  ): { records: FileLeafRecords; dropped: number } {
    if (!options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, options.readOnly ? 'r' : 'a+');
    const records = new FileLeafRecords(path, fd);
    const total = Math.floor(fstatSync(fd).size / LEAF_RECORD_BYTES);
    const chunk = 65_536;
    // Positions are two big-endian u64s: their bytes order as the positions do.
    const previous = Buffer.alloc(POSITION_BYTES);
    let kept = 0;
    scan: for (let start = 0; start < total; start += chunk) {
      const count = Math.min(chunk, total - start);
      const bytes = Buffer.allocUnsafe(count * LEAF_RECORD_BYTES);
      readSync(fd, bytes, 0, bytes.length, start * LEAF_RECORD_BYTES);
      for (let i = 0; i < count; i += 1) {
        const at = i * LEAF_RECORD_BYTES;
        if (kept > 0 && bytes.compare(previous, 0, POSITION_BYTES, at, at + POSITION_BYTES) <= 0) break scan;
        bytes.copy(previous, 0, at, at + POSITION_BYTES);
        records.count += 1;
        kept += 1;
      }
    }
    if (!options.readOnly && fstatSync(fd).size !== kept * LEAF_RECORD_BYTES)
      ftruncateSync(fd, kept * LEAF_RECORD_BYTES);
    return { records, dropped: total - kept };
  }

  protected readRecords(start: number, count: number): Buffer {
    if (start < 0 || start + count > this.count)
      throw new RangeError(`no leaves [${start}, ${start + count})`);
    const bytes = Buffer.allocUnsafe(count * LEAF_RECORD_BYTES);
    const read = readSync(this.fd, bytes, 0, bytes.length, start * LEAF_RECORD_BYTES);
    if (read !== bytes.length)
      throw new Error(`${this.path}: short read of leaves [${start}, ${start + count})`);
    return bytes;
  }

  protected writeRecords(records: Buffer): void {
    let written = 0;
    while (written < records.length)
      written += writeSync(this.fd, records, written, records.length - written);
  }

  override close(): void {
    closeSync(this.fd);
  }
}
