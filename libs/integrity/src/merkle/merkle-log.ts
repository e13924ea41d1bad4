import { dirname, join } from 'node:path';
import { comparePositions, formatPosition, type GlobalPosition } from '@timeline/event-store/port';
import { LeafIdIndex, leafIdOf } from './merkle-leaf-ids';
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

/** The file of the leaves' event ids, beside the leaf file. */
export function leafIdsFileOf(treeFile: string): string {
  return join(dirname(treeFile), 'leaf-ids.bin');
}

/**
 * The Merkle tree over the global log: leaves are the operation events' stored
 * hashes in log order (libs/integrity/src/merkle/merkle-hashing.ts, leafInputOf),
 * each recorded with its position, and in a file it writes with the event ids
 * of its leaves beside it so an event's leaf is found by its id. Kept in a
 * file beside the log (`openFile`) or in memory (`inMemory`, a verification run).
 */
export class MerkleLog {
  private constructor(
    private readonly records: LeafRecords,
    private readonly tree: MerkleTree,
    /** Records cut off when the file was opened (a torn or out-of-order tail). */
    readonly droppedOnOpen: number,
    private readonly ids: LeafIdIndex | null = null,
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
    const ids = options.readOnly ? null : LeafIdIndex.open(leafIdsFileOf(path), records.size);
    return new MerkleLog(records, tree, dropped, ids);
  }

  /**
   * `openFile` in turns of `chunkLeaves` leaves (default 4,096), yielding to
   * the event loop between them: at a million leaves the rebuild takes seconds,
   * and a service answers meanwhile.
   */
  static async openFileInTurns(path: string, options: { chunkLeaves?: number } = {}): Promise<MerkleLog> {
    const { records, dropped } = FileLeafRecords.open(path);
    const tree = new MerkleTree(records);
    try {
      for (const _ of rebuildChunks(records, tree, options.chunkLeaves ?? 4_096))
        await new Promise((resolve) => setImmediate(resolve));
      return new MerkleLog(records, tree, dropped, LeafIdIndex.open(leafIdsFileOf(path), records.size));
    } catch (error) {
      records.close();
      throw error;
    }
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
    // The ids follow the leaves while in step with them; once behind, they are filled from the log (`fillLeafIds`).
    const ids =
      this.ids !== null &&
      this.ids.size === this.records.size &&
      leaves.every((leaf) => leaf.eventId !== undefined)
        ? this.ids
        : null;
    this.records.append(leaves);
    for (const leaf of leaves) this.tree.append(leaf.leafInput);
    ids?.append(leaves.map((leaf) => leafIdOf(leaf.eventId!)));
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

  /**
   * The index of the leaf of the event with this id, found without reading the
   * log: a candidate to check against the store. Null when no leaf has it (or
   * the tree keeps no ids: in memory, read-only).
   */
  leafIndexOfEvent(eventId: string): number | null {
    return this.ids?.indexOf(eventId) ?? null;
  }

  /** Leaves whose event id the tree does not know yet: a leaf file older than its id file, or the id file lost. */
  get leafIdsMissing(): number {
    return this.ids === null ? 0 : this.records.size - this.ids.size;
  }

  /**
   * Records the ids of the leaves that lack theirs from events read from the log
   * in order (from the first such leaf on); returns how many it took, stopping at
   * the first event that is not the next such leaf.
   */
  fillLeafIds(events: readonly { readonly position: GlobalPosition; readonly eventId: string }[]): number {
    if (this.ids === null) return 0;
    const ids: Buffer[] = [];
    for (const event of events) {
      const index = this.ids.size + ids.length;
      if (
        index >= this.records.size ||
        comparePositions(this.records.leafAt(index).position, event.position) !== 0
      )
        break;
      ids.push(leafIdOf(event.eventId));
    }
    this.ids.append(ids);
    return ids.length;
  }

  close(): void {
    this.records.close();
    this.ids?.close();
  }
}
