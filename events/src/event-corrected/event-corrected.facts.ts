import type { EventTypeFacts } from '../event-type-facts';

/** What the rest of the system knows of EventCorrected (events/README.md, "Adding an event type"). */
export const EVENT_CORRECTED_FACTS = {
  type: 'EventCorrected',
  summary: "An earlier event's data is replaced.",
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
  // Its data class is typed by these very facts (`correctedType`), and they name none of its fields.
} as const satisfies EventTypeFacts;
