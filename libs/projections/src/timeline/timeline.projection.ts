import { isWithheldData } from '@timeline/events/handling/handling-code.restriction';
import { isAmendmentEventType, isEventType, type AmendmentEventType } from '@timeline/events';
import { EventIndex, type JsonValue } from '@timeline/kernel';
import { parsePosition } from '@timeline/event-store/port';
import { instantMs } from '../core/instant';
import { intern } from '../core/intern';
import { EventDataReader } from '../core/event-data.reader';
import { entryFacts, entryFactsOf, type EntryFacts } from './entry-facts';
import { defineProjection, type Snapshot } from '../core/projection';
import { UnfoldableEventError } from '../core/projection.errors';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';
import {
  TimelineEntry,
  type Correction,
  type OperationTimelineState,
  type Retraction,
  type TimelineState,
} from './timeline.state';

export const TIMELINE = 'timeline';

/** Order of the timeline: occurred time, then global position. */
export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.occurredAtMs !== b.occurredAtMs) return a.occurredAtMs < b.occurredAtMs ? -1 : 1;
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}

/** `2020-06-13T05:00:00.000Z`: the form the write path stores and `toISOString()` gives back. */
function isCanonicalInstant(text: string): boolean {
  return (
    text.length === 24 &&
    text.charCodeAt(23) === 90 /* Z */ &&
    text.charCodeAt(19) === 46 /* . */ &&
    text.charCodeAt(10) === 84
  ); /* T */
}

function millisecondsOf(
  event: Pick<StoredTimelineEvent, 'eventId' | 'type' | 'occurredAt' | 'recordedAt'>,
  field: 'occurredAt' | 'recordedAt',
): number {
  const ms = instantMs(event[field]);
  if (Number.isNaN(ms))
    throw new UnfoldableEventError(event.eventId, event.type, `${field} "${event[field]}" is not a date`);
  return ms;
}

/** Only a text that does not come back from its number is kept (e.g. one with an offset). */
function textUnlessCanonical(text: string, ms: number): string | null {
  return isCanonicalInstant(text) || new Date(ms).toISOString() === text ? null : text;
}

/** What an entry is made of: a stored event's envelope (a snapshot holds the same fields). */
type EntrySource = Pick<
  StoredTimelineEvent,
  | 'eventId'
  | 'type'
  | 'operationId'
  | 'occurredAt'
  | 'recordedAt'
  | 'recordedBy'
  | 'agency'
  | 'classification'
  | 'globalPosition'
  | 'streamRevision'
>;

function newEntry(source: EntrySource, facts: EntryFacts): TimelineEntry {
  const occurredAtMs = millisecondsOf(source, 'occurredAt');
  const recordedAtMs = millisecondsOf(source, 'recordedAt');
  return new TimelineEntry(
    source.eventId,
    intern(source.type),
    intern(source.operationId),
    occurredAtMs,
    textUnlessCanonical(source.occurredAt, occurredAtMs),
    recordedAtMs,
    textUnlessCanonical(source.recordedAt, recordedAtMs),
    intern(source.recordedBy),
    intern(source.agency),
    intern(source.classification) as TimelineEntry['classification'],
    Number(source.globalPosition.commit),
    Number(source.globalPosition.prepare),
    source.streamRevision,
    facts,
  );
}

/** The entry of a stored event, as the timeline keeps it. */
export function entryOf(event: StoredTimelineEvent): TimelineEntry {
  return newEntry(event, entryFactsOf(event.type, event.data, event.agency));
}

/** Up to this many back-dated entries are inserted in place; more are merged into a new list. */
const INSERT_IN_PLACE = 64;

/** The index of the first entry of `sorted` that comes after `entry`. */
function insertionPoint(sorted: readonly TimelineEntry[], entry: TimelineEntry): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareEntries(sorted[middle], entry) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Merges back-dated entries into place; afterwards `sorted` holds every entry in
 * order. A few (a late report between two reads) are inserted where they belong,
 * which moves references but allocates nothing; many (a catch-up over a log full
 * of late recordings) are merged into a new list in one pass.
 */
export function settle(operation: OperationTimelineState): TimelineEntry[] {
  if (operation.pending.length === 0) return operation.sorted;
  const pending = operation.pending.sort(compareEntries);
  const sorted = operation.sorted;
  if (pending.length <= INSERT_IN_PLACE) {
    for (const entry of pending) sorted.splice(insertionPoint(sorted, entry), 0, entry);
    operation.pending = [];
    return sorted;
  }
  const merged: TimelineEntry[] = new Array(sorted.length + pending.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < sorted.length && j < pending.length)
    merged[k++] = compareEntries(sorted[i], pending[j]) <= 0 ? sorted[i++] : pending[j++];
  while (i < sorted.length) merged[k++] = sorted[i++];
  while (j < pending.length) merged[k++] = pending[j++];
  operation.sorted = merged;
  operation.pending = [];
  return merged;
}

function targetOf(state: TimelineState, event: StoredTimelineEvent, targetId: string): TimelineEntry {
  const target = state.entries.get(targetId);
  if (!target)
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId}, which the timeline has not seen`,
    );
  if (target.operationId !== event.operationId)
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId} of another operation`,
    );
  if (target.retraction)
    throw new UnfoldableEventError(
      event.eventId,
      event.type,
      `it targets event ${targetId}, which is retracted`,
    );
  return target;
}

function amendmentOf(event: StoredTimelineEvent) {
  return {
    eventId: event.eventId,
    position: event.position,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    recordedBy: event.recordedBy,
    agency: event.agency,
  };
}

/**
 * Folds one event into the timeline. Corrections and retractions are not entries of
 * their own: they amend their target, which keeps its place and shows its history.
 * Every other type, known or not, becomes an entry.
 */
function applyEvent(state: TimelineState, event: StoredTimelineEvent): TimelineState {
  const type = event.type;
  if (isEventType(type) && isAmendmentEventType(type)) applyAmendment(state, event, type);
  else appendEntry(state, event);
  const stamp = operationOf(state, event.operationId).stamp;
  stamp.position = event.position;
  stamp.eventCount += 1;
  if (stamp.lastRecordedAt === null || event.recordedAt > stamp.lastRecordedAt)
    stamp.lastRecordedAt = event.recordedAt;
  return state;
}

/** The common case, kept lean: one probe of the index, which is also the first change. */
function appendEntry(state: TimelineState, event: StoredTimelineEvent): void {
  const entry = entryOf(event);
  if (!state.entries.add(entry.eventId, entry))
    throw new UnfoldableEventError(event.eventId, event.type, 'the timeline already holds this event id');
  const operation = operationOf(state, event.operationId);
  const { sorted, pending } = operation;
  if (pending.length === 0 && (sorted.length === 0 || compareEntries(sorted[sorted.length - 1], entry) < 0))
    sorted.push(entry);
  else pending.push(entry);
}

function applyAmendment(state: TimelineState, event: StoredTimelineEvent, type: AmendmentEventType): void {
  const reader: EventDataReader = new EventDataReader(event.eventId, event.type, event.data);
  switch (type) {
    case 'EventCorrected':
      return applyCorrection(state, event, reader);
    case 'EventRetracted':
      return applyRetraction(state, event, reader);
    default: {
      const exhaustive: never = type;
      throw new UnfoldableEventError(event.eventId, exhaustive, 'the timeline does not know this amendment');
    }
  }
}

function applyCorrection(state: TimelineState, event: StoredTimelineEvent, reader: EventDataReader): void {
  const target = targetOf(state, event, reader.text('correctsEventId'));
  const correctedType = reader.text('correctedType');
  if (correctedType !== target.type)
    reader.fail(`it corrects a ${target.type} as if it were a ${correctedType}`);
  const correction: Correction = {
    ...amendmentOf(event),
    reason: reader.text('reason'),
    streamRevision: event.streamRevision,
    facts: entryFactsOf(
      target.type,
      // A withheld correction (a redacted export) tells nothing of its replacement.
      isWithheldData(event.data) ? event.data : reader.object('replacement'),
      event.agency,
    ),
  };
  (target.corrections ??= []).push(correction);
}

function applyRetraction(state: TimelineState, event: StoredTimelineEvent, reader: EventDataReader): void {
  const target = targetOf(state, event, reader.text('retractsEventId'));
  target.retraction = {
    ...amendmentOf(event),
    reason: reader.text('reason'),
    note: reader.optionalText('note'),
  };
}

function operationOf(state: TimelineState, operationId: string): OperationTimelineState {
  let operation = state.operations.get(operationId);
  if (!operation) {
    operation = {
      operationId,
      sorted: [],
      pending: [],
      stamp: { position: null, eventCount: 0, lastRecordedAt: null },
    };
    state.operations.set(operationId, operation);
  }
  return operation;
}

// ---- snapshot: one part per operation header, entries in chunks

/** Small parts: each part's JSON (~100 kB) is built, written and dropped while still young garbage. */
const ENTRIES_PER_PART = 100;

/** An entry's amendments as they stood when a snapshot was taken. */
interface AmendmentsAt {
  readonly corrections: readonly Correction[] | null;
  readonly retraction: Retraction | null;
}

function entryToJson(entry: TimelineEntry, amendments: AmendmentsAt | undefined): JsonValue {
  return {
    eventId: entry.eventId,
    type: entry.type,
    operationId: entry.operationId,
    occurredAt: entry.occurredAt,
    recordedAt: entry.recordedAt,
    recordedBy: entry.recordedBy,
    agency: entry.agency,
    classification: entry.classification,
    position: entry.position,
    streamRevision: entry.streamRevision,
    facts: entry.facts,
    corrections: amendments?.corrections?.map((correction) => ({ ...correction })) ?? null,
    retraction: amendments?.retraction ? { ...amendments.retraction } : null,
  } as unknown as JsonValue;
}

function factsFromJson(json: EntryFacts): EntryFacts {
  const facts = entryFacts(json.actingAgencies?.map(intern) ?? null, json.seizure);
  return json.audience === undefined || json.audience === null
    ? facts
    : { ...facts, audience: json.audience };
}

function entryFromJson(json: Record<string, never>): TimelineEntry {
  const globalPosition = parsePosition(json.position);
  if (!globalPosition) throw new TypeError(`timeline snapshot: bad position ${String(json.position)}`);
  const entry = newEntry({ ...(json as unknown as EntrySource), globalPosition }, factsFromJson(json.facts));
  entry.corrections =
    (json.corrections as Correction[] | null)?.map((correction) => ({
      ...correction,
      facts: factsFromJson(correction.facts),
    })) ?? null;
  entry.retraction = json.retraction;
  return entry;
}

/**
 * A capture of the state, turned into parts lazily: entries never change once
 * made except for their amendments, so what is copied at the call is each
 * operation's order of entries, its stamp and the amendments made so far — not
 * the entries.
 */
function toSnapshot(state: TimelineState): Snapshot {
  const captured = [...state.operations.values()].map((operation) => {
    const entries = settle(operation).slice();
    const amendments = new Map<TimelineEntry, AmendmentsAt>();
    for (const entry of entries) {
      if (entry.corrections !== null || entry.retraction !== null)
        amendments.set(entry, {
          corrections: entry.corrections && entry.corrections.slice(),
          retraction: entry.retraction,
        });
    }
    return { operationId: operation.operationId, stamp: { ...operation.stamp }, entries, amendments };
  });
  return {
    length: captured.reduce(
      (parts, operation) => parts + 1 + Math.ceil(operation.entries.length / ENTRIES_PER_PART),
      0,
    ),
    *[Symbol.iterator](): Generator<JsonValue> {
      for (const { operationId, stamp, entries, amendments } of captured) {
        yield { part: 'operation', operationId, stamp: { ...stamp }, entries: entries.length } as JsonValue;
        for (let start = 0; start < entries.length; start += ENTRIES_PER_PART) {
          yield {
            part: 'entries',
            operationId,
            entries: entries
              .slice(start, start + ENTRIES_PER_PART)
              .map((entry) => entryToJson(entry, amendments.get(entry))),
          } as JsonValue;
        }
      }
    },
  };
}

function fromSnapshot(parts: readonly JsonValue[]): TimelineState {
  const state = initialState();
  for (const part of parts) {
    const json = part as never as Record<string, never>;
    if (json.part === 'operation') {
      operationOf(state, json.operationId).stamp.position = null;
      Object.assign(operationOf(state, json.operationId).stamp, json.stamp);
    } else if (json.part === 'entries') {
      const operation = operationOf(state, json.operationId);
      for (const item of json.entries as Record<string, never>[]) {
        const entry = entryFromJson(item);
        operation.sorted.push(entry);
        state.entries.set(entry.eventId, entry);
      }
    } else {
      throw new TypeError(`timeline snapshot: unknown part ${String(json.part)}`);
    }
  }
  return state;
}

function initialState(): TimelineState {
  return { operations: new Map(), entries: new EventIndex() };
}

/** The timeline of each operation. Query it with `timelinePage` and `dailySeries`. */
export const timelineProjection = defineProjection<TimelineState>({
  name: TIMELINE,
  // 2: entries hold their stream revision and derived facts instead of their data.
  version: 2,
  initialState,
  apply: applyEvent,
  toSnapshot,
  fromSnapshot,
  settle: (state) => {
    for (const operation of state.operations.values()) settle(operation);
  },
});
