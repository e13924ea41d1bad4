import type { JsonValue } from '@timeline/kernel';
import { defineProjection, type ProjectionHandle } from '../core/projection';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';

export interface RecordingState {
  readonly ids: string[];
}

/**
 * A projection that remembers every event id it applied, in order: a duplicate or
 * a skip by the runner shows up directly. `failOn` makes it throw on one event id.
 */
export function recordingProjection(
  name = 'recording',
  version = 1,
  failOn: (event: StoredTimelineEvent) => boolean = () => false,
): ProjectionHandle<RecordingState> {
  return defineProjection<RecordingState>({
    name,
    version,
    initialState: () => ({ ids: [] }),
    apply(state, event) {
      if (failOn(event)) throw new Error(`cannot apply ${event.type}`);
      state.ids.push(event.eventId);
      return state;
    },
    toSnapshot: (state) => [{ ids: [...state.ids] }],
    fromSnapshot: (parts: readonly JsonValue[]) => ({
      ids: [...((parts[0] as { ids: string[] }).ids ?? [])],
    }),
  });
}
