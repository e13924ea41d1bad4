import { HASH_BYTES, nodeHash, splitPoint } from './merkle-hashing';

/**
 * Where proofs get their hashes from: the root of any complete, aligned subtree
 * (leaves `[index * 2^level, (index + 1) * 2^level)`) of a tree that holds at
 * least those leaves. MerkleTree is one; a test may give another.
 */
export interface MerkleNodeSource {
  /** Leaves in the tree. */
  readonly size: number;
  perfectSubtree(level: number, index: number): Buffer;
}

/** A proof request outside the tree, or an ill-formed proof; the message says which bound was crossed. */
export class MerkleProofRangeError extends RangeError {}

/**
 * MTH(D[start:end]) for `start` aligned to the largest power of two that fits
 * in `end - start` (as every subtree the RFC's recursion visits is): a complete
 * subtree is read from the source, a partial one is split as MTH splits it.
 */
export function subtreeRoot(source: MerkleNodeSource, start: number, end: number): Buffer {
  const width = end - start;
  if (width < 1) throw new MerkleProofRangeError(`empty subtree [${start}, ${end})`);
  if ((width & (width - 1)) === 0 && start % width === 0) {
    return source.perfectSubtree(Math.log2(width), start / width);
  }
  const k = splitPoint(width);
  return nodeHash(subtreeRoot(source, start, start + k), subtreeRoot(source, start + k, end));
}

/** The audit path of leaf `index` in the tree of the first `treeSize` leaves (RFC 9162 §2.1.3.1), leaf to root. */
export function inclusionProof(source: MerkleNodeSource, index: number, treeSize: number): Buffer[] {
  checkSize(source, treeSize);
  if (!Number.isInteger(index) || index < 0 || index >= treeSize) {
    throw new MerkleProofRangeError(`leaf index ${index} is not in a tree of ${treeSize} leaves`);
  }
  const path: Buffer[] = [];
  // PATH(m, D[start:end]) iteratively, collecting siblings from the root down, then reversed.
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(subtreeRoot(source, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(source, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * The consistency proof between the trees of the first `oldSize` and `newSize`
 * leaves (RFC 9162 §2.1.4.1, SUBPROOF), smallest subtrees first.
 */
export function consistencyProof(source: MerkleNodeSource, oldSize: number, newSize: number): Buffer[] {
  checkSize(source, newSize);
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > newSize) {
    throw new MerkleProofRangeError(`tree size ${oldSize} is not between 1 and ${newSize}`);
  }
  if (oldSize === newSize) return [];
  const proof: Buffer[] = [];
  let start = 0;
  let end = newSize;
  let complete = true; // SUBPROOF's b: the old tree is a complete subtree of what is left
  while (oldSize !== end) {
    const k = splitPoint(end - start);
    if (oldSize - start <= k) {
      proof.push(subtreeRoot(source, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeRoot(source, start, start + k));
      start += k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtreeRoot(source, start, end));
  return proof.reverse();
}

function checkSize(source: MerkleNodeSource, treeSize: number): void {
  if (!Number.isInteger(treeSize) || treeSize < 1 || treeSize > source.size) {
    throw new MerkleProofRangeError(`tree size ${treeSize} is not between 1 and ${source.size}`);
  }
}

/**
 * RFC 9162 §2.1.3.2: whether `path` proves that the leaf with hash `leaf` is at
 * `index` in the tree of `treeSize` leaves whose root is `root`.
 */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  treeSize: number,
  path: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize)
    return false;
  if (!path.every(isHash) || !isHash(leaf) || !isHash(root)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `newSize` leaves
 * with root `newRoot` extends the tree of `oldSize` leaves with root `oldRoot`.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Buffer,
  newRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize)) return false;
  if (oldSize < 1 || oldSize > newSize) return false;
  if (!proof.every(isHash) || !isHash(oldRoot) || !isHash(newRoot)) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  let path = [...proof];
  // An old tree of exactly a power of two is its own first subtree; the proof leaves it out.
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...path];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

function isHash(value: Buffer): boolean {
  return Buffer.isBuffer(value) && value.length === HASH_BYTES;
}
