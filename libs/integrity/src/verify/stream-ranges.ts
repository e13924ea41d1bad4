import { TimelineError } from '@timeline/kernel';
import type { EventStore } from '@timeline/event-store/port';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { UnreadableStoredEventError, walkStreamPages } from '../reading/paged-reads';
import {
  StreamChainVerifier,
  chainLinkOf,
  recomputedHashOf,
  type ChainBreak,
  type ChainHead,
  type ChainLink,
  type StreamVerification,
} from './chain-verifier';

/** Revisions of a stream: `from` inclusive, `to` exclusive (null: up to the stream's end). */
export interface RevisionRange {
  readonly from: number;
  readonly to: number | null;
}

/**
 * What checking one range of a stream found, to be joined in revision order
 * with the ranges before it (`joinStreamRanges`). The range's first event is
 * not checked here: whether it follows the event before it is known only once
 * the range before is; every later event is checked against the one before it
 * in the range, since what follows an event depends on that event alone.
 */
export interface RangeVerification {
  /** The range's first event, its content's hash already computed; null when the range holds none. */
  readonly first: ChainLink | null;
  /** Events after the first found intact, up to the range's end or its first break. */
  readonly events: number;
  /** The last event of the range found intact (the first when no other), from which the next range goes on. */
  readonly last: ChainHead | null;
  /** The first broken link after the range's first event. */
  readonly brokenAt: ChainBreak | null;
  /** The store could not read an event: the revision its read started from, and why. */
  readonly unreadable: { readonly revision: number; readonly message: string } | null;
}

/**
 * Checks the events of one range of an operation's stream, reading only that
 * range (and at most one page beyond it) through the port. Stops at the first break.
 */
export async function verifyStreamRange(
  store: EventStore,
  operationId: string,
  range: RevisionRange,
  options: { readonly pageSize?: number; readonly onProgress?: (events: number) => void } = {},
): Promise<RangeVerification> {
  let first: ChainLink | null = null;
  let verifier: StreamChainVerifier | null = null;
  const outcome = (brokenAt: ChainBreak | null, unreadable: RangeVerification['unreadable']) => ({
    first,
    events: verifier?.events ?? 0,
    last: verifier?.head ?? null,
    brokenAt,
    unreadable,
  });
  try {
    pages: for await (const page of walkStreamPages(store, operationStreamName(operationId), {
      pageSize: options.pageSize,
      fromRevision: range.from,
    })) {
      for (const event of page) {
        if (range.to !== null && event.revision >= range.to) break pages;
        const link = chainLinkOf(event);
        if (verifier === null) {
          first = { ...link, recomputedHash: recomputedHashOf(link) };
          verifier = new StreamChainVerifier(operationId, {
            revision: event.revision,
            hash: event.metadata.hash as string,
          });
          continue;
        }
        const broken = verifier.accept(link);
        if (broken) return outcome(broken, null);
        const done = verifier.events + 1;
        if (options.onProgress && done % 1000 === 0) options.onProgress(done);
      }
    }
  } catch (error) {
    if (!(error instanceof UnreadableStoredEventError) || !('streamName' in error.location)) throw error;
    return outcome(null, {
      revision: error.location.revision,
      message: String((error.cause as Error)?.message ?? error.cause),
    });
  }
  return outcome(null, null);
}

/**
 * Joins the ranges of one stream, in revision order, into what verifying the
 * whole stream from its start on one thread answers: the same first broken
 * link (revision, reason, expected, actual) and the same count of events
 * intact before it. Null when no range holds an event.
 */
export function joinStreamRanges(
  operationId: string,
  ranges: readonly RangeVerification[],
): StreamVerification | null {
  let head: ChainHead | null = null;
  let events = 0;
  for (const range of ranges) {
    if (range.first) {
      const broken = new StreamChainVerifier(operationId, head).accept(range.first);
      if (broken) return { ok: false, operationId, events, brokenAt: broken };
      events += 1 + range.events;
      if (range.brokenAt) return { ok: false, operationId, events, brokenAt: range.brokenAt };
      head = range.last;
    }
    if (range.unreadable) {
      // A range that read nothing started its read at its own start; one thread would have read on from the last event.
      const revision = range.first ? range.unreadable.revision : head ? head.revision + 1 : 0;
      return {
        ok: false,
        operationId,
        events,
        brokenAt: unreadableBreak(operationId, revision, range.unreadable.message),
      };
    }
  }
  return head ? { ok: true, operationId, events, head } : null;
}

/** The break reported where the store cannot read a stream's event. */
export function unreadableBreak(operationId: string, revision: number, message: string): ChainBreak {
  return {
    operationId,
    revision,
    eventId: 'unknown',
    position: 'unknown',
    reason: 'unreadable-event',
    expected: 'a stored event the store can read',
    actual: message,
  };
}

/**
 * Splits revisions 0 to `lastRevision` into `count` ranges of nearly equal
 * size; the last is open-ended, so events appended meanwhile are checked as one thread would.
 */
export function splitRevisions(lastRevision: number, count: number): RevisionRange[] {
  const total = lastRevision + 1;
  const parts = Math.max(1, Math.min(count, total));
  const ranges: RevisionRange[] = [];
  for (let index = 0; index < parts; index += 1) {
    const from = Math.floor((total * index) / parts);
    ranges.push({ from, to: index === parts - 1 ? null : Math.floor((total * (index + 1)) / parts) });
  }
  return ranges;
}

/**
 * The last revision of an operation's stream, or null when its last event
 * cannot be read (the caller then verifies on one thread, which names it).
 * @throws StreamNotFoundError when the operation has no event.
 */
export async function lastRevisionOf(store: EventStore, operationId: string): Promise<number | null> {
  try {
    const [last] = await store.readStream(operationStreamName(operationId), {
      direction: 'backwards',
      maxCount: 1,
    });
    return last ? last.revision : null;
  } catch (error) {
    if (error instanceof TimelineError) throw error;
    return null;
  }
}
