import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { EMPTY_TREE_ROOT, leafHash, nodeHash, referenceRoot } from './merkle-hashing';
import { MerkleLog } from './merkle-log';
import { verifyConsistency, verifyInclusion } from './merkle-proofs';

const input = (n: number): Buffer => createHash('sha256').update(`leaf ${n}`).digest();

function logOf(inputs: readonly Buffer[]): MerkleLog {
  const log = MerkleLog.inMemory();
  log.append(
    inputs.map((leafInput, i) => ({
      position: { commit: BigInt(i * 3 + 1), prepare: BigInt(i * 3 + 1) },
      leafInput,
    })),
  );
  return log;
}

/** A copy of a proof with one bit of one hash flipped. */
function flipped(proof: readonly Buffer[], at: number, bit: number): Buffer[] {
  return proof.map((hash, i) => {
    if (i !== at) return hash;
    const copy = Buffer.from(hash);
    copy[bit >> 3] ^= 1 << (bit & 7);
    return copy;
  });
}

const logs = fc
  .array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 140 })
  // Distinct inputs: with two equal leaves, a proof for one is rightly a proof for the other.
  .map((arrays) => arrays.map((bytes, i) => createHash('sha256').update(`${i}:`).update(bytes).digest()));

describe('Merkle hashing (RFC 6962 / 9162)', () => {
  it('gives the published roots of the RFC 6962 test leaves', () => {
    const leaves = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ].map((hex) => Buffer.from(hex, 'hex'));
    expect(EMPTY_TREE_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(referenceRoot(leaves.slice(0, 1)).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(referenceRoot(leaves).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
  });

  it('hashes 32-byte leaves and nodes exactly as SHA-256 over the prefixed bytes', () => {
    const a = input(1);
    const b = input(2);
    expect(leafHash(a)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([0]), a]))
        .digest(),
    );
    expect(nodeHash(a, b)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([1]), a, b]))
        .digest(),
    );
  });

  it('keeps the root of every prefix equal to MTH by the RFC definition', () => {
    fc.assert(
      fc.property(logs, (inputs) => {
        const log = logOf(inputs);
        for (let size = 1; size <= inputs.length; size += 1) {
          expect(log.rootAt(size).equals(referenceRoot(inputs.slice(0, size)))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives inclusion proofs that verify, and fail once the leaf, index, root or any bit of the path changes', () => {
    fc.assert(
      fc.property(
        logs,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 255 }),
        (inputs, sizeSeed, indexSeed, pick, bit) => {
          const log = logOf(inputs);
          const treeSize = 1 + (sizeSeed % inputs.length);
          const index = indexSeed % treeSize;
          const proof = log.inclusionProof(index, treeSize);
          const root = referenceRoot(inputs.slice(0, treeSize));
          const leaf = leafHash(inputs[index]);
          expect(verifyInclusion(leaf, index, treeSize, proof, root)).toBe(true);
          expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(treeSize)));

          expect(verifyInclusion(leafHash(input(pick)), index, treeSize, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, index, treeSize, proof, leafHash(input(pick)))).toBe(false);
          if (treeSize > 1) {
            const otherIndex = (index + 1 + (pick % (treeSize - 1))) % treeSize;
            expect(verifyInclusion(leaf, otherIndex, treeSize, proof, root)).toBe(false);
            expect(
              verifyInclusion(leaf, index, treeSize, flipped(proof, pick % proof.length, bit), root),
            ).toBe(false);
            expect(verifyInclusion(leaf, index, treeSize, proof.slice(0, -1), root)).toBe(false);
          }
          expect(verifyInclusion(leaf, index, treeSize, [...proof, leaf], root)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives consistency proofs that verify, and fail once either root or any bit of the proof changes', () => {
    fc.assert(
      fc.property(
        logs,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 255 }),
        (inputs, newSeed, oldSeed, pick, bit) => {
          const log = logOf(inputs);
          const newSize = 1 + (newSeed % inputs.length);
          const oldSize = 1 + (oldSeed % newSize);
          const proof = log.consistencyProof(oldSize, newSize);
          const oldRoot = referenceRoot(inputs.slice(0, oldSize));
          const newRoot = referenceRoot(inputs.slice(0, newSize));
          expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);

          const other = leafHash(input(pick));
          expect(verifyConsistency(oldSize, newSize, other, newRoot, proof)).toBe(false);
          expect(verifyConsistency(oldSize, newSize, oldRoot, other, proof)).toBe(false);
          if (proof.length > 0) {
            expect(
              verifyConsistency(oldSize, newSize, oldRoot, newRoot, flipped(proof, pick % proof.length, bit)),
            ).toBe(false);
            expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(1))).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses proofs of a changed earlier leaf: the rewritten log is not consistent with the earlier root', () => {
    fc.assert(
      fc.property(logs, fc.nat(), fc.nat(), (inputs, oldSeed, changeSeed) => {
        fc.pre(inputs.length >= 2);
        const oldSize = 1 + (oldSeed % (inputs.length - 1));
        const changed = changeSeed % oldSize;
        const rewritten = inputs.map((value, i) =>
          i === changed ? createHash('sha256').update(value).digest() : value,
        );
        const honestOldRoot = referenceRoot(inputs.slice(0, oldSize));
        const forged = logOf(rewritten);
        const proof = forged.consistencyProof(oldSize, rewritten.length);
        expect(verifyConsistency(oldSize, rewritten.length, honestOldRoot, forged.rootAt(), proof)).toBe(
          false,
        );
        const inclusion = forged.inclusionProof(changed, oldSize);
        expect(
          verifyInclusion(leafHash(rewritten[changed]), changed, oldSize, inclusion, honestOldRoot),
        ).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
