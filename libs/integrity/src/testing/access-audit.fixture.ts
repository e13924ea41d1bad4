import type { JsonObject } from '@timeline/kernel';
import type { EventStore } from '@timeline/event-store';
import {
  ACCESS_AUDIT_STREAM,
  ACCESS_RECORDED,
  chainAccessRecords,
  type AccessRecord,
} from '../access-audit/access-audit.chain';
import { fixedEventId } from './sealed-history.fixture';

/** One access record with fixed values; `index` varies its path and correlation id (`c-<index>`). */
export function anAccess(index: number): AccessRecord {
  return {
    subject: `auditor-${index % 3}`,
    agency: index % 2 === 0 ? 'NCA' : 'NWP',
    roles: ['auditor'],
    action: 'history.read',
    method: 'GET',
    path: `/operations/venetic/events?page=${index}`,
    operationId: 'venetic',
    outcome: 'granted',
    correlationId: `c-${index}`,
    at: `2020-06-13T10:00:${String(index % 60).padStart(2, '0')}.000Z`,
  };
}

/** Appends `count` records in batches of `batch`, chained as the api chains them. */
export async function anAudit(store: EventStore, count: number, batch = 3): Promise<void> {
  let head: { sequence: number; hash: string } | null = null;
  for (let first = 0; first < count; first += batch) {
    const records = Array.from({ length: Math.min(batch, count - first) }, (_, i) => anAccess(first + i));
    const chained = chainAccessRecords(head, records);
    await store.append(
      ACCESS_AUDIT_STREAM,
      chained.map(({ record, link }, i) => ({
        eventId: fixedEventId(7, first + i),
        type: ACCESS_RECORDED,
        data: record as unknown as JsonObject,
        metadata: { ...link },
      })),
      { expectedRevision: head === null ? 'no_stream' : head.sequence },
    );
    const last = chained[chained.length - 1].link;
    head = { sequence: last.sequence, hash: last.hash };
  }
}
