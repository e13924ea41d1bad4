import type { Classification, EventEnvelope } from '@timeline/events';
import type { JsonObject } from '@timeline/kernel';
import type { Recorder } from './record-events.command';

/** A stored event of an operation, as the write model folds it. */
export interface OperationFact {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: EventEnvelope;
}

/** One event of a request, validated: current schema version, data in stored shape. */
export interface ProposedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  /** UTC, normalised (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
  readonly occurredAt: string;
  readonly data: JsonObject;
  /** Absent: the lowest marking the rules allow. */
  readonly classification?: Classification;
  readonly causationId: string | null;
}

/** A request as the decider judges it: time and identity arrive here. */
export interface DecisionRequest {
  readonly operationId: string;
  /** The moment of recording (UTC timestamp): becomes `recordedAt`. */
  readonly now: string;
  readonly futureToleranceMs: number;
  readonly recorder: Recorder;
  readonly events: readonly ProposedEvent[];
}

/** What the decider accepts for storage, with the marking it settled on. */
export interface DecidedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly classification: Classification;
  readonly causationId: string | null;
  readonly data: JsonObject;
}

/**
 * The operation's decider as the write path sees it: a fold over stored facts
 * and a decision over a request's events in order. `decide` throws a
 * TimelineError (category `rule-violated` or `illegal-state`) to refuse the
 * request as a whole; it performs no I/O and never modifies the given state.
 */
export interface OperationModel<State> {
  initialState(): State;
  evolve(state: State, fact: OperationFact): State;
  /** Folds many stored facts at once (rebuilding a long stream); the same result as reducing with `evolve`. */
  fold?(state: State, facts: readonly OperationFact[]): State;
  decide(
    state: State,
    request: DecisionRequest,
  ): { readonly events: readonly DecidedEvent[]; readonly state: State };
}

/** DI token of the OperationModel the write path uses. */
export const OPERATION_MODEL = Symbol('OPERATION_MODEL');
