import type { EventTypeFacts } from '../event-type-facts';
import type { ArrestMadeV1 } from './arrest-made.v1';

/** What the rest of the system knows of ArrestMade (events/README.md, "Adding an event type"). */
export const ARREST_MADE_FACTS = {
  type: 'ArrestMade',
  summary: 'A person was arrested.',
  minimumClassification: 'OFFICIAL',
  identityField: 'arrestId',
  agencyFields: ['force'],
  organisedCrimeGroup: { viaRaid: 'raidId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: true,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<ArrestMadeV1>;
