import {
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalPosition,
} from '@timeline/event-store/port';
import { OPERATION_STREAM_PREFIX, operationStreamName } from '@timeline/events/envelope/event-envelope';
import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import { UnreadableStoredEventError, walkLogPages, walkStreamPages } from '../reading/paged-reads';
import {
  StreamChainVerifier,
  chainLinkOf,
  type ChainBreak,
  type ChainHead,
  type StreamVerification,
} from './chain-verifier';
import { runOnThread } from '../threads/integrity-thread';
import type { StreamRangeTask } from './stream-range.protocol';
import {
  joinStreamRanges,
  lastRevisionOf,
  splitRevisions,
  unreadableBreak,
  type RangeVerification,
} from './stream-ranges';

export interface StreamHead extends ChainHead {
  readonly operationId: string;
}

export type LogVerification =
  | {
      readonly ok: true;
      readonly events: number;
      /** Every operation stream's head, ordered by operation id. */
      readonly streams: readonly StreamHead[];
      /** Position of the last event verified, or null for an empty log. */
      readonly lastPosition: string | null;
    }
  | { readonly ok: false; readonly events: number; readonly brokenAt: ChainBreak };

export interface VerificationOptions {
  /** Events per store read. Defaults to DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /** Called every 1,000 events with the number verified so far (progress bars). */
  readonly onProgress?: (eventsVerified: number) => void;
}

/**
 * Verifying one operation's stream on several threads: its revisions are split
 * into ranges, each checked by a thread that opens its own connection to the
 * store and reads its range, and the ranges are joined in order. The answer is
 * the same as on one thread (docs/architecture.md, "Verification on threads").
 */
export interface VerificationThreads {
  /** The store's configuration, for the threads to open it as `store` is (the embedded store read-only). */
  readonly store: EventStoreOptions;
  /** Threads at once, one range each; below 2 the calling thread verifies. */
  readonly threads: number;
  /** Streams with fewer events are verified on the calling thread, where starting threads costs more than it saves. Default 50,000. */
  readonly minEvents?: number;
}

export interface StreamVerificationOptions extends VerificationOptions {
  /** Verify long streams in ranges on threads; absent: on the calling thread. */
  readonly threads?: VerificationThreads;
}

/** Streams shorter than this are verified on the calling thread unless told otherwise. */
export const DEFAULT_THREADED_MIN_EVENTS = 50_000;

/**
 * Recomputes one operation's chain from its first event, reading the stream
 * through the port page by page.
 * @throws StreamNotFoundError when the operation has no event.
 */
export async function verifyOperationStream(
  store: EventStore,
  operationId: string,
  options: StreamVerificationOptions = {},
): Promise<StreamVerification> {
  const threads = options.threads;
  if (threads && threads.threads > 1) {
    const last = await lastRevisionOf(store, operationId);
    if (last !== null && last + 1 >= (threads.minEvents ?? DEFAULT_THREADED_MIN_EVENTS)) {
      const joined = await verifyOnThreads(operationId, last, threads, options);
      if (joined) return joined;
    }
  }
  return verifyOnThisThread(store, operationId, options);
}

async function verifyOnThreads(
  operationId: string,
  lastRevision: number,
  threads: VerificationThreads,
  options: VerificationOptions,
): Promise<StreamVerification | null> {
  const ranges = splitRevisions(lastRevision, threads.threads);
  const progress = ranges.map(() => 0);
  const store: EventStoreOptions =
    threads.store.kind === 'sqlite' ? { ...threads.store, readOnly: true } : threads.store;
  const results = await Promise.all(
    ranges.map((range, index) =>
      runOnThread<RangeVerification>(
        'verify/stream-range.worker',
        { store, operationId, range, pageSize: options.pageSize } satisfies StreamRangeTask,
        `operation ${operationId}`,
        (events) => {
          progress[index] = events;
          options.onProgress?.(progress.reduce((sum, done) => sum + done, 0));
        },
      ),
    ),
  );
  return joinStreamRanges(operationId, results);
}

async function verifyOnThisThread(
  store: EventStore,
  operationId: string,
  options: VerificationOptions,
): Promise<StreamVerification> {
  const verifier = new StreamChainVerifier(operationId);
  try {
    for await (const page of walkStreamPages(store, operationStreamName(operationId), {
      pageSize: options.pageSize,
    })) {
      for (const event of page) {
        const broken = verifier.accept(chainLinkOf(event));
        if (broken) return { ok: false, operationId, events: verifier.events, brokenAt: broken };
        reportProgress(options, verifier.events);
      }
    }
  } catch (error) {
    if (!(error instanceof UnreadableStoredEventError) || !('streamName' in error.location)) throw error;
    const message = String((error.cause as Error)?.message ?? error.cause);
    const brokenAt = unreadableBreak(operationId, error.location.revision, message);
    return { ok: false, operationId, events: verifier.events, brokenAt };
  }
  // walkStream throws StreamNotFoundError on an empty stream, so a head exists here.
  return { ok: true, operationId, events: verifier.events, head: verifier.head! };
}

/**
 * Recomputes every operation's chain in one pass over the global log (commit
 * order), keeping only each stream's head in memory, and checks that global
 * positions strictly increase. Streams other than operations' are not chained.
 *
 * On a store that numbers its log 1, 2, 3… (the embedded store: `describe()`
 * kind `sqlite`, or `contiguousPositions: true`) every position must follow the
 * one before: a missing number is a removed event, even the last event of an
 * operation, which its own chain cannot reveal.
 */
export async function verifyLog(
  store: EventStore,
  options: VerificationOptions & { readonly contiguousPositions?: boolean } = {},
): Promise<LogVerification> {
  const verifiers = new Map<string, StreamChainVerifier>();
  const contiguous = options.contiguousPositions ?? (await store.describe()).kind === 'sqlite';
  let events = 0;
  let previous: GlobalPosition | null = null;
  // Gaps can only be seen in the whole log; otherwise only operation streams are read.
  const filter = contiguous ? undefined : { streamNamePrefixes: [OPERATION_STREAM_PREFIX] };
  try {
    for await (const page of walkLogPages(store, { pageSize: options.pageSize, filter }))
      for (const event of page) {
        const link = chainLinkOf(event);
        const isOperation = event.streamName.startsWith(OPERATION_STREAM_PREFIX);
        const operationId = isOperation
          ? event.streamName.slice(OPERATION_STREAM_PREFIX.length)
          : event.streamName;
        const breakOf = (reason: ChainBreak['reason'], expected: string): LogVerification => ({
          ok: false,
          events,
          brokenAt: {
            operationId,
            revision: event.revision,
            eventId: event.eventId,
            position: link.position,
            reason,
            expected,
            actual: link.position,
          },
        });
        if (previous && comparePositions(event.position, previous) <= 0) {
          return breakOf('position-out-of-order', `after ${formatPosition(previous)}`);
        }
        if (contiguous) {
          const expected = previous ? previous.commit + 1n : 1n;
          if (event.position.commit !== expected) return breakOf('position-gap', expected.toString());
        }
        previous = event.position;
        if (!isOperation) continue;
        let verifier = verifiers.get(operationId);
        if (!verifier) verifiers.set(operationId, (verifier = new StreamChainVerifier(operationId)));
        const broken = verifier.accept(link);
        if (broken) return { ok: false, events, brokenAt: broken };
        events += 1;
        reportProgress(options, events);
      }
  } catch (error) {
    if (!(error instanceof UnreadableStoredEventError)) throw error;
    // Which stream the damaged row belongs to cannot be read either; on the embedded store its position is known.
    const position = contiguous
      ? String((previous?.commit ?? 0n) + 1n)
      : `after ${previous ? formatPosition(previous) : '0'}`;
    const brokenAt: ChainBreak = {
      operationId: 'unknown',
      revision: -1,
      eventId: 'unknown',
      position,
      reason: 'unreadable-event',
      expected: 'a stored event the store can read',
      actual: String((error.cause as Error)?.message ?? error.cause),
    };
    return { ok: false, events, brokenAt };
  }
  const streams = [...verifiers.values()]
    .map((verifier) => ({ operationId: verifier.operationId, ...verifier.head! }))
    .sort((a, b) => (a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0));
  return { ok: true, events, streams, lastPosition: previous ? formatPosition(previous) : null };
}

function reportProgress(options: VerificationOptions, done: number): void {
  if (options.onProgress && done % 1000 === 0) options.onProgress(done);
}
