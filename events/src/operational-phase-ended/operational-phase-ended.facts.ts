import type { EventTypeFacts } from '../event-type-facts';
import type { OperationalPhaseEndedV1 } from './operational-phase-ended.v1';

/** What the rest of the system knows of OperationalPhaseEnded (events/README.md, "Adding an event type"). */
export const OPERATIONAL_PHASE_ENDED_FACTS = {
  type: 'OperationalPhaseEnded',
  summary: 'No more raids, arrests or seizures.',
  minimumClassification: 'OFFICIAL',
  identityField: null,
  agencyFields: [],
  organisedCrimeGroup: null,
  correctable: false,
  retractable: false,
  counted: false,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<OperationalPhaseEndedV1>;
