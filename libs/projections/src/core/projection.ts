import type { JsonValue } from '@timeline/kernel';
import type { StoredTimelineEvent } from './stored-timeline-event';

/**
 * A read model as a pure fold over stored events: no I/O, no clock, no randomness,
 * so the same log always yields the same state (rebuilds are byte-identical and
 * time travel reuses the very same fold).
 *
 * For speed on large logs `apply` may update `state` in place and return it; the
 * runner, rebuilds and time travel always start from a fresh `initialState()`, so
 * no caller ever shares a state it did not create. `apply` must be all or nothing:
 * it checks everything that can fail before it changes anything, so a throwing
 * event leaves the state exactly as it was before that event.
 */
export interface Projection<S> {
  /** Stable identifier; names the checkpoint. Letters, digits and `-`. */
  readonly name: string;
  /** Bump when the fold or the state shape changes: a checkpoint of another version is discarded and the projection rebuilt from zero. */
  readonly version: number;
  initialState(): S;
  apply(state: S, event: StoredTimelineEvent): S;
  /**
   * The state as JSON parts (written one per line by file checkpoints); `canonicalJson` of them is
   * the read model's byte form. The parts are those of the state at the call, however much the
   * state changes while they are iterated: a checkpoint writes them out over many event-loop turns
   * while events keep being applied. A projection may build them lazily from a capture of what can
   * still change, so a large read model is never copied whole into JSON at once.
   */
  toSnapshot(state: S): Snapshot;
  /** Inverse of `toSnapshot`. */
  fromSnapshot(parts: readonly JsonValue[]): S;
  /**
   * Optional: work the first query would otherwise do (such as ordering entries that
   * were folded out of order), done in place by the runner once it has caught up and
   * on each rebuilt state as it is swapped in, so that no reader waits for it. It
   * must not change what any query answers.
   */
  settle?(state: S): void;
}

/** The parts of a state, in order, and how many there are (an array of parts is one). */
export interface Snapshot extends Iterable<JsonValue> {
  readonly length: number;
}

/** The parts of a snapshot, built: for comparisons and tests. */
export function snapshotParts(snapshot: Snapshot): JsonValue[] {
  return [...snapshot];
}

/** The name pattern of projections (used in checkpoint file names). */
export const PROJECTION_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

const DEFINED = Symbol('projection handle');

/**
 * A projection as it is registered (with the runner, time travel): the fold itself,
 * checked and frozen by `defineProjection`. The handle is how its state is found —
 * `runner.state(timelineProjection)` is a `TimelineState` — so no caller names a
 * projection by a string and casts what it gets back.
 */
export interface ProjectionHandle<S> extends Projection<S> {
  readonly [DEFINED]: true;
}

/** A handle of any state type (a registration holds several). */
export type AnyProjectionHandle = ProjectionHandle<unknown>;

/** @throws TypeError when the name is not a projection name (`PROJECTION_NAME_PATTERN`). */
export function defineProjection<S>(projection: Projection<S>): ProjectionHandle<S> {
  if (!PROJECTION_NAME_PATTERN.test(projection.name))
    throw new TypeError(`Not a projection name: ${JSON.stringify(projection.name)}`);
  return Object.freeze({ ...projection, [DEFINED]: true as const });
}

/** Folds events into a fresh state of `projection`: the definition of what a read model is. */
export function foldEvents<S>(projection: Projection<S>, events: Iterable<StoredTimelineEvent>): S {
  let state = projection.initialState();
  for (const event of events) state = projection.apply(state, event);
  return state;
}
