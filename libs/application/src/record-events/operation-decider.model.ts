import type { Classification, EventType } from '@timeline/events';
import {
  decideAndEvolve,
  evolveOperation,
  foldOperation,
  initialOperationState,
  type CommandEvent,
  type OperationEvent,
  type OperationState,
} from '@timeline/domain';
import type { JsonObject } from '@timeline/kernel';
import type { OperationFact, OperationModel } from './operation.model';

function operationEventOf(fact: OperationFact): OperationEvent {
  return {
    eventId: fact.eventId,
    type: fact.type,
    schemaVersion: fact.envelope.schemaVersion,
    occurredAt: fact.envelope.occurredAt,
    agency: fact.envelope.agency,
    classification: fact.envelope.classification,
    data: fact.data,
  };
}

/** The operation decider of libs/domain, bound to the write path. */
export const operationModel: OperationModel<OperationState> = {
  initialState: initialOperationState,

  evolve: (state, fact) => evolveOperation(state, operationEventOf(fact)),

  fold: (state, facts) => foldOperation(facts.map(operationEventOf), state),

  decide: (state, request) => {
    const decided = decideAndEvolve(
      {
        operationId: request.operationId,
        now: request.now,
        futureToleranceMs: request.futureToleranceMs,
        recordedBy: { principalId: request.recorder.subject, agency: request.recorder.agency },
        // The data passed validateEventData for its type (record-events.request.ts): the cast states that.
        events: request.events.map(
          (event) =>
            ({
              eventId: event.eventId,
              type: event.type as EventType,
              schemaVersion: event.schemaVersion,
              occurredAt: event.occurredAt,
              data: event.data,
              classification: event.classification,
              causationId: event.causationId,
            }) as unknown as CommandEvent,
        ),
      },
      state,
    );
    return {
      state: decided.state,
      events: decided.events.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        occurredAt: event.occurredAt,
        classification: event.classification as Classification,
        causationId: event.causationId,
        data: event.data as JsonObject,
      })),
    };
  },
};
