import { canonicalJson } from '@timeline/kernel';
import { foldEvents, snapshotParts, type Projection } from '../core/projection';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';

/**
 * Checks a projection's snapshot against the runner's use of it: taken at every
 * split point of `events`, then read only after the rest of them were applied to
 * the same state, its parts must equal those of a fresh fold up to the split.
 * Returns the types applied after a snapshot was taken, so a caller can check the
 * scenario reached what it meant to (corrections, retractions).
 */
export function expectSnapshotsTakenAtTheCall<S>(
  projection: Projection<S>,
  events: readonly StoredTimelineEvent[],
): Set<string> {
  const appliedAfter = new Set<string>();
  for (let taken = 1; taken < events.length; taken += 1) {
    const state = foldEvents(projection, events.slice(0, taken));
    const snapshot = projection.toSnapshot(state);
    for (const event of events.slice(taken)) {
      projection.apply(state, event);
      appliedAfter.add(event.type);
    }
    const asTaken = snapshotParts(projection.toSnapshot(foldEvents(projection, events.slice(0, taken))));
    expect(snapshot).toHaveLength(asTaken.length);
    expect(canonicalJson(snapshotParts(snapshot))).toBe(canonicalJson(asTaken));
  }
  return appliedAfter;
}
