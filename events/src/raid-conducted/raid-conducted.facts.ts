import type { EventTypeFacts } from '../event-type-facts';
import type { RaidConductedV1 } from './raid-conducted.v1';

/** What the rest of the system knows of RaidConducted (events/README.md, "Adding an event type"). */
export const RAID_CONDUCTED_FACTS = {
  type: 'RaidConducted',
  summary: 'Premises were entered and searched under a legal power.',
  minimumClassification: 'OFFICIAL',
  identityField: 'raidId',
  agencyFields: ['force'],
  organisedCrimeGroup: { field: 'ocgId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: true,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<RaidConductedV1>;
