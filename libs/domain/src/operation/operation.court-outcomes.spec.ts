import { OperationRuleError, type OperationRuleCode } from './operation.errors';
import { InconsistentHistoryError, evolveOperation, type OperationState } from './operation.state';
import {
  agencyJoined,
  arrestMade,
  chargeBrought,
  chargeOutcomeRecorded,
  eventCorrected,
  eventRetracted,
  given,
  id,
  operationClosed,
  operationLaunched,
  phaseEnded,
  when,
} from '../testing/operation.fixtures';

/** The operation's rules on court outcomes (ChargeOutcomeRecorded). */
function refused(decide: () => unknown, code: OperationRuleCode, path = 'data.arrestId'): OperationRuleError {
  try {
    decide();
  } catch (error) {
    if (!(error instanceof OperationRuleError)) throw error;
    expect([error.code, error.context.path]).toEqual([code, path]);
    return error;
  }
  throw new Error(`expected ${code}`);
}

/** ARR-1 charged (15 June, 06:00); ARR-2 arrested, never charged. */
const charged = (): OperationState =>
  given([
    operationLaunched(),
    agencyJoined(id(2), 'NWP'),
    arrestMade(id(3), 'ARR-1'),
    arrestMade(id(4), 'ARR-2'),
    chargeBrought(id(5), 'ARR-1'),
  ]);

describe('court outcomes', () => {
  it('records a conviction, an acquittal or a discontinuance of a charge', () => {
    for (const outcome of [
      { outcome: 'convicted', sentence: 'custodial', custodialMonths: 162 },
      { outcome: 'convicted', sentence: 'non-custodial' },
      { outcome: 'acquitted' },
      { outcome: 'discontinued' },
    ] as const) {
      const [decided] = when(charged(), [chargeOutcomeRecorded(id(10), 'ARR-1', outcome)]);
      expect(decided).toMatchObject({
        type: 'ChargeOutcomeRecorded',
        data: { arrestId: 'ARR-1', ...outcome },
      });
    }
  });

  it('refuses an outcome of an arrest never charged, unknown or retracted (422)', () => {
    const error = refused(
      () => when(charged(), [chargeOutcomeRecorded(id(10), 'ARR-2')]),
      'operation.charge-not-brought',
    );
    expect(error.category).toBe('rule-violated');
    expect(error.details).toMatchObject({ arrestId: 'ARR-2' });
    refused(() => when(charged(), [chargeOutcomeRecorded(id(10), 'ARR-9')]), 'operation.unknown-reference');
    const withdrawn = given([
      operationLaunched(),
      agencyJoined(id(2), 'NWP'),
      arrestMade(id(3), 'ARR-1'),
      eventRetracted(id(4), id(3)),
    ]);
    refused(() => when(withdrawn, [chargeOutcomeRecorded(id(10), 'ARR-1')]), 'operation.reference-retracted');
  });

  it('refuses an outcome once its charge is retracted', () => {
    const state = given(
      [...[operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')]],
      [chargeBrought(id(5), 'ARR-1'), eventRetracted(id(6), id(5))],
    );
    refused(() => when(state, [chargeOutcomeRecorded(id(10), 'ARR-1')]), 'operation.charge-not-brought');
  });

  it('refuses an outcome dated before its charge', () => {
    const error = refused(
      () =>
        when(charged(), [
          chargeOutcomeRecorded(id(10), 'ARR-1', { outcome: 'acquitted' }, '2020-06-15T05:59:59Z'),
        ]),
      'operation.dated-before-reference',
    );
    expect(error.details).toMatchObject({
      datedAt: '2020-06-15T05:59:59.000Z',
      referenceDatedAt: '2020-06-15T06:00:00.000Z',
    });
    // The same instant as the charge is not before it.
    expect(
      when(charged(), [
        chargeOutcomeRecorded(id(10), 'ARR-1', { outcome: 'discontinued' }, '2020-06-15T06:00:00Z'),
      ]),
    ).toHaveLength(1);
  });

  it('takes one outcome per charge (409), another once the first is retracted', () => {
    const decided = given(
      [...[operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')]],
      [chargeBrought(id(5), 'ARR-1'), chargeOutcomeRecorded(id(6), 'ARR-1')],
    );
    const error = refused(
      () => when(decided, [chargeOutcomeRecorded(id(10), 'ARR-1', { outcome: 'acquitted' })]),
      'operation.outcome-already-recorded',
    );
    expect(error.category).toBe('illegal-state');
    expect(error.details).toMatchObject({ arrestId: 'ARR-1', outcomeEventId: id(6) });
    const retracted = given(
      [operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')],
      [chargeBrought(id(5), 'ARR-1'), chargeOutcomeRecorded(id(6), 'ARR-1'), eventRetracted(id(7), id(6))],
    );
    expect(when(retracted, [chargeOutcomeRecorded(id(10), 'ARR-1', { outcome: 'acquitted' })])).toHaveLength(
      1,
    );
  });

  it('keeps a charge with a live outcome from being retracted', () => {
    const decided = given(
      [operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')],
      [chargeBrought(id(5), 'ARR-1'), chargeOutcomeRecorded(id(6), 'ARR-1')],
    );
    refused(
      () => when(decided, [eventRetracted(id(10), id(5))]),
      'operation.retraction-has-dependants',
      'data.retractsEventId',
    );
    expect(when(decided, [eventRetracted(id(10), id(6)), eventRetracted(id(11), id(5))])).toHaveLength(2);
  });

  it('corrects an outcome but not the charge it ends', () => {
    const decided = given(
      [operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')],
      [chargeBrought(id(5), 'ARR-1'), chargeOutcomeRecorded(id(6), 'ARR-1')],
    );
    const appeal = {
      arrestId: 'ARR-1',
      outcome: 'convicted',
      sentence: 'custodial',
      custodialMonths: 72,
    } as const;
    expect(when(decided, [eventCorrected(id(10), id(6), 'ChargeOutcomeRecorded', appeal)])).toHaveLength(1);
    refused(
      () =>
        when(decided, [
          eventCorrected(id(10), id(6), 'ChargeOutcomeRecorded', { ...appeal, arrestId: 'ARR-2' }),
        ]),
      'operation.correction-changes-identity',
      'data.replacement.arrestId',
    );
  });

  it('records outcomes after the phase has ended and after the closure, without moving the closure', () => {
    const closed = given(
      [operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')],
      [chargeBrought(id(5), 'ARR-1'), phaseEnded(id(6)), operationClosed(id(7))],
    );
    const [decided] = when(
      closed,
      [chargeOutcomeRecorded(id(10), 'ARR-1', undefined, '2021-03-12T10:00:00Z')],
      undefined,
      '2021-03-12T12:00:00Z',
    );
    expect(decided!.occurredAt).toBe('2021-03-12T10:00:00.000Z');
  });

  it('refuses to fold an outcome of no charge: a history no decision produced', () => {
    const state = given([operationLaunched(), agencyJoined(id(2), 'NWP'), arrestMade(id(3), 'ARR-1')]);
    const [outcome] = [chargeOutcomeRecorded(id(10), 'ARR-1')];
    expect(() =>
      evolveOperation(state, {
        ...outcome!,
        agency: 'NWP',
        recordedBy: 'nwp-officer',
        causationId: null,
        classification: 'OFFICIAL',
      }),
    ).toThrow(InconsistentHistoryError);
  });
});
