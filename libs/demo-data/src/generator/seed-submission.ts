import type { JsonObject, JsonValue } from '@timeline/kernel';

/** One event as a recording client sends it in `POST /operations/{id}/events`. */
export interface SeedEvent {
  readonly type: string;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly data: JsonObject;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly classification: 'OFFICIAL' | 'OFFICIAL-SENSITIVE';
}

/**
 * One request of the load: the events one agency's recording client submits
 * together (atomically), in the order they must be loaded.
 */
export interface SeedSubmission {
  readonly operationId: string;
  /** The recording agency; the load uses one principal per agency. */
  readonly agency: string;
  /** The principal's subject, e.g. `recorder.nwp`. */
  readonly subject: string;
  /** When a live system would have recorded it (the clock the store loader injects). */
  readonly recordedAt: string;
  readonly recordedAtMs: number;
  /** True for a client retry of an earlier submission: the same events with the same ids. */
  readonly retry: boolean;
  readonly events: readonly SeedEvent[];
}

/** The request body of `POST /operations/{operationId}/events` for a submission. */
export function toRequestBody(submission: SeedSubmission): JsonObject {
  return {
    events: submission.events.map((event) => {
      const body: Record<string, JsonValue> = {
        type: event.type,
        eventId: event.eventId,
        occurredAt: event.occurredAt,
        data: event.data,
        correlationId: event.correlationId,
        classification: event.classification,
      };
      if (event.causationId !== undefined) body.causationId = event.causationId;
      return body;
    }),
  };
}

export function principalSubject(agency: string): string {
  return `recorder.${agency.toLowerCase()}`;
}
