import fc from 'fast-check';
import type { ProposedEvent, Recorder } from '../operation/operation.command';
import {
  agencyJoined,
  arrestMade,
  chargeBrought,
  chargeOutcomeRecorded,
  eventCorrected,
  eventRetracted,
  GMP,
  id,
  intelligenceDisseminated,
  intelligenceReceived,
  NCA,
  NWP,
  ocgIdentified,
  operationClosed,
  operationLaunched,
  phaseEnded,
  raidConducted,
  seizureRecorded,
  threatToLifeMitigated,
} from './operation.fixtures';

/** One request of a random history: its proposals and who sends them. */
export interface HistoryRequest {
  readonly events: readonly ProposedEvent[];
  readonly recorder: Recorder;
}

const RECORDERS: readonly Recorder[] = [NCA, NCA, NCA, NWP, GMP];
const small = fc.nat(3);

/**
 * A proposal over a small universe of ids, so that references sometimes hold and
 * sometimes do not; `n` numbers its event id, and ids below `n` may be targets of
 * corrections and retractions (an id may repeat, a replay or a conflict).
 */
function proposal(n: number): fc.Arbitrary<ProposedEvent> {
  const eventId = id(1000 + n);
  const earlier = fc.nat(Math.max(n - 1, 0)).map((k) => id(1000 + k));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(operationLaunched(eventId)) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom('NWP', 'GMP', 'MERPOL')
        .map((agency) => agencyJoined(eventId, agency as 'NWP')),
    },
    { weight: 5, arbitrary: small.map((k) => intelligenceReceived(eventId, `INT-${k}`)) },
    { weight: 1, arbitrary: small.map((k) => intelligenceDisseminated(eventId, `INT-${k}`)) },
    { weight: 4, arbitrary: small.map((k) => ocgIdentified(eventId, `OCG-${k}`)) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(small, fc.option(small))
        .map(([raid, ocg]) =>
          raidConducted(eventId, `RAID-${raid}`, ocg === null ? {} : { ocgId: `OCG-${ocg}` }),
        ),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(small, fc.option(small))
        .map(([arrest, raid]) =>
          arrestMade(eventId, `ARR-${arrest}`, raid === null ? {} : { raidId: `RAID-${raid}` }),
        ),
    },
    { weight: 2, arbitrary: small.map((k) => chargeBrought(eventId, `ARR-${k}`)) },
    { weight: 2, arbitrary: small.map((k) => chargeOutcomeRecorded(eventId, `ARR-${k}`)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(small, fc.option(small))
        .map(([seizure, raid]) =>
          seizureRecorded(eventId, `SZ-${seizure}`, raid === null ? undefined : `RAID-${raid}`),
        ),
    },
    { weight: 1, arbitrary: small.map((k) => threatToLifeMitigated(eventId, `TTL-${k}`, `INT-${k}`)) },
    {
      weight: 2,
      arbitrary: fc.tuple(earlier, small, small).map(([target, arrest, raid]) =>
        eventCorrected(
          eventId,
          target,
          'ArrestMade',
          {
            arrestId: `ARR-${arrest}`,
            subjectId: 'SUBJ-7F3K2',
            suspectedOffences: ['conspiracy-to-supply-class-a'],
            force: 'NWP',
            raidId: `RAID-${raid}`,
          },
          'OFFICIAL-SENSITIVE',
        ),
      ),
    },
    { weight: 3, arbitrary: earlier.map((target) => eventRetracted(eventId, target)) },
    // The phase end and closure refuse most of what follows: only late in a history.
    { weight: n >= 20 ? 1 : 0, arbitrary: fc.constant(phaseEnded(eventId)) },
    { weight: n >= 20 ? 1 : 0, arbitrary: fc.constant(operationClosed(eventId)) },
    // An earlier request's event sent again: a replay, or a conflict when its content differs.
    { weight: 1, arbitrary: earlier.map((target) => agencyJoined(target, 'NWP')) },
  );
}

/**
 * Random requests against one operation, most of them single events, some of
 * two or three; four in five start with the launch. What the rules refuse
 * is part of the history: a test replays every request and compares outcomes.
 */
export function randomHistory(maxRequests = 40): fc.Arbitrary<HistoryRequest[]> {
  return fc
    .tuple(
      fc.nat(4).map((n) => n > 0),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.nat(RECORDERS.length - 1)), {
        minLength: Math.min(10, maxRequests),
        maxLength: maxRequests,
      }),
    )
    .chain(([launched, shapes]) => {
      let n = 0;
      const requests = shapes.map(([size, recorder]) =>
        fc
          .tuple(...Array.from({ length: size === 3 ? 1 + (n % 3) : 1 }, () => proposal(n++)))
          .map((events) => ({ events, recorder: RECORDERS[recorder]! })),
      );
      const opening: HistoryRequest = {
        events: [operationLaunched(id(1)), agencyJoined(id(2), 'NWP'), agencyJoined(id(3), 'GMP')],
        recorder: NCA,
      };
      return fc
        .tuple(...requests)
        .map((rest) => (launched ? [opening, ...rest] : (rest as HistoryRequest[])));
    });
}
