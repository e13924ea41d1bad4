import { filter, map, type Observable } from 'rxjs';
import type { MerkleFeedEvent } from '@timeline/integrity';
import type { ProjectionChange, ProjectionRunner } from '@timeline/projections';

type Applied = Extract<ProjectionChange, { kind: 'applied' }>;

/**
 * The projection runner's applied events as the Merkle log's feed: the runner
 * has read and parsed every event of the log already, so the tree takes their
 * hashes instead of reading the log again (docs/merkle-log.md). An event the
 * runner cannot read is not applied and stops every projection; the events
 * after it then reach no projection, and are handed over as possibly following
 * a gap, which the tree reads from the store.
 */
export function merkleFeedOf(runner: Pick<ProjectionRunner, 'changes$'>): Observable<MerkleFeedEvent> {
  return runner.changes$.pipe(
    filter((change): change is Applied => change.kind === 'applied'),
    map(({ event, projections }) => ({
      position: event.globalPosition,
      streamName: event.streamName,
      eventId: event.eventId,
      hash: event.hash,
      gapless: projections.length > 0,
    })),
  );
}
