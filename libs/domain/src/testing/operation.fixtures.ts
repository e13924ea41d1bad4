import type { Classification, EventDataByType, EventType } from '@timeline/events';
import type { ProposedEvent, RecordEventsCommand, Recorder } from '../operation/operation.command';
import { decideAndEvolve } from '../operation/operation.decider';
import {
  initialOperationState,
  type OperationEvent,
  type OperationState,
} from '../operation/operation.state';

// Small builders with fixed values for the decider's tests, so a failure reads plainly.

export const NOW = '2020-07-02T12:00:00.000Z';
export const NCA = { subject: 'nca-analyst-01', agency: 'NCA' } as const;
export const NWP = { subject: 'nwp-officer-17', agency: 'NWP' } as const;
export const GMP = { subject: 'gmp-officer-03', agency: 'GMP' } as const;

/** A fixed UUID per number: `id(7)` is always the same event id. */
export function id(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function event<K extends EventType>(
  type: K,
  eventId: string,
  data: EventDataByType[K],
  options: {
    occurredAt?: string;
    classification?: Classification;
    causationId?: string;
    schemaVersion?: number;
  } = {},
): ProposedEvent {
  return {
    eventId,
    type,
    schemaVersion: options.schemaVersion ?? 1,
    occurredAt: options.occurredAt ?? '2020-06-15T06:00:00Z',
    data,
    ...(options.classification === undefined ? {} : { classification: options.classification }),
    ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
  } as ProposedEvent;
}

export const operationLaunched = (eventId = id(1)): ProposedEvent =>
  event(
    'OperationLaunched',
    eventId,
    {
      codename: 'VENETIC',
      leadAgency: 'NCA',
      startedAt: '2020-03-26T09:00:00Z',
      description: 'UK response to the EncroChat implant',
    },
    { occurredAt: '2020-03-26T09:00:00Z' },
  );

export const agencyJoined = (
  eventId: string,
  agency: EventDataByType['AgencyJoined']['agency'],
  region: EventDataByType['AgencyJoined']['region'] = 'wales',
): ProposedEvent => event('AgencyJoined', eventId, { agency, region });

export const intelligenceReceived = (
  eventId: string,
  reportRef: string,
  overrides: Partial<EventDataByType['IntelligenceReceived']> = {},
): ProposedEvent =>
  event(
    'IntelligenceReceived',
    eventId,
    {
      reportRef,
      fromAgency: 'NCA',
      grading: { source: 1, intelligence: 'B', handling: 'P' },
      priority: 'MEDIUM',
      threatToLife: false,
      subjects: ['SUBJ-7F3K2'],
      region: 'wales',
      ...overrides,
    },
    { schemaVersion: 2 },
  );

export const intelligenceDisseminated = (eventId: string, reportRef: string): ProposedEvent =>
  event('IntelligenceDisseminated', eventId, { reportRef, toAgency: 'NWP', sanitised: true });

export const ocgIdentified = (eventId: string, ocgId: string): ProposedEvent =>
  event('OrganisedCrimeGroupIdentified', eventId, {
    ocgId,
    codename: 'GREY HERON',
    leadForce: 'NWP',
    band: 'high',
    threatScore: 80,
    activities: ['drug-supply'],
  });

export const raidConducted = (
  eventId: string,
  raidId: string,
  overrides: Partial<EventDataByType['RaidConducted']> = {},
): ProposedEvent =>
  event('RaidConducted', eventId, {
    raidId,
    force: 'NWP',
    postcodeDistrict: 'LL11',
    legalPower: 'mda-s23-warrant',
    startedAt: '2020-06-15T05:30:00Z',
    endedAt: '2020-06-15T11:45:00Z',
    officers: 24,
    ...overrides,
  });

export const arrestMade = (
  eventId: string,
  arrestId: string,
  overrides: Partial<EventDataByType['ArrestMade']> = {},
): ProposedEvent =>
  event('ArrestMade', eventId, {
    arrestId,
    subjectId: 'SUBJ-7F3K2',
    suspectedOffences: ['conspiracy-to-supply-class-a'],
    force: 'NWP',
    ...overrides,
  });

export const chargeBrought = (eventId: string, arrestId: string): ProposedEvent =>
  event('ChargeBrought', eventId, {
    arrestId,
    offences: ['conspiracy-to-supply-class-a'],
    decidedBy: 'cps',
    remandedInCustody: true,
  });

/** A court outcome, by default a custodial conviction dated a fortnight after the default charge. */
export const chargeOutcomeRecorded = (
  eventId: string,
  arrestId: string,
  outcome: Omit<EventDataByType['ChargeOutcomeRecorded'], 'arrestId'> = {
    outcome: 'convicted',
    sentence: 'custodial',
    custodialMonths: 96,
  },
  occurredAt = '2020-06-29T10:00:00Z',
): ProposedEvent => event('ChargeOutcomeRecorded', eventId, { arrestId, ...outcome }, { occurredAt });

export const seizureRecorded = (eventId: string, seizureId: string, raidId?: string): ProposedEvent =>
  event('SeizureRecorded', eventId, {
    seizureId,
    ...(raidId === undefined ? {} : { raidId }),
    seizedBy: 'NWP',
    postcodeDistrict: 'LL11',
    drugs: [{ drugType: 'cocaine', quantity: 2.35, unit: 'kg', purity: { testStatus: 'untested' } }],
    cash: [{ amountPence: 4_275_000, power: 'poca-s294' }],
  });

export const threatToLifeMitigated = (eventId: string, ttlId: string, reportRef?: string): ProposedEvent =>
  event(
    'ThreatToLifeMitigated',
    eventId,
    {
      ttlId,
      action: 'warning-notice',
      force: 'NWP',
      ...(reportRef === undefined ? {} : { reportRef }),
    },
    { classification: 'OFFICIAL-SENSITIVE' },
  );

export const eventCorrected = <K extends keyof EventDataByType>(
  eventId: string,
  correctsEventId: string,
  correctedType: K,
  replacement: EventDataByType[K],
  classification?: Classification,
): ProposedEvent =>
  event(
    'EventCorrected',
    eventId,
    {
      correctsEventId,
      correctedType,
      replacement,
      reason: 'Keyed wrongly from the custody record',
    } as EventDataByType['EventCorrected'],
    classification === undefined ? {} : { classification },
  );

export const eventRetracted = (eventId: string, retractsEventId: string): ProposedEvent =>
  event('EventRetracted', eventId, { retractsEventId, reason: 'entered-in-error' });

export const phaseEnded = (eventId: string): ProposedEvent =>
  event(
    'OperationalPhaseEnded',
    eventId,
    { reason: 'Executive phase complete' },
    { occurredAt: '2020-07-01T18:00:00Z' },
  );

export const operationClosed = (eventId: string): ProposedEvent =>
  event(
    'OperationClosed',
    eventId,
    { reason: 'All charging decisions made' },
    { occurredAt: '2020-07-02T09:00:00Z' },
  );

export function command(
  events: readonly ProposedEvent[],
  recorder: Recorder = NCA,
  now = NOW,
): RecordEventsCommand {
  return { operationId: 'venetic', now, recorder, events };
}

/** The state after recording each group of events, in order, each group as one command. */
export function given(
  ...groups: (readonly ProposedEvent[] | { events: readonly ProposedEvent[]; by: Recorder })[]
): OperationState {
  return groups.reduce<OperationState>((state, group) => {
    const [events, by] = Array.isArray(group)
      ? [group as readonly ProposedEvent[], NCA]
      : [(group as { events: readonly ProposedEvent[] }).events, (group as { by: Recorder }).by];
    return decideAndEvolve(command(events, by), state).state;
  }, initialOperationState());
}

/** A launched operation NWP and GMP have joined. */
export function launchedWithForces(): OperationState {
  return given([operationLaunched(), agencyJoined(id(2), 'NWP'), agencyJoined(id(3), 'GMP', 'north-west')]);
}

export function when(
  state: OperationState,
  events: readonly ProposedEvent[],
  recorder: Recorder = NCA,
  now = NOW,
): OperationEvent[] {
  return decideAndEvolve(command(events, recorder, now), state).events;
}
