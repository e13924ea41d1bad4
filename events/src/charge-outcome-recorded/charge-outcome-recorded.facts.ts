import type { EventTypeFacts } from '../event-type-facts';
import type { ChargeOutcomeRecordedV1 } from './charge-outcome-recorded.v1';

/** What the rest of the system knows of ChargeOutcomeRecorded (events/README.md, "Adding an event type"). */
export const CHARGE_OUTCOME_RECORDED_FACTS = {
  type: 'ChargeOutcomeRecorded',
  summary: 'The court outcome of a charge: a conviction and its sentence, an acquittal or a discontinuance.',
  minimumClassification: 'OFFICIAL',
  // One outcome per charge, and one charge per arrest: the arrest identifies it.
  identityField: 'arrestId',
  agencyFields: [],
  organisedCrimeGroup: { viaArrest: 'arrestId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  // Courts decide long after the operation closes.
  recordedAfterClosure: true,
} as const satisfies EventTypeFacts<ChargeOutcomeRecordedV1>;
