import type { JsonObject } from '@timeline/kernel';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { parsePosition } from '@timeline/event-store';
import { drugClassOf, isDrugType } from '@timeline/events/vocabulary/drug.vocabulary';
import type { PictureAsOf, DrugAmounts } from '../picture/operational-picture.view';
import { MILLIGRAMS_PER_KG } from '../picture/picture-contribution';
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
}

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

export function currentData(entry: TimelineEntry): JsonObject {
  return entry.corrections ? entry.corrections[entry.corrections.length - 1].data : entry.data;
}

export function entryView(entry: TimelineEntry): TimelineEntryView {
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
      data: entry.data,
    },
    ...(entry.corrections ?? []).map((correction: Correction, index): EntryVersion => ({
      version: index + 2,
      kind: 'corrected',
      eventId: correction.eventId,
      position: correction.position,
      recordedAt: correction.recordedAt,
      recordedBy: correction.recordedBy,
      agency: correction.agency,
      reason: correction.reason,
      data: correction.data,
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
    status: entry.retraction ? 'retracted' : entry.corrections ? 'corrected' : 'recorded',
    data: currentData(entry),
    history,
    retraction: entry.retraction,
  };
}

const AGENCY_FIELDS = [
  'force',
  'seizedBy',
  'leadForce',
  'toAgency',
  'fromAgency',
  'agency',
  'leadAgency',
] as const;

/** The recording agency and every agency the current data names as acting. */
export function agenciesOf(entry: TimelineEntry): Set<string> {
  const agencies = new Set([entry.agency]);
  const data = currentData(entry);
  for (const field of AGENCY_FIELDS) {
    const value = data[field];
    if (typeof value === 'string') agencies.add(value);
  }
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

/** A page of an operation's timeline, or null when the operation has no event. */
export function timelinePage(
  state: TimelineState,
  operationId: string,
  query: TimelineQuery = {},
): TimelinePage | null {
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
      const involved = agenciesOf(entry);
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
    entries: page.map(entryView),
    nextCursor: more ? encodeCursor(page[page.length - 1]) : null,
  };
}

/** One timeline entry by event id (for live pushes of a changed entry). */
export function timelineEntry(state: TimelineState, eventId: string): TimelineEntryView | null {
  const entry = state.entries.get(eventId);
  return entry ? entryView(entry) : null;
}

// ---- per-day series for charts

export interface SeizureTotals {
  seizures: number;
  cashPence: number;
  firearms: number;
  rounds: number;
  drugs: Record<string, DrugAmounts>;
}

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

function emptySeizures(): SeizureTotals {
  return { seizures: 0, cashPence: 0, firearms: 0, rounds: 0, drugs: {} };
}

function numberIn(line: JsonObject, field: string): number {
  const value = line[field];
  return typeof value === 'number' ? value : 0;
}

function linesOf(data: JsonObject, field: string): JsonObject[] {
  const value = data[field];
  return Array.isArray(value)
    ? (value.filter(
        (line) => typeof line === 'object' && line !== null && !Array.isArray(line),
      ) as JsonObject[])
    : [];
}

function addSeizure(totals: SeizureTotals, data: JsonObject): void {
  totals.seizures += 1;
  for (const line of linesOf(data, 'cash')) totals.cashPence += numberIn(line, 'amountPence');
  for (const line of linesOf(data, 'firearms')) {
    totals.firearms += numberIn(line, 'count');
    totals.rounds += numberIn(line, 'rounds');
  }
  for (const line of linesOf(data, 'drugs')) {
    const drugType = line.drugType;
    const unit = line.unit;
    if (!isDrugType(drugType) || (unit !== 'kg' && unit !== 'doses' && unit !== 'plants')) continue;
    const amounts = (totals.drugs[drugClassOf(drugType)] ??= { kg: 0, doses: 0, plants: 0 });
    if (unit === 'kg')
      amounts.kg =
        (Math.round(amounts.kg * MILLIGRAMS_PER_KG) +
          Math.round(numberIn(line, 'quantity') * MILLIGRAMS_PER_KG)) /
        MILLIGRAMS_PER_KG;
    else amounts[unit] += numberIn(line, 'quantity');
  }
}

function mergeSeizures(into: SeizureTotals, from: SeizureTotals): SeizureTotals {
  const drugs: Record<string, DrugAmounts> = {};
  for (const source of [into.drugs, from.drugs]) {
    for (const [drugClass, amounts] of Object.entries(source)) {
      const target = (drugs[drugClass] ??= { kg: 0, doses: 0, plants: 0 });
      target.kg =
        (Math.round(target.kg * MILLIGRAMS_PER_KG) + Math.round(amounts.kg * MILLIGRAMS_PER_KG)) /
        MILLIGRAMS_PER_KG;
      target.doses += amounts.doses;
      target.plants += amounts.plants;
    }
  }
  return {
    seizures: into.seizures + from.seizures,
    cashPence: into.cashPence + from.cashPence,
    firearms: into.firearms + from.firearms,
    rounds: into.rounds + from.rounds,
    drugs,
  };
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
      seizures: mergeSeizures(cumulative.seizures, current.seizures),
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
    if (entry.type === 'SeizureRecorded') addSeizure(current.seizures, currentData(entry));
  }
  close();
  return { operationId, asOf: asOf(operation), days };
}
