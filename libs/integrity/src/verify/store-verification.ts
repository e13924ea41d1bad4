import {
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store';
import { OPERATION_STREAM_PREFIX, operationStreamName } from '@timeline/events';
import { walkLog, walkStream } from '../reading/paged-reads';
import { StreamChainVerifier, type ChainBreak, type ChainHead, type ChainLink } from './chain-verifier';

export type StreamVerification =
  | { readonly ok: true; readonly operationId: string; readonly events: number; readonly head: ChainHead }
  | {
      readonly ok: false;
      readonly operationId: string;
      /** Events found intact before the break. */
      readonly events: number;
      readonly brokenAt: ChainBreak;
    };

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

export function chainLinkOf(event: RecordedEvent): ChainLink {
  return {
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    envelope: event.metadata,
    revision: event.revision,
    position: formatPosition(event.position),
  };
}

/**
 * Recomputes one operation's chain from its first event, reading the stream
 * through the port page by page.
 * @throws StreamNotFoundError when the operation has no event.
 */
export async function verifyOperationStream(
  store: EventStore,
  operationId: string,
  options: VerificationOptions = {},
): Promise<StreamVerification> {
  const verifier = new StreamChainVerifier(operationId);
  for await (const event of walkStream(store, operationStreamName(operationId), {
    pageSize: options.pageSize,
  })) {
    const broken = verifier.accept(chainLinkOf(event));
    if (broken) return { ok: false, operationId, events: verifier.events, brokenAt: broken };
    reportProgress(options, verifier.events);
  }
  // walkStream throws StreamNotFoundError on an empty stream, so a head exists here.
  return { ok: true, operationId, events: verifier.events, head: verifier.head! };
}

/**
 * Recomputes every operation's chain in one pass over the global log (commit
 * order), keeping only each stream's head in memory, and checks that global
 * positions strictly increase. Streams other than operations' are not chained
 * and are skipped by the read filter.
 */
export async function verifyLog(
  store: EventStore,
  options: VerificationOptions = {},
): Promise<LogVerification> {
  const verifiers = new Map<string, StreamChainVerifier>();
  let events = 0;
  let previous: GlobalPosition | null = null;
  const filter = { streamNamePrefixes: [OPERATION_STREAM_PREFIX] };
  for await (const event of walkLog(store, { pageSize: options.pageSize, filter })) {
    const link = chainLinkOf(event);
    const operationId = event.streamName.slice(OPERATION_STREAM_PREFIX.length);
    if (previous && comparePositions(event.position, previous) <= 0) {
      const brokenAt: ChainBreak = {
        operationId,
        revision: event.revision,
        eventId: event.eventId,
        position: link.position,
        reason: 'position-out-of-order',
        expected: `after ${formatPosition(previous)}`,
        actual: link.position,
      };
      return { ok: false, events, brokenAt };
    }
    previous = event.position;
    let verifier = verifiers.get(operationId);
    if (!verifier) verifiers.set(operationId, (verifier = new StreamChainVerifier(operationId)));
    const broken = verifier.accept(link);
    if (broken) return { ok: false, events, brokenAt: broken };
    events += 1;
    reportProgress(options, events);
  }
  const streams = [...verifiers.values()]
    .map((verifier) => ({ operationId: verifier.operationId, ...verifier.head! }))
    .sort((a, b) => (a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0));
  return { ok: true, events, streams, lastPosition: previous ? formatPosition(previous) : null };
}

function reportProgress(options: VerificationOptions, done: number): void {
  if (options.onProgress && done % 1000 === 0) options.onProgress(done);
}
