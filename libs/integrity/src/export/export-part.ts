import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatPosition, type EventStore } from '@timeline/event-store/port';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { canonicalFormsOf, eventHashOf } from '../chain/stored-event.canonical';
import { walkStreamPages } from '../reading/paged-reads';
import { StreamChainVerifier, chainLinkOf, type ChainLink } from '../verify/chain-verifier';
import type { RangeVerification, RevisionRange } from '../verify/stream-ranges';
import type { ExportBoundary } from './export-manifest';

/** One range of an operation's export, written to a part file by a thread of its own. */
export interface ExportPartTask {
  readonly operationId: string;
  /** Revisions of the range; the last range ends at the export's head, never open-ended. */
  readonly range: { readonly from: number; readonly to: number };
  readonly partPath: string;
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
 * Writes the export lines of one range of an operation's stream to a part
 * file, exactly as the single-thread export writes them (`EvidentialExport`),
 * and checks the range's chain from its first event on as `verifyStreamRange` does.
 */
export async function writeExportPart(store: EventStore, task: ExportPartTask): Promise<ExportPart> {
  const range: RevisionRange = task.range;
  const out = createWriteStream(task.partPath, { flags: 'wx', highWaterMark: 2 * 1024 * 1024 });
  const countsByType = new Map<string, number>();
  let events = 0;
  let first: ExportBoundary | null = null;
  let last: ExportBoundary | null = null;
  let firstLink: ChainLink | null = null;
  let verifier: StreamChainVerifier | null = null;
  let brokenAt: RangeVerification['brokenAt'] = null;
  try {
    pages: for await (const page of walkStreamPages(store, operationStreamName(task.operationId), {
      pageSize: task.pageSize,
      fromRevision: range.from,
    })) {
      let text = '';
      for (const event of page) {
        if (range.to !== null && event.revision >= range.to) {
          if (text && !out.write(text)) await once(out, 'drain');
          break pages;
        }
        const forms = canonicalFormsOf(event);
        text += `${forms.exportLine}\n`;
        events += 1;
        countsByType.set(event.type, (countsByType.get(event.type) ?? 0) + 1);
        const boundary = {
          position: formatPosition(event.position),
          recordedAt: typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : null,
        };
        first ??= boundary;
        last = boundary;
        if (brokenAt) continue;
        const link = { ...chainLinkOf(event), recomputedHash: eventHashOf(forms.hashedContent) };
        if (verifier === null) {
          firstLink = link;
          verifier = new StreamChainVerifier(task.operationId, {
            revision: event.revision,
            hash: event.metadata.hash as string,
          });
        } else brokenAt = verifier.accept(link);
      }
      if (text && !out.write(text)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return {
    events,
    countsByType: [...countsByType],
    first,
    last,
    chain: {
      first: firstLink,
      events: verifier?.events ?? 0,
      last: verifier?.head ?? null,
      brokenAt,
      unreadable: null,
    },
  };
}
