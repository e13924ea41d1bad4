import { Set as ImmutableSet } from 'immutable';
import {
  AFTER_CLOSURE_EVENT_TYPES,
  MAY_PREDATE_LAUNCH_EVENT_TYPES,
  currentVersionOf,
  identityFieldOf,
  isEventType,
  isRetractableEventType,
  normaliseUtcTimestamp,
  upcastStoredEventData,
  CLASSIFICATIONS,
  type Classification,
  type EventType,
  type StoredEvent,
  type StoredEventDataByType,
} from '@timeline/events';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { LAYERED_MAP_OVERLAY_BOUND, LayeredMap } from '../collections/layered-map';

/**
 * An event of the operation as its decider decides and folds it: stored data
 * and the envelope fields the command settles. The write path adds the rest of
 * the envelope (operation, recording time, correlation, idempotency, chain) and
 * reads these fields back from it when it folds a stored event.
 */
export interface OperationEvent {
  readonly eventId: string;
  /** An EventType when decided; a stored event of another type is an inconsistent history. */
  readonly type: string;
  readonly schemaVersion: number;
  /** Business time, normalised when decided (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
  readonly occurredAt: string;
  /** The recording agency (from the credential). */
  readonly agency: string;
  /** The principal id that recorded it. */
  readonly recordedBy: string;
  readonly classification: Classification;
  readonly causationId: string | null;
  /** Stored data at `schemaVersion`; folded upcast to the current version. */
  readonly data: object;
}

/**
 * What the operation remembers of each of its events, by event id: the one index
 * of its events, which the write path also asks for a retry's revision (`revisionOf`).
 */
export interface EventFact {
  /** Its stream revision: the events folded before it. */
  readonly revision: number;
  readonly type: EventType;
  /** The highest marking of the event and its corrections: a further correction may not go lower. */
  readonly classification: Classification;
  readonly retracted: boolean;
  /** The id of what the event recorded (raid id, arrest id, report ref, agency…), if any. */
  readonly key?: string;
  /** Its business time (`occurredAt`), normalised: a correction keeps it. */
  readonly occurredAt: string;
}

interface EntityFact {
  /** The event that recorded the entity. */
  readonly eventId: string;
  readonly retracted: boolean;
  /** When it happened (the recording event's `occurredAt`), normalised. */
  readonly occurredAt: string;
}
export interface RaidFact extends EntityFact {
  /** The raid's `startedAt`, normalised (as last corrected). */
  readonly startedAt: string;
  readonly ocgId?: string;
  /** Live arrests and seizures made at the raid. */
  readonly dependants: number;
}
export interface ArrestFact extends EntityFact {
  readonly raidId?: string;
  /** The live charging decision, if any. */
  readonly chargeEventId?: string;
  /** The live court outcome of that charge, if any. */
  readonly outcomeEventId?: string;
}
export interface SeizureFact extends EntityFact {
  readonly raidId?: string;
}
export interface OcgFact extends EntityFact {
  /** Live raids targeting the group. */
  readonly dependants: number;
}
export type ReportFact = EntityFact;
export type ThreatToLifeFact = EntityFact;

/**
 * Everything a launched operation's rules need, in persistent collections:
 * evolving by one event shares all but a few nodes with the previous state, so
 * a cached state can be evolved speculatively through a batch and dropped if
 * the batch is refused, at a cost independent of the operation's size. The
 * maps are LayeredMaps (docs/architecture.md, "The decided state's
 * collections"): their bulk is a shared mutable table, which `settleOperation` folds into
 * and only the owner of the committed state may call.
 */
export interface OperationFacts {
  /** Events folded so far; the stream revision of the last one is `eventCount - 1`. */
  readonly eventCount: number;
  readonly codename: string;
  readonly leadAgency: string;
  /** The launch's `startedAt`, normalised (as last corrected): nothing but the background predates it. */
  readonly startedAt: string;
  /**
   * The latest business time the operation's content has reached (every event's
   * `occurredAt` and a raid's `endedAt`, but corrections, retractions and charges,
   * which may follow the closure): a phase end or closure is not dated before it.
   */
  readonly latestAt: string;
  /** The latest time of a raid (its end), arrest or seizure: the phase does not end before it. */
  readonly latestOperationalAt: string;
  /** The earliest business time bound by the launch: a corrected launch may not start after it. */
  readonly earliestBoundAt: string | null;
  /** When the operational phase ended and the operation closed (`occurredAt`), once they have. */
  readonly phaseEndedAt?: string;
  readonly closedAt?: string;
  readonly agencies: ImmutableSet<string>;
  readonly events: LayeredMap<string, EventFact>;
  readonly raids: LayeredMap<string, RaidFact>;
  readonly arrests: LayeredMap<string, ArrestFact>;
  readonly seizures: LayeredMap<string, SeizureFact>;
  readonly reports: LayeredMap<string, ReportFact>;
  readonly ocgs: LayeredMap<string, OcgFact>;
  readonly threatsToLife: LayeredMap<string, ThreatToLifeFact>;
}

export interface NotLaunchedOperation {
  readonly status: 'not-launched';
  readonly eventCount: 0;
}
export interface ActiveOperation extends OperationFacts {
  readonly status: 'active';
}
export interface PhaseEndedOperation extends OperationFacts {
  readonly status: 'phase-ended';
}
export interface ClosedOperation extends OperationFacts {
  readonly status: 'closed';
}
export type LaunchedOperation = ActiveOperation | PhaseEndedOperation | ClosedOperation;
export type OperationState = NotLaunchedOperation | LaunchedOperation;

const NOT_LAUNCHED: NotLaunchedOperation = Object.freeze({ status: 'not-launched', eventCount: 0 });

export function initialOperationState(): OperationState {
  return NOT_LAUNCHED;
}

/** True when the operation already holds an event with this id (an idempotent retry, for the write path). */
export function hasRecordedEvent(state: OperationState, eventId: string): boolean {
  return state.status !== 'not-launched' && state.events.has(eventId);
}

/** The stream revision of an event the operation holds, or undefined (the write path tells a retry by it). */
export function revisionOfEvent(state: OperationState, eventId: string): number | undefined {
  return state.status === 'not-launched' ? undefined : state.events.get(eventId)?.revision;
}

/** A stored history the rules could never have produced: folding stops rather than guess. */
export class InconsistentHistoryError extends TimelineError {
  readonly code = 'operation.inconsistent-history';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(eventId: string, reason: string) {
    super(`Cannot fold event ${eventId}: ${reason}`, { eventId, reason });
  }
}

/**
 * Types whose events may be dated before the launch: they record the background
 * that led to the operation (the platform cracked, intelligence already on file).
 * Declared by each type's facts (`mayPredateLaunch`).
 */
export const MAY_PREDATE_LAUNCH: readonly EventType[] = MAY_PREDATE_LAUNCH_EVENT_TYPES;

/**
 * Types recorded after the closure as well, dated when made or decided: a phase
 * end or closure need not follow them. Declared by each type's facts (`recordedAfterClosure`).
 */
export const MAY_FOLLOW_CLOSURE: readonly EventType[] = AFTER_CLOSURE_EVENT_TYPES;

/** A UTC timestamp in its stored form (`YYYY-MM-DDTHH:mm:ss.sssZ`): such strings sort as the times they name. */
export function instant(value: string): string {
  return normaliseUtcTimestamp(value) as string;
}

function later(a: string, b: string): string {
  return b > a ? b : a;
}

function earlier(a: string | null, b: string): string {
  return a === null || b < a ? b : a;
}

export function higherClassification(a: Classification, b: Classification): Classification {
  return CLASSIFICATIONS.indexOf(a) >= CLASSIFICATIONS.indexOf(b) ? a : b;
}

/**
 * The id of what an event of `type` records (its facts' `identityField`), if it
 * records one. A correction may not change it.
 */
export function identityOf(type: EventType, data: object): string | undefined {
  const field = identityFieldOf(type);
  return field === null ? undefined : ((data as Record<string, unknown>)[field] as string);
}

type Stored<K extends EventType> = StoredEventDataByType[K];

function adjust<V extends { readonly dependants: number }>(
  map: LayeredMap<string, V>,
  key: string | undefined,
  delta: number,
): LayeredMap<string, V> {
  if (key === undefined) return map;
  const entity = map.get(key);
  return entity === undefined ? map : map.set(key, { ...entity, dependants: entity.dependants + delta });
}

function retract<V extends EntityFact>(
  map: LayeredMap<string, V>,
  key: string | undefined,
): LayeredMap<string, V> {
  if (key === undefined) return map;
  const entity = map.get(key);
  return entity === undefined ? map : map.set(key, { ...entity, retracted: true });
}

/**
 * Folds one stored (or just decided) event into the state. Pure; trusts that
 * `decideOperation` accepted the event, and throws InconsistentHistoryError only
 * for a history no decision could have produced (an event before the launch).
 */
export function evolveOperation(state: OperationState, event: OperationEvent): OperationState {
  if (!isEventType(event.type))
    throw new InconsistentHistoryError(event.eventId, `unknown event type ${event.type}`);
  const type = event.type;
  const data =
    event.schemaVersion === currentVersionOf(type)
      ? event.data
      : upcastStoredEventData(type, event.schemaVersion, event.data);
  const stored = { type, data } as StoredEvent;

  if (state.status === 'not-launched') {
    if (stored.type !== 'OperationLaunched')
      throw new InconsistentHistoryError(event.eventId, `${type} before OperationLaunched`);
    const launched = stored.data;
    const startedAt = instant(launched.startedAt);
    return {
      status: 'active',
      eventCount: 1,
      codename: launched.codename,
      leadAgency: launched.leadAgency,
      startedAt,
      latestAt: later(startedAt, instant(event.occurredAt)),
      latestOperationalAt: startedAt,
      earliestBoundAt: null,
      agencies: ImmutableSet<string>([launched.leadAgency, event.agency]),
      events: LayeredMap.empty<string, EventFact>().set(event.eventId, {
        revision: 0,
        type,
        classification: event.classification,
        retracted: false,
        key: launched.leadAgency,
        occurredAt: instant(event.occurredAt),
      }),
      raids: LayeredMap.empty(),
      arrests: LayeredMap.empty(),
      seizures: LayeredMap.empty(),
      reports: LayeredMap.empty(),
      ocgs: LayeredMap.empty(),
      threatsToLife: LayeredMap.empty(),
    };
  }

  const occurredAt = instant(event.occurredAt);
  const revision = state.eventCount;
  const recorded: EventFact = {
    revision,
    type,
    classification: event.classification,
    retracted: false,
    key: identityOf(type, data),
    occurredAt,
  };
  const next = {
    ...state,
    eventCount: state.eventCount + 1,
    events: state.events.set(event.eventId, recorded),
    latestAt: MAY_FOLLOW_CLOSURE.includes(type) ? state.latestAt : later(state.latestAt, occurredAt),
    earliestBoundAt: MAY_PREDATE_LAUNCH.includes(type)
      ? state.earliestBoundAt
      : earlier(state.earliestBoundAt, occurredAt),
  };
  const entity = { eventId: event.eventId, retracted: false, occurredAt };

  switch (stored.type) {
    case 'OperationLaunched':
      throw new InconsistentHistoryError(event.eventId, 'a second OperationLaunched');
    case 'AgencyJoined':
      return { ...next, agencies: next.agencies.add(stored.data.agency) };
    case 'EncryptionCracked':
    case 'IntelligenceDisseminated':
      return next;
    case 'IntelligenceReceived':
      return { ...next, reports: next.reports.set(stored.data.reportRef, entity) };
    case 'OrganisedCrimeGroupIdentified':
      return { ...next, ocgs: next.ocgs.set(stored.data.ocgId, { ...entity, dependants: 0 }) };
    case 'RaidConducted': {
      const raid = stored.data;
      const startedAt = instant(raid.startedAt);
      const endedAt = instant(raid.endedAt);
      return {
        ...next,
        latestAt: later(next.latestAt, endedAt),
        latestOperationalAt: later(later(next.latestOperationalAt, endedAt), occurredAt),
        earliestBoundAt: earlier(next.earliestBoundAt, startedAt),
        raids: next.raids.set(raid.raidId, { ...entity, startedAt, ocgId: raid.ocgId, dependants: 0 }),
        ocgs: adjust(next.ocgs, raid.ocgId, +1),
      };
    }
    case 'ArrestMade': {
      const arrest = stored.data;
      return {
        ...next,
        latestOperationalAt: later(next.latestOperationalAt, occurredAt),
        arrests: next.arrests.set(arrest.arrestId, { ...entity, raidId: arrest.raidId }),
        raids: adjust(next.raids, arrest.raidId, +1),
      };
    }
    case 'ChargeBrought': {
      const { arrestId } = stored.data;
      const arrest = next.arrests.get(arrestId);
      if (arrest === undefined)
        throw new InconsistentHistoryError(event.eventId, `charge on unknown arrest ${arrestId}`);
      return { ...next, arrests: next.arrests.set(arrestId, { ...arrest, chargeEventId: event.eventId }) };
    }
    case 'ChargeOutcomeRecorded': {
      const { arrestId } = stored.data;
      const arrest = next.arrests.get(arrestId);
      if (arrest?.chargeEventId === undefined)
        throw new InconsistentHistoryError(event.eventId, `court outcome of no charge on arrest ${arrestId}`);
      return { ...next, arrests: next.arrests.set(arrestId, { ...arrest, outcomeEventId: event.eventId }) };
    }
    case 'SeizureRecorded': {
      const seizure = stored.data;
      return {
        ...next,
        latestOperationalAt: later(next.latestOperationalAt, occurredAt),
        seizures: next.seizures.set(seizure.seizureId, { ...entity, raidId: seizure.raidId }),
        raids: adjust(next.raids, seizure.raidId, +1),
      };
    }
    case 'ThreatToLifeMitigated':
      return { ...next, threatsToLife: next.threatsToLife.set(stored.data.ttlId, entity) };
    case 'EventCorrected':
      return applyCorrection(next, event.eventId, revision, stored.data, event.classification);
    case 'EventRetracted':
      return applyRetraction(next, event.eventId, stored.data.retractsEventId);
    case 'OperationalPhaseEnded':
      return { ...next, status: 'phase-ended', phaseEndedAt: occurredAt };
    case 'OperationClosed':
      return { ...next, status: 'closed', closedAt: occurredAt };
    default: {
      const exhaustive: never = stored;
      throw new InconsistentHistoryError(event.eventId, `unhandled type ${String(exhaustive)}`);
    }
  }
}

function applyCorrection<S extends LaunchedOperation>(
  state: S,
  correctionId: string,
  revision: number,
  correction: Stored<'EventCorrected'>,
  classification: Classification,
): S {
  const target = state.events.get(correction.correctsEventId);
  if (target === undefined) {
    throw new InconsistentHistoryError(
      correctionId,
      `correction of unknown event ${correction.correctsEventId}`,
    );
  }
  const corrected: S = {
    ...state,
    events: state.events
      .set(correctionId, {
        revision,
        type: 'EventCorrected',
        classification,
        retracted: false,
        key: correction.correctsEventId,
        occurredAt: target.occurredAt,
      })
      .set(correction.correctsEventId, {
        ...target,
        classification: higherClassification(target.classification, classification),
      }),
  };
  const key = target.key;
  switch (correction.correctedType) {
    case 'OperationLaunched':
      return {
        ...corrected,
        codename: correction.replacement.codename,
        startedAt: instant(correction.replacement.startedAt),
      };
    case 'RaidConducted': {
      const raid = key === undefined ? undefined : corrected.raids.get(key);
      if (raid === undefined || key === undefined) return corrected;
      const { ocgId } = correction.replacement;
      const startedAt = instant(correction.replacement.startedAt);
      const endedAt = instant(correction.replacement.endedAt);
      return {
        ...corrected,
        latestAt: later(corrected.latestAt, endedAt),
        latestOperationalAt: later(corrected.latestOperationalAt, endedAt),
        earliestBoundAt: earlier(corrected.earliestBoundAt, startedAt),
        raids: corrected.raids.set(key, { ...raid, startedAt, ocgId }),
        ocgs: adjust(adjust(corrected.ocgs, raid.ocgId, -1), ocgId, +1),
      };
    }
    case 'ArrestMade': {
      const arrest = key === undefined ? undefined : corrected.arrests.get(key);
      if (arrest === undefined || key === undefined) return corrected;
      const raidId = correction.replacement.raidId;
      return {
        ...corrected,
        arrests: corrected.arrests.set(key, { ...arrest, raidId }),
        raids: adjust(adjust(corrected.raids, arrest.raidId, -1), raidId, +1),
      };
    }
    case 'SeizureRecorded': {
      const seizure = key === undefined ? undefined : corrected.seizures.get(key);
      if (seizure === undefined || key === undefined) return corrected;
      const raidId = correction.replacement.raidId;
      return {
        ...corrected,
        seizures: corrected.seizures.set(key, { ...seizure, raidId }),
        raids: adjust(adjust(corrected.raids, seizure.raidId, -1), raidId, +1),
      };
    }
    case 'AgencyJoined':
    case 'EncryptionCracked':
    case 'IntelligenceReceived':
    case 'IntelligenceDisseminated':
    case 'OrganisedCrimeGroupIdentified':
    case 'ChargeBrought':
    case 'ChargeOutcomeRecorded':
    case 'ThreatToLifeMitigated':
      // The rules read nothing of these a correction may change (their identity stays).
      return corrected;
    default: {
      const exhaustive: never = correction;
      throw new InconsistentHistoryError(correctionId, `unhandled correction ${String(exhaustive)}`);
    }
  }
}

function applyRetraction<S extends LaunchedOperation>(state: S, retractionId: string, targetId: string): S {
  const target = state.events.get(targetId);
  if (target === undefined)
    throw new InconsistentHistoryError(retractionId, `retraction of unknown event ${targetId}`);
  const type = target.type;
  if (!isRetractableEventType(type))
    throw new InconsistentHistoryError(retractionId, `retraction of a ${type}`);
  const retracted: S = { ...state, events: state.events.set(targetId, { ...target, retracted: true }) };
  const key = target.key;
  switch (type) {
    case 'IntelligenceReceived':
      return { ...retracted, reports: retract(retracted.reports, key) };
    case 'OrganisedCrimeGroupIdentified':
      return { ...retracted, ocgs: retract(retracted.ocgs, key) };
    case 'RaidConducted': {
      const raid = key === undefined ? undefined : retracted.raids.get(key);
      return {
        ...retracted,
        raids: retract(retracted.raids, key),
        ocgs: adjust(retracted.ocgs, raid?.ocgId, -1),
      };
    }
    case 'ArrestMade': {
      const arrest = key === undefined ? undefined : retracted.arrests.get(key);
      return {
        ...retracted,
        arrests: retract(retracted.arrests, key),
        raids: adjust(retracted.raids, arrest?.raidId, -1),
      };
    }
    case 'ChargeBrought': {
      const arrest = key === undefined ? undefined : retracted.arrests.get(key);
      if (arrest === undefined || key === undefined) return retracted;
      const { chargeEventId: _withdrawn, ...uncharged } = arrest;
      return { ...retracted, arrests: retracted.arrests.set(key, uncharged) };
    }
    case 'ChargeOutcomeRecorded': {
      const arrest = key === undefined ? undefined : retracted.arrests.get(key);
      if (arrest === undefined || key === undefined) return retracted;
      const { outcomeEventId: _withdrawn, ...undecided } = arrest;
      return { ...retracted, arrests: retracted.arrests.set(key, undecided) };
    }
    case 'SeizureRecorded': {
      const seizure = key === undefined ? undefined : retracted.seizures.get(key);
      return {
        ...retracted,
        seizures: retract(retracted.seizures, key),
        raids: adjust(retracted.raids, seizure?.raidId, -1),
      };
    }
    case 'ThreatToLifeMitigated':
      return { ...retracted, threatsToLife: retract(retracted.threatsToLife, key) };
    case 'EncryptionCracked':
    case 'IntelligenceDisseminated':
      return retracted;
    default: {
      const exhaustive: never = type;
      throw new InconsistentHistoryError(retractionId, `unhandled retraction of ${String(exhaustive)}`);
    }
  }
}

/** The launched state's collections, each as `change` leaves it. */
function withMaps(
  state: LaunchedOperation,
  change: <V>(map: LayeredMap<string, V>) => LayeredMap<string, V>,
): LaunchedOperation {
  return {
    ...state,
    events: change(state.events),
    raids: change(state.raids),
    arrests: change(state.arrests),
    seizures: change(state.seizures),
    reports: change(state.reports),
    ocgs: change(state.ocgs),
    threatsToLife: change(state.threatsToLife),
  };
}

/**
 * The committed state as its one owner keeps it (the decider's `settle`): each
 * map's grown overlay folded into its shared base. Every state evolved from an
 * earlier one of the same line (an ancestor, a dropped speculative batch) is
 * unreadable afterwards (SupersededLayeredMapError): only the write path's
 * confirmed state may be settled, never one it may still drop. `bound`: the
 * overlay size from which a map folds (0: whenever it holds anything).
 */
export function settleOperation(
  state: OperationState,
  bound: number = LAYERED_MAP_OVERLAY_BOUND,
): OperationState {
  if (state.status === 'not-launched') return state;
  const { events, raids, arrests, seizures, reports, ocgs, threatsToLife } = state;
  const overlays = [events, raids, arrests, seizures, reports, ocgs, threatsToLife];
  if (overlays.every((map) => map.overlaySize === 0 || map.overlaySize < bound)) return state;
  return withMaps(state, (map) => map.settle(bound));
}

/**
 * Folds a whole history at once (loading an operation's stream): the same result
 * as reducing with `evolveOperation`. From the start, the collections are built
 * in place while folding (their shared bases, which no one else sees yet), which
 * is several times faster on long streams; from a launched state, the events are
 * evolved into its overlays. `from` is never modified.
 */
export function foldOperation(
  events: Iterable<OperationEvent>,
  from: OperationState = initialOperationState(),
): OperationState {
  let state = from;
  let building = false;
  for (const event of events) {
    state = evolveOperation(state, event);
    if (!building && from.status === 'not-launched' && state.status !== 'not-launched') {
      state = {
        ...withMaps(state, (map) => LayeredMap.building(map)),
        agencies: state.agencies.asMutable(),
      };
      building = true;
    }
  }
  return building && state.status !== 'not-launched'
    ? { ...withMaps(state, (map) => map.asImmutable()), agencies: state.agencies.asImmutable() }
    : state;
}
