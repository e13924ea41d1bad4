import type { Recorder } from '@timeline/domain';

/**
 * A request to record events in an operation. The body is the wire format
 * (`RecordEventsBody`: `{ events, expectedRevision? }`), the same over HTTP and
 * from the command line; it is validated by the handler, so it arrives untyped.
 */
export interface RecordEventsRequest {
  readonly operationId: string;
  readonly body: unknown;
  readonly recorder: Recorder;
  /** Correlation id of the request; the default for events that carry none. */
  readonly correlationId: string;
  /**
   * Binds the request to its content, with or without client event ids: the same
   * key (from the same recorder, in the same operation) with the same content
   * answers the original result; with other content it is refused. Kept on the
   * events it wrote, in the operation's stream.
   */
  readonly idempotencyKey?: string;
  /**
   * An expected revision given outside the body (HTTP `If-Match`). It must agree
   * with the body's `expectedRevision` when both are given.
   */
  readonly expectedRevision?: number;
  /**
   * When the events are recorded, in place of the handler's clock: for loading
   * a history whose recording times are known (the demo operation), so that
   * each request keeps its own time however many are written together. Never
   * taken from a client: the body has no such field, and the api never sets it.
   */
  readonly recordedAt?: Date;
}

export interface RecordedEventSummary {
  readonly eventId: string;
  readonly type: string;
  readonly streamRevision: number;
  /** Global position in the log (`formatPosition`). */
  readonly position: string;
}

export interface RecordEventsResult {
  readonly operationId: string;
  /** The operation's revision after the write: the revision of the request's last event. */
  readonly streamRevision: number;
  /** Global position of the request's last event (`formatPosition`). */
  readonly position: string;
  readonly events: readonly RecordedEventSummary[];
  /** True when every event was already stored by an earlier identical request and nothing was written. */
  readonly replayed: boolean;
}

/**
 * Whether a request body asks to launch its operation: its first event is an
 * OperationLaunched. Judged on the raw body, before validation, because it
 * decides whether a request may name an operation that does not exist yet; any
 * other request naming one is answered as for an operation the caller may not see.
 */
export function launchesOperation(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const events = (body as { readonly events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0) return false;
  const first: unknown = events[0];
  return (
    first !== null &&
    typeof first === 'object' &&
    (first as { readonly type?: unknown }).type === 'OperationLaunched'
  );
}
