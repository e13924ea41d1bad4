import type { KeyObject } from 'node:crypto';
import type { GlobalPosition } from '@timeline/event-store/port';
import { leafHash } from '../merkle/merkle-hashing';
import type { MerkleLog } from '../merkle/merkle-log';
import { verifyInclusion } from '../merkle/merkle-proofs';
import { treeHeadProblem, type SignedTreeHead } from '../merkle/tree-head';

/** An exported event's inclusion proof in the export's tree head. */
export interface ExportInclusionProof {
  readonly eventId: string;
  readonly leafIndex: number;
  /** Sibling hashes (hex), leaf to root (RFC 9162 §2.1.3). */
  readonly auditPath: readonly string[];
}

/**
 * What ties an export to the signed log (docs/merkle-log.md): the tree head it
 * was taken at and, for every exported event the head covers, in line order,
 * the proof that its stored hash is a leaf of that head's tree.
 */
export interface ExportInclusion {
  readonly treeHead: SignedTreeHead;
  readonly proofs: readonly ExportInclusionProof[];
  /** Exported events the head does not cover (recorded after it was signed). */
  readonly notCovered: number;
}

/** Where an export gets its head and proofs from. */
export interface ExportInclusionSource {
  readonly treeHead: SignedTreeHead;
  /** The leaf index and audit path of the event at `position`, or null when the head does not cover it. */
  proofAt(position: GlobalPosition): { readonly leafIndex: number; readonly auditPath: string[] } | null;
}

/** Proofs from a tree that reproduces the head's root. */
export function inclusionSourceOf(log: MerkleLog, treeHead: SignedTreeHead): ExportInclusionSource {
  return {
    treeHead,
    proofAt(position) {
      const leafIndex = log.indexOf(position);
      if (leafIndex === null || leafIndex >= treeHead.treeSize) return null;
      return {
        leafIndex,
        auditPath: log.inclusionProof(leafIndex, treeHead.treeSize).map((hash) => hash.toString('hex')),
      };
    },
  };
}

/** Checks exported events against the manifest's inclusion proofs, line by line (export-verifier.ts). */
export class ExportInclusionChecker {
  private next = 0;
  private uncovered = 0;
  private readonly root: Buffer;

  constructor(readonly inclusion: ExportInclusion) {
    this.root = Buffer.from(inclusion.treeHead.rootHash, 'hex');
  }

  /** Why the event of this line fails its proof, or null. */
  accept(eventId: string, storedHash: unknown): string | null {
    const proof = this.inclusion.proofs[this.next];
    if (!proof || proof.eventId !== eventId) {
      this.uncovered += 1;
      return null;
    }
    this.next += 1;
    const hash = typeof storedHash === 'string' && /^[0-9a-f]{64}$/.test(storedHash) ? storedHash : null;
    const path = proof.auditPath.map((hex) => Buffer.from(hex, 'hex'));
    const ok =
      hash !== null &&
      verifyInclusion(
        leafHash(Buffer.from(hash, 'hex')),
        proof.leafIndex,
        this.inclusion.treeHead.treeSize,
        path,
        this.root,
      );
    return ok ? null : `event ${eventId} is not leaf ${proof.leafIndex} of the tree head's tree`;
  }

  /** What is wrong once every line was seen: proofs left unused, or a count that differs. */
  finish(publicKey?: KeyObject): string[] {
    const problems: string[] = [];
    if (this.next < this.inclusion.proofs.length)
      problems.push(
        `${this.inclusion.proofs.length - this.next} inclusion proofs name events the export does not hold in that order`,
      );
    if (this.uncovered !== this.inclusion.notCovered)
      problems.push(`${this.uncovered} events have no proof, the manifest says ${this.inclusion.notCovered}`);
    if (publicKey) {
      const problem = treeHeadProblem(this.inclusion.treeHead, publicKey);
      if (problem) problems.push(`the tree head is refused: ${problem}`);
    }
    return problems;
  }
}
