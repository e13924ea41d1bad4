import type { JsonObject, JsonValue } from '@timeline/kernel';
import {
  CLASSIFICATIONS,
  currentVersionOf,
  isEventType,
  upcastStoredEventData,
  isWithheldData,
  type Classification,
  type TimelineEvent,
} from '@timeline/events';
import { formatPosition, type GlobalPosition, type RecordedEvent } from '@timeline/event-store/port';
import { MalformedStoredEventError } from './projection.errors';

/** A stored event with its envelope read from the store's metadata: what projections fold. */
export interface StoredTimelineEvent<TData extends JsonObject = JsonObject> extends TimelineEvent<TData> {
  readonly streamName: string;
  /** The same place as `position`, unformatted, for comparisons. */
  readonly globalPosition: GlobalPosition;
}

function text(metadata: JsonObject, field: string, recorded: RecordedEvent): string {
  const value = metadata[field];
  if (typeof value !== 'string')
    throw new MalformedStoredEventError(recorded, `metadata.${field} is not a string`);
  return value;
}

function isClassification(value: JsonValue | undefined): value is Classification {
  return typeof value === 'string' && (CLASSIFICATIONS as readonly string[]).includes(value);
}

/**
 * The event's data in the current version's stored shape (the contract's upcasters
 * applied), so no fold ever sees an old shape. An unknown type or version is
 * refused: a stream holding one is not ours to guess about.
 */
function currentData(
  recorded: RecordedEvent,
  schemaVersion: number,
): { data: JsonObject; schemaVersion: number } {
  if (!isEventType(recorded.type))
    throw new MalformedStoredEventError(recorded, `${recorded.type} is not an event type of the contract`);
  // A withheld marker (a redacted export) has no version's shape to upcast: the folds count what it tells.
  if (isWithheldData(recorded.data))
    return { data: recorded.data, schemaVersion: currentVersionOf(recorded.type) };
  try {
    return {
      data: upcastStoredEventData(recorded.type, schemaVersion, recorded.data) as unknown as JsonObject,
      schemaVersion: currentVersionOf(recorded.type),
    };
  } catch (error) {
    throw new MalformedStoredEventError(recorded, (error as Error).message);
  }
}

/**
 * Reads the envelope out of a recorded event's metadata and brings its data to
 * the current version (`schemaVersion` is then the current one). An event whose metadata
 * is not an envelope is refused with a typed error (the runner surfaces it as a
 * failed projection) rather than folded with guessed values.
 */
export function toStoredTimelineEvent(recorded: RecordedEvent): StoredTimelineEvent {
  const metadata = recorded.metadata;
  const schemaVersion = metadata.schemaVersion;
  if (typeof schemaVersion !== 'number')
    throw new MalformedStoredEventError(recorded, 'metadata.schemaVersion is not a number');
  const causationId = metadata.causationId ?? null;
  if (causationId !== null && typeof causationId !== 'string') {
    throw new MalformedStoredEventError(recorded, 'metadata.causationId is neither a string nor null');
  }
  const classification = metadata.classification;
  if (!isClassification(classification))
    throw new MalformedStoredEventError(recorded, 'metadata.classification is not a known marking');
  const streamRevision = metadata.streamRevision;
  const current = currentData(recorded, schemaVersion);
  return {
    eventId: recorded.eventId,
    type: recorded.type,
    data: current.data,
    position: formatPosition(recorded.position),
    globalPosition: recorded.position,
    streamName: recorded.streamName,
    schemaVersion: current.schemaVersion,
    operationId: text(metadata, 'operationId', recorded),
    occurredAt: text(metadata, 'occurredAt', recorded),
    recordedAt: text(metadata, 'recordedAt', recorded),
    recordedBy: text(metadata, 'recordedBy', recorded),
    agency: text(metadata, 'agency', recorded),
    correlationId: text(metadata, 'correlationId', recorded),
    causationId,
    classification,
    streamRevision: typeof streamRevision === 'number' ? streamRevision : recorded.revision,
    prevHash: text(metadata, 'prevHash', recorded),
    hash: text(metadata, 'hash', recorded),
  };
}

/** The event a correction or retraction amends; null for every other event (or a malformed amendment). */
export function amendedEventId(event: Pick<StoredTimelineEvent, 'type' | 'data'>): string | null {
  const target =
    event.type === 'EventCorrected'
      ? event.data.correctsEventId
      : event.type === 'EventRetracted'
        ? event.data.retractsEventId
        : null;
  return typeof target === 'string' ? target : null;
}
