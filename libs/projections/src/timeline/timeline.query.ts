import type { JsonObject } from '@timeline/kernel';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { parsePosition } from '@timeline/event-store/port';
import type { PictureAsOf } from '../picture/operational-picture.view';
import {
  addSeizures,
  copySeizures,
  emptySeizures,
  mayViewAllVersions,
  type EntryFacts,
  type SeizureTotals,
} from './entry-facts';
import { isObject } from '../core/event-data.reader';
import { settle } from './timeline.projection';
import type {
  Correction,
  OperationTimelineState,
  Retraction,
  TimelineEntry,
  TimelineState,
} from './timeline.state';

export class InvalidTimelineQueryError extends TimelineError {
  readonly code = 'projections.invalid-timeline-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Invalid timeline query: ${field} ${reason}`, {
      errors: [{ path: field, constraint: 'valid', message: `${field} ${reason}` }],
    });
  }
}

export const DEFAULT_TIMELINE_LIMIT = 50;
export const MAX_TIMELINE_LIMIT = 500;

export interface TimelineQuery {
  /** Only these event types. */
  readonly types?: readonly string[];
  /** Only entries an agency recorded or is named in as the acting force, recipient or source. */
  readonly agencies?: readonly string[];
  /** Occurred at or after (ISO 8601). */
  readonly from?: string;
  /** Occurred at or before (ISO 8601). */
  readonly to?: string;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** 1–500; default 50. */
  readonly limit?: number;
  /**
   * The reader's agency: an entry whose data it may not see in every version
   * (handling code C) is found by its recording agency only, never by the
   * agencies its data names.
   */
  readonly viewerAgency?: string;
}

export type { SeizureTotals } from './entry-facts';

/** One version of an entry's data, oldest first. */
export interface EntryVersion {
  readonly version: number;
  readonly kind: 'recorded' | 'corrected';
  readonly eventId: string;
  readonly position: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
  readonly reason: string | null;
  readonly data: JsonObject;
}

export interface TimelineEntryView {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly agency: string;
  readonly classification: string;
  readonly position: string;
  readonly status: 'recorded' | 'corrected' | 'retracted';
  /** The current value: the latest correction's replacement, or the data as recorded. */
  readonly data: JsonObject;
  /** The original and each correction, with who and when. */
  readonly history: readonly EntryVersion[];
  readonly retraction: Retraction | null;
}

export interface TimelinePage {
  readonly operationId: string;
  readonly asOf: PictureAsOf;
  readonly entries: readonly TimelineEntryView[];
  /** Pass as `cursor` for the next page; null on the last page. Stable: entries recorded meanwhile never shift a page. */
  readonly nextCursor: string | null;
}

/**
 * Where the entries' data is read when a page is shown: the log, for the live read
 * model (`StoreTimelinePayloads`), or the events in hand, for time travel.
 */
export interface TimelinePayloads {
  /** The data, in the current version's shape, of the operation's events at these stream revisions. */
  dataAt(operationId: string, streamRevisions: readonly number[]): Promise<ReadonlyMap<number, JsonObject>>;
}

/** An entry as it stood when a page selected it: amendments made while its data is read do not change the page. */
export interface SelectedEntry {
  readonly entry: TimelineEntry;
  readonly corrections: readonly Correction[] | null;
  readonly retraction: Retraction | null;
}

function selected(entry: TimelineEntry): SelectedEntry {
  return { entry, corrections: entry.corrections && entry.corrections.slice(), retraction: entry.retraction };
}

/** The facts of every version of an entry: as recorded, then each correction's. */
function versionFacts(entry: TimelineEntry): EntryFacts[] {
  return [entry.facts, ...(entry.corrections ?? []).map((correction) => correction.facts)];
}

/** The current facts: the latest correction's, or the entry's own. */
export function currentFacts(entry: TimelineEntry): EntryFacts {
  return entry.corrections ? entry.corrections[entry.corrections.length - 1].facts : entry.facts;
}

class MissingEntryDataError extends Error {
  constructor(operationId: string, streamRevision: number) {
    super(
      `The log holds no event at revision ${streamRevision} of operation ${operationId}, which the timeline lists`,
    );
    this.name = 'MissingEntryDataError';
  }
}

function dataAt(
  data: ReadonlyMap<number, JsonObject>,
  entry: TimelineEntry,
  streamRevision: number,
): JsonObject {
  const found = data.get(streamRevision);
  if (found === undefined) throw new MissingEntryDataError(entry.operationId, streamRevision);
  return found;
}

/** A correction event's data holds the replacement, which is the corrected entry's data. */
function replacementIn(correctionData: JsonObject, entry: TimelineEntry, correction: Correction): JsonObject {
  const replacement = correctionData.replacement;
  if (!isObject(replacement)) throw new MissingEntryDataError(entry.operationId, correction.streamRevision);
  return replacement;
}

function entryView(
  { entry, corrections, retraction }: SelectedEntry,
  data: ReadonlyMap<number, JsonObject>,
): TimelineEntryView {
  const history: EntryVersion[] = [
    {
      version: 1,
      kind: 'recorded',
      eventId: entry.eventId,
      position: entry.position,
      recordedAt: entry.recordedAt,
      recordedBy: entry.recordedBy,
      agency: entry.agency,
      reason: null,
      data: dataAt(data, entry, entry.streamRevision),
    },
    ...(corrections ?? []).map((correction: Correction, index): EntryVersion => ({
      version: index + 2,
      kind: 'corrected',
      eventId: correction.eventId,
      position: correction.position,
      recordedAt: correction.recordedAt,
      recordedBy: correction.recordedBy,
      agency: correction.agency,
      reason: correction.reason,
      data: replacementIn(dataAt(data, entry, correction.streamRevision), entry, correction),
    })),
  ];
  return {
    eventId: entry.eventId,
    type: entry.type,
    occurredAt: entry.occurredAt,
    recordedAt: entry.recordedAt,
    recordedBy: entry.recordedBy,
    agency: entry.agency,
    classification: entry.classification,
    position: entry.position,
    status: retraction ? 'retracted' : corrections ? 'corrected' : 'recorded',
    data: history[history.length - 1].data,
    history,
    retraction,
  };
}

/** Views of selected entries, their data read in one request per operation. */
export async function renderEntries(
  entries: readonly SelectedEntry[],
  payloads: TimelinePayloads,
): Promise<TimelineEntryView[]> {
  const revisions = new Map<string, number[]>();
  for (const { entry, corrections } of entries) {
    let wanted = revisions.get(entry.operationId);
    if (!wanted) revisions.set(entry.operationId, (wanted = []));
    wanted.push(entry.streamRevision);
    for (const correction of corrections ?? []) wanted.push(correction.streamRevision);
  }
  const data = new Map<string, ReadonlyMap<number, JsonObject>>();
  await Promise.all(
    [...revisions].map(async ([operationId, wanted]) => {
      data.set(operationId, await payloads.dataAt(operationId, wanted));
    }),
  );
  return entries.map((item) => entryView(item, data.get(item.entry.operationId)!));
}

/**
 * The recording agency and every agency the current data names as acting; only
 * the recording agency when the reader (`viewerAgency`) may not see the data.
 */
export function agenciesOf(entry: TimelineEntry, viewerAgency?: string): Set<string> {
  const agencies = new Set([entry.agency]);
  if (viewerAgency !== undefined && !mayViewAllVersions(versionFacts(entry), viewerAgency)) return agencies;
  for (const agency of currentFacts(entry).actingAgencies ?? []) agencies.add(agency);
  return agencies;
}

export function encodeCursor(entry: TimelineEntry): string {
  return Buffer.from(`${entry.occurredAtMs}|${entry.position}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): {
  occurredAtMs: number;
  position: { commit: number; prepare: number };
} {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(-?\d{1,16})\|(.+)$/.exec(text);
  const position = match ? parsePosition(match[2]) : null;
  if (!match || !position)
    throw new InvalidTimelineQueryError('cursor', 'is not a cursor this timeline issued');
  return {
    occurredAtMs: Number(match[1]),
    position: { commit: Number(position.commit), prepare: Number(position.prepare) },
  };
}

function instant(field: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new InvalidTimelineQueryError(field, 'is not an ISO 8601 date or time');
  return ms;
}

/** Index of the first entry that sorts after (ms, position). */
function firstAfter(
  entries: readonly TimelineEntry[],
  ms: number,
  position: { commit: number; prepare: number } | null,
): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const entry = entries[middle];
    const after =
      entry.occurredAtMs > ms ||
      (entry.occurredAtMs === ms &&
        position !== null &&
        (entry.commit > position.commit ||
          (entry.commit === position.commit && entry.prepare > position.prepare)));
    if (after) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Index of the first entry at or after ms. */
function firstAtOrAfter(entries: readonly TimelineEntry[], ms: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (entries[middle].occurredAtMs >= ms) high = middle;
    else low = middle + 1;
  }
  return low;
}

const asOf = (operation: OperationTimelineState): PictureAsOf => ({ ...operation.stamp });

/** A page of an operation's timeline as selected from the state, before its entries' data is read. */
export interface TimelineSelection {
  readonly operationId: string;
  readonly asOf: PictureAsOf;
  readonly entries: readonly SelectedEntry[];
  readonly nextCursor: string | null;
}

/**
 * Selects a page of an operation's timeline, or null when the operation has no
 * event. Synchronous, so the page is exactly the state at the call (`asOf`).
 */
export function selectTimelinePage(
  state: TimelineState,
  operationId: string,
  query: TimelineQuery = {},
): TimelineSelection | null {
  const limit = query.limit ?? DEFAULT_TIMELINE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TIMELINE_LIMIT)
    throw new InvalidTimelineQueryError('limit', `must be an integer from 1 to ${MAX_TIMELINE_LIMIT}`);
  const from = instant('from', query.from);
  const to = instant('to', query.to);
  if (from !== null && to !== null && from > to) throw new InvalidTimelineQueryError('to', 'is before from');
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const operation = state.operations.get(operationId);
  if (!operation) return null;
  const entries = settle(operation);
  let index = 0;
  if (cursor) index = firstAfter(entries, cursor.occurredAtMs, cursor.position);
  if (from !== null) index = Math.max(index, firstAtOrAfter(entries, from));
  const types = query.types && query.types.length > 0 ? new Set(query.types) : null;
  const agencies = query.agencies && query.agencies.length > 0 ? query.agencies : null;
  const page: TimelineEntry[] = [];
  let more = false;
  for (; index < entries.length; index += 1) {
    const entry = entries[index];
    if (to !== null && entry.occurredAtMs > to) break;
    if (types && !types.has(entry.type)) continue;
    if (agencies) {
      const involved = agenciesOf(entry, query.viewerAgency);
      if (!agencies.some((agency) => involved.has(agency))) continue;
    }
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(entry);
  }
  return {
    operationId,
    asOf: asOf(operation),
    entries: page.map(selected),
    nextCursor: more ? encodeCursor(page[page.length - 1]) : null,
  };
}

/** A page of an operation's timeline with its entries' data, or null when the operation has no event. */
export async function timelinePage(
  state: TimelineState,
  operationId: string,
  query: TimelineQuery,
  payloads: TimelinePayloads,
): Promise<TimelinePage | null> {
  const selection = selectTimelinePage(state, operationId, query);
  if (!selection) return null;
  return { ...selection, entries: await renderEntries(selection.entries, payloads) };
}

/** One entry by event id as it stands now (for live pushes of an appended or changed entry). */
export function selectTimelineEntry(state: TimelineState, eventId: string): SelectedEntry | null {
  const entry = state.entries.get(eventId);
  return entry ? selected(entry) : null;
}

// ---- per-day series for charts

export interface DailyPoint {
  /** UTC day of occurrence, `YYYY-MM-DD`. */
  readonly date: string;
  readonly events: number;
  readonly byType: Record<string, number>;
  readonly seizures: SeizureTotals;
  /** Running totals up to and including this day. */
  readonly cumulative: {
    readonly events: number;
    readonly byType: Record<string, number>;
    readonly seizures: SeizureTotals;
  };
}

export interface DailySeries {
  readonly operationId: string;
  readonly asOf: PictureAsOf;
  readonly days: readonly DailyPoint[];
}

function merged(a: SeizureTotals, b: SeizureTotals): SeizureTotals {
  const sum = copySeizures(a);
  addSeizures(sum, b);
  return sum;
}

/**
 * Counts and seizure totals per UTC day of occurrence, with running totals, for
 * charts. Retracted entries are left out; corrected ones count with their current data.
 */
export function dailySeries(
  state: TimelineState,
  operationId: string,
  query: Pick<TimelineQuery, 'types'> = {},
): DailySeries | null {
  const operation = state.operations.get(operationId);
  if (!operation) return null;
  const types = query.types && query.types.length > 0 ? new Set(query.types) : null;
  const days: DailyPoint[] = [];
  let current: {
    date: string;
    events: number;
    byType: Record<string, number>;
    seizures: SeizureTotals;
  } | null = null;
  let cumulative = { events: 0, byType: {} as Record<string, number>, seizures: emptySeizures() };
  const close = () => {
    if (!current) return;
    const byType = { ...cumulative.byType };
    for (const [type, count] of Object.entries(current.byType)) byType[type] = (byType[type] ?? 0) + count;
    cumulative = {
      events: cumulative.events + current.events,
      byType,
      seizures: merged(cumulative.seizures, current.seizures),
    };
    days.push({ ...current, cumulative });
  };
  for (const entry of settle(operation)) {
    if (entry.retraction || (types && !types.has(entry.type))) continue;
    const date = new Date(entry.occurredAtMs).toISOString().slice(0, 10);
    if (!current || current.date !== date) {
      close();
      current = { date, events: 0, byType: {}, seizures: emptySeizures() };
    }
    current.events += 1;
    current.byType[entry.type] = (current.byType[entry.type] ?? 0) + 1;
    const seizure = currentFacts(entry).seizure;
    if (seizure) addSeizures(current.seizures, seizure);
  }
  close();
  return { operationId, asOf: asOf(operation), days };
}
