import fc from 'fast-check';
import { canonicalJson, decodeStateSnapshot, type JsonValue } from '@timeline/kernel';
import {
  agencyJoined,
  arrestMade,
  chargeBrought,
  chargeOutcomeRecorded,
  command,
  eventCorrected,
  eventRetracted,
  given,
  id,
  intelligenceDisseminated,
  intelligenceReceived,
  NWP,
  ocgIdentified,
  operationClosed,
  operationLaunched,
  phaseEnded,
  raidConducted,
  seizureRecorded,
  threatToLifeMitigated,
} from '../testing/operation.fixtures';
import { randomHistory } from '../testing/operation.histories';
import { decideAndEvolve, operationDecider } from './operation.decider';
import { OPERATION_STATE_VERSION, operationStateSnapshotCodec } from './operation.state-snapshot';
import { foldOperation, initialOperationState, type OperationState } from './operation.state';

/**
 * The digest of the state folded from FIXED_HISTORY under each state version.
 * When this test fails, evolve/fold now builds another state from the same
 * events: raise OPERATION_STATE_VERSION (snapshots taken under the old rules are
 * then rebuilt from the log) and record the new digest under the new version.
 */
const STATE_DIGEST_BY_VERSION: Record<number, string> = {
  1: 'a6a46f8466c6c612-5965',
  2: '38c20f28d00d993e-6277',
};

/** Every event type, corrections of each correctable kind, retractions and the closure. */
function fixedHistoryState(): OperationState {
  return given(
    [operationLaunched(), agencyJoined(id(2), 'NWP'), agencyJoined(id(3), 'GMP', 'north-west')],
    [intelligenceReceived(id(4), 'INT-1'), intelligenceDisseminated(id(5), 'INT-1')],
    [ocgIdentified(id(6), 'OCG-1'), ocgIdentified(id(7), 'OCG-2')],
    [raidConducted(id(8), 'RAID-1', { ocgId: 'OCG-1' }), raidConducted(id(9), 'RAID-2')],
    [arrestMade(id(10), 'ARR-1', { raidId: 'RAID-1' }), arrestMade(id(11), 'ARR-2')],
    [seizureRecorded(id(12), 'SZ-1', 'RAID-1'), seizureRecorded(id(13), 'SZ-2')],
    [chargeBrought(id(14), 'ARR-1'), chargeOutcomeRecorded(id(15), 'ARR-1')],
    [threatToLifeMitigated(id(16), 'TTL-1', 'INT-1')],
    [
      eventCorrected(
        id(17),
        id(10),
        'ArrestMade',
        {
          arrestId: 'ARR-1',
          subjectId: 'SUBJ-7F3K2',
          suspectedOffences: ['conspiracy-to-supply-class-a'],
          force: 'NWP',
          raidId: 'RAID-2',
        },
        'OFFICIAL-SENSITIVE',
      ),
      eventCorrected(id(18), id(9), 'RaidConducted', {
        raidId: 'RAID-2',
        force: 'NWP',
        postcodeDistrict: 'LL12',
        legalPower: 'mda-s23-warrant',
        startedAt: '2020-06-15T04:30:00Z',
        endedAt: '2020-06-15T12:45:00Z',
        officers: 30,
        ocgId: 'OCG-2',
      }),
    ],
    [eventRetracted(id(19), id(13)), eventRetracted(id(20), id(11))],
    { events: [arrestMade(id(21), 'ARR-3', { raidId: 'RAID-1' })], by: NWP },
    [phaseEnded(id(22))],
    [operationClosed(id(23))],
  );
}

/** The state as plain, canonical JSON: every fact of every collection. */
function plain(state: OperationState): string {
  const toPlain = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && 'toJS' in value
      ? (value as { toJS(): unknown }).toJS()
      : value;
  return canonicalJson(
    Object.fromEntries(Object.entries(state).map(([key, value]) => [key, toPlain(value)])),
  );
}

/** FNV-1a over the text, twice with different offsets: a drift detector, not a security measure. */
function digestOf(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193 + 2) >>> 0;
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}-${text.length}`;
}

const roundTrip = (state: OperationState): OperationState =>
  decodeStateSnapshot(
    operationStateSnapshotCodec,
    [...operationStateSnapshotCodec.encode(state)].map(
      (part) => JSON.parse(JSON.stringify(part)) as JsonValue,
    ),
  );

/** A valid header of a one-event state, with fields overridden. */
function header(fields: Record<string, JsonValue> = {}): JsonValue {
  return {
    status: 'active',
    eventCount: 1,
    agencies: ['NCA'],
    types: ['OperationLaunched'],
    classifications: ['OFFICIAL'],
    ...fields,
  };
}

/** The columns of one event at revision 0, with columns overridden. */
function eventsPart(columns: Record<string, JsonValue[]> = {}): JsonValue {
  return {
    id: ['x'],
    revision: [0],
    type: [0],
    classification: [0],
    retracted: [0],
    key: ['NCA'],
    occurredAt: ['2020-06-15T06:00:00.000Z'],
    ...columns,
  };
}

describe('operation state snapshots', () => {
  it('keeps the state version with the shape of the state folded from a fixed history', () => {
    const state = fixedHistoryState();
    expect(state.status).toBe('closed');
    const digest = digestOf(plain(state));
    expect({ version: OPERATION_STATE_VERSION, digest }).toEqual({
      version: OPERATION_STATE_VERSION,
      digest: STATE_DIGEST_BY_VERSION[OPERATION_STATE_VERSION],
    });
  });

  it('is the codec the operation decider carries', () => {
    expect(operationDecider.snapshot).toBe(operationStateSnapshotCodec);
    expect(operationDecider.snapshot!.version).toBe(OPERATION_STATE_VERSION);
  });

  it('reads back every fact of the fixed history and of the state before the launch', () => {
    const state = fixedHistoryState();
    expect(plain(roundTrip(state))).toBe(plain(state));
    expect(roundTrip(initialOperationState())).toEqual(initialOperationState());
  });

  it('reads back the state of random histories, which then decides as the original', () => {
    fc.assert(
      fc.property(randomHistory(30), (history) => {
        let state = initialOperationState();
        for (const request of history) {
          try {
            state = decideAndEvolve(command(request.events, request.recorder), state).state;
          } catch {
            // Refused: the state stays.
          }
        }
        const read = roundTrip(state);
        expect(plain(read)).toBe(plain(state));
        // Folding the same events onto either gives the same state.
        const next = [agencyJoined(id(5000), 'MERPOL')];
        const decide = (from: OperationState): string => {
          try {
            return plain(foldOperation(decideAndEvolve(command(next), from).events, from));
          } catch (error: unknown) {
            return (error as { code?: string }).code ?? String(error);
          }
        };
        expect(decide(read)).toBe(decide(state));
      }),
      { numRuns: 150 },
    );
  });

  it('splits a large state into bounded parts', () => {
    const events = [operationLaunched(id(1))];
    for (let n = 2; n < 10_000; n += 1) events.push(intelligenceReceived(id(n), `INT-${n}`));
    let state = initialOperationState();
    for (let start = 0; start < events.length; start += 100) {
      state = decideAndEvolve(command(events.slice(start, start + 100)), state).state;
    }
    const parts = [...operationStateSnapshotCodec.encode(state)];
    expect(parts.length).toBeGreaterThan(4);
    for (const [, columns] of parts.slice(1) as [string, Record<string, unknown[]>][]) {
      const lengths = new Set(Object.values(columns).map((column) => column.length));
      expect(lengths.size).toBe(1);
      expect([...lengths][0]).toBeLessThanOrEqual(4096);
    }
    expect(plain(roundTrip(state))).toBe(plain(state));
  });

  it.each<[string, JsonValue[]]>([
    ['no header', []],
    ['an unknown status', [{ status: 'dormant' }]],
    ['a header without its tables', [{ status: 'active', eventCount: 1, agencies: [] }]],
    ['an unknown type in the table', [header({ types: ['Teleported'] })]],
    ['an unknown part', [header(), ['spies', eventsPart()]]],
    ['a miscount', [header({ eventCount: 2 }), ['events', eventsPart()]]],
    ['a type index off the table', [header(), ['events', eventsPart({ type: [99] })]]],
    ['a marking index off the table', [header(), ['events', eventsPart({ classification: [7] })]]],
    ['a revision past the count', [header(), ['events', eventsPart({ revision: [1] })]]],
    ['a column cut short', [header(), ['events', eventsPart({ occurredAt: [] })]]],
    [
      'a revision given twice',
      [header({ eventCount: 2 }), ['events', eventsPart()], ['events', eventsPart({ id: ['y'] })]],
    ],
    [
      'an entity naming no event',
      [
        header(),
        ['events', eventsPart()],
        ['reports', { key: ['INT-1'], event: [3], retracted: [0], occurredAt: [null] }],
      ],
    ],
    [
      'an entity before the events',
      [header(), ['reports', { key: ['INT-1'], event: [0], retracted: [0], occurredAt: [null] }]],
    ],
  ])('refuses parts with %s', (_, parts) => {
    expect(() => decodeStateSnapshot(operationStateSnapshotCodec, parts)).toThrow();
  });
});
