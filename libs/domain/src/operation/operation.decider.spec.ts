import type { EventDataByType } from '@timeline/events';
import type { ProposedEvent } from './operation.command';
import { OperationRuleError, type OperationRuleCode } from './operation.errors';
import { decideAndEvolve, decideOperation } from './operation.decider';
import {
  evolveOperation,
  foldOperation,
  hasRecordedEvent,
  initialOperationState,
  InconsistentHistoryError,
  settleOperation,
  type OperationState,
} from './operation.state';
import { SupersededLayeredMapError } from '../collections/layered-map';
import {
  agencyJoined,
  arrestMade,
  chargeBrought,
  command,
  event,
  eventCorrected,
  eventRetracted,
  given,
  GMP,
  id,
  intelligenceDisseminated,
  intelligenceReceived,
  launchedWithForces,
  NCA,
  NOW,
  NWP,
  ocgIdentified,
  operationClosed,
  operationLaunched,
  phaseEnded,
  raidConducted,
  seizureRecorded,
  threatToLifeMitigated,
  when,
} from '../testing/operation.fixtures';

function refusal(decide: () => unknown): OperationRuleError {
  try {
    decide();
  } catch (error) {
    if (error instanceof OperationRuleError) return error;
    throw error;
  }
  throw new Error('expected the decider to refuse the command');
}

function expectRefused(
  decide: () => unknown,
  code: OperationRuleCode,
  where: { eventIndex?: number; path?: string; category?: string } = {},
): OperationRuleError {
  const error = refusal(decide);
  expect(error.code).toBe(code);
  expect(error.eventIndex).toBe(where.eventIndex ?? 0);
  if (where.path !== undefined) expect(error.context.path).toBe(where.path);
  if (where.category !== undefined) expect(error.category).toBe(where.category);
  return error;
}

describe('decideOperation', () => {
  describe('launching', () => {
    it('accepts OperationLaunched first and lets the lead and the recording agency join by it', () => {
      const state = given([operationLaunched()]);
      expect(state.status).toBe('active');
      if (state.status === 'not-launched') throw new Error('unreachable');
      expect(state.codename).toBe('VENETIC');
      expect(state.agencies.toArray().sort()).toEqual(['NCA']);
      const byForce = decideAndEvolve(command([operationLaunched()], NWP), initialOperationState()).state;
      expect(byForce.status !== 'not-launched' && byForce.agencies.toArray().sort()).toEqual(['NCA', 'NWP']);
    });

    it('refuses any other first event', () => {
      expectRefused(
        () => when(initialOperationState(), [raidConducted(id(9), 'RAID-1')]),
        'operation.not-launched',
        { category: 'illegal-state' },
      );
    });

    it('refuses a second launch', () => {
      expectRefused(
        () => when(given([operationLaunched()]), [operationLaunched(id(5))]),
        'operation.already-launched',
        { category: 'illegal-state' },
      );
    });

    it('accepts a batch that launches, lets agencies join and records their first raid, in order', () => {
      const { events, state } = decideAndEvolve(
        command([operationLaunched(), agencyJoined(id(2), 'NWP'), raidConducted(id(3), 'RAID-NWP-0001')]),
        initialOperationState(),
      );
      expect(events.map((decided) => decided.type)).toEqual([
        'OperationLaunched',
        'AgencyJoined',
        'RaidConducted',
      ]);
      expect(state.eventCount).toBe(3);
    });
  });

  describe('the decided events', () => {
    it('carry the envelope from the command, the normalised time, the default marking and stored data with drug classes', () => {
      const [decided] = when(launchedWithForces(), [seizureRecorded(id(10), 'SZ-1')], NWP);
      expect(decided).toEqual({
        eventId: id(10),
        type: 'SeizureRecorded',
        schemaVersion: 1,
        occurredAt: '2020-06-15T06:00:00.000Z',
        agency: 'NWP',
        recordedBy: 'nwp-officer-17',
        classification: 'OFFICIAL',
        causationId: null,
        data: {
          seizureId: 'SZ-1',
          seizedBy: 'NWP',
          postcodeDistrict: 'LL11',
          drugs: [
            {
              drugType: 'cocaine',
              quantity: 2.35,
              unit: 'kg',
              purity: { testStatus: 'untested' },
              drugClass: 'A',
            },
          ],
          cash: [{ amountPence: 4_275_000, power: 'poca-s294' }],
        },
      });
    });

    it('default intelligence to OFFICIAL-SENSITIVE', () => {
      const [decided] = when(launchedWithForces(), [intelligenceReceived(id(10), 'INT-1')]);
      expect(decided!.classification).toBe('OFFICIAL-SENSITIVE');
    });
  });

  describe('event ids and schema versions', () => {
    it('refuses an event id already recorded', () => {
      expectRefused(
        () => when(launchedWithForces(), [raidConducted(id(2), 'RAID-1')], NWP),
        'operation.duplicate-event-id',
        { path: 'eventId' },
      );
    });

    it('refuses an event id repeated within the batch, naming the second', () => {
      expectRefused(
        () =>
          when(launchedWithForces(), [raidConducted(id(10), 'RAID-1'), raidConducted(id(10), 'RAID-2')], NWP),
        'operation.duplicate-event-id',
        { eventIndex: 1 },
      );
    });

    it('refuses data at a superseded schema version', () => {
      const stale = { ...intelligenceReceived(id(10), 'INT-1'), schemaVersion: 1 } as ReturnType<
        typeof intelligenceReceived
      >;
      expectRefused(() => when(launchedWithForces(), [stale]), 'operation.stale-schema-version', {
        path: 'schemaVersion',
      });
    });
  });

  describe('time', () => {
    it('refuses an occurredAt after the moment of recording', () => {
      const future = event(
        'EncryptionCracked',
        id(10),
        { platform: 'EncroChat', by: ['FR-GN'], methodSummary: 'implant', legalBasisRef: 'JIT' },
        { occurredAt: '2020-07-02T12:00:01Z' },
      );
      const error = expectRefused(
        () => when(launchedWithForces(), [future]),
        'operation.occurred-in-future',
        { path: 'occurredAt', category: 'rule-violated' },
      );
      expect(error.details).toMatchObject({ now: NOW, eventId: id(10), type: 'EncryptionCracked' });
    });

    it('accepts it within the tolerated clock skew', () => {
      const future = event(
        'EncryptionCracked',
        id(10),
        { platform: 'EncroChat', by: ['FR-GN'], methodSummary: 'implant', legalBasisRef: 'JIT' },
        { occurredAt: '2020-07-02T12:00:01Z' },
      );
      const { events } = decideAndEvolve(
        { ...command([future]), futureToleranceMs: 5_000 },
        launchedWithForces(),
      );
      expect(events).toHaveLength(1);
    });

    it('refuses a raid that ends in the future or before it starts', () => {
      const state = launchedWithForces();
      expectRefused(
        () => when(state, [raidConducted(id(10), 'RAID-1', { endedAt: '2020-07-03T00:00:00Z' })], NWP),
        'operation.occurred-in-future',
        { path: 'data.endedAt' },
      );
      expectRefused(
        () =>
          when(
            state,
            [
              raidConducted(id(10), 'RAID-1', {
                startedAt: '2020-06-15T12:00:00Z',
                endedAt: '2020-06-15T11:59:59Z',
              }),
            ],
            NWP,
          ),
        'operation.raid-ends-before-start',
        { path: 'data.endedAt', category: 'rule-violated' },
      );
    });

    it('accepts a raid that ends the moment it starts', () => {
      expect(
        when(
          launchedWithForces(),
          [
            raidConducted(id(10), 'RAID-1', {
              startedAt: '2020-06-15T12:00:00Z',
              endedAt: '2020-06-15T12:00:00Z',
            }),
          ],
          NWP,
        ),
      ).toHaveLength(1);
    });

    it('refuses an unparsable time', () => {
      const bad = { ...raidConducted(id(10), 'RAID-1'), occurredAt: '15/06/2020 06:00' };
      expectRefused(() => when(launchedWithForces(), [bad], NWP), 'operation.invalid-timestamp', {
        path: 'occurredAt',
      });
    });
  });

  describe('agencies', () => {
    it('refuses an event recorded by an agency that has not joined', () => {
      const error = expectRefused(
        () =>
          when(launchedWithForces(), [raidConducted(id(10), 'RAID-1', { force: 'NWP' })], {
            subject: 'x',
            agency: 'MERPOL',
          }),
        'operation.agency-not-joined',
      );
      expect(error.details).toMatchObject({ agency: 'MERPOL' });
    });

    it('lets a member admit an agency, once; an agency cannot admit itself', () => {
      const error = expectRefused(
        () => when(given([operationLaunched()]), [agencyJoined(id(2), 'NWP')], NWP),
        'operation.agency-not-joined',
      );
      // Said without the codename: a non-member learns nothing of the operation.
      expect(error.message).toBe('Agency NWP takes no part in operation venetic and cannot record in it');
      const state = given([operationLaunched(), agencyJoined(id(2), 'NWP')]);
      expect(state.status !== 'not-launched' && state.agencies.has('NWP')).toBe(true);
      expectRefused(() => when(state, [agencyJoined(id(3), 'NWP')], NWP), 'operation.agency-already-joined', {
        path: 'data.agency',
        category: 'illegal-state',
      });
    });

    it('answers a non-member before anything else, even a second launch', () => {
      expectRefused(
        () => when(given([operationLaunched()]), [operationLaunched(id(5))], GMP),
        'operation.agency-not-joined',
      );
    });

    it('counts the lead agency as joined by the launch', () => {
      expectRefused(
        () => when(given([operationLaunched()]), [agencyJoined(id(2), 'NCA', 'national')]),
        'operation.agency-already-joined',
      );
    });

    it('refuses a raid or an arrest by a force that has not joined', () => {
      const state = launchedWithForces();
      expectRefused(
        () => when(state, [raidConducted(id(10), 'RAID-1', { force: 'MERPOL' })]),
        'operation.agency-not-joined',
        { path: 'data.force' },
      );
      expectRefused(
        () => when(state, [arrestMade(id(10), 'ARR-1', { force: 'WMP' })]),
        'operation.agency-not-joined',
        { path: 'data.force' },
      );
    });
  });

  describe('classification', () => {
    it('refuses intelligence marked below OFFICIAL-SENSITIVE', () => {
      const low = event('IntelligenceReceived', id(10), intelligenceReceived(id(10), 'INT-1').data as never, {
        classification: 'OFFICIAL',
        schemaVersion: 2,
      });
      expectRefused(() => when(launchedWithForces(), [low]), 'operation.classification-too-low', {
        path: 'classification',
      });
    });

    it('refuses a correction marked below the event it corrects', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1', { officers: 5 }),
      ]);
      const sensitive = given(
        [operationLaunched(), agencyJoined(id(2), 'NWP')],
        [
          event('RaidConducted', id(3), raidConducted(id(3), 'RAID-1').data as never, {
            classification: 'OFFICIAL-SENSITIVE',
          }),
        ],
      );
      const replacement = { ...(raidConducted(id(3), 'RAID-1').data as object), officers: 30 } as never;
      expect(
        when(state, [eventCorrected(id(10), id(3), 'RaidConducted', replacement)])[0]!.classification,
      ).toBe('OFFICIAL');
      expectRefused(
        () => when(sensitive, [eventCorrected(id(10), id(3), 'RaidConducted', replacement, 'OFFICIAL')]),
        'operation.classification-too-low',
      );
      expect(
        when(sensitive, [eventCorrected(id(10), id(3), 'RaidConducted', replacement)])[0]!.classification,
      ).toBe('OFFICIAL-SENSITIVE');
    });
  });

  describe('causation', () => {
    it('accepts a causation id of an earlier event, in the state or the batch, and refuses an unknown one', () => {
      const state = launchedWithForces();
      const withCause = event('ArrestMade', id(11), arrestMade(id(11), 'ARR-1').data as never, {
        causationId: id(10),
      });
      expect(when(state, [raidConducted(id(10), 'RAID-1'), withCause], NWP)[1]!.causationId).toBe(id(10));
      expectRefused(() => when(state, [withCause], NWP), 'operation.unknown-causation', {
        path: 'causationId',
      });
      const launchWithCause = { ...operationLaunched(), causationId: id(7) };
      expectRefused(() => when(initialOperationState(), [launchWithCause]), 'operation.unknown-causation', {
        path: 'causationId',
      });
    });
  });

  describe('references', () => {
    it('refuses an arrest at a raid never recorded', () => {
      const error = expectRefused(
        () => when(launchedWithForces(), [arrestMade(id(10), 'ARR-1', { raidId: 'RAID-9' })], NWP),
        'operation.unknown-reference',
        {
          path: 'data.raidId',
          category: 'rule-violated',
        },
      );
      expect(error.details).toMatchObject({ kind: 'raid', ref: 'RAID-9' });
    });

    it('refuses a raid acting on an unknown report, naming the item', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        intelligenceReceived(id(3), 'INT-1'),
      ]);
      expectRefused(
        () => when(state, [raidConducted(id(10), 'RAID-1', { intelligenceRefs: ['INT-1', 'INT-2'] })], NWP),
        'operation.unknown-reference',
        {
          path: 'data.intelligenceRefs[1]',
        },
      );
    });

    it('refuses a raid on an unknown OCG, a seizure at an unknown raid and a mitigation of an unknown report', () => {
      const state = launchedWithForces();
      expectRefused(
        () => when(state, [raidConducted(id(10), 'RAID-1', { ocgId: 'OCG-1' })], NWP),
        'operation.unknown-reference',
        { path: 'data.ocgId' },
      );
      expectRefused(
        () => when(state, [seizureRecorded(id(10), 'SZ-1', 'RAID-1')], NWP),
        'operation.unknown-reference',
        { path: 'data.raidId' },
      );
      expectRefused(
        () => when(state, [threatToLifeMitigated(id(10), 'TTL-1', 'INT-1')], NWP),
        'operation.unknown-reference',
        { path: 'data.reportRef' },
      );
    });

    it('refuses a second raid, arrest, seizure, report, OCG or threat with the same id', () => {
      const state = given([operationLaunched(), agencyJoined(id(2), 'NWP')], {
        events: [
          raidConducted(id(3), 'RAID-1'),
          arrestMade(id(4), 'ARR-1'),
          seizureRecorded(id(5), 'SZ-1'),
          intelligenceReceived(id(6), 'INT-1'),
          ocgIdentified(id(7), 'OCG-1'),
          threatToLifeMitigated(id(8), 'TTL-1'),
        ],
        by: NWP,
      });
      const cases: [ReturnType<typeof raidConducted>, string][] = [
        [raidConducted(id(20), 'RAID-1'), 'data.raidId'],
        [arrestMade(id(20), 'ARR-1'), 'data.arrestId'],
        [seizureRecorded(id(20), 'SZ-1'), 'data.seizureId'],
        [intelligenceReceived(id(20), 'INT-1'), 'data.reportRef'],
        [ocgIdentified(id(20), 'OCG-1'), 'data.ocgId'],
        [threatToLifeMitigated(id(20), 'TTL-1'), 'data.ttlId'],
      ];
      for (const [duplicate, path] of cases) {
        expectRefused(() => when(state, [duplicate], NWP), 'operation.reference-already-used', {
          path,
          category: 'illegal-state',
        });
      }
    });

    it('refuses to disseminate a retracted report', () => {
      const state = given([
        operationLaunched(),
        intelligenceReceived(id(2), 'INT-1'),
        eventRetracted(id(3), id(2)),
      ]);
      expectRefused(
        () => when(state, [intelligenceDisseminated(id(10), 'INT-1')]),
        'operation.reference-retracted',
        { path: 'data.reportRef' },
      );
      expectRefused(
        () => when(state, [intelligenceDisseminated(id(10), 'INT-9')]),
        'operation.unknown-reference',
        { path: 'data.reportRef' },
      );
    });
  });

  describe('charges', () => {
    it('accepts one charging decision per arrest', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        arrestMade(id(3), 'ARR-1'),
        chargeBrought(id(4), 'ARR-1'),
      ]);
      const error = expectRefused(
        () => when(state, [chargeBrought(id(10), 'ARR-1')]),
        'operation.arrest-already-charged',
        { path: 'data.arrestId', category: 'illegal-state' },
      );
      expect(error.details).toMatchObject({ arrestId: 'ARR-1', chargeEventId: id(4) });
    });

    it('accepts a new decision once the first is retracted', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        arrestMade(id(3), 'ARR-1'),
        chargeBrought(id(4), 'ARR-1'),
        eventRetracted(id(5), id(4)),
      ]);
      expect(when(state, [chargeBrought(id(10), 'ARR-1')])).toHaveLength(1);
    });

    it('refuses a charge on an unknown or retracted arrest', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        arrestMade(id(3), 'ARR-1'),
        eventRetracted(id(4), id(3)),
      ]);
      expectRefused(() => when(state, [chargeBrought(id(10), 'ARR-2')]), 'operation.unknown-reference');
      expectRefused(() => when(state, [chargeBrought(id(10), 'ARR-1')]), 'operation.reference-retracted');
    });
  });

  describe('phase end and closure', () => {
    const ended = (): OperationState =>
      given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        arrestMade(id(4), 'ARR-1'),
        phaseEnded(id(5)),
      ]);

    it('refuses raids, arrests and seizures after the operational phase ends', () => {
      for (const operational of [
        raidConducted(id(10), 'RAID-2'),
        arrestMade(id(10), 'ARR-2'),
        seizureRecorded(id(10), 'SZ-2'),
      ]) {
        expectRefused(() => when(ended(), [operational]), 'operation.operational-phase-ended', {
          category: 'illegal-state',
        });
      }
    });

    it('still accepts intelligence, charges, corrections and retractions after the phase ends', () => {
      const state = ended();
      expect(
        when(state, [
          intelligenceReceived(id(10), 'INT-1'),
          chargeBrought(id(11), 'ARR-1'),
          eventRetracted(id(12), id(11)),
        ]),
      ).toHaveLength(3);
    });

    it('refuses ending the phase twice', () => {
      expectRefused(() => when(ended(), [phaseEnded(id(10))]), 'operation.phase-already-ended');
    });

    it('accepts only corrections, retractions and charging decisions after closure', () => {
      const closed = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        arrestMade(id(4), 'ARR-1'),
        phaseEnded(id(5)),
        operationClosed(id(6)),
      ]);
      const replacement = { ...(raidConducted(id(3), 'RAID-1').data as object), officers: 31 } as never;
      // A charge, a correction, and a retraction of a duplicate found at file review.
      expect(
        when(closed, [
          chargeBrought(id(10), 'ARR-1'),
          eventCorrected(id(11), id(3), 'RaidConducted', replacement),
          eventRetracted(id(12), id(10)),
        ]),
      ).toHaveLength(3);
      for (const refused of [
        intelligenceReceived(id(10), 'INT-1'),
        raidConducted(id(10), 'RAID-2'),
        phaseEnded(id(10)),
        operationClosed(id(10)),
      ]) {
        expectRefused(() => when(closed, [refused]), 'operation.closed', { category: 'illegal-state' });
      }
    });

    it('lets an operation close without a separate phase end, which ends operations too', () => {
      const closed = given([operationLaunched(), agencyJoined(id(2), 'NWP'), operationClosed(id(3))]);
      expect(closed.status).toBe('closed');
    });
  });

  describe('corrections', () => {
    const base = (): OperationState =>
      given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        raidConducted(id(4), 'RAID-2'),
        arrestMade(id(5), 'ARR-1', { raidId: 'RAID-1' }),
      ]);
    const arrestData = arrestMade(id(5), 'ARR-1', { raidId: 'RAID-1' }).data as Record<string, unknown>;

    it('refuses a correction of an unknown event', () => {
      expectRefused(
        () => when(base(), [eventCorrected(id(10), id(99), 'ArrestMade', arrestData as never)]),
        'operation.unknown-event',
        { path: 'data.correctsEventId' },
      );
    });

    it('refuses a replacement of another type than the corrected event', () => {
      const error = expectRefused(
        () => when(base(), [eventCorrected(id(10), id(3), 'ArrestMade', arrestData as never)]),
        'operation.correction-type-mismatch',
        {
          path: 'data.correctedType',
        },
      );
      expect(error.details).toMatchObject({ targetType: 'RaidConducted' });
    });

    it('refuses a correction that changes the id of what was recorded', () => {
      expectRefused(
        () =>
          when(base(), [
            eventCorrected(id(10), id(5), 'ArrestMade', { ...arrestData, arrestId: 'ARR-2' } as never),
          ]),
        'operation.correction-changes-identity',
        {
          path: 'data.replacement.arrestId',
        },
      );
    });

    it('names nothing the corrected event recorded when refusing a changed identity', () => {
      // The target may be a C-coded report the corrector may not read: its recorded id must not leak.
      let refusal: unknown;
      try {
        when(base(), [
          eventCorrected(id(10), id(5), 'ArrestMade', { ...arrestData, arrestId: 'ARR-2' } as never),
        ]);
      } catch (error) {
        refusal = error;
      }
      const text = JSON.stringify({
        message: (refusal as Error).message,
        details: (refusal as { details?: unknown }).details,
      });
      expect(text).toContain('arrestId');
      expect(text).not.toContain(arrestData.arrestId);
    });

    it('checks the replacement references like a new event', () => {
      expectRefused(
        () =>
          when(base(), [
            eventCorrected(id(10), id(5), 'ArrestMade', { ...arrestData, raidId: 'RAID-9' } as never),
          ]),
        'operation.unknown-reference',
        {
          path: 'data.replacement.raidId',
        },
      );
    });

    it('refuses a correction of a retracted event', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        eventRetracted(id(4), id(3)),
      ]);
      expectRefused(
        () =>
          when(state, [
            eventCorrected(id(10), id(3), 'RaidConducted', raidConducted(id(3), 'RAID-1').data as never),
          ]),
        'operation.event-retracted',
        {
          path: 'data.correctsEventId',
        },
      );
    });

    it('refuses a correction of a correction (correct the original again instead)', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        eventCorrected(id(4), id(3), 'RaidConducted', raidConducted(id(3), 'RAID-1').data as never),
      ]);
      expectRefused(
        () =>
          when(state, [
            eventCorrected(id(10), id(4), 'RaidConducted', raidConducted(id(3), 'RAID-1').data as never),
          ]),
        'operation.correction-type-mismatch',
      );
      expect(
        when(state, [
          eventCorrected(
            id(10),
            id(3),
            'RaidConducted',
            raidConducted(id(3), 'RAID-1', { officers: 40 }).data as never,
          ),
        ]),
      ).toHaveLength(1);
    });

    it('moves an arrest between raids: the old raid becomes retractable, the new one does not', () => {
      const moved = decideAndEvolve(
        command([eventCorrected(id(10), id(5), 'ArrestMade', { ...arrestData, raidId: 'RAID-2' } as never)]),
        base(),
      ).state;
      expect(when(moved, [eventRetracted(id(11), id(3))])).toHaveLength(1);
      expectRefused(
        () => when(moved, [eventRetracted(id(11), id(4))]),
        'operation.retraction-has-dependants',
      );
    });
  });

  describe('retractions', () => {
    it('refuses to retract an unknown event', () => {
      expectRefused(
        () => when(launchedWithForces(), [eventRetracted(id(10), id(99))]),
        'operation.unknown-event',
        { path: 'data.retractsEventId' },
      );
    });

    it('refuses to retract twice', () => {
      const state = given([
        operationLaunched(),
        intelligenceReceived(id(2), 'INT-1'),
        eventRetracted(id(3), id(2)),
      ]);
      expectRefused(() => when(state, [eventRetracted(id(10), id(2))]), 'operation.event-retracted', {
        category: 'illegal-state',
      });
    });

    it('refuses to retract a launch, a joining, a correction or a retraction', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        intelligenceReceived(id(3), 'INT-1'),
        eventCorrected(
          id(4),
          id(3),
          'IntelligenceReceived',
          intelligenceReceived(id(3), 'INT-1', { priority: 'LOW' }).data as never,
        ),
        intelligenceReceived(id(5), 'INT-2'),
        eventRetracted(id(6), id(5)),
      ]);
      for (const target of [id(1), id(2), id(4), id(6)]) {
        expectRefused(() => when(state, [eventRetracted(id(10), target)]), 'operation.event-not-retractable');
      }
    });

    it('refuses to retract a raid with live arrests or seizures, an arrest with a live charge, an OCG with live raids', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        ocgIdentified(id(3), 'OCG-1'),
        raidConducted(id(4), 'RAID-1', { ocgId: 'OCG-1' }),
        arrestMade(id(5), 'ARR-1', { raidId: 'RAID-1' }),
        chargeBrought(id(6), 'ARR-1'),
      ]);
      for (const target of [id(3), id(4), id(5)]) {
        expectRefused(
          () => when(state, [eventRetracted(id(10), target)]),
          'operation.retraction-has-dependants',
          { category: 'illegal-state' },
        );
      }
      // Withdrawn from the leaves up, each retraction is accepted.
      expect(
        when(
          state,
          [id(6), id(5), id(4), id(3)].map((target, i) => eventRetracted(id(20 + i), target)),
        ),
      ).toHaveLength(4);
    });
  });

  describe('speculation', () => {
    it('leaves the given state untouched when a batch is refused halfway', () => {
      const state = launchedWithForces();
      const before = JSON.stringify(state);
      expectRefused(
        () =>
          when(
            state,
            [raidConducted(id(10), 'RAID-1'), arrestMade(id(11), 'ARR-1', { raidId: 'RAID-2' })],
            NWP,
          ),
        'operation.unknown-reference',
        { eventIndex: 1 },
      );
      expect(JSON.stringify(state)).toBe(before);
      expect(hasRecordedEvent(state, id(10))).toBe(false);
      expect(decideOperation(command([raidConducted(id(10), 'RAID-1')], NWP), state)).toHaveLength(1);
    });

    it('tells a recorded event id', () => {
      expect(hasRecordedEvent(launchedWithForces(), id(2))).toBe(true);
      expect(hasRecordedEvent(initialOperationState(), id(1))).toBe(false);
    });
  });
});

describe('evolveOperation', () => {
  it('upcasts a stored IntelligenceReceived v1 while folding it', () => {
    const launched = given([operationLaunched()]);
    const state = evolveOperation(launched, {
      eventId: id(2),
      type: 'IntelligenceReceived',
      schemaVersion: 1,
      occurredAt: '2020-04-02T10:00:00.000Z',
      agency: 'NCA',
      recordedBy: NCA.subject,
      causationId: null,
      classification: 'OFFICIAL-SENSITIVE',
      data: {
        reportRef: 'INT-OLD',
        fromAgency: 'NCA',
        grading: '2/C/P',
        priority: 'LOW',
        threatToLife: false,
        subjects: [],
        region: 'wales',
      },
    });
    expect(when(state, [intelligenceDisseminated(id(3), 'INT-OLD')])).toHaveLength(1);
  });

  it('refuses to fold a history that does not start with the launch', () => {
    expect(() =>
      evolveOperation(initialOperationState(), {
        eventId: id(1),
        type: 'AgencyJoined',
        schemaVersion: 1,
        occurredAt: NOW,
        agency: 'NCA',
        recordedBy: NCA.subject,
        causationId: null,
        classification: 'OFFICIAL',
        data: { agency: 'NWP', region: 'wales' },
      }),
    ).toThrow(InconsistentHistoryError);
  });

  it('refuses to fold an unknown type', () => {
    expect(() =>
      evolveOperation(launchedWithForces(), {
        eventId: id(9),
        type: 'Teleported',
        schemaVersion: 1,
        occurredAt: NOW,
        agency: 'NCA',
        recordedBy: NCA.subject,
        causationId: null,
        classification: 'OFFICIAL',
        data: {},
      }),
    ).toThrow('unknown event type Teleported');
  });

  it('folds a whole history at once to the same state as evolving event by event, leaving the start state alone', () => {
    const start = launchedWithForces();
    const before = JSON.stringify(start);
    const { events } = decideAndEvolve(
      command(
        [
          raidConducted(id(10), 'RAID-1'),
          arrestMade(id(11), 'ARR-1', { raidId: 'RAID-1' }),
          chargeBrought(id(12), 'ARR-1'),
          eventRetracted(id(13), id(12)),
        ],
        NWP,
      ),
      start,
    );
    const folded = foldOperation(events, start);
    expect(JSON.stringify(folded)).toBe(JSON.stringify(events.reduce(evolveOperation, start)));
    expect(JSON.stringify(start)).toBe(before);
    // The result is persistent again: deciding on it does not disturb it.
    const after = JSON.stringify(folded);
    when(folded, [chargeBrought(id(14), 'ARR-1')]);
    expect(JSON.stringify(folded)).toBe(after);
    expect(foldOperation([])).toBe(initialOperationState());
  });

  it('settles the committed state into its native bases; a dropped or older state then fails loudly', () => {
    const committed = launchedWithForces();
    const dropped = decideAndEvolve(command([raidConducted(id(10), 'RAID-1')], NWP), committed).state;
    const stored = decideAndEvolve(command([raidConducted(id(11), 'RAID-2')], NWP), committed).state;
    const before = JSON.stringify(stored);
    const settled = settleOperation(stored, 0);
    expect(JSON.stringify(settled)).toBe(before);
    // The settled state decides as the unsettled one did: RAID-2 is known, RAID-1 (dropped) is not.
    expect(when(settled, [arrestMade(id(12), 'ARR-1', { raidId: 'RAID-2' })], NWP)).toHaveLength(1);
    expect(() => when(settled, [arrestMade(id(12), 'ARR-1', { raidId: 'RAID-1' })], NWP)).toThrow(
      OperationRuleError,
    );
    // The dropped speculative state and the states before may not read the base that moved on.
    expect(() => hasRecordedEvent(dropped, id(11))).toThrow(SupersededLayeredMapError);
    expect(() => hasRecordedEvent(committed, id(11))).toThrow(SupersededLayeredMapError);
    expect(() => when(dropped, [arrestMade(id(12), 'ARR-1', { raidId: 'RAID-1' })], NWP)).toThrow(
      SupersededLayeredMapError,
    );
    // Below the bound nothing moves: the states before stay readable.
    const next = decideAndEvolve(command([raidConducted(id(13), 'RAID-3')], NWP), settled).state;
    expect(settleOperation(next)).toStrictEqual(next);
    expect(hasRecordedEvent(settled, id(13))).toBe(false);
  });

  it('folds decided events to the same state decideAndEvolve returns', () => {
    const events = [
      operationLaunched(),
      agencyJoined(id(2), 'GMP', 'north-west'),
      raidConducted(id(3), 'RAID-1', { force: 'GMP' }),
      arrestMade(id(4), 'ARR-1', { raidId: 'RAID-1', force: 'GMP' }),
    ];
    const { events: decided, state } = decideAndEvolve(command(events, NCA), initialOperationState());
    const folded = decided.reduce(evolveOperation, initialOperationState());
    expect(JSON.stringify(folded)).toBe(JSON.stringify(state));
    expect(when(folded, [arrestMade(id(5), 'ARR-2', { force: 'GMP' })], GMP)).toHaveLength(1);
  });
  describe('dates', () => {
    /** The same event, dated otherwise. */
    const dated = (at: string, recorded: ProposedEvent): ProposedEvent => ({ ...recorded, occurredAt: at });
    const LAUNCH = '2020-03-26T09:00:00.000Z';

    it('refuses an arrest dated before the launch, naming both dates', () => {
      const error = expectRefused(
        () => when(launchedWithForces(), [dated('2020-03-01T06:00:00Z', arrestMade(id(10), 'ARR-1'))], NWP),
        'operation.dated-before-launch',
        { path: 'occurredAt', category: 'rule-violated' },
      );
      expect(error.message).toBe(
        `ArrestMade is dated 2020-03-01T06:00:00.000Z (occurredAt), before the launch of operation VENETIC at ${LAUNCH}`,
      );
      expect(error.details).toMatchObject({ datedAt: '2020-03-01T06:00:00.000Z', launchedAt: LAUNCH });
    });

    it('refuses every other kind of event dated before the launch, and a raid that started before it', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        intelligenceReceived(id(4), 'INT-1'),
      ]);
      const before = '2020-03-26T08:59:59Z';
      for (const early of [
        agencyJoined(id(10), 'GMP', 'north-west'),
        ocgIdentified(id(10), 'OCG-1'),
        raidConducted(id(10), 'RAID-2'),
        seizureRecorded(id(10), 'SZ-1'),
        threatToLifeMitigated(id(10), 'TTL-1'),
        intelligenceDisseminated(id(10), 'INT-1'),
        eventRetracted(id(10), id(3)),
        phaseEnded(id(10)),
        operationClosed(id(10)),
      ]) {
        expectRefused(() => when(state, [dated(before, early)], NWP), 'operation.dated-before-launch');
      }
      expectRefused(
        () => when(state, [raidConducted(id(10), 'RAID-2', { startedAt: '2020-03-25T22:00:00Z' })], NWP),
        'operation.dated-before-launch',
        { path: 'data.startedAt' },
      );
    });

    it('accepts the background that led to the operation before its launch: the crack and intelligence on file', () => {
      const decided = when(launchedWithForces(), [
        event(
          'EncryptionCracked',
          id(10),
          {
            platform: 'EncroChat',
            by: ['FR-GN', 'NL-POLITIE'],
            methodSummary: 'Implant delivered as an update',
            legalBasisRef: 'JIT agreement FR-NL 2020/04',
          },
          { occurredAt: '2020-03-01T00:00:00Z' },
        ),
        dated('2020-02-10T10:00:00Z', intelligenceReceived(id(11), 'INT-1')),
      ]);
      expect(decided.map((accepted) => accepted.type)).toEqual(['EncryptionCracked', 'IntelligenceReceived']);
    });

    it('refuses a corrected launch that would leave recorded events before it', () => {
      const state = given([operationLaunched(), agencyJoined(id(2), 'NWP'), raidConducted(id(3), 'RAID-1')]);
      const launch = operationLaunched().data as EventDataByType['OperationLaunched'];
      expectRefused(
        () =>
          when(state, [
            eventCorrected(id(10), id(1), 'OperationLaunched', {
              ...launch,
              startedAt: '2020-06-16T00:00:00Z',
            }),
          ]),
        'operation.dated-before-launch',
        { path: 'data.replacement.startedAt' },
      );
      expect(
        when(state, [
          eventCorrected(id(10), id(1), 'OperationLaunched', {
            ...launch,
            startedAt: '2020-06-01T00:00:00Z',
          }),
        ]),
      ).toHaveLength(1);
    });

    it('refuses an event dated before what it refers to, naming both dates', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        intelligenceReceived(id(3), 'INT-1'),
        raidConducted(id(4), 'RAID-1'),
        arrestMade(id(5), 'ARR-1', { raidId: 'RAID-1' }),
      ]);
      const error = expectRefused(
        () => when(state, [dated('2020-06-15T05:59:00Z', chargeBrought(id(10), 'ARR-1'))]),
        'operation.dated-before-reference',
        { path: 'data.arrestId', category: 'rule-violated' },
      );
      expect(error.message).toBe(
        'It is dated 2020-06-15T05:59:00.000Z, before the arrest ARR-1 it refers to (2020-06-15T06:00:00.000Z)',
      );
      const cases: [ProposedEvent, string][] = [
        [dated('2020-06-15T05:00:00Z', arrestMade(id(10), 'ARR-2', { raidId: 'RAID-1' })), 'data.raidId'],
        [dated('2020-06-15T05:00:00Z', seizureRecorded(id(10), 'SZ-1', 'RAID-1')), 'data.raidId'],
        [dated('2020-06-15T05:00:00Z', intelligenceDisseminated(id(10), 'INT-1')), 'data.reportRef'],
        [dated('2020-06-15T05:00:00Z', threatToLifeMitigated(id(10), 'TTL-1', 'INT-1')), 'data.reportRef'],
      ];
      for (const [early, path] of cases) {
        expectRefused(() => when(state, [early], NWP), 'operation.dated-before-reference', { path });
      }
      // A correction is judged at the date of the event it corrects: the arrest (06:00) cannot move to a later raid.
      const later = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(4), 'RAID-1'),
        arrestMade(id(5), 'ARR-1'),
        raidConducted(id(6), 'RAID-2', {
          startedAt: '2020-06-16T05:30:00Z',
          endedAt: '2020-06-16T08:00:00Z',
        }),
      ]);
      const arrest = arrestMade(id(5), 'ARR-1').data as EventDataByType['ArrestMade'];
      expectRefused(
        () =>
          when(later, [
            dated(
              '2020-06-20T10:00:00Z',
              eventCorrected(id(10), id(5), 'ArrestMade', { ...arrest, raidId: 'RAID-2' }),
            ),
          ]),
        'operation.dated-before-reference',
        { path: 'data.replacement.raidId' },
      );
    });

    it('refuses a phase end or closure dated before what it ends; charges may follow the closure', () => {
      const state = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        raidConducted(id(3), 'RAID-1'),
        dated('2020-07-01T20:00:00Z', arrestMade(id(4), 'ARR-1')),
      ]);
      const error = expectRefused(
        () => when(state, [phaseEnded(id(10))]),
        'operation.ended-before-last-event',
        { path: 'occurredAt' },
      );
      expect(error.details).toMatchObject({
        datedAt: '2020-07-01T18:00:00.000Z',
        latestAt: '2020-07-01T20:00:00.000Z',
      });
      const intelligence = given([
        operationLaunched(),
        dated('2020-07-02T09:30:00Z', intelligenceReceived(id(2), 'INT-1')),
      ]);
      expectRefused(() => when(intelligence, [operationClosed(id(10))]), 'operation.ended-before-last-event');
      const closed = given([
        operationLaunched(),
        agencyJoined(id(2), 'NWP'),
        arrestMade(id(3), 'ARR-1'),
        operationClosed(id(4)),
      ]);
      expect(
        when(
          closed,
          [dated('2020-11-20T10:00:00Z', chargeBrought(id(10), 'ARR-1'))],
          NCA,
          '2020-12-01T00:00:00.000Z',
        ),
      ).toHaveLength(1);
    });

    it('names the closure date and the event date when refusing an event after the closure', () => {
      const closed = given([operationLaunched(), agencyJoined(id(2), 'NWP'), operationClosed(id(3))]);
      const error = expectRefused(
        () => when(closed, [dated('2020-07-02T10:00:00Z', arrestMade(id(10), 'ARR-1'))], NWP),
        'operation.closed',
      );
      expect(error.message).toBe(
        'Operation VENETIC was closed at 2020-07-02T09:00:00.000Z: only corrections, retractions, charging ' +
          'decisions and court outcomes can be recorded after it, not ArrestMade (dated 2020-07-02T10:00:00.000Z)',
      );
    });

    it('refuses a seizure or a threat-to-life action by an agency that has not joined', () => {
      const state = given([operationLaunched(), agencyJoined(id(2), 'NWP')]);
      const seizure = seizureRecorded(id(10), 'SZ-1');
      expectRefused(
        () =>
          when(state, [{ ...seizure, data: { ...seizure.data, seizedBy: 'MERPOL' } } as ProposedEvent], NWP),
        'operation.agency-not-joined',
        { path: 'data.seizedBy' },
      );
      const threat = threatToLifeMitigated(id(10), 'TTL-1');
      expectRefused(
        () => when(state, [{ ...threat, data: { ...threat.data, force: 'GMP' } } as ProposedEvent], NWP),
        'operation.agency-not-joined',
        { path: 'data.force' },
      );
    });
  });
});
