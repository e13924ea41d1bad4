import { Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import { CLASSIFICATIONS, isEventType, type Classification, type EventType } from '@timeline/events';
import type { JsonObject, JsonValue, StateSnapshotCodec } from '@timeline/kernel';
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
 */
export const OPERATION_STATE_VERSION = 1;

/** Most map entries in one part: a part is stringified or parsed in a few milliseconds. */
const ENTRIES_PER_PART = 4096;

type EntityMapName = 'raids' | 'arrests' | 'seizures' | 'reports' | 'ocgs' | 'threatsToLife';
const ENTITY_MAPS: readonly EntityMapName[] = [
  'raids',
  'arrests',
  'seizures',
  'reports',
  'ocgs',
  'threatsToLife',
];

/** An event's facts as a row: [id, type, classification, retracted (0|1), key or null, occurredAt]. */
type EventRow = [string, string, string, 0 | 1, string | null, string];

/**
 * Encodes a launched operation as a header part (its scalar facts and agencies),
 * then `["events", rows]` parts (an event's facts as a compact row, as there is
 * one per stored event) and `[mapName, [key, fact][]]` parts for the entities.
 */
function* encodeOperationState(state: OperationState): Generator<JsonValue> {
  if (state.status === 'not-launched') {
    yield { status: state.status };
    return;
  }
  const { events, agencies, raids, arrests, seizures, reports, ocgs, threatsToLife, ...scalars } = state;
  yield { ...(scalars as unknown as JsonObject), agencies: agencies.toArray() };
  yield* chunks('events', events, (eventId, fact): EventRow => [
    eventId,
    fact.type,
    fact.classification,
    fact.retracted ? 1 : 0,
    fact.key ?? null,
    fact.occurredAt,
  ]);
  const maps = { raids, arrests, seizures, reports, ocgs, threatsToLife };
  for (const name of ENTITY_MAPS) {
    yield* chunks(name, maps[name] as ImmutableMap<string, object>, (key, fact) => [key, fact as JsonObject]);
  }
}

function* chunks<V>(
  name: string,
  map: ImmutableMap<string, V>,
  row: (key: string, value: V) => JsonValue,
): Generator<JsonValue> {
  let rows: JsonValue[] = [];
  for (const [key, value] of map) {
    rows.push(row(key, value));
    if (rows.length === ENTRIES_PER_PART) {
      yield [name, rows];
      rows = [];
    }
  }
  if (rows.length > 0) yield [name, rows];
}

/** Thrown by `decode` for parts that do not describe an operation state. */
class UnreadableSnapshotError extends Error {}

function decodeOperationState(parts: readonly JsonValue[]): OperationState {
  const [header, ...rest] = parts;
  if (!isObject(header)) throw new UnreadableSnapshotError('the state has no header part');
  if (header['status'] === 'not-launched') {
    if (rest.length > 0) throw new UnreadableSnapshotError('a state before the launch has no entries');
    return initialOperationState();
  }
  const status = header['status'];
  if (status !== 'active' && status !== 'phase-ended' && status !== 'closed')
    throw new UnreadableSnapshotError(`unknown status ${JSON.stringify(status)}`);
  if (typeof header['eventCount'] !== 'number' || !Array.isArray(header['agencies']))
    throw new UnreadableSnapshotError('the header misses eventCount or agencies');
  const events = ImmutableMap<string, EventFact>().asMutable();
  const maps = Object.fromEntries(
    ENTITY_MAPS.map((name) => [name, ImmutableMap<string, object>().asMutable()]),
  ) as Record<EntityMapName, ImmutableMap<string, object>>;
  for (const part of rest) {
    if (!Array.isArray(part) || part.length !== 2 || !Array.isArray(part[1]))
      throw new UnreadableSnapshotError('a part is not [name, rows]');
    const [name, rows] = part as [string, JsonValue[]];
    if (name === 'events') {
      for (const row of rows) {
        const [eventId, type, classification, retracted, key, occurredAt] = row as EventRow;
        if (!isEventType(type) || !CLASSIFICATIONS.includes(classification as Classification))
          throw new UnreadableSnapshotError(`event ${String(eventId)} has an unknown type or classification`);
        events.set(eventId, {
          type: type as EventType,
          classification: classification as Classification,
          retracted: retracted === 1,
          key: key ?? undefined,
          occurredAt,
        });
      }
    } else if ((ENTITY_MAPS as readonly string[]).includes(name)) {
      const map = maps[name as EntityMapName];
      for (const row of rows) {
        const [key, fact] = row as [string, JsonObject];
        map.set(key, fact);
      }
    } else {
      throw new UnreadableSnapshotError(`unknown part ${JSON.stringify(name)}`);
    }
  }
  if (events.size !== header['eventCount'])
    throw new UnreadableSnapshotError(
      `the header counts ${String(header['eventCount'])} events, the parts hold ${events.size}`,
    );
  const { agencies, ...scalars } = header;
  return {
    ...(scalars as unknown as Omit<LaunchedOperation, 'agencies'>),
    agencies: ImmutableSet(agencies as string[]),
    events: events.asImmutable(),
    raids: maps.raids.asImmutable() as ImmutableMap<string, RaidFact>,
    arrests: maps.arrests.asImmutable() as ImmutableMap<string, ArrestFact>,
    seizures: maps.seizures.asImmutable() as ImmutableMap<string, SeizureFact>,
    reports: maps.reports.asImmutable() as ImmutableMap<string, ReportFact>,
    ocgs: maps.ocgs.asImmutable() as ImmutableMap<string, OcgFact>,
    threatsToLife: maps.threatsToLife.asImmutable() as ImmutableMap<string, ThreatToLifeFact>,
  } as LaunchedOperation;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The operation state in snapshots of the decided state (`operationDecider.snapshot`). */
export const operationStateSnapshotCodec: StateSnapshotCodec<OperationState> = {
  version: OPERATION_STATE_VERSION,
  encode: encodeOperationState,
  decode: decodeOperationState,
};
