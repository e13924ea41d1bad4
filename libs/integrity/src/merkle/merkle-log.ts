import { comparePositions, formatPosition, type GlobalPosition } from '@timeline/event-store';
import { FileLeafRecords, MemoryLeafRecords, type LeafRecords, type MerkleLeaf } from './merkle-leaf-records';
import { HASH_BYTES } from './merkle-hashing';
import { consistencyProof, inclusionProof } from './merkle-proofs';
import { MerkleTree } from './merkle-tree';

const REBUILD_CHUNK_LEAVES = 65_536;

/** Appends every record's leaf input to the tree, one chunk per step. */
function* rebuildChunks(records: LeafRecords, tree: MerkleTree, chunk: number): Generator<void> {
  for (let start = 0; start < records.size; start += chunk) {
    const count = Math.min(chunk, records.size - start);
    const inputs = records.readLeafInputs(start, count);
    for (let i = 0; i < count; i += 1) tree.append(inputs.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    yield;
  }
}

/**
 * The Merkle tree over the global log: leaves are the operation events' stored
 * hashes in log order (libs/integrity/src/merkle/merkle-hashing.ts, leafInputOf),
 * each recorded with its position so an event's leaf can be found. Kept in a
 * file beside the log (`openFile`) or in memory (`inMemory`, a verification run).
 */
export class MerkleLog {
  private constructor(
    private readonly records: LeafRecords,
    private readonly tree: MerkleTree,
    /** Records cut off when the file was opened (a torn or out-of-order tail). */
    readonly droppedOnOpen: number,
  ) {
    this.last = records.size === 0 ? null : records.leafAt(records.size - 1).position;
  }

  private last: GlobalPosition | null;

  static inMemory(): MerkleLog {
    const records = new MemoryLeafRecords();
    return new MerkleLog(records, new MerkleTree(records), 0);
  }

  /**
   * Opens the leaf file (created if missing, unless `readOnly`) and rebuilds
   * the tree's upper levels from it. A read-only log must not be appended to.
   */
  static openFile(path: string, options: { readOnly?: boolean } = {}): MerkleLog {
    const { records, dropped } = FileLeafRecords.open(path, options);
    const tree = new MerkleTree(records);
    for (const _ of rebuildChunks(records, tree, REBUILD_CHUNK_LEAVES));
    return new MerkleLog(records, tree, dropped);
  }

  /**
   * `openFile` in turns of `chunkLeaves` leaves (default 16,384), yielding to
   * the event loop between them: at a million leaves the rebuild takes seconds,
   * and a service answers meanwhile.
   */
  static async openFileInTurns(path: string, options: { chunkLeaves?: number } = {}): Promise<MerkleLog> {
    const { records, dropped } = FileLeafRecords.open(path);
    const tree = new MerkleTree(records);
    try {
      for (const _ of rebuildChunks(records, tree, options.chunkLeaves ?? 16_384))
        await new Promise((resolve) => setImmediate(resolve));
    } catch (error) {
      records.close();
      throw error;
    }
    return new MerkleLog(records, tree, dropped);
  }

  get size(): number {
    return this.tree.size;
  }

  get lastPosition(): GlobalPosition | null {
    return this.last;
  }

  /** Bytes of hashes the tree holds in memory (the leaves themselves stay in the file). */
  get memoryBytes(): number {
    return this.tree.memoryBytes;
  }

  /** Appends leaves after the last one; positions must strictly increase. */
  append(leaves: readonly MerkleLeaf[]): void {
    let previous = this.lastPosition;
    for (const leaf of leaves) {
      if (previous && comparePositions(leaf.position, previous) <= 0)
        throw new RangeError(
          `leaf at position ${formatPosition(leaf.position)} does not follow ${formatPosition(previous)}`,
        );
      previous = leaf.position;
    }
    this.records.append(leaves);
    for (const leaf of leaves) this.tree.append(leaf.leafInput);
    if (leaves.length > 0) this.last = leaves[leaves.length - 1].position;
  }

  rootAt(treeSize: number = this.size): Buffer {
    return this.tree.rootAt(treeSize);
  }

  inclusionProof(index: number, treeSize: number = this.size): Buffer[] {
    return inclusionProof(this.tree, index, treeSize);
  }

  consistencyProof(oldSize: number, newSize: number = this.size): Buffer[] {
    return consistencyProof(this.tree, oldSize, newSize);
  }

  leafAt(index: number): MerkleLeaf {
    return this.records.leafAt(index);
  }

  /** The index of the leaf of the event at this position, or null when the tree holds none there. */
  indexOf(position: GlobalPosition): number | null {
    return this.records.indexOf(position);
  }

  close(): void {
    this.records.close();
  }
}
