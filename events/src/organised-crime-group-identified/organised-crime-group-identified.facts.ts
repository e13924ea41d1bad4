import type { EventTypeFacts } from '../event-type-facts';
import type { OrganisedCrimeGroupIdentifiedV1 } from './organised-crime-group-identified.v1';

/** What the rest of the system knows of OrganisedCrimeGroupIdentified (events/README.md, "Adding an event type"). */
export const ORGANISED_CRIME_GROUP_IDENTIFIED_FACTS = {
  type: 'OrganisedCrimeGroupIdentified',
  summary: 'An organised crime group was identified and mapped.',
  minimumClassification: 'OFFICIAL-SENSITIVE',
  identityField: 'ocgId',
  agencyFields: ['leadForce'],
  organisedCrimeGroup: { field: 'ocgId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: false,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<OrganisedCrimeGroupIdentifiedV1>;
