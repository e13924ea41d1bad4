import type { EventTypeFacts } from '../event-type-facts';
import type { OperationClosedV1 } from './operation-closed.v1';

/** What the rest of the system knows of OperationClosed (events/README.md, "Adding an event type"). */
export const OPERATION_CLOSED_FACTS = {
  type: 'OperationClosed',
  summary: 'The operation is closed: only corrections, charges and court outcomes follow.',
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
} as const satisfies EventTypeFacts<OperationClosedV1>;
