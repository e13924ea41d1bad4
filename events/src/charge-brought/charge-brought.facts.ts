import type { EventTypeFacts } from '../event-type-facts';
import type { ChargeBroughtV1 } from './charge-brought.v1';

/** What the rest of the system knows of ChargeBrought (events/README.md, "Adding an event type"). */
export const CHARGE_BROUGHT_FACTS = {
  type: 'ChargeBrought',
  summary: 'The charging decision for an arrest.',
  minimumClassification: 'OFFICIAL',
  identityField: 'arrestId',
  agencyFields: [],
  organisedCrimeGroup: { viaArrest: 'arrestId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: true,
} as const satisfies EventTypeFacts<ChargeBroughtV1>;
