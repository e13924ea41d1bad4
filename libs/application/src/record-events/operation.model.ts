import type { EventEnvelope } from '@timeline/events';
import type { JsonObject } from '@timeline/kernel';

/** A stored event of an operation, as the write model folds it. */
export interface OperationFact {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: EventEnvelope;
}

/** An event a client asks to record, with the server's part of the envelope already decided. */
export interface ProposedEvent {
  readonly eventId: string;
  readonly type: string;
  /** The current version of `type`: the data is validated, upcast and in its stored shape. */
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
}

/** What the decider accepts for storage: the data may be normalised (e.g. derived fields). */
export interface DecidedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
}

/**
 * The operation's decider as the write path sees it: a fold over stored facts
 * and a decision per proposed event. `decide` throws a TimelineError (category
 * `rule-violated` or `illegal-state`) to refuse; it never performs I/O.
 */
export interface OperationModel<State> {
  initialState(): State;
  evolve(state: State, fact: OperationFact): State;
  decide(state: State, proposal: ProposedEvent): DecidedEvent;
}

/** DI token of the OperationModel the write path uses. */
export const OPERATION_MODEL = Symbol('OPERATION_MODEL');
