import type { EventTypeFacts } from '../event-type-facts';
import type { IntelligenceReceivedV2 } from './intelligence-received.v2';

/** What the rest of the system knows of IntelligenceReceived (events/README.md, "Adding an event type"). */
export const INTELLIGENCE_RECEIVED_FACTS = {
  type: 'IntelligenceReceived',
  summary: 'An intelligence report, graded 3x5x2, reached the operation.',
  minimumClassification: 'OFFICIAL-SENSITIVE',
  identityField: 'reportRef',
  agencyFields: ['fromAgency'],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: true,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<IntelligenceReceivedV2>;
