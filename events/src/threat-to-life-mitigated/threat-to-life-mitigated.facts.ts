import type { EventTypeFacts } from '../event-type-facts';
import type { ThreatToLifeMitigatedV1 } from './threat-to-life-mitigated.v1';

/** What the rest of the system knows of ThreatToLifeMitigated (events/README.md, "Adding an event type"). */
export const THREAT_TO_LIFE_MITIGATED_FACTS = {
  type: 'ThreatToLifeMitigated',
  summary: 'Action was taken against a threat to life.',
  minimumClassification: 'OFFICIAL-SENSITIVE',
  identityField: 'ttlId',
  agencyFields: ['force'],
  organisedCrimeGroup: null,
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<ThreatToLifeMitigatedV1>;
