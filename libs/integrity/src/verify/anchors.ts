import { StreamNotFoundError, type EventStore } from '@timeline/event-store/port';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import type { StreamHead } from './store-verification';

/**
 * A chain head recorded outside the store earlier (an export's manifest, a
 * head published in a case file) checked against the store now:
 * - `present`: the store still holds that event with that hash;
 * - `missing`: the store no longer reaches that revision (events were removed from the end);
 * - `different`: the event at that revision has another hash (history was rewritten).
 */
export interface AnchorCheck extends StreamHead {
  readonly status: 'present' | 'missing' | 'different';
  /** The hash the store holds at that revision, when it holds one. */
  readonly storedHash: string | null;
}

/**
 * Checks earlier chain heads against the store. With an intact chain (see
 * verifyOperationStream / verifyLog), a present anchor proves the history up
 * to it unchanged since the anchor was taken; truncation, which no chain can
 * reveal on its own, shows as `missing`.
 */
export async function checkAnchors(
  store: EventStore,
  anchors: readonly StreamHead[],
): Promise<AnchorCheck[]> {
  const checks: AnchorCheck[] = [];
  for (const anchor of anchors) {
    let stored: string | null = null;
    try {
      const [event] = await store.readStream(operationStreamName(anchor.operationId), {
        fromRevision: anchor.revision,
        maxCount: 1,
      });
      if (event && event.revision === anchor.revision)
        stored = typeof event.metadata.hash === 'string' ? event.metadata.hash : '';
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const status = stored === null ? 'missing' : stored === anchor.hash ? 'present' : 'different';
    checks.push({ ...anchor, status, storedHash: stored });
  }
  return checks;
}
