import type { JsonValue } from '@timeline/kernel';
import type { Snapshot } from '../core/projection';

/** DI token of the checkpoint store the runner uses. */
export const PROJECTION_CHECKPOINT_STORE = Symbol('PROJECTION_CHECKPOINT_STORE');

/**
 * A projection's state together with the position it reflects. The two are
 * saved and loaded as one unit: that is what makes a restart apply each event
 * exactly once to the read model.
 */
export interface ProjectionCheckpoint {
  readonly name: string;
  readonly version: number;
  /** The last applied position (`formatPosition`), or null before any event. */
  readonly position: string | null;
  /** How many events the state reflects. */
  readonly eventCount: number;
  /** The state, as the projection's `toSnapshot` gave it (possibly built lazily while it is saved). */
  readonly state: Snapshot;
}

/** A checkpoint as loaded: its parts read back. */
export interface LoadedProjectionCheckpoint extends ProjectionCheckpoint {
  readonly state: readonly JsonValue[];
}

/** Where the runner keeps its checkpoints. */
export interface ProjectionCheckpointStore {
  /** The last saved checkpoint of a projection, or null when there is none (or it cannot be read: the caller rebuilds). */
  load(name: string): Promise<LoadedProjectionCheckpoint | null>;
  /** Replaces the projection's checkpoint atomically: after a crash, either the old or the new one is loaded, never a mix. */
  save(checkpoint: ProjectionCheckpoint): Promise<void>;
  /** Forgets a projection's checkpoint (e.g. after a version change). */
  remove(name: string): Promise<void>;
}
