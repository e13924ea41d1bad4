import type { EventTypeFacts } from '../event-type-facts';
import type { IntelligenceDisseminatedV1 } from './intelligence-disseminated.v1';

/** What the rest of the system knows of IntelligenceDisseminated (events/README.md, "Adding an event type"). */
export const INTELLIGENCE_DISSEMINATED_FACTS = {
  type: 'IntelligenceDisseminated',
  summary: 'A received intelligence report was passed on to another agency.',
  minimumClassification: 'OFFICIAL-SENSITIVE',
  identityField: null,
  agencyFields: ['toAgency'],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<IntelligenceDisseminatedV1>;
