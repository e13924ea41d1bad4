import { EventIndex, type JsonObject, type JsonValue } from '@timeline/kernel';
import { isEventType, type CountedEventType, type EventType } from '@timeline/events';
import { isWithheldData } from '@timeline/events/handling/handling-code.restriction';
import { UnfoldableEventError } from '../core/projection.errors';
import { EventDataReader, isObject } from '../core/event-data.reader';
import { defineProjection, type Snapshot } from '../core/projection';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';
import { EventRecordTable, type ContributionFields } from './event-record-table';
import {
  arrestOf,
  contributionOf,
  isCountedForRaid,
  isCountedType,
  raidOf,
  type Contribution,
  type GroupsOfOperation,
} from './picture-contribution';
import { counterIdOf } from './counters';
import type { CounterKey } from './counter-keys';
import {
  emptyScope,
  emptyStamp,
  Counters,
  type EventRecord,
  type OperationPictureState,
  type OperationalPictureState,
  type PictureScope,
  type PictureStamp,
} from './operational-picture.state';

export const OPERATIONAL_PICTURE = 'operational-picture';

function addCounters(counters: Counters, contribution: Contribution, sign: 1 | -1): void {
  const { ids, amounts } = contribution;
  for (let index = 0; index < ids.length; index += 1) counters.add(ids[index], sign * amounts[index]);
}

function countersOf(map: Map<string, Counters>, name: string): Counters {
  let counters = map.get(name);
  if (!counters) {
    counters = new Counters();
    map.set(name, counters);
  }
  return counters;
}

/** Adds (or takes back) a contribution where it belongs: the public scope, or its audience's. */
function addToOperation(operation: OperationPictureState, contribution: Contribution, sign: 1 | -1): void {
  const audience = contribution.audience;
  if (audience === null) {
    addToScope(operation.scope, contribution, sign);
    return;
  }
  let scope = operation.restricted.get(audience);
  if (scope === undefined) {
    scope = emptyScope();
    operation.restricted.set(audience, scope);
  }
  addToScope(scope, contribution, sign);
  if (scope.totals.size === 0) operation.restricted.delete(audience);
}

function addToScope(scope: PictureScope, contribution: Contribution, sign: 1 | -1): void {
  addCounters(scope.totals, contribution, sign);
  const agency = countersOf(scope.byAgency, contribution.agency);
  addCounters(agency, contribution, sign);
  if (agency.size === 0) scope.byAgency.delete(contribution.agency);
  const region = countersOf(scope.byRegion, contribution.region);
  addCounters(region, contribution, sign);
  if (region.size === 0) scope.byRegion.delete(contribution.region);
  const ocg = contribution.ocg;
  if (ocg !== null) {
    const group = countersOf(scope.byOrganisedCrimeGroup, ocg);
    addCounters(group, contribution, sign);
    if (group.size === 0) scope.byOrganisedCrimeGroup.delete(ocg);
  }
}

/**
 * Notes an event counted for the group of what it depends on (the raid it was
 * made at, the arrest it follows), so a change of that group takes it along.
 */
function addDependant(dependantsById: Map<string, string[]>, id: string, eventId: string): void {
  const dependants = dependantsById.get(id);
  if (dependants === undefined) dependantsById.set(id, [eventId]);
  else if (dependants[dependants.length - 1] !== eventId) dependants.push(eventId);
}

/** Counts a live event for `ocg` instead of the group it was counted for. */
function regroupEvent(
  state: OperationalPictureState,
  operation: OperationPictureState,
  eventId: string,
  record: EventRecord,
  contribution: Contribution,
  ocg: string | null,
): void {
  const regrouped: Contribution = { ...contribution, ocg };
  addToOperation(operation, contribution, -1);
  addToOperation(operation, regrouped, 1);
  state.events.set(
    eventId,
    state.records.recordOf(record.type, record.operationId, record.agency, regrouped, false),
  );
  if (record.type === 'ArrestMade') regroupArrest(state, operation, eventId, ocg);
}

/**
 * A raid's group is now `ocg` (null: none): the live events made at it are
 * counted for that group from now on. (A retracted raid keeps its entry: the
 * operation's rules refuse an event at a retracted raid.)
 */
function regroupRaid(
  state: OperationalPictureState,
  operation: OperationPictureState,
  raidId: string,
  ocg: string | null,
): void {
  const previous = operation.raidOcgs.get(raidId) ?? null;
  if (ocg === null) operation.raidOcgs.delete(raidId);
  else operation.raidOcgs.set(raidId, ocg);
  if (previous === ocg) return;
  for (const eventId of operation.raidDependants.get(raidId) ?? []) {
    const moved = operation.movedToRaid.get(eventId);
    if (moved !== undefined && moved !== raidId) continue;
    const record = state.events.get(eventId);
    if (record === undefined || record.retracted || record.contribution === null) continue;
    regroupEvent(state, operation, eventId, record, record.contribution, ocg);
  }
}

/**
 * The arrest recorded by `arrestEventId` is now counted for `ocg`: its live
 * charge and court outcome follow it.
 */
function regroupArrest(
  state: OperationalPictureState,
  operation: OperationPictureState,
  arrestEventId: string,
  ocg: string | null,
): void {
  for (const eventId of operation.arrestDependants.get(arrestEventId) ?? []) {
    const record = state.events.get(eventId);
    if (record === undefined || record.retracted || record.contribution === null) continue;
    if (record.contribution.ocg === ocg) continue;
    regroupEvent(state, operation, eventId, record, record.contribution, ocg);
  }
}

/** The ArrestMade event of the arrest an event of `type` follows, when its facts count it for that arrest's group. */
function dependedOnArrest(
  operation: OperationPictureState,
  type: string,
  data: JsonObject,
): string | undefined {
  const arrestId = arrestOf(type, data);
  return arrestId === null ? undefined : operation.arrestEvents.get(arrestId);
}

/** One per operation: the groups of its raids and arrests, as the fold stands. */
const groupsByOperation = new WeakMap<OperationPictureState, GroupsOfOperation>();

function groupsOf(state: OperationalPictureState, operation: OperationPictureState): GroupsOfOperation {
  let groups = groupsByOperation.get(operation);
  if (groups === undefined) {
    groups = {
      ofRaid: (raidId) => operation.raidOcgs.get(raidId) ?? null,
      ofArrest: (arrestId) => {
        const arrestEventId = operation.arrestEvents.get(arrestId);
        if (arrestEventId === undefined) return null;
        return state.events.get(arrestEventId)?.contribution?.ocg ?? null;
      },
    };
    groupsByOperation.set(operation, groups);
  }
  return groups;
}

function stampWith(stamp: PictureStamp, event: StoredTimelineEvent): void {
  stamp.position = event.position;
  stamp.eventCount += 1;
  if (stamp.lastRecordedAt === null || event.recordedAt > stamp.lastRecordedAt)
    stamp.lastRecordedAt = event.recordedAt;
}

function newOperation(operationId: string): OperationPictureState {
  return {
    operationId,
    launch: null,
    status: 'open',
    phaseEndedAt: null,
    closedAt: null,
    agencies: new Map(),
    scope: emptyScope(),
    restricted: new Map(),
    raidOcgs: new Map(),
    raidDependants: new Map(),
    movedToRaid: new Map(),
    arrestEvents: new Map(),
    arrestDependants: new Map(),
    stamp: emptyStamp(),
  };
}

function launchOf(reader: EventDataReader): NonNullable<OperationPictureState['launch']> {
  return {
    codename: reader.text('codename'),
    leadAgency: reader.text('leadAgency'),
    startedAt: reader.text('startedAt'),
    description: reader.text('description'),
  };
}

function membershipOf(reader: EventDataReader, event: Pick<StoredTimelineEvent, 'occurredAt' | 'eventId'>) {
  return {
    agency: reader.text('agency'),
    membership: {
      region: reader.text('region'),
      localOperationName: reader.optionalText('localOperationName'),
      joinedAt: event.occurredAt,
      eventId: event.eventId,
    },
  };
}

function targetOf(state: OperationalPictureState, event: StoredTimelineEvent, targetId: string): EventRecord {
  const target = state.events.get(targetId);
  if (!target)
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId}, which the picture has not seen`,
    );
  if (target.operationId !== event.operationId) {
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId} of another operation`,
    );
  }
  if (target.retracted)
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId}, which is retracted`,
    );
  return target;
}

/**
 * Folds one event into the picture. Everything that can fail (reading data,
 * finding a target) happens before the first change, so a refused event leaves
 * the state untouched.
 */
function applyEvent(state: OperationalPictureState, event: StoredTimelineEvent): OperationalPictureState {
  const existing = state.operations.get(event.operationId);
  const operation = existing ?? newOperation(event.operationId);
  const type = event.type;
  if (!isEventType(type))
    throw new UnfoldableEventError(event.eventId, type, 'the operational picture does not know this type');
  if (isCountedType(type)) {
    // Most events: the contribution is read (or the event refused) before the changes, with no closure between.
    const contribution = contributionOf(
      type,
      event.data,
      event,
      (agency) => operation.agencies.get(agency)?.region,
      groupsOf(state, operation),
    );
    state.events.set(
      event.eventId,
      state.records.recordOf(event.type, event.operationId, event.agency, contribution, false),
    );
    addToOperation(operation, contribution, 1);
    if (type === 'RaidConducted' && contribution.ocg !== null)
      operation.raidOcgs.set(event.data.raidId as string, contribution.ocg);
    if (type === 'ArrestMade' && typeof event.data.arrestId === 'string')
      operation.arrestEvents.set(event.data.arrestId, event.eventId);
    const raidId = raidOf(type, event.data);
    if (raidId !== null) addDependant(operation.raidDependants, raidId, event.eventId);
    const arrestEventId = dependedOnArrest(operation, type, event.data);
    if (arrestEventId !== undefined) addDependant(operation.arrestDependants, arrestEventId, event.eventId);
  } else {
    changeOf(state, operation, event, type)();
  }
  if (!existing) state.operations.set(event.operationId, operation);
  stampWith(operation.stamp, event);
  stampWith(state.stamp, event);
  return state;
}

/** The change an uncounted event makes (lifecycle, membership, amendments), decided before it is made. */
function changeOf(
  state: OperationalPictureState,
  operation: OperationPictureState,
  event: StoredTimelineEvent,
  type: Exclude<EventType, CountedEventType>,
): () => void {
  const reader: EventDataReader = new EventDataReader(event.eventId, event.type, event.data);
  switch (type) {
    case 'OperationLaunched': {
      const launch = launchOf(reader);
      return () => {
        operation.launch = launch;
        state.events.set(
          event.eventId,
          state.records.recordOf(event.type, event.operationId, event.agency, null, false),
        );
      };
    }
    case 'AgencyJoined': {
      const { agency, membership } = membershipOf(reader, event);
      return () => {
        operation.agencies.set(agency, membership);
        state.events.set(
          event.eventId,
          state.records.recordOf(event.type, event.operationId, event.agency, null, false),
        );
      };
    }
    case 'OperationalPhaseEnded':
      reader.text('reason');
      return () => {
        operation.status = 'phase-ended';
        operation.phaseEndedAt = event.occurredAt;
      };
    case 'OperationClosed':
      reader.text('reason');
      return () => {
        operation.status = 'closed';
        operation.closedAt = event.occurredAt;
      };
    case 'EventCorrected': {
      const targetId = reader.text('correctsEventId');
      const target = targetOf(state, event, targetId);
      const correctedType = reader.text('correctedType');
      if (correctedType !== target.type)
        reader.fail(`it corrects a ${target.type} as if it were a ${correctedType}`);
      // A withheld correction (a redacted export) replaces the data with what is known of it: nothing.
      const replacement = isWithheldData(event.data) ? event.data : reader.object('replacement');
      return correctionOf(state, operation, event, target, targetId, replacement);
    }
    case 'EventRetracted': {
      const targetId = reader.text('retractsEventId');
      const target = targetOf(state, event, targetId);
      const contribution = target.contribution;
      if (!contribution) reader.fail(`a ${target.type} cannot be retracted`);
      return () => {
        addToOperation(operation, contribution, -1);
        state.events.set(
          targetId,
          state.records.recordOf(target.type, target.operationId, target.agency, contribution, true),
        );
      };
    }
    default: {
      const exhaustive: never = type;
      throw new UnfoldableEventError(
        event.eventId,
        exhaustive,
        'the operational picture does not know this type',
      );
    }
  }
}

function correctionOf(
  state: OperationalPictureState,
  operation: OperationPictureState,
  event: StoredTimelineEvent,
  target: EventRecord,
  targetId: string,
  replacement: JsonObject,
): () => void {
  const reader: EventDataReader = new EventDataReader(event.eventId, target.type, replacement);
  const targetType = target.type;
  if (target.contribution && isCountedType(targetType)) {
    const before = target.contribution;
    const regionOf = (agency: string) => operation.agencies.get(agency)?.region;
    const after = contributionOf(
      targetType,
      replacement,
      { eventId: event.eventId, agency: target.agency },
      regionOf,
      groupsOf(state, operation),
      event.agency,
    );
    // A correction keeps the raid's id; it may change the raid's group, or the raid an arrest was made at.
    const regroupedRaid = targetType === 'RaidConducted' ? reader.text('raidId') : null;
    const atRaid = raidOf(targetType, replacement);
    return () => {
      addToOperation(operation, before, -1);
      addToOperation(operation, after, 1);
      state.events.set(
        targetId,
        state.records.recordOf(target.type, target.operationId, target.agency, after, false),
      );
      if (regroupedRaid !== null) regroupRaid(state, operation, regroupedRaid, after.ocg);
      if (isCountedForRaid(targetType)) {
        operation.movedToRaid.set(targetId, atRaid);
        if (atRaid !== null) addDependant(operation.raidDependants, atRaid, targetId);
      }
      // An arrest corrected to another raid takes its charge and court outcome to that raid's group.
      if (targetType === 'ArrestMade' && after.ocg !== before.ocg)
        regroupArrest(state, operation, targetId, after.ocg);
    };
  }
  if (target.type === 'OperationLaunched') {
    const launch = launchOf(reader);
    return () => {
      operation.launch = launch;
    };
  }
  if (target.type === 'AgencyJoined') {
    const previous = [...operation.agencies].find(([, membership]) => membership.eventId === targetId);
    if (!previous) reader.fail(`the membership of event ${targetId} is not in the picture`);
    const { agency, membership } = membershipOf(reader, {
      occurredAt: previous[1].joinedAt,
      eventId: targetId,
    });
    return () => {
      operation.agencies.delete(previous[0]);
      operation.agencies.set(agency, membership);
    };
  }
  return reader.fail(`a ${target.type} cannot be corrected`);
}

// ---- snapshot: Maps as sorted entry lists, records in chunks so no single line is huge

/** Small parts: each part's JSON (~100 kB) is built, written and dropped while still young garbage. */
const RECORDS_PER_PART = 1_000;

type CountersJson = Record<string, number>;
interface ScopeJson {
  totals: CountersJson;
  byAgency: Record<string, CountersJson>;
  byRegion: Record<string, CountersJson>;
  byOrganisedCrimeGroup: Record<string, CountersJson>;
}

const countersToJson = (counters: Counters): CountersJson => Object.fromEntries(counters);
// A checkpoint holds the keys this fold wrote (counter-keys.ts).
const countersFromJson = (json: CountersJson): Counters =>
  Counters.from(Object.entries(json) as [CounterKey, number][]);
function mapOfCountersToJson(map: Map<string, Counters>): Record<string, CountersJson> {
  return Object.fromEntries([...map].map(([name, counters]) => [name, countersToJson(counters)]));
}
function mapOfCountersFromJson(json: Record<string, CountersJson>): Map<string, Counters> {
  return new Map(Object.entries(json).map(([name, counters]) => [name, countersFromJson(counters)]));
}
const scopeToJson = (scope: PictureScope): ScopeJson => ({
  totals: countersToJson(scope.totals),
  byAgency: mapOfCountersToJson(scope.byAgency),
  byRegion: mapOfCountersToJson(scope.byRegion),
  byOrganisedCrimeGroup: mapOfCountersToJson(scope.byOrganisedCrimeGroup),
});
const scopeFromJson = (json: ScopeJson): PictureScope => ({
  totals: countersFromJson(json.totals),
  byAgency: mapOfCountersFromJson(json.byAgency),
  byRegion: mapOfCountersFromJson(json.byRegion),
  byOrganisedCrimeGroup: mapOfCountersFromJson(json.byOrganisedCrimeGroup),
});

/**
 * A capture of the state, turned into parts lazily: the national stamp and the per-operation
 * parts are small and copied at the call; of the per-event records, which never
 * change (an amendment puts a new one in place), only the map is copied.
 */
function toSnapshot(state: OperationalPictureState): Snapshot {
  const head: JsonValue[] = [{ part: 'national', stamp: { ...state.stamp } } as unknown as JsonValue];
  for (const operation of state.operations.values()) {
    head.push({
      part: 'operation',
      operationId: operation.operationId,
      launch: operation.launch && { ...operation.launch },
      status: operation.status,
      phaseEndedAt: operation.phaseEndedAt,
      closedAt: operation.closedAt,
      agencies: Object.fromEntries(
        [...operation.agencies].map(([agency, membership]) => [agency, { ...membership }]),
      ),
      scope: scopeToJson(operation.scope),
      restricted: Object.fromEntries(
        [...operation.restricted].map(([audience, scope]) => [audience, scopeToJson(scope)]),
      ),
      raidOcgs: Object.fromEntries(operation.raidOcgs),
      raidDependants: Object.fromEntries(
        [...operation.raidDependants].map(([raidId, dependants]) => [raidId, dependants.slice()]),
      ),
      movedToRaid: Object.fromEntries(operation.movedToRaid),
      arrestEvents: Object.fromEntries(operation.arrestEvents),
      arrestDependants: Object.fromEntries(
        [...operation.arrestDependants].map(([arrestEventId, dependants]) => [
          arrestEventId,
          dependants.slice(),
        ]),
      ),
      stamp: { ...operation.stamp },
    } as unknown as JsonValue);
  }
  const events = state.events.capture();
  return {
    length: head.length + Math.ceil(events.size / RECORDS_PER_PART),
    *[Symbol.iterator](): Generator<JsonValue> {
      yield* head;
      let records: unknown[] = [];
      for (const [eventId, record] of events) {
        const contribution = record.contribution && {
          agency: record.contribution.agency,
          region: record.contribution.region,
          ...(record.contribution.ocg === null ? {} : { ocg: record.contribution.ocg }),
          keys: record.contribution.keys,
          amounts: record.contribution.amounts,
          ...(record.contribution.audience === null ? {} : { audience: record.contribution.audience }),
        };
        records.push([
          eventId,
          record.type,
          record.operationId,
          record.agency,
          contribution,
          record.retracted,
        ]);
        if (records.length === RECORDS_PER_PART) {
          yield { part: 'events', records } as unknown as JsonValue;
          records = [];
        }
      }
      if (records.length > 0) yield { part: 'events', records } as unknown as JsonValue;
    },
  };
}

function fromSnapshot(parts: readonly JsonValue[]): OperationalPictureState {
  const first = parts[0] as never as Record<string, never> | undefined;
  if (!first || first.part !== 'national')
    throw new TypeError('picture snapshot: the national part is missing');
  const state: OperationalPictureState = {
    ...initialState(),
    stamp: { ...(first.stamp as PictureStamp) },
  };
  for (const part of parts) {
    if (!isObject(part)) throw new TypeError('picture snapshot: a part is not an object');
    const json = part as never as Record<string, never>;
    if (json.part === 'national') {
      // Older checkpoints also hold the national counters here; they are now summed on read, so ignored.
      continue;
    } else if (json.part === 'operation') {
      const operation: OperationPictureState = {
        ...newOperation(json.operationId),
        launch: json.launch,
        status: json.status,
        phaseEndedAt: json.phaseEndedAt,
        closedAt: json.closedAt,
        agencies: new Map(Object.entries(json.agencies)),
        scope: scopeFromJson(json.scope),
        restricted: new Map(
          Object.entries((json.restricted ?? {}) as Record<string, ScopeJson>).map(([audience, scope]) => [
            audience,
            scopeFromJson(scope),
          ]),
        ),
        raidOcgs: new Map(Object.entries(json.raidOcgs as Record<string, string>)),
        raidDependants: new Map(Object.entries(json.raidDependants as Record<string, string[]>)),
        movedToRaid: new Map(Object.entries(json.movedToRaid as Record<string, string | null>)),
        arrestEvents: new Map(Object.entries(json.arrestEvents as Record<string, string>)),
        arrestDependants: new Map(Object.entries(json.arrestDependants as Record<string, string[]>)),
        stamp: { ...(json.stamp as PictureStamp) },
      };
      state.operations.set(operation.operationId, operation);
    } else if (json.part === 'events') {
      for (const [eventId, type, operationId, agency, contribution, retracted] of json.records as [
        string,
        string,
        string,
        string,
        ContributionFields | null,
        boolean,
      ][]) {
        const counted = contribution && {
          ...contribution,
          audience: contribution.audience ?? null,
          ocg: contribution.ocg ?? null,
          ids: contribution.keys.map(counterIdOf),
        };
        state.events.set(eventId, state.records.recordOf(type, operationId, agency, counted, retracted));
      }
    } else {
      throw new TypeError(`picture snapshot: unknown part ${String(json.part)}`);
    }
  }
  return state;
}

function initialState(): OperationalPictureState {
  return {
    operations: new Map(),
    stamp: emptyStamp(),
    events: new EventIndex(),
    records: new EventRecordTable(),
  };
}

/**
 * The operational picture, per operation and national: counters of everything
 * counted, per agency and region, with corrections and retractions applied.
 * Read it with `operationalPictureView` / `nationalPictureView`.
 */
export const operationalPictureProjection = defineProjection<OperationalPictureState>({
  name: OPERATIONAL_PICTURE,
  // 2: C-coded reports are counted apart, by who is entitled to them. 3: by organised crime group.
  // 4: charges and court outcomes counted for the group of their arrest's raid.
  version: 4,
  initialState,
  apply: applyEvent,
  toSnapshot,
  fromSnapshot,
});
