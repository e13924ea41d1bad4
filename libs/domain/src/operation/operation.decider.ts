import {
  CLASSIFICATIONS,
  EVENT_CATALOGUE,
  AFTER_CLOSURE_EVENT_TYPES,
  OPERATIONAL_EVENT_TYPES,
  RETRACTABLE_EVENT_TYPES,
  currentVersionOf,
  identityFieldOf,
  isUtcTimestamp,
  normaliseUtcTimestamp,
  toStoredEventData,
  type Classification,
  type EventDataByType,
  type EventType,
} from '@timeline/events';
import type { Decider } from '@timeline/kernel';
import type { LayeredMap } from '../collections/layered-map';
import type { ProposedEvent, RecordEventsCommand } from './operation.command';
import { OperationRuleError, type OperationRuleCode } from './operation.errors';
import {
  evolveOperation,
  foldOperation,
  higherClassification,
  identityOf,
  instant,
  initialOperationState,
  MAY_PREDATE_LAUNCH,
  revisionOfEvent,
  settleOperation,
  type LaunchedOperation,
  type OperationEvent,
  type OperationState,
} from './operation.state';
import { operationStateSnapshotCodec } from './operation.state-snapshot';

type Data<K extends EventType> = EventDataByType[K];

const OPERATIONAL: readonly string[] = OPERATIONAL_EVENT_TYPES;
const RETRACTABLE: readonly string[] = RETRACTABLE_EVENT_TYPES;
const AFTER_CLOSURE: readonly string[] = AFTER_CLOSURE_EVENT_TYPES;

/**
 * Decides a command against the operation's state: every event of the batch is
 * checked in order against the state evolved through the events before it, so a
 * batch may launch an operation and let agencies join in one go. Returns the
 * events to store (data with derived fields) and the state after them, or
 * throws the first OperationRuleError. The given state is never modified.
 */
export function decideAndEvolve(
  command: RecordEventsCommand,
  state: OperationState,
): { readonly events: OperationEvent[]; readonly state: OperationState } {
  const now = Date.parse(command.now);
  if (!isUtcTimestamp(command.now))
    throw new TypeError(`command.now must be a UTC timestamp, got ${command.now}`);
  const latest = now + (command.futureToleranceMs ?? 0);
  let current = state;
  const events = command.events.map((event, index) => {
    const decided = new EventDecision(current, event, index, command, latest).decide();
    current = evolveOperation(current, decided);
    return decided;
  });
  return { events, state: current };
}

/** `decide(command, state) → events`: the events to store for a command, or an OperationRuleError. */
export function decideOperation(command: RecordEventsCommand, state: OperationState): OperationEvent[] {
  return decideAndEvolve(command, state).events;
}

/**
 * The operation decider's shape: a `Decider` over its command and events. The
 * write path runs one over whatever state it keeps (a test may give a decider of
 * its own); `operationDecider` is the real one.
 */
export interface OperationDecider<State = OperationState> extends Decider<
  RecordEventsCommand,
  OperationEvent,
  State
> {
  /**
   * The stream revision of an event the state has folded, or undefined: the
   * write path tells a retried event by it, so the state is its one index of ids.
   */
  revisionOf(state: State, eventId: string): number | undefined;
}

/**
 * The operation's decider (docs/architecture.md §1), as the write path runs it:
 * `decide` refuses a command with an OperationRuleError; `evolve` folds a decided
 * or stored event; `fold` loads a long stream at once; `settle` folds the
 * committed state's overlays into their shared bases; `revisionOf` finds a folded
 * event's revision; `snapshot` writes the state to a snapshot of the decided state
 * and reads it back.
 */
export const operationDecider: OperationDecider = {
  initialState: initialOperationState,
  decide: decideOperation,
  evolve: evolveOperation,
  fold: (state, events) => foldOperation(events, state),
  settle: settleOperation,
  revisionOf: revisionOfEvent,
  snapshot: operationStateSnapshotCodec,
};

/** When a raid started, as what an arrest or seizure at it refers to. */
function raidStart(state: LaunchedOperation, raidId: string | undefined): { occurredAt: string } | undefined {
  const raid = raidId === undefined ? undefined : state.raids.get(raidId);
  return raid === undefined ? undefined : { occurredAt: raid.startedAt };
}

function classificationRank(classification: Classification): number {
  return CLASSIFICATIONS.indexOf(classification);
}

/** The checks of one event of a batch against the state before it. */
class EventDecision {
  constructor(
    private readonly state: OperationState,
    private readonly event: ProposedEvent,
    private readonly index: number,
    private readonly command: RecordEventsCommand,
    private readonly latest: number,
  ) {}

  private fail(
    code: OperationRuleCode,
    message: string,
    path?: string,
    extra: Record<string, unknown> = {},
  ): never {
    throw new OperationRuleError(code, message, {
      eventIndex: this.index,
      eventId: this.event.eventId,
      type: this.event.type,
      ...(path === undefined ? {} : { path }),
      ...extra,
    });
  }

  decide(): OperationEvent {
    const { event, state } = this;
    const current = currentVersionOf(event.type);
    if (event.schemaVersion !== current) {
      this.fail(
        'operation.stale-schema-version',
        `${event.type} must be decided at schema version ${current}, not ${event.schemaVersion}`,
        'schemaVersion',
        {
          currentVersion: current,
        },
      );
    }
    this.checkTime(event.occurredAt, 'occurredAt');
    if (state.status === 'not-launched') {
      if (event.type !== 'OperationLaunched') {
        this.fail(
          'operation.not-launched',
          `The operation has not been launched: its first event must be OperationLaunched, not ${event.type}`,
        );
      }
      this.checkTime((event.data as Data<'OperationLaunched'>).startedAt, 'data.startedAt');
      if (event.causationId !== undefined && event.causationId !== null) {
        this.fail(
          'operation.unknown-causation',
          `Causation id ${event.causationId} is not an event of this operation`,
          'causationId',
          {
            causationId: event.causationId,
          },
        );
      }
      return this.accept(this.classificationFor(undefined));
    }
    // Membership first: what a non-member is told says nothing of the operation.
    this.checkRecorder(state);
    if (event.type === 'OperationLaunched')
      this.fail('operation.already-launched', `Operation ${state.codename} has already been launched`);
    if (state.events.has(event.eventId)) {
      this.fail(
        'operation.duplicate-event-id',
        `Event id ${event.eventId} is already recorded in this operation`,
        'eventId',
      );
    }
    this.checkLifecycle(state);
    this.checkLaunchBound(state);
    if (
      event.causationId !== undefined &&
      event.causationId !== null &&
      !state.events.has(event.causationId)
    ) {
      this.fail(
        'operation.unknown-causation',
        `Causation id ${event.causationId} is not an event of this operation`,
        'causationId',
        {
          causationId: event.causationId,
        },
      );
    }
    const correctedClassification = this.checkData(
      state,
      event.type,
      event.data,
      'data',
      'new',
      instant(event.occurredAt),
    );
    return this.accept(this.classificationFor(correctedClassification));
  }

  private accept(classification: Classification): OperationEvent {
    const { event, command } = this;
    return {
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      occurredAt: normaliseUtcTimestamp(event.occurredAt),
      agency: command.recorder.agency,
      recordedBy: command.recorder.subject,
      classification,
      causationId: event.causationId ?? null,
      data: toStoredEventData(event.type, event.data as never),
    };
  }

  private classificationFor(correctedClassification: Classification | undefined): Classification {
    const { event } = this;
    let minimum = EVENT_CATALOGUE[event.type].minimumClassification;
    if (event.type === 'EventCorrected') {
      minimum = higherClassification(
        minimum,
        EVENT_CATALOGUE[event.data.correctedType].minimumClassification,
      );
      if (correctedClassification !== undefined)
        minimum = higherClassification(minimum, correctedClassification);
    }
    const given = event.classification ?? minimum;
    if (classificationRank(given) < classificationRank(minimum)) {
      this.fail(
        'operation.classification-too-low',
        `${event.type} must be marked at least ${minimum}, not ${given}`,
        'classification',
        {
          minimum,
        },
      );
    }
    return given;
  }

  private checkTime(value: unknown, path: string): void {
    if (!isUtcTimestamp(value))
      this.fail(
        'operation.invalid-timestamp',
        `${path} must be a UTC timestamp such as 2020-06-13T05:30:00Z`,
        path,
      );
    if (Date.parse(value) > this.latest) {
      this.fail(
        'operation.occurred-in-future',
        `${path} ${value} lies after the moment of recording ${this.command.now}`,
        path,
        {
          now: this.command.now,
        },
      );
    }
  }

  /** Only agencies taking part record, their own joining included: a member admits an agency. */
  private checkRecorder(state: LaunchedOperation): void {
    const { agency } = this.command.recorder;
    if (state.agencies.has(agency)) return;
    this.fail(
      'operation.agency-not-joined',
      `Agency ${agency} takes no part in operation ${this.command.operationId} and cannot record in it`,
      undefined,
      { agency },
    );
  }

  private checkLifecycle(state: LaunchedOperation): void {
    const { type } = this.event;
    const occurredAt = instant(this.event.occurredAt);
    if (state.status === 'closed' && !AFTER_CLOSURE.includes(type)) {
      this.fail(
        'operation.closed',
        `Operation ${state.codename} was closed at ${state.closedAt}: only corrections, retractions, charging ` +
          `decisions and court outcomes can be recorded after it, not ${type} (dated ${occurredAt})`,
        undefined,
        { closedAt: state.closedAt, occurredAt },
      );
    }
    if (state.status !== 'active' && OPERATIONAL.includes(type)) {
      this.fail(
        'operation.operational-phase-ended',
        `The operational phase of ${state.codename} ended at ${state.phaseEndedAt}: no ${type} can be recorded ` +
          `(dated ${occurredAt})`,
        undefined,
        { phaseEndedAt: state.phaseEndedAt, occurredAt },
      );
    }
    if (state.status === 'phase-ended' && type === 'OperationalPhaseEnded') {
      this.fail(
        'operation.phase-already-ended',
        `The operational phase of ${state.codename} has already ended`,
      );
    }
  }

  /** Nothing but the background (MAY_PREDATE_LAUNCH) is dated before the operation's launch. */
  private checkLaunchBound(state: LaunchedOperation): void {
    if (MAY_PREDATE_LAUNCH.includes(this.event.type)) return;
    this.checkNotBeforeLaunch(state, instant(this.event.occurredAt), 'occurredAt');
  }

  private checkNotBeforeLaunch(state: LaunchedOperation, at: string, path: string): void {
    if (at >= state.startedAt) return;
    this.fail(
      'operation.dated-before-launch',
      `${this.event.type} is dated ${at} (${path}), before the launch of operation ${state.codename} at ${state.startedAt}`,
      path,
      { datedAt: at, launchedAt: state.startedAt },
    );
  }

  /** What an event refers to happened no later than the event itself. */
  private checkNotBefore(
    at: string,
    reference: { readonly occurredAt: string } | undefined,
    kind: string,
    ref: string | undefined,
    path: string,
  ): void {
    if (reference === undefined || ref === undefined || at >= reference.occurredAt) return;
    this.fail(
      'operation.dated-before-reference',
      `It is dated ${at}, before the ${kind} ${ref} it refers to (${reference.occurredAt})`,
      path,
      { datedAt: at, kind, ref, referenceDatedAt: reference.occurredAt },
    );
  }

  /** A phase end or closure is not dated before what it ends. */
  private checkEndsAfter(latest: string, at: string, what: string): void {
    if (at >= latest) return;
    this.fail(
      'operation.ended-before-last-event',
      `${this.event.type} is dated ${at}, before the latest ${what} of the operation (${latest})`,
      'occurredAt',
      { datedAt: at, latestAt: latest },
    );
  }

  private checkJoined(state: LaunchedOperation, agency: string, path: string): void {
    if (!state.agencies.has(agency)) {
      this.fail(
        'operation.agency-not-joined',
        `Agency ${agency} has not joined operation ${state.codename}`,
        path,
        { agency },
      );
    }
  }

  private checkUnused(map: LayeredMap<string, unknown>, kind: string, ref: string, path: string): void {
    if (map.has(ref))
      this.fail(
        'operation.reference-already-used',
        `A ${kind} with id ${ref} is already recorded in this operation`,
        path,
        { kind, ref },
      );
  }

  private checkLive(
    map: LayeredMap<string, { readonly retracted: boolean }>,
    kind: string,
    ref: string | undefined,
    path: string,
  ): void {
    if (ref === undefined) return;
    const entity = map.get(ref);
    if (entity === undefined)
      this.fail(
        'operation.unknown-reference',
        `No ${kind} ${ref} has been recorded in this operation`,
        path,
        { kind, ref },
      );
    if (entity.retracted)
      this.fail('operation.reference-retracted', `The ${kind} ${ref} has been retracted`, path, {
        kind,
        ref,
      });
  }

  /**
   * Rules on an event's data. `mode` is `new` for an event being recorded and
   * `replacement` for the data of a correction, whose ids already exist; `at` is
   * the event's business time (for a correction, that of the corrected event).
   * Returns, for a correction, the classification of the event it corrects.
   */
  private checkData(
    state: LaunchedOperation,
    type: EventType,
    rawData: object,
    path: string,
    mode: 'new' | 'replacement',
    at: string,
  ): Classification | undefined {
    const isNew = mode === 'new';
    switch (type) {
      case 'OperationLaunched': {
        const { startedAt } = rawData as Data<'OperationLaunched'>;
        this.checkTime(startedAt, `${path}.startedAt`);
        const bound = state.earliestBoundAt;
        if (bound !== null && instant(startedAt) > bound) {
          // A corrected launch date may not leave recorded events before the launch.
          this.fail(
            'operation.dated-before-launch',
            `The launch cannot be moved to ${instant(startedAt)}: the operation holds events dated from ${bound}`,
            `${path}.startedAt`,
            { datedAt: bound, launchedAt: instant(startedAt) },
          );
        }
        return undefined;
      }
      case 'AgencyJoined': {
        const { agency } = rawData as Data<'AgencyJoined'>;
        if (isNew && state.agencies.has(agency)) {
          this.fail(
            'operation.agency-already-joined',
            `Agency ${agency} has already joined operation ${state.codename}`,
            `${path}.agency`,
            { agency },
          );
        }
        return undefined;
      }
      case 'IntelligenceReceived': {
        if (isNew)
          this.checkUnused(
            state.reports,
            'intelligence report',
            (rawData as Data<'IntelligenceReceived'>).reportRef,
            `${path}.reportRef`,
          );
        return undefined;
      }
      case 'IntelligenceDisseminated': {
        const { reportRef } = rawData as Data<'IntelligenceDisseminated'>;
        this.checkLive(state.reports, 'intelligence report', reportRef, `${path}.reportRef`);
        this.checkNotBefore(
          at,
          state.reports.get(reportRef),
          'intelligence report',
          reportRef,
          `${path}.reportRef`,
        );
        return undefined;
      }
      case 'OrganisedCrimeGroupIdentified':
        if (isNew)
          this.checkUnused(
            state.ocgs,
            'organised crime group',
            (rawData as Data<'OrganisedCrimeGroupIdentified'>).ocgId,
            `${path}.ocgId`,
          );
        return undefined;
      case 'RaidConducted': {
        const raid = rawData as Data<'RaidConducted'>;
        if (isNew) this.checkUnused(state.raids, 'raid', raid.raidId, `${path}.raidId`);
        this.checkJoined(state, raid.force, `${path}.force`);
        this.checkTime(raid.startedAt, `${path}.startedAt`);
        this.checkTime(raid.endedAt, `${path}.endedAt`);
        if (Date.parse(raid.endedAt) < Date.parse(raid.startedAt)) {
          this.fail(
            'operation.raid-ends-before-start',
            `Raid ${raid.raidId} ends (${raid.endedAt}) before it starts (${raid.startedAt})`,
            `${path}.endedAt`,
            {
              startedAt: raid.startedAt,
              endedAt: raid.endedAt,
            },
          );
        }
        this.checkNotBeforeLaunch(state, instant(raid.startedAt), `${path}.startedAt`);
        this.checkLive(state.ocgs, 'organised crime group', raid.ocgId, `${path}.ocgId`);
        raid.intelligenceRefs?.forEach((ref, i) =>
          this.checkLive(state.reports, 'intelligence report', ref, `${path}.intelligenceRefs[${i}]`),
        );
        return undefined;
      }
      case 'ArrestMade': {
        const arrest = rawData as Data<'ArrestMade'>;
        if (isNew) this.checkUnused(state.arrests, 'arrest', arrest.arrestId, `${path}.arrestId`);
        this.checkJoined(state, arrest.force, `${path}.force`);
        this.checkLive(state.raids, 'raid', arrest.raidId, `${path}.raidId`);
        this.checkNotBefore(at, raidStart(state, arrest.raidId), 'raid', arrest.raidId, `${path}.raidId`);
        return undefined;
      }
      case 'ChargeBrought': {
        const { arrestId } = rawData as Data<'ChargeBrought'>;
        this.checkLive(state.arrests, 'arrest', arrestId, `${path}.arrestId`);
        this.checkNotBefore(at, state.arrests.get(arrestId), 'arrest', arrestId, `${path}.arrestId`);
        const charged = state.arrests.get(arrestId)?.chargeEventId;
        if (isNew && charged !== undefined) {
          this.fail(
            'operation.arrest-already-charged',
            `Arrest ${arrestId} already has a charging decision (event ${charged})`,
            `${path}.arrestId`,
            {
              arrestId,
              chargeEventId: charged,
            },
          );
        }
        return undefined;
      }
      case 'ChargeOutcomeRecorded': {
        const { arrestId } = rawData as Data<'ChargeOutcomeRecorded'>;
        const arrestPath = `${path}.arrestId`;
        this.checkLive(state.arrests, 'arrest', arrestId, arrestPath);
        const { chargeEventId, outcomeEventId } = state.arrests.get(arrestId)!;
        if (chargeEventId === undefined) {
          this.fail(
            'operation.charge-not-brought',
            `Arrest ${arrestId} has no charging decision: a court outcome follows a charge`,
            arrestPath,
            { arrestId },
          );
        }
        this.checkNotBefore(at, state.events.get(chargeEventId), 'charge on arrest', arrestId, arrestPath);
        if (isNew && outcomeEventId !== undefined) {
          this.fail(
            'operation.outcome-already-recorded',
            `The charge on arrest ${arrestId} already has a court outcome (event ${outcomeEventId})`,
            arrestPath,
            { arrestId, outcomeEventId },
          );
        }
        return undefined;
      }
      case 'SeizureRecorded': {
        const seizure = rawData as Data<'SeizureRecorded'>;
        if (isNew) this.checkUnused(state.seizures, 'seizure', seizure.seizureId, `${path}.seizureId`);
        this.checkJoined(state, seizure.seizedBy, `${path}.seizedBy`);
        this.checkLive(state.raids, 'raid', seizure.raidId, `${path}.raidId`);
        this.checkNotBefore(at, raidStart(state, seizure.raidId), 'raid', seizure.raidId, `${path}.raidId`);
        return undefined;
      }
      case 'ThreatToLifeMitigated': {
        const threat = rawData as Data<'ThreatToLifeMitigated'>;
        if (isNew) this.checkUnused(state.threatsToLife, 'threat to life', threat.ttlId, `${path}.ttlId`);
        this.checkJoined(state, threat.force, `${path}.force`);
        this.checkLive(state.reports, 'intelligence report', threat.reportRef, `${path}.reportRef`);
        this.checkNotBefore(
          at,
          threat.reportRef === undefined ? undefined : state.reports.get(threat.reportRef),
          'intelligence report',
          threat.reportRef,
          `${path}.reportRef`,
        );
        return undefined;
      }
      case 'EventCorrected':
        return this.checkCorrection(state, rawData as Data<'EventCorrected'>, path);
      case 'EventRetracted':
        this.checkRetraction(state, (rawData as Data<'EventRetracted'>).retractsEventId, path);
        return undefined;
      case 'OperationalPhaseEnded':
        this.checkEndsAfter(state.latestOperationalAt, at, 'raid, arrest or seizure');
        return undefined;
      case 'OperationClosed':
        this.checkEndsAfter(state.latestAt, at, 'event');
        return undefined;
      case 'EncryptionCracked':
        return undefined;
      default: {
        const exhaustive: never = type;
        throw new TypeError(`unhandled event type ${String(exhaustive)}`);
      }
    }
  }

  private checkCorrection(
    state: LaunchedOperation,
    correction: Data<'EventCorrected'>,
    path: string,
  ): Classification {
    const targetId = correction.correctsEventId;
    const target = state.events.get(targetId);
    if (target === undefined) {
      this.fail(
        'operation.unknown-event',
        `Event ${targetId} is not an event of this operation`,
        `${path}.correctsEventId`,
        { targetEventId: targetId },
      );
    }
    if (target.type !== correction.correctedType) {
      this.fail(
        'operation.correction-type-mismatch',
        `Event ${targetId} is a ${target.type}, not a ${correction.correctedType}`,
        `${path}.correctedType`,
        { targetEventId: targetId, targetType: target.type },
      );
    }
    if (target.retracted)
      this.fail(
        'operation.event-retracted',
        `Event ${targetId} has been retracted and cannot be corrected`,
        `${path}.correctsEventId`,
        { targetEventId: targetId },
      );
    const identity = identityOf(correction.correctedType, correction.replacement);
    if (identity !== target.key) {
      const field = identityFieldOf(correction.correctedType)!;
      this.fail(
        'operation.correction-changes-identity',
        // Nothing of what was recorded is echoed: the target may be a C-coded report the caller may not read.
        `A correction cannot change the ${field} the event recorded; retract the event and record a new one`,
        `${path}.replacement.${field}`,
        { targetEventId: targetId, replacement: identity },
      );
    }
    this.checkData(
      state,
      correction.correctedType,
      correction.replacement,
      `${path}.replacement`,
      'replacement',
      target.occurredAt,
    );
    return target.classification;
  }

  private checkRetraction(state: LaunchedOperation, targetId: string, path: string): void {
    const target = state.events.get(targetId);
    const at = `${path}.retractsEventId`;
    if (target === undefined)
      this.fail('operation.unknown-event', `Event ${targetId} is not an event of this operation`, at, {
        targetEventId: targetId,
      });
    if (!RETRACTABLE.includes(target.type)) {
      this.fail('operation.event-not-retractable', `A ${target.type} cannot be retracted`, at, {
        targetEventId: targetId,
        targetType: target.type,
      });
    }
    if (target.retracted)
      this.fail('operation.event-retracted', `Event ${targetId} has already been retracted`, at, {
        targetEventId: targetId,
      });
    const key = target.key ?? '';
    const dependants =
      target.type === 'RaidConducted'
        ? (state.raids.get(key)?.dependants ?? 0)
        : target.type === 'OrganisedCrimeGroupIdentified'
          ? (state.ocgs.get(key)?.dependants ?? 0)
          : target.type === 'ArrestMade' && state.arrests.get(key)?.chargeEventId !== undefined
            ? 1
            : target.type === 'ChargeBrought' && state.arrests.get(key)?.outcomeEventId !== undefined
              ? 1
              : 0;
    if (dependants > 0) {
      this.fail(
        'operation.retraction-has-dependants',
        `${target.type} ${key} still has ${dependants} live dependent event(s); retract them first`,
        at,
        { targetEventId: targetId, dependants },
      );
    }
  }
}
