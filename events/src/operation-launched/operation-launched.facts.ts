import type { EventTypeFacts } from '../event-type-facts';
import type { OperationLaunchedV1 } from './operation-launched.v1';

/** What the rest of the system knows of OperationLaunched (events/README.md, "Adding an event type"). */
export const OPERATION_LAUNCHED_FACTS = {
  type: 'OperationLaunched',
  summary: 'The operation begins; first event of its stream.',
  minimumClassification: 'OFFICIAL',
  identityField: 'leadAgency',
  agencyFields: ['leadAgency'],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: false,
  counted: false,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<OperationLaunchedV1>;
