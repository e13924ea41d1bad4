import type { EventTypeFacts } from '../event-type-facts';
import type { StoredSeizureRecordedData } from './seizure-recorded.stored';

/** What the rest of the system knows of SeizureRecorded (events/README.md, "Adding an event type"). */
export const SEIZURE_RECORDED_FACTS = {
  type: 'SeizureRecorded',
  summary: 'Drugs, firearms, cash or other property were seized.',
  minimumClassification: 'OFFICIAL',
  identityField: 'seizureId',
  agencyFields: ['seizedBy'],
  organisedCrimeGroup: { viaRaid: 'raidId' },
  correctable: true,
  retractable: true,
  counted: true,
  amendment: false,
  operational: true,
  mayPredateLaunch: false,
  recordedAfterClosure: false,
} as const satisfies EventTypeFacts<StoredSeizureRecordedData>;
