import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatPosition, type EventStore, type RecordedEvent } from '@timeline/event-store/port';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { canonicalFormsOf, eventHashOf } from '../chain/stored-event.canonical';
import { walkStreamPages } from '../reading/paged-reads';
import { chainLinkOf, StreamChainVerifier, type ChainLink } from '../verify/chain-verifier';
import type { RangeVerification } from '../verify/stream-ranges';
import type { ExportBoundary } from './export-manifest';
import { NdjsonChunks } from './ndjson-chunks';

/** One range of an operation's stream and the part file its export lines go to. */
export interface ExportPartRange {
  /** Revisions of the range; the last range ends at the export's head, never open-ended. */
  readonly from: number;
  readonly to: number;
  readonly partPath: string;
}

/** Ranges of an operation's export written by one thread, in turn, each to its part file. */
export interface ExportPartTask {
  readonly operationId: string;
  readonly ranges: readonly ExportPartRange[];
  readonly pageSize?: number;
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
 * Writes the ranges of a task in turn, each to its part file, and calls
 * `onPart` once each part file is complete and closed.
 */
export async function writeExportParts(
  store: EventStore,
  task: ExportPartTask,
  onPart: (written: number) => void = () => undefined,
): Promise<ExportPart[]> {
  const parts: ExportPart[] = [];
  for (const range of task.ranges) {
    parts.push(await writeExportPart(store, task.operationId, range, task.pageSize));
    onPart(parts.length);
  }
  return parts;
}

/**
 * Writes the export lines of one range of an operation's stream to a part
 * file, exactly as the single-thread export writes them (`EvidentialExport`),
 * and checks the range's chain from its first event on as `verifyStreamRange` does.
 */
export async function writeExportPart(
  store: EventStore,
  operationId: string,
  range: ExportPartRange,
  pageSize?: number,
): Promise<ExportPart> {
  const out = createWriteStream(range.partPath, { flags: 'wx', highWaterMark: 2 * 1024 * 1024 });
  const chunks = new NdjsonChunks();
  const countsByType = new Map<string, number>();
  let events = 0;
  let firstEvent: RecordedEvent | null = null;
  let lastEvent: RecordedEvent | null = null;
  let firstLink: ChainLink | null = null;
  let verifier: StreamChainVerifier | null = null;
  let brokenAt: RangeVerification['brokenAt'] = null;
  try {
    pages: for await (const page of walkStreamPages(store, operationStreamName(operationId), {
      pageSize,
      fromRevision: range.from,
    })) {
      for (const event of page) {
        if (event.revision >= range.to) break pages;
        const position = formatPosition(event.position);
        const forms = canonicalFormsOf(event, position);
        const full = chunks.push(forms.exportLine);
        if (full) await write(out, full);
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
    if (rest) await write(out, rest);
  } finally {
    out.end();
    await once(out, 'close');
  }
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

async function write(out: WriteStream, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Where an event stands in the manifest's `first` and `last`. */
export function boundaryOf(event: RecordedEvent): ExportBoundary {
  return {
    position: formatPosition(event.position),
    recordedAt: typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : null,
  };
}
