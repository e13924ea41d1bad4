import { drugClassOf, isDrugType } from '@timeline/events/vocabulary/drug.vocabulary';
import { MILLIGRAMS_PER_KG, WITHHELD, WITHHELD_AUDIENCE } from './picture-contribution';
import type { Breakdown, CounterKey } from './counter-keys';
import {
  emptyScope,
  Counters,
  type OperationPictureState,
  type OperationalPictureState,
  type PictureScope,
  type PictureStamp,
} from './operational-picture.state';

/** Drug amounts by unit: kg as a decimal, doses and plants as counts. Units with nothing seized are 0. */
export interface DrugAmounts {
  kg: number;
  doses: number;
  plants: number;
}

/** The counted totals of a scope (an operation, the nation, an agency, a region). */
export interface PictureTotals {
  readonly arrests: number;
  readonly charges: {
    readonly total: number;
    readonly byDecider: Record<string, number>;
    readonly remandedInCustody: number;
  };
  /** Court outcomes of charges (ChargeOutcomeRecorded). */
  readonly courtOutcomes: {
    readonly total: number;
    readonly convictions: number;
    readonly acquittals: number;
    readonly discontinuances: number;
    /** Convictions with immediate custody, and with any other sentence. */
    readonly custodialSentences: number;
    readonly nonCustodialSentences: number;
    /** The custodial terms added up, in months. */
    readonly custodialMonths: number;
  };
  readonly raids: { readonly total: number; readonly officers: number };
  readonly intelligence: {
    readonly received: number;
    /**
     * Reports counted whose details are withheld from the reader (handling code
     * C): in every breakdown of their details they are under `withheld`, and they
     * are not in `threatToLife`.
     */
    readonly withheld: number;
    readonly threatToLife: number;
    /** By the full 3x5x2 grading, e.g. `1/A/P`. */
    readonly byGrading: Record<string, number>;
    readonly bySource: Record<string, number>;
    readonly byIntelligence: Record<string, number>;
    readonly byHandling: Record<string, number>;
    readonly byPriority: Record<string, number>;
  };
  readonly disseminations: {
    readonly total: number;
    readonly sanitised: number;
    readonly byRecipient: Record<string, number>;
  };
  readonly seizures: number;
  readonly drugs: {
    readonly byClass: Record<string, DrugAmounts>;
    readonly byType: Record<string, DrugAmounts & { readonly class: string }>;
  };
  readonly firearms: {
    readonly total: number;
    readonly rounds: number;
    readonly byCategory: Record<string, { count: number; rounds: number }>;
  };
  readonly cash: {
    readonly pence: number;
    /** Pounds and pence for display, e.g. `54000.00`. */ readonly pounds: string;
  };
  readonly otherProperty: Record<string, number>;
  readonly threatsToLifeMitigated: { readonly total: number; readonly byAction: Record<string, number> };
  readonly ocgsIdentified: { readonly total: number; readonly byBand: Record<string, number> };
  readonly encryptionCracked: { readonly total: number; readonly byPlatform: Record<string, number> };
}

/** What every picture answer is stamped with. */
export interface PictureAsOf {
  /** The last global position reflected (`formatPosition`), null when nothing is. */
  readonly position: string | null;
  /** How many events (of this operation, or of all) the picture reflects, corrections and retractions included. */
  readonly eventCount: number;
  /** The latest `recordedAt` among them. */
  readonly lastRecordedAt: string | null;
}

export interface OperationalPictureView {
  readonly scope: 'operation';
  readonly operationId: string;
  readonly operation: {
    readonly codename: string | null;
    readonly leadAgency: string | null;
    readonly startedAt: string | null;
    readonly description: string | null;
    readonly status: 'open' | 'phase-ended' | 'closed';
    readonly phaseEndedAt: string | null;
    readonly closedAt: string | null;
    readonly agencies: readonly {
      agency: string;
      region: string;
      localOperationName: string | null;
      joinedAt: string;
    }[];
  };
  readonly asOf: PictureAsOf;
  readonly totals: PictureTotals;
  readonly byAgency: Record<string, PictureTotals>;
  readonly byRegion: Record<string, PictureTotals>;
  /**
   * By organised crime group (`ocgId`): the group's identification, the raids
   * targeting it, the arrests and seizures made at those raids, and the charges
   * and court outcomes of those arrests.
   */
  readonly byOrganisedCrimeGroup: Record<string, PictureTotals>;
}

export interface NationalPictureView {
  readonly scope: 'national';
  readonly operations: readonly {
    operationId: string;
    codename: string | null;
    status: string;
    eventCount: number;
  }[];
  readonly asOf: PictureAsOf;
  readonly totals: PictureTotals;
  readonly byAgency: Record<string, PictureTotals>;
  readonly byRegion: Record<string, PictureTotals>;
}

/** Integer pence as pounds with two decimals, exactly (no floating point). */
export function penceToPounds(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const absolute = BigInt(Math.abs(Math.round(pence)));
  return `${sign}${absolute / 100n}.${(absolute % 100n).toString().padStart(2, '0')}`;
}

function sortedRecord(entries: Iterable<[string, number]>): Record<string, number> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The keys of a breakdown start with its name and a dot: `outcomes.convicted`. */
const prefixOf = (breakdown: Breakdown): string => `${breakdown}.`;

/** A breakdown's counters by value: `{ convicted: 3, acquitted: 1 }` for `outcomes`. */
function suffixes(counters: Counters, breakdown: Breakdown): Record<string, number> {
  const prefix = prefixOf(breakdown);
  const entries: [string, number][] = [];
  for (const [key, value] of counters)
    if (key.startsWith(prefix)) entries.push([key.slice(prefix.length), value]);
  return sortedRecord(entries);
}

const noDrugs = (): DrugAmounts => ({ kg: 0, doses: 0, plants: 0 });

function addAmount(amounts: DrugAmounts, unit: string, value: number): void {
  if (unit === 'kg') amounts.kg = (Math.round(amounts.kg * MILLIGRAMS_PER_KG) + value) / MILLIGRAMS_PER_KG;
  else if (unit === 'doses' || unit === 'plants') amounts[unit] += value;
}

/** The counters of a scope as the nested totals clients read. */
export function totalsOf(counters: Counters): PictureTotals {
  const count = (key: CounterKey) => counters.get(key) ?? 0;
  const byClass: Record<string, DrugAmounts> = { A: noDrugs(), B: noDrugs(), C: noDrugs() };
  const byType: Record<string, DrugAmounts & { class: string }> = {};
  const byCategory: Record<string, { count: number; rounds: number }> = {};
  const drugKeys = counters
    .keys()
    .filter((key) => key.startsWith(prefixOf('drugs')))
    .sort();
  for (const key of drugKeys) {
    const [, drugType, unit] = key.split('.');
    const value = counters.get(key)!;
    const drugClass = isDrugType(drugType) ? drugClassOf(drugType) : 'unknown';
    byType[drugType] ??= { class: drugClass, ...noDrugs() };
    addAmount(byType[drugType], unit, value);
    byClass[drugClass] ??= noDrugs();
    addAmount(byClass[drugClass], unit, value);
  }
  let firearms = 0;
  let rounds = 0;
  for (const key of counters
    .keys()
    .filter((key) => key.startsWith(prefixOf('firearms')))
    .sort()) {
    const [, category, measure] = key.split('.');
    const value = counters.get(key)!;
    byCategory[category] ??= { count: 0, rounds: 0 };
    if (measure === 'count') {
      byCategory[category].count += value;
      firearms += value;
    } else {
      byCategory[category].rounds += value;
      rounds += value;
    }
  }
  const pence = count('cash.pence');
  return {
    arrests: count('arrests'),
    charges: {
      total: count('charges'),
      byDecider: suffixes(counters, 'charges.decidedBy'),
      remandedInCustody: count('charges.remandedInCustody'),
    },
    courtOutcomes: {
      total: count('outcomes'),
      convictions: count('outcomes.convicted'),
      acquittals: count('outcomes.acquitted'),
      discontinuances: count('outcomes.discontinued'),
      custodialSentences: count('outcomes.sentence.custodial'),
      nonCustodialSentences: count('outcomes.sentence.non-custodial'),
      custodialMonths: count('outcomes.custodialMonths'),
    },
    raids: { total: count('raids'), officers: count('raids.officers') },
    intelligence: {
      received: count('intelligence'),
      withheld: count('intelligence.withheld'),
      threatToLife: count('intelligence.threatToLife'),
      byGrading: suffixes(counters, 'intelligence.grading'),
      bySource: suffixes(counters, 'intelligence.source'),
      byIntelligence: suffixes(counters, 'intelligence.intelligence'),
      byHandling: suffixes(counters, 'intelligence.handling'),
      byPriority: suffixes(counters, 'intelligence.priority'),
    },
    disseminations: {
      total: count('disseminations'),
      sanitised: count('disseminations.sanitised'),
      byRecipient: suffixes(counters, 'disseminations.to'),
    },
    seizures: count('seizures'),
    drugs: { byClass, byType },
    firearms: { total: firearms, rounds, byCategory },
    cash: { pence, pounds: penceToPounds(pence) },
    otherProperty: suffixes(counters, 'other'),
    threatsToLifeMitigated: {
      total: count('threatsToLifeMitigated'),
      byAction: suffixes(counters, 'threatsToLifeMitigated.action'),
    },
    ocgsIdentified: { total: count('ocgs'), byBand: suffixes(counters, 'ocgs.band') },
    encryptionCracked: {
      total: count('encryptionCracked'),
      byPlatform: suffixes(counters, 'encryptionCracked'),
    },
  };
}

function breakdown(map: Map<string, Counters>): Record<string, PictureTotals> {
  return Object.fromEntries([...map.keys()].sort().map((name) => [name, totalsOf(map.get(name)!)]));
}

const asOf = (stamp: PictureStamp): PictureAsOf => ({
  position: stamp.position,
  eventCount: stamp.eventCount,
  lastRecordedAt: stamp.lastRecordedAt,
});

function scopeView(scope: PictureScope) {
  return {
    totals: totalsOf(scope.totals),
    byAgency: breakdown(scope.byAgency),
    byRegion: breakdown(scope.byRegion),
  };
}

/**
 * Who reads a picture: C-coded reports are shown in full to the agencies
 * entitled to them and withheld from everyone else. Without a viewer (the store's
 * own replay, the seed's check) every report is shown in full but those already
 * withheld from the log that was folded.
 */
export interface PictureViewer {
  readonly agency: string;
}

/** What a withheld report tells: that it exists and is C-coded. Every breakdown of its details says `withheld`. */
export const WITHHELD_COUNTER_KEYS: readonly CounterKey[] = [
  'intelligence',
  'intelligence.withheld',
  'intelligence.handling.C',
  `intelligence.grading.${WITHHELD}`,
  `intelligence.source.${WITHHELD}`,
  `intelligence.intelligence.${WITHHELD}`,
  `intelligence.priority.${WITHHELD}`,
];

function withheldCounters(counters: Counters): Counters {
  const reports = counters.get('intelligence') ?? 0;
  return Counters.from(WITHHELD_COUNTER_KEYS.map((key) => [key, reports] as const));
}

function withheldScope(scope: PictureScope): PictureScope {
  return {
    totals: withheldCounters(scope.totals),
    byAgency: new Map([...scope.byAgency].map(([agency, counters]) => [agency, withheldCounters(counters)])),
    // Where a report was is one of its details.
    byRegion: new Map([[WITHHELD, withheldCounters(scope.totals)]]),
    byOrganisedCrimeGroup: new Map(
      [...scope.byOrganisedCrimeGroup].map(([ocg, counters]) => [ocg, withheldCounters(counters)]),
    ),
  };
}

function mayView(audience: string, viewer: PictureViewer | undefined): boolean {
  if (audience === WITHHELD_AUDIENCE) return false;
  return viewer === undefined || audience.split(',').includes(viewer.agency);
}

function addScope(into: PictureScope, from: PictureScope): void {
  into.totals.addAll(from.totals);
  addBreakdown(into.byAgency, from.byAgency);
  addBreakdown(into.byRegion, from.byRegion);
  addBreakdown(into.byOrganisedCrimeGroup, from.byOrganisedCrimeGroup);
}

/** The operation's counters as the viewer may see them: restricted reports in full or withheld. */
function scopeFor(operation: OperationPictureState, viewer: PictureViewer | undefined): PictureScope {
  if (operation.restricted.size === 0) return operation.scope;
  const scope = emptyScope();
  addScope(scope, operation.scope);
  for (const [audience, restricted] of operation.restricted)
    addScope(scope, mayView(audience, viewer) ? restricted : withheldScope(restricted));
  return scope;
}

/** The picture of one operation as the viewer may see it, or null when the operation has no event. */
export function operationalPictureView(
  state: OperationalPictureState,
  operationId: string,
  viewer?: PictureViewer,
): OperationalPictureView | null {
  const operation: OperationPictureState | undefined = state.operations.get(operationId);
  if (!operation) return null;
  const scope = scopeFor(operation, viewer);
  return {
    scope: 'operation',
    operationId,
    operation: {
      codename: operation.launch?.codename ?? null,
      leadAgency: operation.launch?.leadAgency ?? null,
      startedAt: operation.launch?.startedAt ?? null,
      description: operation.launch?.description ?? null,
      status: operation.status,
      phaseEndedAt: operation.phaseEndedAt,
      closedAt: operation.closedAt,
      agencies: [...operation.agencies]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([agency, membership]) => ({
          agency,
          region: membership.region,
          localOperationName: membership.localOperationName,
          joinedAt: membership.joinedAt,
        })),
    },
    asOf: asOf(operation.stamp),
    ...scopeView(scope),
    byOrganisedCrimeGroup: breakdown(scope.byOrganisedCrimeGroup),
  };
}

function addBreakdown(into: Map<string, Counters>, from: Map<string, Counters>): void {
  for (const [name, counters] of from) {
    let target = into.get(name);
    if (target === undefined) {
      target = new Counters();
      into.set(name, target);
    }
    target.addAll(counters);
  }
}

/** The operations' counters added up: the national scope is derived, never kept. */
function sumOfScopes(
  operations: readonly OperationPictureState[],
  viewer: PictureViewer | undefined,
): PictureScope {
  const sum = emptyScope();
  for (const operation of operations) addScope(sum, scopeFor(operation, viewer));
  return sum;
}

/**
 * The picture across all operations, or across `operationIds` only (the ones an
 * agency takes part in): counters summed over them, stamped with the events they hold.
 */
export function nationalPictureView(
  state: OperationalPictureState,
  operationIds?: ReadonlySet<string>,
  viewer?: PictureViewer,
): NationalPictureView {
  const operations = [...state.operations.values()]
    .filter((operation) => operationIds === undefined || operationIds.has(operation.operationId))
    .sort((a, b) => (a.operationId < b.operationId ? -1 : 1));
  const stamp =
    operations.length === state.operations.size ? state.stamp : stampOfSome(state.stamp, operations);
  return {
    scope: 'national',
    operations: operations.map((operation) => ({
      operationId: operation.operationId,
      codename: operation.launch?.codename ?? null,
      status: operation.status,
      eventCount: operation.stamp.eventCount,
    })),
    asOf: asOf(stamp),
    ...scopeView(sumOfScopes(operations, viewer)),
  };
}

/** The stamp of some operations: the log position of the whole picture, their events and latest recording. */
function stampOfSome(national: PictureStamp, operations: readonly OperationPictureState[]): PictureStamp {
  let eventCount = 0;
  let lastRecordedAt: string | null = null;
  for (const { stamp } of operations) {
    eventCount += stamp.eventCount;
    const recordedAt = stamp.lastRecordedAt;
    if (
      recordedAt !== null &&
      (lastRecordedAt === null || Date.parse(recordedAt) > Date.parse(lastRecordedAt))
    )
      lastRecordedAt = recordedAt;
  }
  return { position: national.position, eventCount, lastRecordedAt };
}

/** Operation ids the picture knows, sorted. */
export function operationIdsOf(state: OperationalPictureState): string[] {
  return [...state.operations.keys()].sort();
}
