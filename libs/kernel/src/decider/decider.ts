import type { JsonValue } from '../json/json.types';

/**
 * The shape of every decider (docs/architecture.md §1): three pure functions
 * over a state, as Emmett's `Decider`. No clock, no random ids, no I/O: time
 * and identity arrive in the command. Whatever runs a decider takes this type
 * and nothing narrower or wider.
 */
export interface Decider<Command, Event, State> {
  /** The state before the first event. */
  initialState(): State;
  /**
   * The events a command leads to in a state, in order; throws (a TimelineError)
   * to refuse the command as a whole. Never modifies the given state.
   */
  decide(command: Command, state: State): readonly Event[];
  /** The state after one more event: a decided one, or one read back from the store. */
  evolve(state: State, event: Event): State;
  /**
   * Folds many events at once (loading a long stream): must give the same state
   * as reducing them with `evolve`. Optional; a runner reduces with `evolve` without it.
   */
  fold?(state: State, events: readonly Event[]): State;
  /**
   * The state as the one owner of the committed state keeps it, once its events
   * are stored: an equal state, which may have moved what it shares with the
   * states it was evolved from into storage of its own, after which those may no
   * longer be read (docs/architecture.md, "The decided state's collections").
   * Never called on a state that may still be dropped. Optional; without it the
   * state is kept as it is.
   */
  settle?(state: State): State;
  /**
   * How the state is written to and read from a snapshot of the decided state
   * (docs/architecture.md, "Snapshots of the decided state"). Optional; without
   * it the write path always folds the whole stream.
   */
  readonly snapshot?: StateSnapshotCodec<State>;
}

/**
 * A state as JSON parts and back. `version` names the state's shape and the
 * rules that fold it: a snapshot taken under another version is never used.
 */
export interface StateSnapshotCodec<State> {
  /** Changes whenever `evolve` or `fold` would build a different state from the same events. */
  readonly version: number;
  /**
   * The state in parts of bounded size, lazily: the caller writes each part
   * before asking for the next, so a large state never blocks for long. The
   * parts are those of the state at the call, whatever happens to its
   * successors meanwhile.
   */
  encode(state: State): Iterable<JsonValue>;
  /**
   * A decoder that takes the parts one at a time, in the order `encode` gave
   * them, so the caller may yield to the event loop between parts.
   */
  decoder(): StateSnapshotDecoder<State>;
}

/** Reads a state back part by part; each call throws when the parts do not describe one. */
export interface StateSnapshotDecoder<State> {
  add(part: JsonValue): void;
  /** The state the parts were encoded from. */
  finish(): State;
}

/** The state of a whole list of parts at once (tests, small states). */
export function decodeStateSnapshot<State>(
  codec: StateSnapshotCodec<State>,
  parts: Iterable<JsonValue>,
): State {
  const decoder = codec.decoder();
  for (const part of parts) decoder.add(part);
  return decoder.finish();
}
