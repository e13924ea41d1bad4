import type { JsonObject } from '@timeline/kernel';
import { formatPosition, type RecordedEvent } from '@timeline/event-store/port';
import { GENESIS_HASH, type EventEnvelope } from '@timeline/events/envelope/event-envelope';
import { computeEventHash } from '../chain/hash-chain';

/**
 * Why a link of a chain is broken, checked in this order for each event:
 * - `malformed-envelope`: the stored envelope lacks a well-formed `hash`, `prevHash` or `streamRevision`;
 * - `operation-mismatch`: the envelope names another operation than the stream holding it;
 * - `revision-gap`: the stream skips revisions here (an event before it is missing);
 * - `revision-out-of-order`: a revision repeats or goes backwards;
 * - `revision-mismatch`: the sealed `streamRevision` differs from the revision the store gives the event;
 * - `prev-hash-mismatch`: `prevHash` is not the hash of the event before it in the stream;
 * - `hash-mismatch`: the event's content no longer hashes to its sealed `hash`.
 * - `position-out-of-order`: (whole log) global positions do not strictly increase.
 * - `position-gap`: (whole log, embedded store) a position is missing before this event: an event was removed.
 * - `unreadable-event`: the store cannot read the event at all (its stored JSON or row is damaged);
 *   what cannot be read is reported as `unknown`.
 */
export type ChainBreakReason =
  | 'malformed-envelope'
  | 'operation-mismatch'
  | 'revision-gap'
  | 'revision-out-of-order'
  | 'revision-mismatch'
  | 'prev-hash-mismatch'
  | 'hash-mismatch'
  | 'position-out-of-order'
  | 'position-gap'
  | 'unreadable-event';

/** The first broken link of a chain, naming the event where verification failed. */
export interface ChainBreak {
  /** The operation (for a log-level break at an event outside operation streams: that stream's name). */
  readonly operationId: string;
  /** Where the store (or the export file) places the event in its stream. */
  readonly revision: number;
  readonly eventId: string;
  /** Global position, as `formatPosition` writes it. */
  readonly position: string;
  readonly reason: ChainBreakReason;
  /** What the chain required at this link (a revision, a hash, an operation id). */
  readonly expected: string | number;
  /** What the event holds instead. */
  readonly actual: string | number | null;
}

export interface ChainHead {
  readonly revision: number;
  readonly hash: string;
}

/** One stored event as the verifier sees it: what the store assigned and what it holds. */
export interface ChainLink {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  /** The stored envelope (the event's metadata), exactly as stored. */
  readonly envelope: JsonObject;
  /** The revision the store (or the export file) gives the event. */
  readonly revision: number;
  readonly position: string;
  /**
   * The event's data is withheld from this reader (handling code C in an
   * export): its hash cannot be recomputed, so it is taken as stored. Its
   * revision, its prevHash and the next event's link to it are still checked,
   * so nothing can be inserted, removed or reordered around it unnoticed.
   */
  readonly withheld?: boolean;
  /**
   * The hash of the event's content when the reader computed it already (from
   * the canonical text it also exports, or on a hashing thread); otherwise the
   * verifier computes it. Only compared with the sealed hash after every other check.
   */
  readonly recomputedHash?: string;
}

/** What verifying one operation's stream answers. */
export type StreamVerification =
  | { readonly ok: true; readonly operationId: string; readonly events: number; readonly head: ChainHead }
  | {
      readonly ok: false;
      readonly operationId: string;
      /** Events found intact before the break. */
      readonly events: number;
      readonly brokenAt: ChainBreak;
    };

/** The hash of a link's content: what its sealed `hash` must be. Throws on content that cannot be hashed. */
export function contentHashOf(link: ChainLink): string {
  return computeEventHash({
    eventId: link.eventId,
    type: link.type,
    data: link.data,
    // The hash covers the envelope exactly as stored, members unknown to this version included.
    envelope: link.envelope as unknown as EventEnvelope,
  });
}

/**
 * `contentHashOf` computed ahead of the verifier (on a range's thread), or undefined for content
 * that cannot be hashed: that is left to the verifier's own checks, which name the link.
 */
export function recomputedHashOf(link: ChainLink): string | undefined {
  try {
    return contentHashOf(link);
  } catch {
    return undefined;
  }
}

/**
 * A stored event as the verifier sees it; `position` when the caller formatted it
 * already, `recomputedHash` when it hashed the content itself (an export does).
 */
export function chainLinkOf(
  event: RecordedEvent,
  position: string = formatPosition(event.position),
  recomputedHash?: string,
): ChainLink {
  return {
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    envelope: event.metadata,
    revision: event.revision,
    position,
    recomputedHash,
  };
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Verifies one stream's chain incrementally, one event at a time in revision
 * order, so a stream of any length is checked in constant memory. After the
 * first break it refuses further events: only the first broken link is
 * meaningful, everything after it follows from it.
 */
export class StreamChainVerifier {
  private nextRevision = 0;
  private previousHash = GENESIS_HASH;
  private checked = 0;
  private broken: ChainBreak | null = null;

  /**
   * @param after the event the chain goes on from, when checking a range of the stream that does not
   *   start at its first event: what follows an event depends on that event alone (its revision and
   *   its stored hash), so a range checked from there finds what a check from the start would.
   */
  constructor(
    readonly operationId: string,
    private readonly after: ChainHead | null = null,
  ) {
    if (after) {
      this.nextRevision = after.revision + 1;
      this.previousHash = after.hash;
    }
  }

  /** Number of events accepted as intact so far (not counting the event it went on from). */
  get events(): number {
    return this.checked;
  }

  /** The last intact event (or the one it went on from), or null when there is none. */
  get head(): ChainHead | null {
    return this.checked === 0 ? this.after : { revision: this.nextRevision - 1, hash: this.previousHash };
  }

  get firstBreak(): ChainBreak | null {
    return this.broken;
  }

  /** Checks the next event of the stream; returns the break it reveals, if any. */
  accept(link: ChainLink): ChainBreak | null {
    if (this.broken) throw new Error(`chain of ${this.operationId} is already broken; verification stopped`);
    const found = this.check(link);
    if (found) {
      this.broken = found;
      return found;
    }
    this.nextRevision = link.revision + 1;
    this.previousHash = link.envelope.hash as string;
    this.checked += 1;
    return null;
  }

  private check(link: ChainLink): ChainBreak | null {
    const { envelope } = link;
    const breakOf = (reason: ChainBreakReason, expected: string | number, actual: unknown): ChainBreak => ({
      operationId: this.operationId,
      revision: link.revision,
      eventId: link.eventId,
      position: link.position,
      reason,
      expected,
      actual:
        typeof actual === 'string' || typeof actual === 'number'
          ? actual
          : actual === undefined
            ? null
            : JSON.stringify(actual),
    });

    if (typeof envelope.hash !== 'string' || !HEX_SHA256.test(envelope.hash)) {
      return breakOf('malformed-envelope', 'hash: 64 lowercase hex digits', envelope.hash);
    }
    if (typeof envelope.prevHash !== 'string' || !HEX_SHA256.test(envelope.prevHash)) {
      return breakOf('malformed-envelope', 'prevHash: 64 lowercase hex digits', envelope.prevHash);
    }
    if (!Number.isSafeInteger(envelope.streamRevision)) {
      return breakOf('malformed-envelope', 'streamRevision: an integer', envelope.streamRevision);
    }
    if (envelope.operationId !== this.operationId) {
      return breakOf('operation-mismatch', this.operationId, envelope.operationId);
    }
    if (link.revision > this.nextRevision) return breakOf('revision-gap', this.nextRevision, link.revision);
    if (link.revision < this.nextRevision)
      return breakOf('revision-out-of-order', this.nextRevision, link.revision);
    if (envelope.streamRevision !== link.revision) {
      return breakOf('revision-mismatch', link.revision, envelope.streamRevision);
    }
    if (envelope.prevHash !== this.previousHash) {
      return breakOf('prev-hash-mismatch', this.previousHash, envelope.prevHash);
    }
    if (link.withheld) return null;
    const recomputed = link.recomputedHash ?? contentHashOf(link);
    if (recomputed !== envelope.hash) return breakOf('hash-mismatch', recomputed, envelope.hash);
    return null;
  }
}
