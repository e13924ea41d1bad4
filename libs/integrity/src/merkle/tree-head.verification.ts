import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { formatPosition, type EventStore, type RecordedEvent } from '@timeline/event-store/port';
import { OPERATION_STREAM_PREFIX } from '@timeline/events/envelope/event-envelope';
import { computeEventHash, sealedEventOf } from '../chain/hash-chain';
import { walkLog } from '../reading/paged-reads';
import { EMPTY_TREE_ROOT } from './merkle-hashing';
import { MERKLE_LOG_FILTER, merkleLeafOf } from './merkle-log.follower';
import { MerkleLog } from './merkle-log';
import { verifyConsistency } from './merkle-proofs';
import { treeHeadProblem, type SignedTreeHead } from './tree-head';

/**
 * Reads published heads: a file of JSON lines (as the file target writes it),
 * or one JSON head, or a JSON array of heads. Blank lines are skipped; a line
 * that is not JSON is kept as a string so the check can name it.
 */
export async function readPublishedTreeHeads(path: string): Promise<unknown[]> {
  const text = (await readFile(path, 'utf8')).trim();
  if (text.startsWith('[')) return JSON.parse(text) as unknown[];
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
}

/** What became of one published head. */
export interface TreeHeadCheck {
  /** 1-based, in the order given. */
  readonly line: number;
  readonly treeSize: number | null;
  readonly rootHash: string | null;
  readonly timestamp: string | null;
  readonly status:
    | 'matches'
    /** Malformed, or not signed by the trusted key: refused, and nothing else checked against it. */
    | 'refused'
    /** The log holds fewer events than the head covers: events were removed from the end. */
    | 'log-shorter'
    /** The log's first `treeSize` events no longer have this root: history was rewritten. */
    | 'root-differs';
  readonly detail?: string;
}

/** Whether consecutive heads (by tree size) show one log growing, never rewritten. */
export interface ConsistencyCheck {
  readonly from: { readonly line: number; readonly treeSize: number };
  readonly to: { readonly line: number; readonly treeSize: number };
  readonly consistent: boolean;
  /** Whose nodes the proof was built from: the reference tree, or the tree rebuilt from the log. */
  readonly provenBy: 'reference-tree' | 'log';
}

/** The first event whose inclusion in a head fails, as precisely as the evidence allows. */
export type FirstFailure =
  | {
      readonly kind: 'event';
      readonly leafIndex: number;
      readonly eventId: string;
      readonly operationId: string;
      readonly revision: number;
      readonly position: string;
      /**
       * `not-included`: its leaf is not the one the head's tree holds at that index;
       * `hash-mismatch`: its content no longer gives its stored hash;
       * `missing`: the head's tree holds a leaf here and the log holds no event.
       */
      readonly reason: 'not-included' | 'hash-mismatch' | 'missing';
      /** The head it was checked against (line), when the reason is a head. */
      readonly againstLine: number | null;
    }
  | {
      /** Without a reference tree that matches the head, a root only says that something in a range changed. */
      readonly kind: 'range';
      readonly fromLeaf: number;
      readonly toLeaf: number;
      readonly againstLine: number;
    };

export interface TreeHeadsVerification {
  readonly ok: boolean;
  /** Operation events in the log, the leaves of the tree rebuilt from it. */
  readonly leaves: number;
  readonly heads: readonly TreeHeadCheck[];
  readonly consistency: readonly ConsistencyCheck[];
  readonly firstFailure: FirstFailure | null;
}

export interface TreeHeadsVerificationOptions {
  /**
   * The api's own tree (its leaf file): used only up to heads whose root it
   * matches, to name the exact first event that fails and to prove consistency
   * independently of the log.
   */
  readonly reference?: MerkleLog;
  readonly pageSize?: number;
  readonly onProgress?: (events: number) => void;
}

/**
 * Checks the store against published tree heads: each head's signature, the
 * consistency of consecutive heads, and whether the log's first `treeSize`
 * events still have each head's root. A rewrite, even one re-chained
 * consistently, changes the root of every head published after the event was
 * written; a removal from the end leaves the log shorter than such a head.
 */
export async function verifyStoreAgainstTreeHeads(
  store: EventStore,
  published: readonly unknown[],
  publicKey: KeyObject,
  options: TreeHeadsVerificationOptions = {},
): Promise<TreeHeadsVerification> {
  const rebuilt = MerkleLog.inMemory();
  let contentMismatch: number | null = null;
  let count = 0;
  for await (const event of walkLog(store, { pageSize: options.pageSize, filter: MERKLE_LOG_FILTER })) {
    if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX)) continue;
    if (contentMismatch === null && !contentMatchesHash(event)) contentMismatch = count;
    rebuilt.append([merkleLeafOf(event)]);
    count += 1;
    if (count % 1000 === 0) options.onProgress?.(count);
  }
  try {
    return await checkHeads(store, rebuilt, published, publicKey, contentMismatch, options);
  } finally {
    rebuilt.close();
  }
}

async function checkHeads(
  store: EventStore,
  rebuilt: MerkleLog,
  published: readonly unknown[],
  publicKey: KeyObject,
  contentMismatch: number | null,
  options: TreeHeadsVerificationOptions,
): Promise<TreeHeadsVerification> {
  const rootOf = (log: MerkleLog, size: number): Buffer | null =>
    size > log.size ? null : size === 0 ? EMPTY_TREE_ROOT : log.rootAt(size);
  const checks: TreeHeadCheck[] = [];
  const valid: { line: number; head: SignedTreeHead }[] = [];
  published.forEach((candidate, i) => {
    const problem = treeHeadProblem(candidate, publicKey);
    const h = (
      typeof candidate === 'object' && candidate !== null ? candidate : {}
    ) as Partial<SignedTreeHead>;
    const base = {
      line: i + 1,
      treeSize: typeof h.treeSize === 'number' ? h.treeSize : null,
      rootHash: typeof h.rootHash === 'string' ? h.rootHash : null,
      timestamp: typeof h.timestamp === 'string' ? h.timestamp : null,
    };
    if (problem) {
      checks.push({ ...base, status: 'refused', detail: problem });
      return;
    }
    const head = candidate as SignedTreeHead;
    valid.push({ line: i + 1, head });
    const root = rootOf(rebuilt, head.treeSize);
    if (root === null) {
      checks.push({
        ...base,
        status: 'log-shorter',
        detail: `the head covers ${head.treeSize} events, the log holds ${rebuilt.size}`,
      });
    } else if (root.toString('hex') !== head.rootHash) {
      checks.push({
        ...base,
        status: 'root-differs',
        detail: `the log's first ${head.treeSize} events have root ${root.toString('hex')}`,
      });
    } else checks.push({ ...base, status: 'matches' });
  });

  // The reference tree is trusted for the heads whose roots it reproduces: that needs a second preimage otherwise.
  const reference = options.reference;
  const referenceMatches = (head: SignedTreeHead): boolean =>
    reference !== undefined && rootOf(reference, head.treeSize)?.toString('hex') === head.rootHash;

  const ordered = [...valid].sort((a, b) => a.head.treeSize - b.head.treeSize || a.line - b.line);
  const consistency: ConsistencyCheck[] = [];
  for (let i = 1; i < ordered.length; i += 1) {
    const from = ordered[i - 1];
    const to = ordered[i];
    const source = referenceMatches(to.head) ? reference! : rebuilt;
    consistency.push({
      from: { line: from.line, treeSize: from.head.treeSize },
      to: { line: to.line, treeSize: to.head.treeSize },
      consistent: headsConsistent(source, from.head, to.head),
      provenBy: source === reference ? 'reference-tree' : 'log',
    });
  }

  const firstFailure = await locateFirstFailure(
    store,
    rebuilt,
    checks,
    ordered,
    reference,
    referenceMatches,
    contentMismatch,
  );
  const ok =
    checks.every((check) => check.status === 'matches') &&
    consistency.every((check) => check.consistent) &&
    contentMismatch === null;
  return { ok, leaves: rebuilt.size, heads: checks, consistency, firstFailure };
}

function headsConsistent(source: MerkleLog, from: SignedTreeHead, to: SignedTreeHead): boolean {
  if (from.treeSize === 0) return true;
  if (from.treeSize === to.treeSize) return from.rootHash === to.rootHash;
  if (to.treeSize > source.size) return false;
  try {
    const proof = source.consistencyProof(from.treeSize, to.treeSize);
    return verifyConsistency(
      from.treeSize,
      to.treeSize,
      Buffer.from(from.rootHash, 'hex'),
      Buffer.from(to.rootHash, 'hex'),
      proof,
    );
  } catch {
    return false;
  }
}

async function locateFirstFailure(
  store: EventStore,
  rebuilt: MerkleLog,
  checks: readonly TreeHeadCheck[],
  ordered: readonly { line: number; head: SignedTreeHead }[],
  reference: MerkleLog | undefined,
  referenceMatches: (head: SignedTreeHead) => boolean,
  contentMismatch: number | null,
): Promise<FirstFailure | null> {
  const statusOf = new Map(checks.map((check) => [check.line, check.status]));
  const failing = ordered.find(({ line }) => statusOf.get(line) !== 'matches');
  let candidate: FirstFailure | null = null;
  if (failing) {
    const trusted = [...ordered]
      .reverse()
      .find(({ head }) => head.treeSize >= failing.head.treeSize && referenceMatches(head));
    if (trusted && reference) {
      const limit = trusted.head.treeSize;
      for (let index = 0; index < limit; index += 1) {
        const expected = reference.leafAt(index);
        if (index >= rebuilt.size) {
          candidate = {
            kind: 'event',
            leafIndex: index,
            eventId: 'unknown',
            operationId: 'unknown',
            revision: -1,
            position: formatPosition(expected.position),
            reason: 'missing',
            againstLine: trusted.line,
          };
          break;
        }
        if (!rebuilt.leafAt(index).leafInput.equals(expected.leafInput)) {
          candidate = await describeLeaf(store, index, 'not-included', trusted.line);
          break;
        }
      }
    } else {
      const before = [...ordered]
        .reverse()
        .find(({ head, line }) => head.treeSize < failing.head.treeSize && statusOf.get(line) === 'matches');
      candidate = {
        kind: 'range',
        fromLeaf: before ? before.head.treeSize : 0,
        toLeaf: failing.head.treeSize,
        againstLine: failing.line,
      };
    }
  }
  if (contentMismatch !== null) {
    const atIndex = candidate?.kind === 'event' ? candidate.leafIndex : candidate?.fromLeaf;
    if (atIndex === undefined || contentMismatch < atIndex) {
      return describeLeaf(store, contentMismatch, 'hash-mismatch', null);
    }
  }
  return candidate;
}

async function describeLeaf(
  store: EventStore,
  index: number,
  reason: 'not-included' | 'hash-mismatch',
  againstLine: number | null,
): Promise<FirstFailure> {
  let count = 0;
  for await (const event of walkLog(store, { filter: MERKLE_LOG_FILTER })) {
    if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX)) continue;
    if (count === index) {
      return {
        kind: 'event',
        leafIndex: index,
        eventId: event.eventId,
        operationId: event.streamName.slice(OPERATION_STREAM_PREFIX.length),
        revision: event.revision,
        position: formatPosition(event.position),
        reason,
        againstLine,
      };
    }
    count += 1;
  }
  throw new RangeError(`the log holds no leaf ${index}`);
}

function contentMatchesHash(event: RecordedEvent): boolean {
  try {
    return computeEventHash(sealedEventOf(event)) === event.metadata.hash;
  } catch {
    return false;
  }
}

/**
 * The newest published head (by tree size) that is signed by `publicKey` and
 * whose root the tree rebuilt from the log reproduces; null when none is.
 */
export function latestMatchingTreeHead(
  log: MerkleLog,
  published: readonly unknown[],
  publicKey: KeyObject,
): SignedTreeHead | null {
  let best: SignedTreeHead | null = null;
  for (const candidate of published) {
    if (treeHeadProblem(candidate, publicKey) !== null) continue;
    const head = candidate as SignedTreeHead;
    if (head.treeSize < 1 || head.treeSize > log.size) continue;
    if (log.rootAt(head.treeSize).toString('hex') !== head.rootHash) continue;
    if (!best || head.treeSize > best.treeSize) best = head;
  }
  return best;
}

/** The tree of the store's log, rebuilt in memory from the stored hashes. */
export async function rebuildMerkleLog(
  store: EventStore,
  options: { readonly pageSize?: number } = {},
): Promise<MerkleLog> {
  const log = MerkleLog.inMemory();
  for await (const event of walkLog(store, { pageSize: options.pageSize, filter: MERKLE_LOG_FILTER })) {
    if (event.streamName.startsWith(OPERATION_STREAM_PREFIX)) log.append([merkleLeafOf(event)]);
  }
  return log;
}
