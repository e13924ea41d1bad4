import type { EventIndex } from '../core/event-index';
import { Counters } from './counters';
import type { EventRecord, EventRecordTable } from './event-record-table';

export { Counters };
export type { EventRecord };

/** Totals, and the same totals broken down by agency and by region. */
export interface PictureScope {
  readonly totals: Counters;
  readonly byAgency: Map<string, Counters>;
  readonly byRegion: Map<string, Counters>;
}

/** What the picture reflects: stamped on every answer. */
export interface PictureStamp {
  position: string | null;
  eventCount: number;
  lastRecordedAt: string | null;
}

export interface AgencyMembership {
  readonly region: string;
  readonly localOperationName: string | null;
  readonly joinedAt: string;
  /** The AgencyJoined event, so a correction of it can find the entry. */
  readonly eventId: string;
}

export interface OperationPictureState {
  readonly operationId: string;
  launch: { codename: string; leadAgency: string; startedAt: string; description: string } | null;
  status: 'open' | 'phase-ended' | 'closed';
  phaseEndedAt: string | null;
  closedAt: string | null;
  readonly agencies: Map<string, AgencyMembership>;
  /** What everyone may see of the operation. */
  readonly scope: PictureScope;
  /**
   * What C-coded reports add, apart by who is entitled to them (the
   * contribution's `audience`): each reader is shown these in full or withheld
   * (`pictureFor` in the view), so a breakdown never moves with a detail the
   * reader may not see.
   */
  readonly restricted: Map<string, PictureScope>;
  readonly stamp: PictureStamp;
}

export interface OperationalPictureState {
  readonly operations: Map<string, OperationPictureState>;
  /** Across all operations. The national counters are not kept: they are the operations' summed on read. */
  readonly stamp: PictureStamp;
  readonly events: EventIndex<EventRecord>;
  /** Records by content, so alike events share one (not part of the snapshot: rebuilt on restore). */
  readonly records: EventRecordTable;
}

export function emptyScope(): PictureScope {
  return { totals: new Counters(), byAgency: new Map(), byRegion: new Map() };
}

export function emptyStamp(): PictureStamp {
  return { position: null, eventCount: 0, lastRecordedAt: null };
}
