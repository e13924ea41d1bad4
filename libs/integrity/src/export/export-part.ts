import { formatPosition, type EventStore, type RecordedEvent } from '@timeline/event-store/port';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { canonicalFormsOf, eventHashOf } from '../chain/stored-event.canonical';
import { walkStreamPages } from '../reading/paged-reads';
import { chainLinkOf, StreamChainVerifier, type ChainLink } from '../verify/chain-verifier';
import type { RangeVerification } from '../verify/stream-ranges';
import type { ExportBoundary } from './export-manifest';
import { NdjsonChunks } from './ndjson-chunks';

/** One range of an operation's stream, exported as a part of its NDJSON. */
export interface ExportPartRange {
  /** Revisions of the range, `from` inclusive, `to` exclusive; the last range ends at the export's head, never open-ended. */
  readonly from: number;
  readonly to: number;
}

/** What a part holds besides its lines: the manifest's figures over it, and its chain to join. */
export interface ExportPart {
  readonly events: number;
  readonly countsByType: readonly (readonly [string, number])[];
  readonly first: ExportBoundary | null;
  readonly last: ExportBoundary | null;
  readonly chain: RangeVerification;
}

/**
 * Makes the export lines of one range of an operation's stream, exactly as the
 * single-thread export makes them (`EvidentialExport`), handing them to `onChunk`
 * in order as chunks of UTF-8 (`NdjsonChunks`, each chunk the caller's), and
 * checks the range's chain from its first event on as `verifyStreamRange` does.
 */
export async function exportPart(
  store: EventStore,
  operationId: string,
  range: ExportPartRange,
  onChunk: (chunk: Buffer) => void,
  pageSize?: number,
): Promise<ExportPart> {
  const chunks = new NdjsonChunks();
  const countsByType = new Map<string, number>();
  let events = 0;
  let firstEvent: RecordedEvent | null = null;
  let lastEvent: RecordedEvent | null = null;
  let firstLink: ChainLink | null = null;
  let verifier: StreamChainVerifier | null = null;
  let brokenAt: RangeVerification['brokenAt'] = null;
  pages: for await (const page of walkStreamPages(store, operationStreamName(operationId), {
    pageSize,
    fromRevision: range.from,
  })) {
    for (const event of page) {
      if (event.revision >= range.to) break pages;
      const position = formatPosition(event.position);
      const forms = canonicalFormsOf(event, position);
      const full = chunks.push(forms.exportLine);
      if (full) onChunk(full);
      events += 1;
      countsByType.set(event.type, (countsByType.get(event.type) ?? 0) + 1);
      firstEvent ??= event;
      lastEvent = event;
      if (brokenAt) continue;
      const link = chainLinkOf(event, position, eventHashOf(forms.hashedContent));
      if (verifier === null) {
        firstLink = link;
        verifier = new StreamChainVerifier(operationId, {
          revision: event.revision,
          hash: event.metadata.hash as string,
        });
      } else brokenAt = verifier.accept(link);
    }
  }
  const rest = chunks.take();
  if (rest) onChunk(rest);
  return {
    events,
    countsByType: [...countsByType],
    first: firstEvent && boundaryOf(firstEvent),
    last: lastEvent && boundaryOf(lastEvent),
    chain: {
      first: firstLink,
      events: verifier?.events ?? 0,
      last: verifier?.head ?? null,
      brokenAt,
      unreadable: null,
    },
  };
}

/** Where an event stands in the manifest's `first` and `last`. */
export function boundaryOf(event: RecordedEvent): ExportBoundary {
  return {
    position: formatPosition(event.position),
    recordedAt: typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : null,
  };
}
