import type { JsonObject } from '@timeline/kernel';
import type { Classification } from '@timeline/events';
import type { GlobalPosition } from '@timeline/event-store';
import type { PictureStamp } from '../picture/operational-picture.state';

/** Who changed an entry, when, and from which event. */
export interface Amendment {
  readonly eventId: string;
  readonly position: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
}

export interface Correction extends Amendment {
  readonly reason: string;
  /** The replacement data, which becomes the entry's current value. */
  readonly data: JsonObject;
}

export interface Retraction extends Amendment {
  readonly reason: string;
  readonly note: string | null;
}

/** One event on the timeline, with its corrections and retraction. */
export interface TimelineEntry {
  readonly eventId: string;
  readonly type: string;
  readonly operationId: string;
  readonly occurredAt: string;
  /** `occurredAt` in ms since the epoch: the sort key (ISO strings with offsets do not sort as text). */
  readonly occurredAtMs: number;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
  readonly classification: Classification;
  readonly position: string;
  readonly globalPosition: GlobalPosition;
  /** As first recorded. */
  readonly data: JsonObject;
  corrections: Correction[] | null;
  retraction: Retraction | null;
}

/**
 * An operation's entries in (occurredAt, position) order. Entries arrive mostly in
 * that order: they are appended to `sorted`; a back-dated one waits in `pending`
 * and is merged in at the next read, so a late entry never costs a shift of the
 * whole list while folding.
 */
export interface OperationTimelineState {
  readonly operationId: string;
  sorted: TimelineEntry[];
  pending: TimelineEntry[];
  readonly stamp: PictureStamp;
}

export interface TimelineState {
  readonly operations: Map<string, OperationTimelineState>;
  readonly entries: Map<string, TimelineEntry>;
}
