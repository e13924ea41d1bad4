import fc from 'fast-check';
import type { EventType } from '@timeline/events';
import type { ProposedEvent } from './operation.command';
import type { OperationEvent } from './operation.state';
import { decideAndEvolve, operationDecider } from './operation.decider';
import { OperationRuleError } from './operation.errors';
import { evolveOperation, initialOperationState, type OperationState } from './operation.state';
import {
  agencyJoined,
  arrestMade,
  chargeBrought,
  chargeOutcomeRecorded,
  command,
  eventCorrected,
  eventRetracted,
  id,
  intelligenceDisseminated,
  intelligenceReceived,
  NOW,
  ocgIdentified,
  operationClosed,
  operationLaunched,
  phaseEnded,
  raidConducted,
  seizureRecorded,
  threatToLifeMitigated,
} from '../testing/operation.fixtures';

// Random command sequences over a small universe of ids, so that references
// sometimes hold and sometimes do not, recorders sometimes have joined and
// sometimes not. Whatever is accepted must keep the operation's invariants,
// checked against a plain model rebuilt from the accepted events only.

const AGENCIES = ['NCA', 'NWP', 'GMP', 'MERPOL'] as const;
const small = fc.integer({ min: 0, max: 3 });
const maybeSmall = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: small });

type Step =
  | { kind: 'launch' }
  | { kind: 'join'; agency: number }
  | { kind: 'intel'; ref: number }
  | { kind: 'disseminate'; ref: number }
  | { kind: 'ocg'; ocg: number }
  | {
      kind: 'raid';
      raid: number;
      ocg: number | null;
      intel: number | null;
      force: number;
      backwards: boolean;
    }
  | { kind: 'arrest'; arrest: number; raid: number | null; force: number }
  | { kind: 'charge'; arrest: number }
  | { kind: 'outcome'; arrest: number; variant: number; early: boolean }
  | { kind: 'seizure'; seizure: number; raid: number | null }
  | { kind: 'ttl'; ttl: number; ref: number | null }
  | { kind: 'correct'; target: number; variant: number; other: number }
  | { kind: 'retract'; target: number }
  | { kind: 'phaseEnd' }
  | { kind: 'close' };

const agency = fc.integer({ min: 0, max: AGENCIES.length - 1 });
const step: fc.Arbitrary<{ step: Step; recorder: number; future: boolean; reuseId: boolean }> = fc.record({
  step: fc.oneof(
    { weight: 1, arbitrary: fc.constant<Step>({ kind: 'launch' }) },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('join' as const), agency }) },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('intel' as const), ref: small }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('disseminate' as const), ref: small }) },
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('ocg' as const), ocg: small }) },
    {
      weight: 20,
      arbitrary: fc.record({
        kind: fc.constant('raid' as const),
        raid: small,
        ocg: maybeSmall,
        intel: maybeSmall,
        force: agency,
        backwards: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      }),
    },
    {
      weight: 20,
      arbitrary: fc.record({
        kind: fc.constant('arrest' as const),
        arrest: small,
        raid: maybeSmall,
        force: agency,
      }),
    },
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('charge' as const), arrest: small }) },
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('outcome' as const),
        arrest: small,
        variant: fc.nat(2),
        // One in five is dated before the charge it ends.
        early: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      }),
    },
    {
      weight: 12,
      arbitrary: fc.record({ kind: fc.constant('seizure' as const), seizure: small, raid: maybeSmall }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('ttl' as const), ttl: small, ref: maybeSmall }) },
    {
      weight: 16,
      arbitrary: fc.record({
        kind: fc.constant('correct' as const),
        target: fc.nat(60),
        variant: fc.nat(5),
        other: small,
      }),
    },
    { weight: 16, arbitrary: fc.record({ kind: fc.constant('retract' as const), target: fc.nat(30) }) },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: 'phaseEnd' }) },
    { weight: 1, arbitrary: fc.constant<Step>({ kind: 'close' }) },
  ),
  recorder: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: agency }),
  // One step in twenty claims a future time, one in twenty reuses an event id.
  future: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  reuseId: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});

/** Mostly single events, sometimes a batch of two or three (all or none). */
const batch = fc.oneof(
  { weight: 4, arbitrary: fc.array(step, { minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.array(step, { minLength: 2, maxLength: 3 }) },
);

/** Usually the operation is launched and two forces have joined first; one run in five starts empty. */
const opening = fc
  .integer({ min: 0, max: 4 })
  .map((n) =>
    n > 0
      ? [operationLaunched(id(900)), agencyJoined(id(901), 'NWP'), agencyJoined(id(902), 'GMP', 'north-west')]
      : [],
  );

interface ModelEvent {
  readonly decided: OperationEvent;
  data: Record<string, unknown>;
  retracted: boolean;
}

const OUTCOMES = [
  { outcome: 'convicted', sentence: 'custodial', custodialMonths: 96 },
  { outcome: 'convicted', sentence: 'non-custodial' },
  { outcome: 'acquitted' },
  { outcome: 'discontinued' },
] as const;

/** Builds a concrete event for a step, looking at what has been accepted so far (for correction targets). */
function build(s: Step, eventId: string, log: readonly ModelEvent[]): ProposedEvent {
  const ref = (n: number): string => `INT-${n}`;
  const raid = (n: number): string => `RAID-${n}`;
  switch (s.kind) {
    case 'launch':
      return operationLaunched(eventId);
    case 'join':
      return agencyJoined(eventId, AGENCIES[s.agency]!);
    case 'intel':
      return intelligenceReceived(eventId, ref(s.ref));
    case 'disseminate':
      return intelligenceDisseminated(eventId, ref(s.ref));
    case 'ocg':
      return ocgIdentified(eventId, `OCG-${s.ocg}`);
    case 'raid':
      return raidConducted(eventId, raid(s.raid), {
        force: AGENCIES[s.force]!,
        ...(s.ocg === null ? {} : { ocgId: `OCG-${s.ocg}` }),
        ...(s.intel === null ? {} : { intelligenceRefs: [ref(s.intel)] }),
        ...(s.backwards ? { startedAt: '2020-06-15T12:00:00Z', endedAt: '2020-06-15T11:00:00Z' } : {}),
      });
    case 'arrest':
      return arrestMade(eventId, `ARR-${s.arrest}`, {
        force: AGENCIES[s.force]!,
        ...(s.raid === null ? {} : { raidId: raid(s.raid) }),
      });
    case 'charge':
      return chargeBrought(eventId, `ARR-${s.arrest}`);
    case 'outcome':
      return chargeOutcomeRecorded(
        eventId,
        `ARR-${s.arrest}`,
        OUTCOMES[s.variant]!,
        s.early ? '2020-06-15T05:00:00Z' : '2020-06-29T10:00:00Z',
      );
    case 'seizure':
      return seizureRecorded(eventId, `SZ-${s.seizure}`, s.raid === null ? undefined : raid(s.raid));
    case 'ttl':
      return threatToLifeMitigated(eventId, `TTL-${s.ttl}`, s.ref === null ? undefined : ref(s.ref));
    case 'retract':
      return eventRetracted(eventId, s.target < log.length ? log[s.target]!.decided.eventId : id(9999));
    case 'correct': {
      const target = log[s.target % Math.max(log.length, 1)];
      if (target === undefined)
        return eventCorrected(
          eventId,
          id(9999),
          'RaidConducted',
          raidConducted(eventId, raid(0)).data as never,
        );
      const type = target.decided.type;
      const original = target.data;
      let replacement: Record<string, unknown> = original;
      if (
        type === 'EventCorrected' ||
        type === 'EventRetracted' ||
        type === 'OperationalPhaseEnded' ||
        type === 'OperationClosed'
      ) {
        return eventCorrected(
          eventId,
          target.decided.eventId,
          'RaidConducted',
          raidConducted(eventId, raid(0)).data as never,
        );
      }
      if (type === 'RaidConducted') {
        replacement = [
          { ...original, officers: 99 },
          { ...original, ocgId: `OCG-${s.other}` },
          { ...original, raidId: raid(s.other + 10) },
        ][s.variant % 3]!;
      } else if (type === 'ArrestMade') {
        const { raidId: _dropped, ...withoutRaid } = original;
        replacement = [
          { ...original, raidId: raid(s.other) },
          withoutRaid,
          { ...original, arrestId: `ARR-${s.other + 10}` },
        ][s.variant % 3]!;
      } else if (type === 'SeizureRecorded') {
        replacement = { ...original, raidId: raid(s.other) };
      } else if (type === 'ChargeOutcomeRecorded') {
        replacement = [
          { arrestId: original['arrestId'], ...OUTCOMES[s.other % OUTCOMES.length]! },
          { ...original, arrestId: `ARR-${s.other + 10}` },
        ][s.variant % 2]!;
      }
      const { drugs, ...rest } = replacement as { drugs?: { drugClass?: string }[] };
      const requestShape =
        drugs === undefined
          ? rest
          : { ...rest, drugs: drugs.map(({ drugClass: _derived, ...line }) => line) };
      const correctedType = s.variant === 5 && type !== 'RaidConducted' ? 'RaidConducted' : type;
      return eventCorrected(
        eventId,
        target.decided.eventId,
        correctedType as 'RaidConducted',
        requestShape as never,
      );
    }
    case 'phaseEnd':
      return phaseEnded(eventId);
    case 'close':
      return operationClosed(eventId);
  }
}

/** The invariants, computed from the accepted events alone. */
function checkInvariants(log: readonly ModelEvent[]): void {
  const byId = new Map(log.map((entry) => [entry.decided.eventId, entry]));
  const members = new Set<string>();
  let phaseEnded = false;
  let closed = false;
  const retractedBefore = new Set<string>();
  log.forEach((entry, position) => {
    const { decided } = entry;
    expect(decided.type === 'OperationLaunched').toBe(position === 0);
    expect(Date.parse(decided.occurredAt)).toBeLessThanOrEqual(Date.parse(NOW));
    if (decided.type === 'OperationLaunched') {
      members.add(String((decided.data as { leadAgency: string }).leadAgency));
      members.add(decided.agency);
    } else if (!(
      decided.type === 'AgencyJoined' && (decided.data as { agency: string }).agency === decided.agency
    )) {
      expect(members.has(decided.agency)).toBe(true);
    }
    if (decided.type === 'AgencyJoined') members.add((decided.data as { agency: string }).agency);
    if (phaseEnded || closed)
      expect(['RaidConducted', 'ArrestMade', 'SeizureRecorded']).not.toContain(decided.type);
    if (closed)
      expect(['EventCorrected', 'EventRetracted', 'ChargeBrought', 'ChargeOutcomeRecorded']).toContain(
        decided.type,
      );
    if (decided.type === 'OperationalPhaseEnded') phaseEnded = true;
    if (decided.type === 'OperationClosed') closed = true;
    if (decided.type === 'EventCorrected' || decided.type === 'EventRetracted') {
      const data = decided.data as { correctsEventId?: string; retractsEventId?: string };
      const targetId = (data.correctsEventId ?? data.retractsEventId)!;
      const target = byId.get(targetId);
      expect(target).toBeDefined();
      expect(log.indexOf(target!)).toBeLessThan(position);
      expect(['EventCorrected', 'EventRetracted', 'OperationalPhaseEnded', 'OperationClosed']).not.toContain(
        target!.decided.type,
      );
      // Retracted events are never corrected, nor retracted again.
      expect(retractedBefore.has(targetId)).toBe(false);
      if (decided.type === 'EventCorrected')
        expect((decided.data as { correctedType: EventType }).correctedType).toBe(target!.decided.type);
      if (decided.type === 'EventRetracted') retractedBefore.add(targetId);
    }
  });

  // References of live records point at live records; one live charge per arrest.
  const live = (type: EventType, field: string): Map<string, ModelEvent> =>
    new Map(
      log
        .filter((entry) => entry.decided.type === type && !entry.retracted)
        .map((entry) => [String(entry.data[field]), entry]),
    );
  const raids = live('RaidConducted', 'raidId');
  const arrests = live('ArrestMade', 'arrestId');
  const ocgs = live('OrganisedCrimeGroupIdentified', 'ocgId');
  for (const entry of [...arrests.values(), ...live('SeizureRecorded', 'seizureId').values()]) {
    if (entry.data['raidId'] !== undefined) expect(raids.has(String(entry.data['raidId']))).toBe(true);
  }
  for (const raid of raids.values()) {
    if (raid.data['ocgId'] !== undefined) expect(ocgs.has(String(raid.data['ocgId']))).toBe(true);
    expect(Date.parse(String(raid.data['endedAt']))).toBeGreaterThanOrEqual(
      Date.parse(String(raid.data['startedAt'])),
    );
  }
  const charges = log
    .filter((entry) => entry.decided.type === 'ChargeBrought' && !entry.retracted)
    .map((entry) => String(entry.data['arrestId']));
  expect(new Set(charges).size).toBe(charges.length);
  for (const arrestId of charges) expect(arrests.has(arrestId)).toBe(true);

  // One live court outcome per live charge, dated no earlier than the charge.
  const liveCharges = live('ChargeBrought', 'arrestId');
  const outcomes = log
    .filter((entry) => entry.decided.type === 'ChargeOutcomeRecorded' && !entry.retracted)
    .map((entry) => [String(entry.data['arrestId']), entry] as const);
  expect(new Set(outcomes.map(([arrestId]) => arrestId)).size).toBe(outcomes.length);
  for (const [arrestId, outcome] of outcomes) {
    const charge = liveCharges.get(arrestId);
    expect(charge).toBeDefined();
    expect(outcome.decided.occurredAt >= charge!.decided.occurredAt).toBe(true);
  }
}

describe('decideOperation over random command sequences', () => {
  it('accepts only histories that keep every invariant, refuses with rule errors only, and folds deterministically', () => {
    fc.assert(
      fc.property(
        opening,
        fc.array(batch, { minLength: 1, maxLength: 60, size: 'max' }),
        (first, batches) => {
          let state: OperationState = initialOperationState();
          const log: ModelEvent[] = [];
          if (first.length > 0) {
            const opened = decideAndEvolve(command(first), state);
            opened.events.forEach((decided) =>
              log.push({ decided, data: decided.data as Record<string, unknown>, retracted: false }),
            );
            state = opened.state;
          }
          let nextId = 1;
          for (const batch of batches) {
            const events = batch.map(({ step: s, future, reuseId }) => {
              const eventId = reuseId && log.length > 0 ? log[0]!.decided.eventId : id(nextId++);
              const built = build(s, eventId, log);
              return future ? { ...built, occurredAt: '2020-07-02T12:00:00.001Z' } : built;
            });
            const recorder = AGENCIES[batch[0]!.recorder]!;
            const cmd = command(events, { subject: `${recorder.toLowerCase()}-1`, agency: recorder });
            const before = JSON.stringify(state);
            let outcome: ReturnType<typeof decideAndEvolve>;
            try {
              outcome = decideAndEvolve(cmd, state);
            } catch (error) {
              expect(error).toBeInstanceOf(OperationRuleError);
              expect(JSON.stringify(state)).toBe(before);
              continue;
            }
            // Deciding is a function of the command and the state.
            expect(decideAndEvolve(cmd, state).events).toEqual(outcome.events);
            // The write path runs the Decider: decide, then evolve through the decided events.
            const decided = operationDecider.decide(cmd, state);
            expect(decided).toEqual(outcome.events);
            const evolved = decided.reduce(operationDecider.evolve, state);
            expect(JSON.stringify(evolved)).toBe(JSON.stringify(outcome.state));
            for (const decided of outcome.events) {
              if (decided.type === 'EventCorrected') {
                const data = decided.data as {
                  correctsEventId: string;
                  replacement: Record<string, unknown>;
                };
                log.find((entry) => entry.decided.eventId === data.correctsEventId)!.data = data.replacement;
              }
              if (decided.type === 'EventRetracted') {
                log.find(
                  (entry) =>
                    entry.decided.eventId === (decided.data as { retractsEventId: string }).retractsEventId,
                )!.retracted = true;
              }
              log.push({ decided, data: decided.data as Record<string, unknown>, retracted: false });
            }
            state = outcome.state;
            checkInvariants(log);
          }
          // Folding the stored history from scratch gives the state the write path cached.
          const refolded = log.map((entry) => entry.decided).reduce(evolveOperation, initialOperationState());
          expect(JSON.stringify(refolded)).toBe(JSON.stringify(state));
          // Its fold (loading a stream at once) gives the same state as evolving one by one.
          const loaded = operationDecider.fold!(
            operationDecider.initialState(),
            log.map((entry) => entry.decided),
          );
          expect(JSON.stringify(loaded)).toBe(JSON.stringify(state));
          expect(state.eventCount).toBe(log.length);
          // The write path tells a retry by revisionOf: each accepted event at its place in the log, only those.
          log.forEach((entry, revision) =>
            expect(operationDecider.revisionOf(state, entry.decided.eventId)).toBe(revision),
          );
          expect(operationDecider.revisionOf(state, id(nextId))).toBeUndefined();
          expect(operationDecider.revisionOf(initialOperationState(), log[0]?.decided.eventId ?? id(1))).toBe(
            undefined,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('generates histories deep enough, and refusals varied enough, to mean something', () => {
    // Guards the generator itself: runs that refused almost everything would prove little.
    const acceptedPerRun: number[] = [];
    const codes: Record<string, number> = {};
    fc.assert(
      fc.property(fc.array(batch, { minLength: 60, maxLength: 60 }), (batches) => {
        let state = decideAndEvolve(
          command([operationLaunched(), agencyJoined(id(90), 'NWP'), agencyJoined(id(91), 'GMP')]),
          initialOperationState(),
        ).state;
        let nextId = 1;
        const log: ModelEvent[] = [];
        for (const steps of batches) {
          try {
            const outcome = decideAndEvolve(
              command(steps.map(({ step: s }) => build(s, id(nextId++), log))),
              state,
            );
            outcome.events.forEach((decided) =>
              log.push({ decided, data: decided.data as Record<string, unknown>, retracted: false }),
            );
            state = outcome.state;
          } catch (error) {
            if (!(error instanceof OperationRuleError)) throw error;
            codes[error.code] = (codes[error.code] ?? 0) + 1;
          }
        }
        acceptedPerRun.push(log.length);
      }),
      { numRuns: 50, seed: 42 },
    );
    const mean = acceptedPerRun.reduce((sum, n) => sum + n, 0) / acceptedPerRun.length;
    expect(mean).toBeGreaterThan(12);
    // And the refusals it meets cover the rules, not just one cheap refusal over and over.
    expect(Object.keys(codes)).toEqual(
      expect.arrayContaining([
        'operation.unknown-reference',
        'operation.reference-already-used',
        'operation.raid-ends-before-start',
        'operation.agency-not-joined',
        'operation.correction-type-mismatch',
        'operation.correction-changes-identity',
        'operation.unknown-event',
        'operation.event-not-retractable',
        'operation.event-retracted',
        'operation.retraction-has-dependants',
        'operation.arrest-already-charged',
        'operation.charge-not-brought',
        'operation.outcome-already-recorded',
        'operation.dated-before-reference',
        'operation.operational-phase-ended',
        'operation.closed',
      ]),
    );
  });
});
