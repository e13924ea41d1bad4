import { Set as ImmutableSet } from 'immutable';
import {
  CLASSIFICATIONS,
  EVENT_TYPES,
  isEventType,
  type Classification,
  type EventType,
} from '@timeline/events';
import {
  EventIndex,
  type JsonObject,
  type JsonValue,
  type StateSnapshotCodec,
  type StateSnapshotDecoder,
} from '@timeline/kernel';
import { LayeredMap } from '../collections/layered-map';
import type {
  ArrestFact,
  EventFact,
  LaunchedOperation,
  OcgFact,
  OperationState,
  RaidFact,
  ReportFact,
  SeizureFact,
  ThreatToLifeFact,
} from './operation.state';
import { initialOperationState } from './operation.state';

/**
 * The version of the operation state's shape and of the rules that fold it.
 * Raise it whenever `evolveOperation` or `foldOperation` would build a different
 * state from the same events: snapshots taken under another version are then
 * rebuilt from the log. operation.state-snapshot.spec.ts records the digest of a
 * fixed history's state next to each version and fails when it drifts.
 * 2: each event's fact holds its stream revision (the write path's one id index).
 */
export const OPERATION_STATE_VERSION = 2;

/** Most entries in one part: a part is stringified or parsed, and its entries set, in a few milliseconds. */
const ENTRIES_PER_PART = 4096;

type EntityMapName = 'raids' | 'arrests' | 'seizures' | 'reports' | 'ocgs' | 'threatsToLife';

/**
 * How an entity fact's own fields are written, beside those every entity has
 * (its key, recording event, `retracted` and `occurredAt`): `text` a string or
 * null when absent, `count` a number, `event` an event id written as its
 * revision (or null when absent).
 */
type ColumnKind = 'text' | 'count' | 'event';
const ENTITY_COLUMNS: Readonly<Record<EntityMapName, Readonly<Record<string, ColumnKind>>>> = {
  raids: { startedAt: 'text', ocgId: 'text', dependants: 'count' },
  arrests: { raidId: 'text', chargeEventId: 'event', outcomeEventId: 'event' },
  seizures: { raidId: 'text' },
  reports: {},
  ocgs: { dependants: 'count' },
  threatsToLife: {},
};
const ENTITY_MAPS = Object.keys(ENTITY_COLUMNS) as EntityMapName[];

/*
 * The encoding (state version 2) is columnar: a part is `[name, { column: values[] }]`,
 * arrays of numbers and strings that JSON.parse reads far faster than arrays of
 * objects. The header part carries the scalar facts, the agencies and the tables
 * that event types and markings are written as indexes of. Each event id is
 * written once, in the `events` parts, with its revision; entities name their
 * events by revision, and an entity's `occurredAt` is written only when it is not
 * its recording event's (null otherwise).
 */

interface EventColumns {
  id: string[];
  revision: number[];
  type: number[];
  classification: number[];
  retracted: number[];
  key: (string | null)[];
  occurredAt: string[];
}

/** A state's collections as they are at the call: the parts are then written while writes go on. */
type CapturedMap = { readonly keys: string[]; readonly values: Record<string, unknown>[] };

function encodeOperationState(state: OperationState): Iterable<JsonValue> {
  if (state.status === 'not-launched') return [{ status: state.status }];
  const { events, agencies, raids, arrests, seizures, reports, ocgs, threatsToLife, ...scalars } = state;
  const maps = { raids, arrests, seizures, reports, ocgs, threatsToLife } as unknown as Record<
    EntityMapName,
    LayeredMap<string, Record<string, unknown>>
  >;
  const captured = Object.fromEntries(ENTITY_MAPS.map((name) => [name, maps[name].capture()])) as Record<
    EntityMapName,
    CapturedMap
  >;
  return encodeCaptured(state.eventCount, events.capture(), captured, {
    ...(scalars as unknown as JsonObject),
    agencies: agencies.toArray(),
    types: [...EVENT_TYPES],
    classifications: [...CLASSIFICATIONS],
  });
}

function* encodeCaptured(
  eventCount: number,
  events: { readonly keys: string[]; readonly values: EventFact[] },
  maps: Record<EntityMapName, CapturedMap>,
  header: JsonObject,
): Generator<JsonValue> {
  yield header;
  const typeIndex = new Map<string, number>(EVENT_TYPES.map((type, index) => [type, index]));
  const classificationIndex = new Map<string, number>(
    CLASSIFICATIONS.map((marking, index) => [marking, index]),
  );
  // By id and by revision, for the entities after: tables of their own are read far faster than the
  // state's, and an EventIndex fills faster than a Map (filling the Map was a fifth of a big state's encoding).
  const revisionById = new EventIndex<number>();
  const occurredAtByRevision = new Array<string>(eventCount);
  let columns = emptyEventColumns();
  for (let index = 0; index < events.keys.length; index += 1) {
    const eventId = events.keys[index]!;
    const fact = events.values[index]!;
    revisionById.set(eventId, fact.revision);
    occurredAtByRevision[fact.revision] = fact.occurredAt;
    columns.id.push(eventId);
    columns.revision.push(fact.revision);
    columns.type.push(typeIndex.get(fact.type)!);
    columns.classification.push(classificationIndex.get(fact.classification)!);
    columns.retracted.push(fact.retracted ? 1 : 0);
    columns.key.push(fact.key ?? null);
    columns.occurredAt.push(fact.occurredAt);
    if (columns.id.length === ENTRIES_PER_PART) {
      yield ['events', columns as unknown as JsonObject];
      columns = emptyEventColumns();
    }
  }
  if (columns.id.length > 0) yield ['events', columns as unknown as JsonObject];

  const revisionOf = (eventId: string): number => {
    const revision = revisionById.get(eventId);
    if (revision === undefined)
      throw new TypeError(`an entity names event ${eventId}, which the state lacks`);
    return revision;
  };
  for (const name of ENTITY_MAPS) {
    const own = Object.entries(ENTITY_COLUMNS[name]);
    const empty = (): Record<string, JsonValue[]> =>
      Object.fromEntries(
        ['key', 'event', 'retracted', 'occurredAt', ...own.map(([field]) => field)].map((c) => [c, []]),
      );
    let part = empty();
    const { keys, values } = maps[name];
    for (let index = 0; index < keys.length; index += 1) {
      const key = keys[index]!;
      const fact = values[index]!;
      const revision = revisionOf(fact['eventId'] as string);
      part['key']!.push(key);
      part['event']!.push(revision);
      part['retracted']!.push(fact['retracted'] === true ? 1 : 0);
      part['occurredAt']!.push(
        fact['occurredAt'] === occurredAtByRevision[revision] ? null : (fact['occurredAt'] as string),
      );
      for (const [field, kind] of own) {
        const value = fact[field];
        part[field]!.push(
          value === undefined ? null : kind === 'event' ? revisionOf(value as string) : (value as JsonValue),
        );
      }
      if (part['key']!.length === ENTRIES_PER_PART) {
        yield [name, part];
        part = empty();
      }
    }
    if (part['key']!.length > 0) yield [name, part];
  }
}

function emptyEventColumns(): EventColumns {
  return { id: [], revision: [], type: [], classification: [], retracted: [], key: [], occurredAt: [] };
}

/** Thrown by the decoder for parts that do not describe an operation state. */
class UnreadableSnapshotError extends Error {}

/**
 * Reads the parts back in order: the header, every `events` part (which fill the
 * by-revision tables entities are read through), then the entity parts.
 */
class OperationStateDecoder implements StateSnapshotDecoder<OperationState> {
  private header: JsonObject | null = null;
  private notLaunched = false;
  private eventCount = 0;
  private types: EventType[] = [];
  private classifications: Classification[] = [];
  private readonly events = LayeredMap.building<string, EventFact>();
  /** By revision: each event's id and `occurredAt`, once read. */
  private idByRevision: string[] = [];
  private occurredAtByRevision: string[] = [];
  private eventsRead = 0;
  private readonly maps = Object.fromEntries(
    ENTITY_MAPS.map((name) => [name, LayeredMap.building<string, object>()]),
  ) as Record<EntityMapName, LayeredMap<string, object>>;

  add(part: JsonValue): void {
    if (this.header === null) return this.readHeader(part);
    if (this.notLaunched) throw new UnreadableSnapshotError('a state before the launch has no entries');
    if (!Array.isArray(part) || part.length !== 2 || !isObject(part[1]))
      throw new UnreadableSnapshotError('a part is not [name, columns]');
    const [name, columns] = part as [string, JsonObject];
    if (name === 'events') this.readEvents(columns);
    else if ((ENTITY_MAPS as readonly string[]).includes(name))
      this.readEntities(name as EntityMapName, columns);
    else throw new UnreadableSnapshotError(`unknown part ${JSON.stringify(name)}`);
  }

  finish(): OperationState {
    if (this.header === null) throw new UnreadableSnapshotError('the state has no header part');
    if (this.notLaunched) return initialOperationState();
    if (this.eventsRead !== this.eventCount)
      throw new UnreadableSnapshotError(
        `the header counts ${this.eventCount} events, the parts hold ${this.eventsRead}`,
      );
    const { agencies, types: _types, classifications: _classifications, ...scalars } = this.header;
    const maps = this.maps;
    return {
      ...(scalars as unknown as Omit<LaunchedOperation, 'agencies'>),
      agencies: ImmutableSet(agencies as string[]),
      events: this.events.asImmutable(),
      raids: maps.raids.asImmutable() as LayeredMap<string, RaidFact>,
      arrests: maps.arrests.asImmutable() as LayeredMap<string, ArrestFact>,
      seizures: maps.seizures.asImmutable() as LayeredMap<string, SeizureFact>,
      reports: maps.reports.asImmutable() as LayeredMap<string, ReportFact>,
      ocgs: maps.ocgs.asImmutable() as LayeredMap<string, OcgFact>,
      threatsToLife: maps.threatsToLife.asImmutable() as LayeredMap<string, ThreatToLifeFact>,
    } as LaunchedOperation;
  }

  private readHeader(part: JsonValue): void {
    if (!isObject(part)) throw new UnreadableSnapshotError('the state has no header part');
    this.header = part;
    if (part['status'] === 'not-launched') {
      this.notLaunched = true;
      return;
    }
    const status = part['status'];
    if (status !== 'active' && status !== 'phase-ended' && status !== 'closed')
      throw new UnreadableSnapshotError(`unknown status ${JSON.stringify(status)}`);
    const { eventCount, agencies, types, classifications } = part;
    if (
      typeof eventCount !== 'number' ||
      !Number.isInteger(eventCount) ||
      eventCount < 1 ||
      !Array.isArray(agencies) ||
      !Array.isArray(types) ||
      !Array.isArray(classifications)
    )
      throw new UnreadableSnapshotError('the header misses eventCount, agencies or the tables');
    for (const type of types)
      if (typeof type !== 'string' || !isEventType(type))
        throw new UnreadableSnapshotError(`unknown event type ${JSON.stringify(type)}`);
    for (const marking of classifications)
      if (!CLASSIFICATIONS.includes(marking as Classification))
        throw new UnreadableSnapshotError(`unknown classification ${JSON.stringify(marking)}`);
    this.eventCount = eventCount;
    this.types = types as EventType[];
    this.classifications = classifications as Classification[];
    this.idByRevision = new Array<string>(eventCount);
    this.occurredAtByRevision = new Array<string>(eventCount);
  }

  private readEvents(columns: JsonObject): void {
    const { id, revision, type, classification, retracted, key, occurredAt } = columnsOf(
      columns,
      ['id', 'revision', 'type', 'classification', 'retracted', 'key', 'occurredAt'],
      'events',
    );
    for (let index = 0; index < id.length; index += 1) {
      const eventId = id[index] as string;
      const at = revision[index] as number;
      const eventType = this.types[type[index] as number];
      const marking = this.classifications[classification[index] as number];
      if (
        typeof eventId !== 'string' ||
        !Number.isInteger(at) ||
        at < 0 ||
        at >= this.eventCount ||
        this.idByRevision[at] !== undefined ||
        eventType === undefined ||
        marking === undefined ||
        typeof occurredAt[index] !== 'string'
      )
        throw new UnreadableSnapshotError(`event ${String(eventId)} has an unreadable or repeated fact`);
      const fact: EventFact = {
        revision: at,
        type: eventType,
        classification: marking,
        retracted: retracted[index] === 1,
        key: (key[index] as string | null) ?? undefined,
        occurredAt: occurredAt[index] as string,
      };
      this.events.set(eventId, fact);
      this.idByRevision[at] = eventId;
      this.occurredAtByRevision[at] = fact.occurredAt;
    }
    this.eventsRead += id.length;
  }

  private readEntities(name: EntityMapName, columns: JsonObject): void {
    if (this.eventsRead !== this.eventCount)
      throw new UnreadableSnapshotError(`${name} before all ${this.eventCount} events`);
    const own = Object.entries(ENTITY_COLUMNS[name]);
    const read = columnsOf(
      columns,
      ['key', 'event', 'retracted', 'occurredAt', ...own.map(([field]) => field)],
      name,
    );
    const map = this.maps[name];
    const eventIdAt = (revision: JsonValue): string => {
      const eventId = typeof revision === 'number' ? this.idByRevision[revision] : undefined;
      if (eventId === undefined)
        throw new UnreadableSnapshotError(`${name} name no event at ${String(revision)}`);
      return eventId;
    };
    for (let index = 0; index < read['key']!.length; index += 1) {
      const revision = read['event']![index]!;
      const occurredAt = read['occurredAt']![index];
      const fact: Record<string, unknown> = {
        eventId: eventIdAt(revision),
        retracted: read['retracted']![index] === 1,
        occurredAt: occurredAt ?? this.occurredAtByRevision[revision as number],
      };
      for (const [field, kind] of own) {
        const value = read[field]![index];
        if (value !== null) fact[field] = kind === 'event' ? eventIdAt(value) : value;
        else if (kind === 'count') throw new UnreadableSnapshotError(`${name} miss ${field}`);
      }
      map.set(read['key']![index] as string, fact);
    }
  }
}

/** The named columns of a part, each an array, all of one length. */
function columnsOf<C extends string>(
  columns: JsonObject,
  names: readonly C[],
  part: string,
): Record<C, JsonValue[]> {
  const length = Array.isArray(columns[names[0]!]) ? (columns[names[0]!] as JsonValue[]).length : -1;
  for (const name of names) {
    const column = columns[name];
    if (!Array.isArray(column) || column.length !== length)
      throw new UnreadableSnapshotError(`a ${part} part misses its ${name} column or cuts it short`);
  }
  return columns as Record<C, JsonValue[]>;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The operation state in snapshots of the decided state (`operationDecider.snapshot`). */
export const operationStateSnapshotCodec: StateSnapshotCodec<OperationState> = {
  version: OPERATION_STATE_VERSION,
  encode: encodeOperationState,
  decoder: () => new OperationStateDecoder(),
};
