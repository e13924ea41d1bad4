import type { JsonObject } from '@timeline/kernel';
import { formatPosition, type RecordedEvent } from '@timeline/event-store/port';
import type { TimelineEvent } from '@timeline/events';

/**
 * The event exactly as stored, in the shape auditors see (TimelineEvent): the
 * store's id, type and data, every envelope member of the stored metadata
 * (including any the server added that this version does not know), and the
 * global position as `formatPosition` writes it. Nothing is normalised or
 * defaulted, so a damaged envelope shows as damaged.
 */
export function toTimelineEvent(recorded: RecordedEvent): TimelineEvent {
  const { metadata } = recorded;
  // Envelope members first in a fixed, readable order, then whatever else was stored.
  const ordered: Record<string, unknown> = { eventId: recorded.eventId, type: recorded.type };
  for (const key of ENVELOPE_ORDER) if (Object.hasOwn(metadata, key)) ordered[key] = metadata[key];
  ordered.position = formatPosition(recorded.position);
  // Own members only: a stored member named `toString` or `__proto__` is data like any other.
  for (const key of Object.keys(metadata))
    if (!Object.hasOwn(ordered, key) && key !== 'data') setMember(ordered, key, metadata[key]);
  ordered.data = recorded.data;
  return ordered as unknown as TimelineEvent;
}

const ENVELOPE_ORDER = [
  'schemaVersion',
  'operationId',
  'streamRevision',
  'occurredAt',
  'recordedAt',
  'recordedBy',
  'agency',
  'correlationId',
  'causationId',
  'classification',
  'prevHash',
  'hash',
] as const;

/**
 * Members of an exported line that are not part of the stored envelope: the
 * TimelineEvent's own, and `withheld`, which an export adds to an event whose
 * data it withholds.
 */
const NON_ENVELOPE = new Set(['eventId', 'type', 'data', 'position', 'withheld']);

/**
 * Splits a TimelineEvent (e.g. a line of an export file) back into what the hash
 * covers: the id, type, data and the envelope (every other member but `position`
 * and an export's `withheld` marker).
 */
export function envelopeOf(event: JsonObject): JsonObject {
  const envelope: Record<string, JsonObject[string]> = {};
  for (const key of Object.keys(event)) if (!NON_ENVELOPE.has(key)) setMember(envelope, key, event[key]);
  return envelope;
}

/** Sets an own member, even one named `__proto__` (which plain assignment would take as the prototype). */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
