import { TimelineError, type ErrorCategory, type JsonObject } from '@timeline/kernel';
import { operationStreamName, type TimelineEvent } from '@timeline/events/envelope/event-envelope';
import type { EventStore } from '@timeline/event-store/port';
import { toTimelineEvent } from '../events/timeline-event.mapper';
import { walkStream } from '../reading/paged-reads';

export const EVENT_CORRECTED = 'EventCorrected';
export const EVENT_RETRACTED = 'EventRetracted';

/** Who changed an event's standing, when, and by which event. */
interface LineageChangeBase {
  /** The EventCorrected / EventRetracted event. */
  readonly eventId: string;
  readonly streamRevision: number;
  readonly position: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
}

export interface LineageCorrection extends LineageChangeBase {
  readonly kind: 'correction';
  /** Why it was corrected; null when withheld from the reader (handling code C). */
  readonly reason: string | null;
  /** The data that replaced the event's data from this correction on. */
  readonly replacement: JsonObject;
}

export interface LineageRetraction extends LineageChangeBase {
  readonly kind: 'retraction';
  readonly reason: string;
  readonly note: string | null;
}

export type LineageChange = LineageCorrection | LineageRetraction;

export interface EventLineage {
  readonly operationId: string;
  /** The event exactly as originally recorded. */
  readonly event: TimelineEvent;
  /** `retracted` wins over `corrected`: a retracted event no longer counts, whatever its corrections. */
  readonly status: 'as-recorded' | 'corrected' | 'retracted';
  /** The data as corrected: the latest correction's replacement, or the original data. */
  readonly currentData: JsonObject;
  /** Every correction and the retraction applying to the event, in the order they were recorded. */
  readonly changes: readonly LineageChange[];
}

export class EventNotInOperationError extends TimelineError {
  readonly code = 'history.event-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(
    readonly operationId: string,
    readonly eventId: string,
  ) {
    super(`Operation ${operationId} holds no event ${eventId}`, { operationId, eventId });
  }
}

/**
 * Builds one event's lineage from its operation's events, taken in stream
 * order: the event itself, then every EventCorrected naming it in
 * `correctsEventId` and the EventRetracted naming it in `retractsEventId`.
 */
export class LineageCollector {
  private target: TimelineEvent | null = null;
  private readonly changes: LineageChange[] = [];

  constructor(
    readonly operationId: string,
    readonly eventId: string,
  ) {}

  accept(event: TimelineEvent): void {
    if (event.eventId === this.eventId) {
      this.target = event;
      return;
    }
    if (event.type === EVENT_CORRECTED && event.data.correctsEventId === this.eventId) {
      this.changes.push({
        kind: 'correction',
        ...provenanceOf(event),
        reason: stringOr(event.data.reason, ''),
        replacement: isObject(event.data.replacement) ? event.data.replacement : {},
      });
    } else if (event.type === EVENT_RETRACTED && event.data.retractsEventId === this.eventId) {
      this.changes.push({
        kind: 'retraction',
        ...provenanceOf(event),
        reason: stringOr(event.data.reason, ''),
        note: typeof event.data.note === 'string' ? event.data.note : null,
      });
    }
  }

  /** @throws EventNotInOperationError when the event was not among those accepted. */
  result(): EventLineage {
    if (!this.target) throw new EventNotInOperationError(this.operationId, this.eventId);
    const corrections = this.changes.filter(
      (change): change is LineageCorrection => change.kind === 'correction',
    );
    const retracted = this.changes.some((change) => change.kind === 'retraction');
    return {
      operationId: this.operationId,
      event: this.target,
      status: retracted ? 'retracted' : corrections.length > 0 ? 'corrected' : 'as-recorded',
      currentData:
        corrections.length > 0 ? corrections[corrections.length - 1].replacement : this.target.data,
      changes: this.changes,
    };
  }
}

/** One event's lineage from the events of its operation (pure). */
export function lineageOf(
  operationId: string,
  eventId: string,
  events: Iterable<TimelineEvent>,
): EventLineage {
  const collector = new LineageCollector(operationId, eventId);
  for (const event of events) collector.accept(event);
  return collector.result();
}

/**
 * One event's lineage, reading its operation's stream through the port page by page.
 * @throws StreamNotFoundError when the operation has no event; EventNotInOperationError when it lacks this one.
 */
export async function readLineage(
  store: EventStore,
  operationId: string,
  eventId: string,
  options: { readonly pageSize?: number } = {},
): Promise<EventLineage> {
  const collector = new LineageCollector(operationId, eventId);
  for await (const recorded of walkStream(store, operationStreamName(operationId), options)) {
    collector.accept(toTimelineEvent(recorded));
  }
  return collector.result();
}

function provenanceOf(event: TimelineEvent): LineageChangeBase {
  return {
    eventId: event.eventId,
    streamRevision: event.streamRevision,
    position: event.position,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    recordedBy: event.recordedBy,
    agency: event.agency,
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
