import { HashArray } from './hash-array';
import { HASH_BYTES, leafHash, nodeHash } from './merkle-hashing';
import { MerkleProofRangeError, subtreeRoot, type MerkleNodeSource } from './merkle-proofs';

/** Where a tree reads back the inputs of leaves it no longer holds in memory. */
export interface LeafInputSource {
  /** The inputs of `count` leaves from `start`, 32 bytes each, concatenated. */
  readLeafInputs(start: number, count: number): Buffer;
}

/**
 * Subtrees of 2^TILE_LEVEL leaves (16) are the smallest the tree keeps in
 * memory; a node below that level is recomputed from its leaves (at most 16
 * leaf inputs read and 31 hashes). Memory: 4 bytes per leaf instead of 64.
 */
export const TILE_LEVEL = 4;
const TILE_WIDTH = 1 << TILE_LEVEL;

/**
 * An append-only Merkle tree (RFC 9162 §2.1) over leaf inputs. It keeps the
 * roots of every complete tile-aligned subtree (levels >= TILE_LEVEL) and the
 * leaf hashes of the last, incomplete tile; anything lower is recomputed from
 * the leaf inputs its source hands back. Appending costs one leaf hash, and on
 * average two node hashes per leaf. See docs/merkle-log.md.
 */
export class MerkleTree implements MerkleNodeSource {
  private count = 0;
  /** levels[i]: roots of the complete subtrees of 2^(TILE_LEVEL + i) leaves, left to right. */
  private readonly levels: HashArray[] = [];
  /** Leaf hashes of the incomplete last tile. */
  private readonly pending: Buffer[] = [];

  constructor(private readonly leaves: LeafInputSource) {}

  get size(): number {
    return this.count;
  }

  /** Bytes of hashes held in memory. */
  get memoryBytes(): number {
    return this.levels.reduce((sum, level) => sum + level.bytes, 0) + this.pending.length * HASH_BYTES;
  }

  /** Adds one leaf; its input must already be readable from the source once its tile is complete. */
  append(leafInput: Buffer): void {
    this.pending.push(leafHash(leafInput));
    this.count += 1;
    if (this.pending.length < TILE_WIDTH) return;
    let node = perfectRoot(this.pending);
    this.pending.length = 0;
    for (let level = 0; ; level += 1) {
      const hashes = (this.levels[level] ??= new HashArray());
      hashes.push(node);
      if (hashes.length % 2 === 1) return;
      node = nodeHash(hashes.at(hashes.length - 2), hashes.at(hashes.length - 1));
    }
  }

  /** MTH of the first `treeSize` leaves. */
  rootAt(treeSize: number = this.count): Buffer {
    if (!Number.isInteger(treeSize) || treeSize < 1 || treeSize > this.count)
      throw new MerkleProofRangeError(`tree size ${treeSize} is not between 1 and ${this.count}`);
    return subtreeRoot(this, 0, treeSize);
  }

  perfectSubtree(level: number, index: number): Buffer {
    const width = 2 ** level;
    const start = index * width;
    if (start + width > this.count)
      throw new MerkleProofRangeError(`subtree [${start}, ${start + width}) is beyond ${this.count} leaves`);
    if (level >= TILE_LEVEL) return Buffer.from(this.levels[level - TILE_LEVEL].at(index));
    const pendingStart = this.count - this.pending.length;
    if (start >= pendingStart)
      return perfectRoot(this.pending.slice(start - pendingStart, start - pendingStart + width));
    const inputs = this.leaves.readLeafInputs(start, width);
    const hashes: Buffer[] = [];
    for (let i = 0; i < width; i += 1)
      hashes.push(leafHash(inputs.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)));
    return perfectRoot(hashes);
  }
}

/** Root of a power-of-two number of hashes, pairing them level by level. */
function perfectRoot(hashes: readonly Buffer[]): Buffer {
  let level = [...hashes];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

/** Leaf inputs kept in memory: the source of a tree built for one verification run. */
export class InMemoryLeafInputs implements LeafInputSource {
  readonly inputs = new HashArray();

  readLeafInputs(start: number, count: number): Buffer {
    return this.inputs.slice(start, count);
  }
}

/** A tree whose leaf inputs live in memory beside it. */
export function inMemoryMerkleTree(): {
  tree: MerkleTree;
  append(leafInput: Buffer): void;
  leafInputAt(index: number): Buffer;
} {
  const leaves = new InMemoryLeafInputs();
  const tree = new MerkleTree(leaves);
  return {
    tree,
    append(leafInput: Buffer) {
      leaves.inputs.push(leafInput);
      tree.append(leafInput);
    },
    leafInputAt: (index) => Buffer.from(leaves.inputs.at(index)),
  };
}
