import type { EventIndex } from '@timeline/kernel';
import { Counters } from './counters';
import type { EventRecord, EventRecordTable } from './event-record-table';

export { Counters };
export type { EventRecord };

/** Totals, and the same totals broken down by agency, by region and by organised crime group. */
export interface PictureScope {
  readonly totals: Counters;
  readonly byAgency: Map<string, Counters>;
  readonly byRegion: Map<string, Counters>;
  /** Only what events count for a group (`Contribution.ocg`): most events name none. */
  readonly byOrganisedCrimeGroup: Map<string, Counters>;
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
  /** The organised crime group each live raid targets, for the events made at it. */
  readonly raidOcgs: Map<string, string>;
  /**
   * The events counted for a raid's group (arrests and seizures at it), by raid:
   * a correction of the raid's group moves them with it. An event whose raid a
   * correction changed is listed under each raid it was at and in `movedToRaid`.
   */
  readonly raidDependants: Map<string, string[]>;
  readonly movedToRaid: Map<string, string | null>;
  /** The ArrestMade event recording each arrest, by arrest id: a charge finds its arrest's group through it. */
  readonly arrestEvents: Map<string, string>;
  /**
   * The events counted for an arrest's group (its charge and court outcome), by
   * the arrest's event id: when the arrest's group changes (its raid regrouped,
   * or the arrest corrected to another raid) they move with it.
   */
  readonly arrestDependants: Map<string, string[]>;
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
  return {
    totals: new Counters(),
    byAgency: new Map(),
    byRegion: new Map(),
    byOrganisedCrimeGroup: new Map(),
  };
}

export function emptyStamp(): PictureStamp {
  return { position: null, eventCount: 0, lastRecordedAt: null };
}
