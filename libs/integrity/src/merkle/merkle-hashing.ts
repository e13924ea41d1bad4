import { createHash, hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 §2.1.1 hashing with SHA-256, domain-separated so a leaf
 * can never be passed off as an interior node: leaf = H(0x00 || input),
 * node = H(0x01 || left || right). See docs/merkle-log.md.
 */
/** Bytes of a SHA-256 digest: every leaf input, node and root is this long. */
export const HASH_BYTES = 32;

// One-shot hashing of a reused buffer: half the cost of a Hash object per call (bench/README.md).
const leafScratch = Buffer.alloc(1 + HASH_BYTES, 0x00);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES, 0x01);

export function leafHash(leafInput: Buffer): Buffer {
  if (leafInput.length !== HASH_BYTES)
    return createHash('sha256')
      .update(Buffer.from([0x00]))
      .update(leafInput)
      .digest();
  leafInput.copy(leafScratch, 1);
  return hash('sha256', leafScratch, 'buffer');
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES)
    return createHash('sha256')
      .update(Buffer.from([0x01]))
      .update(left)
      .update(right)
      .digest();
  left.copy(nodeScratch, 1, 0, HASH_BYTES);
  right.copy(nodeScratch, 1 + HASH_BYTES, 0, HASH_BYTES);
  return hash('sha256', nodeScratch, 'buffer');
}

/** MTH of the empty tree: SHA-256 of nothing. */
export const EMPTY_TREE_ROOT: Buffer = createHash('sha256').digest();

/** The largest power of two strictly less than n (n >= 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * MTH(D[n]) by the RFC's recursive definition, over leaf inputs held in memory.
 * The reference every faster computation is tested against.
 */
export function referenceRoot(leafInputs: readonly Buffer[]): Buffer {
  if (leafInputs.length === 0) return EMPTY_TREE_ROOT;
  if (leafInputs.length === 1) return leafHash(leafInputs[0]);
  const k = splitPoint(leafInputs.length);
  return nodeHash(referenceRoot(leafInputs.slice(0, k)), referenceRoot(leafInputs.slice(k)));
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/**
 * The leaf input of a stored event: its stored `hash` (SHA-256 hex of its
 * canonical form, libs/integrity/src/chain/hash-chain.ts) as 32 bytes. A value
 * that is not 64 lower-case hex digits (a damaged envelope) still gets a leaf,
 * the SHA-256 of its JSON text, so the tree never skips an event.
 */
export function leafInputOf(storedHash: unknown): Buffer {
  if (typeof storedHash === 'string' && HEX_HASH.test(storedHash)) return Buffer.from(storedHash, 'hex');
  return createHash('sha256')
    .update(JSON.stringify(storedHash ?? null))
    .digest();
}
