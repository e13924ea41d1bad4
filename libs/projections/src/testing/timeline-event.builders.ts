import type { JsonObject } from '@timeline/kernel';
import {
  GENESIS_HASH,
  currentVersionOf,
  isEventType,
  operationStreamName,
  type Classification,
} from '@timeline/events';
import { formatPosition, positionOf, type EventToAppend } from '@timeline/event-store';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';

/** What a test says about an event; everything else gets a fixed value. */
export interface EventSpec {
  readonly type: string;
  readonly data: JsonObject;
  readonly operationId?: string;
  readonly eventId?: string;
  readonly occurredAt?: string;
  readonly recordedAt?: string;
  readonly recordedBy?: string;
  readonly agency?: string;
  readonly classification?: Classification;
  /** Defaults to the type's current version. */
  readonly schemaVersion?: number;
}

let counter = 0;

/** A deterministic UUID-shaped id from a number, so expected values can name events. */
export function eventIdOf(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function envelope(spec: EventSpec, streamRevision: number) {
  return {
    schemaVersion: spec.schemaVersion ?? (isEventType(spec.type) ? currentVersionOf(spec.type) : 1),
    operationId: spec.operationId ?? 'venetic',
    occurredAt: spec.occurredAt ?? '2020-06-01T10:00:00.000Z',
    recordedAt: spec.recordedAt ?? spec.occurredAt ?? '2020-06-01T10:00:00.000Z',
    recordedBy: spec.recordedBy ?? 'analyst-1',
    agency: spec.agency ?? 'NCA',
    correlationId: 'corr-1',
    causationId: null,
    classification: spec.classification ?? 'OFFICIAL-SENSITIVE',
    streamRevision,
    prevHash: GENESIS_HASH,
    // Projections never check hashes; integrity tests do.
    hash: 'f'.repeat(64),
  };
}

/** The event as a recording client's write would have appended it (metadata = envelope). */
export function eventToAppend(spec: EventSpec, streamRevision = 0): EventToAppend {
  counter += 1;
  return {
    eventId: spec.eventId ?? eventIdOf(1_000_000 + counter),
    type: spec.type,
    data: spec.data,
    metadata: envelope(spec, streamRevision),
  };
}

/** Stored events at positions 1, 2, … as the runner would hand them to a fold. */
export function storedEvents(specs: readonly EventSpec[], firstPosition = 1): StoredTimelineEvent[] {
  const revisions = new Map<string, number>();
  return specs.map((spec, index) => {
    const operationId = spec.operationId ?? 'venetic';
    const revision = revisions.get(operationId) ?? 0;
    revisions.set(operationId, revision + 1);
    const position = positionOf(firstPosition + index);
    return {
      ...envelope(spec, revision),
      eventId: spec.eventId ?? eventIdOf(firstPosition + index),
      type: spec.type,
      data: spec.data,
      position: formatPosition(position),
      globalPosition: position,
      streamName: operationStreamName(operationId),
    };
  });
}
