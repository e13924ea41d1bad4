import type { EventTypeFacts } from '../event-type-facts';
import type { EventRetractedV1 } from './event-retracted.v1';

/** What the rest of the system knows of EventRetracted (events/README.md, "Adding an event type"). */
export const EVENT_RETRACTED_FACTS = {
  type: 'EventRetracted',
  summary: 'An earlier event is withdrawn.',
  minimumClassification: 'OFFICIAL',
  identityField: null,
  agencyFields: [],
  organisedCrimeGroup: null,
  correctable: false,
  retractable: false,
  counted: false,
  amendment: true,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: true,
} as const satisfies EventTypeFacts<EventRetractedV1>;
