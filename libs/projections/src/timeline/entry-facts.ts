import type { JsonObject } from '@timeline/kernel';
import { EVENT_TYPE_FACTS } from '@timeline/events';
import { drugClassOf, isDrugType } from '@timeline/events/vocabulary/drug.vocabulary';
import type { DrugAmounts } from '../picture/operational-picture.view';
import { MILLIGRAMS_PER_KG } from '../picture/picture-contribution';
import { intern } from '../core/intern';
import {
  entitledAgencies,
  isWithheldData,
  restrictionOfIntelligence,
} from '@timeline/events/handling/handling-code.restriction';

/** Seizure totals of one entry, one day or a running total. */
export interface SeizureTotals {
  seizures: number;
  cashPence: number;
  firearms: number;
  rounds: number;
  drugs: Record<string, DrugAmounts>;
}

/**
 * What the timeline's queries need of an entry's data, derived when the entry is
 * folded (and again from each correction's replacement): the agencies the data
 * names, for the agency filter, and a seizure's totals, for the daily series. The
 * data itself stays in the log and is read for the entries a page shows.
 */
export interface EntryFacts {
  /** Agencies the data names as acting force, recipient, source or lead (interned); null when none. */
  readonly actingAgencies: readonly string[] | null;
  /** A seizure's totals; null for every other type. */
  readonly seizure: SeizureTotals | null;
  /**
   * For a C-coded report, the agencies entitled to this version of it, sorted
   * and comma-joined (`''` for a withheld marker); null when it is not restricted.
   * A reader not entitled finds the entry only by what it may see of it.
   */
  readonly audience?: string | null;
}

/** The fields that name an acting agency, by type: each type's facts declare them (`agencyFields`). */
const AGENCY_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(
  EVENT_TYPE_FACTS.map((facts) => [facts.type, facts.agencyFields]),
);

export function emptySeizures(): SeizureTotals {
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

/** Kilograms added exactly, as integer milligrams. */
function addKg(a: number, b: number): number {
  return (Math.round(a * MILLIGRAMS_PER_KG) + Math.round(b * MILLIGRAMS_PER_KG)) / MILLIGRAMS_PER_KG;
}

function seizureOf(data: JsonObject): SeizureTotals {
  const totals = emptySeizures();
  totals.seizures = 1;
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
    if (unit === 'kg') amounts.kg = addKg(amounts.kg, numberIn(line, 'quantity'));
    else amounts[unit] += numberIn(line, 'quantity');
  }
  return totals;
}

/** Adds `from` into `into`. */
export function addSeizures(into: SeizureTotals, from: SeizureTotals): void {
  into.seizures += from.seizures;
  into.cashPence += from.cashPence;
  into.firearms += from.firearms;
  into.rounds += from.rounds;
  for (const [drugClass, amounts] of Object.entries(from.drugs)) {
    const target = (into.drugs[drugClass] ??= { kg: 0, doses: 0, plants: 0 });
    target.kg = addKg(target.kg, amounts.kg);
    target.doses += amounts.doses;
    target.plants += amounts.plants;
  }
}

/** A copy whose later additions leave `totals` alone. */
export function copySeizures(totals: SeizureTotals): SeizureTotals {
  const copy = emptySeizures();
  addSeizures(copy, totals);
  return copy;
}

/** The agencies the data of an event of `type` names, in field order (not yet shared). */
function namedAgencies(type: string, data: JsonObject): string[] | null {
  let agencies: string[] | null = null;
  for (const field of AGENCY_FIELDS.get(type) ?? []) {
    const value = data[field];
    if (typeof value === 'string') (agencies ??= []).push(value);
  }
  return agencies;
}

const NO_FACTS: EntryFacts = Object.freeze({ actingAgencies: null, seizure: null });

/**
 * Facts without a seizure, shared by the agencies they name: nearly every entry
 * names one or two of a few dozen agencies, so a million entries hold a handful of
 * these objects rather than a million.
 */
const sharedFacts = new Map<string, EntryFacts>();
const MAX_SHARED = 100_000;

/** Facts as given; entries alike share one object (never changed once made). */
export function entryFacts(
  actingAgencies: readonly string[] | null,
  seizure: SeizureTotals | null,
): EntryFacts {
  if (seizure !== null) return { actingAgencies: actingAgencies && actingAgencies.map(intern), seizure };
  if (actingAgencies === null) return NO_FACTS;
  const key = actingAgencies.length === 1 ? actingAgencies[0] : actingAgencies.join('\u0000');
  let facts = sharedFacts.get(key);
  if (facts === undefined) {
    facts = Object.freeze({ actingAgencies: Object.freeze(actingAgencies.map(intern)), seizure: null });
    // Agencies are a small vocabulary; should data ever name unboundedly many, stop sharing rather than grow.
    if (sharedFacts.size < MAX_SHARED) sharedFacts.set(key, facts);
  }
  return facts;
}

/** Who is entitled to this version of an entry's data; null when everyone is. */
function audienceOf(type: string, data: JsonObject, versionAgency: string | undefined): string | null {
  if (type !== 'IntelligenceReceived') return null;
  if (isWithheldData(data)) return '';
  const restriction = restrictionOfIntelligence(data, versionAgency);
  return restriction === null ? null : entitledAgencies(restriction).join(',');
}

/**
 * The facts of an entry of `type` whose (current) data is `data`, recorded by
 * `versionAgency` (the entry's agency, or a correction's).
 */
export function entryFactsOf(type: string, data: JsonObject, versionAgency?: string): EntryFacts {
  const audience = audienceOf(type, data, versionAgency);
  if (audience !== null) return { ...entryFacts(namedAgencies(type, data), null), audience };
  return entryFacts(namedAgencies(type, data), type === 'SeizureRecorded' ? seizureOf(data) : null);
}

/** Whether a reader of `agency` may see an entry's data in every version it went through. */
export function mayViewAllVersions(versions: readonly EntryFacts[], agency: string): boolean {
  for (const facts of versions) {
    const audience = facts.audience;
    if (audience === undefined || audience === null) continue;
    if (audience === '' || !audience.split(',').includes(agency)) return false;
  }
  return true;
}
