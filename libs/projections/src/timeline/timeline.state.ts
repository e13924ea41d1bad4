import type { Classification } from '@timeline/events';
import type { EventIndex } from '@timeline/kernel';
import type { PictureStamp } from '../picture/operational-picture.state';
import type { EntryFacts } from './entry-facts';

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
  /** The correction event's revision in the operation's stream: its `replacement` becomes the entry's current value. */
  readonly streamRevision: number;
  /** What the replacement says that queries need without reading it. */
  readonly facts: EntryFacts;
}

export interface Retraction extends Amendment {
  readonly reason: string;
  readonly note: string | null;
}

/**
 * One event on the timeline, with its corrections and retraction. Kept compact (a
 * million of them make a deep operation's timeline): times and position as numbers,
 * vocabulary strings shared, the text forms computed when read. The data is not
 * held: it stays in the log, where the entry's stream revision finds it for the
 * entries a page shows; what the filters and the daily series need of it is
 * derived once, as `facts`.
 */
export class TimelineEntry {
  corrections: Correction[] | null = null;
  retraction: Retraction | null = null;

  constructor(
    readonly eventId: string,
    readonly type: string,
    readonly operationId: string,
    /** `occurredAt` in ms since the epoch: the sort key (ISO strings with offsets do not sort as text). */
    readonly occurredAtMs: number,
    /** The stored text when it is not the canonical `toISOString()` form of `occurredAtMs`. */
    private readonly occurredAtText: string | null,
    readonly recordedAtMs: number,
    private readonly recordedAtText: string | null,
    readonly recordedBy: string,
    readonly agency: string,
    readonly classification: Classification,
    /** The global position as numbers (exact below 2^53, which any log reaches only after petabytes). */
    readonly commit: number,
    readonly prepare: number,
    /** The event's revision in its operation's stream: where its data is read from. */
    readonly streamRevision: number,
    /** Derived from the data as first recorded. */
    readonly facts: EntryFacts,
  ) {}

  get occurredAt(): string {
    return this.occurredAtText ?? new Date(this.occurredAtMs).toISOString();
  }

  get recordedAt(): string {
    return this.recordedAtText ?? new Date(this.recordedAtMs).toISOString();
  }

  /** As `formatPosition` writes it. */
  get position(): string {
    return this.commit === this.prepare ? String(this.commit) : `${this.commit}/${this.prepare}`;
  }
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
  readonly entries: EventIndex<TimelineEntry>;
}
