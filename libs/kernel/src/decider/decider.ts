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
}
