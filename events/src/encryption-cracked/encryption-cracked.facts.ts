import type { EventTypeFacts } from '../event-type-facts';
import type { EncryptionCrackedV1 } from './encryption-cracked.v1';

/** What the rest of the system knows of EncryptionCracked (events/README.md, "Adding an event type"). */
export const ENCRYPTION_CRACKED_FACTS = {
  type: 'EncryptionCracked',
  summary: 'Partners overcame the encryption of a communication platform.',
  minimumClassification: 'OFFICIAL',
  identityField: null,
  agencyFields: [],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: true,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<EncryptionCrackedV1>;
