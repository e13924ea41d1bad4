import { HASH_BYTES } from './merkle-hashing';

/** A growing array of 32-byte hashes in one buffer (no object per hash, nothing for the collector to walk). */
export class HashArray {
  private buffer: Buffer;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(1, initialCapacity) * HASH_BYTES);
  }

  get length(): number {
    return this.count;
  }

  push(hash: Buffer): void {
    if ((this.count + 1) * HASH_BYTES > this.buffer.length) {
      const grown = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, this.count * HASH_BYTES);
      this.buffer = grown;
    }
    hash.copy(this.buffer, this.count * HASH_BYTES, 0, HASH_BYTES);
    this.count += 1;
  }

  /** A view of the hash at `index` (valid until the next push). */
  at(index: number): Buffer {
    if (index < 0 || index >= this.count) throw new RangeError(`no hash at ${index} of ${this.count}`);
    return this.buffer.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  /** A copy of `count` consecutive hashes from `start`, concatenated. */
  slice(start: number, count: number): Buffer {
    if (start < 0 || count < 0 || start + count > this.count)
      throw new RangeError(`no hashes [${start}, ${start + count}) of ${this.count}`);
    return Buffer.from(this.buffer.subarray(start * HASH_BYTES, (start + count) * HASH_BYTES));
  }

  /** Bytes held, for reports. */
  get bytes(): number {
    return this.buffer.length;
  }
}
