import type { EventTypeFacts } from '../event-type-facts';
import type { AgencyJoinedV1 } from './agency-joined.v1';

/** What the rest of the system knows of AgencyJoined (events/README.md, "Adding an event type"). */
export const AGENCY_JOINED_FACTS = {
  type: 'AgencyJoined',
  summary: 'A UK agency joins the operation and may then record events.',
  minimumClassification: 'OFFICIAL',
  identityField: 'agency',
  agencyFields: ['agency'],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: false,
  counted: false,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<AgencyJoinedV1>;
