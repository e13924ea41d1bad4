import type { JsonObject } from '@timeline/kernel';
import {
  DRUG_TYPES_TABLE,
  FIREARM_CATEGORIES,
  HANDLING_CODES,
  INTELLIGENCE_GRADES,
  OCG_BANDS,
  PRIORITIES,
  SOURCE_GRADES,
  type DrugType,
} from '../contract';

export interface DrugAmounts {
  readonly kg: number;
  readonly doses: number;
  readonly plants: number;
}

export interface AgencyTotals {
  readonly intelligenceReceived: number;
  readonly raids: number;
  readonly arrests: number;
  readonly charges: number;
  readonly seizures: number;
  readonly cashPence: number;
}

/**
 * What the operational picture must show once every submission is loaded:
 * retried submissions stored once, corrections applied (latest data wins),
 * retracted events contributing nothing. Drug weights are exact to the gram.
 */
export interface ExpectedPicture {
  readonly operationId: string;
  /** Events stored (a retried submission stores nothing new). */
  readonly events: number;
  readonly eventsByType: Readonly<Record<string, number>>;
  readonly submissions: number;
  readonly retriedSubmissions: number;
  /** Agencies taking part, the lead included, sorted. */
  readonly agencies: readonly string[];
  readonly ocgs: { readonly total: number; readonly byBand: Readonly<Record<string, number>> };
  readonly intelligence: {
    readonly received: number;
    readonly threatToLife: number;
    readonly bySource: Readonly<Record<string, number>>;
    readonly byIntelligence: Readonly<Record<string, number>>;
    readonly byHandling: Readonly<Record<string, number>>;
    readonly byPriority: Readonly<Record<string, number>>;
    /** By compact grading, e.g. `1/A/P`. */
    readonly byGrading: Readonly<Record<string, number>>;
  };
  readonly disseminations: number;
  readonly raids: number;
  readonly arrests: number;
  readonly charges: number;
  readonly chargesByDecider: Readonly<Record<string, number>>;
  /** Court outcomes by kind (`convicted`, `acquitted`, `discontinued`), and the custodial months they add up to. */
  readonly courtOutcomes: Readonly<Record<string, number>>;
  readonly custodialMonths: number;
  readonly seizures: number;
  readonly drugs: {
    readonly byType: Readonly<Record<string, DrugAmounts>>;
    readonly byClass: Readonly<Record<string, DrugAmounts>>;
    readonly totalKg: number;
  };
  readonly firearms: {
    readonly total: number;
    readonly byCategory: Readonly<Record<string, number>>;
    readonly rounds: number;
  };
  readonly cashPence: number;
  /** Median of the cash lines, in pence (not a picture figure: it checks the realism of the data). */
  readonly cashMedianPence: number;
  readonly otherProperty: Readonly<Record<string, number>>;
  readonly threatsToLifeMitigated: number;
  readonly corrections: number;
  readonly retractions: number;
  readonly byAgency: Readonly<Record<string, AgencyTotals>>;
}

type MutableAgencyTotals = { -readonly [K in keyof AgencyTotals]: AgencyTotals[K] };

function zeroes(keys: readonly (string | number)[]): Record<string, number> {
  return Object.fromEntries(keys.map((key) => [String(key), 0]));
}

/** Drug quantities are summed in integer grams, doses and plants so totals carry no rounding drift. */
interface DrugCounters {
  grams: number;
  doses: number;
  plants: number;
}

/**
 * Accumulates the expected picture while the generator decides the final data of
 * each event: `count` for every stored event, `contribute` once for the final
 * (corrected) data of each event that is not retracted.
 */
export class ExpectedTotals {
  private events = 0;
  private readonly eventsByType: Record<string, number> = {};
  private submissions = 0;
  private retriedSubmissions = 0;
  private readonly agencies = new Set<string>();
  private readonly ocgBands = zeroes(OCG_BANDS);
  private readonly bySource = zeroes(SOURCE_GRADES);
  private readonly byIntelligence = zeroes(INTELLIGENCE_GRADES);
  private readonly byHandling = zeroes(HANDLING_CODES);
  private readonly byPriority = zeroes(PRIORITIES);
  private readonly byGrading: Record<string, number> = {};
  private threatToLife = 0;
  private intelligence = 0;
  private disseminations = 0;
  private raids = 0;
  private arrests = 0;
  private charges = 0;
  private readonly courtOutcomes: Record<string, number> = {};
  private custodialMonths = 0;
  private readonly chargesByDecider: Record<string, number> = {};
  private seizures = 0;
  private readonly drugsByType = new Map<string, DrugCounters>();
  private readonly firearmsByCategory = zeroes(FIREARM_CATEGORIES);
  private rounds = 0;
  private cashPence = 0;
  /** Every cash line, for the median: a few per cent of the events, so small even for the deep variant. */
  private readonly cashLines: number[] = [];
  private readonly otherProperty: Record<string, number> = {};
  private ttlMitigated = 0;
  private readonly byAgency = new Map<string, MutableAgencyTotals>();

  constructor(readonly operationId: string) {}

  submitted(retry: boolean): void {
    if (retry) this.retriedSubmissions++;
    else this.submissions++;
  }

  /** An event was stored (whatever happens to it later). */
  count(type: string): void {
    this.events++;
    this.eventsByType[type] = (this.eventsByType[type] ?? 0) + 1;
  }

  /** Adds the final data of an event that stands (not retracted) to the picture. */
  contribute(type: string, data: JsonObject, agency: string): void {
    const totals = this.agency(agency);
    switch (type) {
      case 'OperationLaunched':
        this.agencies.add(String(data.leadAgency));
        return;
      case 'AgencyJoined':
        this.agencies.add(String(data.agency));
        return;
      case 'OrganisedCrimeGroupIdentified':
        this.ocgBands[String(data.band)]++;
        return;
      case 'IntelligenceReceived': {
        const grading = data.grading as JsonObject;
        this.intelligence++;
        totals.intelligenceReceived++;
        this.bySource[String(grading.source)]++;
        this.byIntelligence[String(grading.intelligence)]++;
        this.byHandling[String(grading.handling)]++;
        this.byPriority[String(data.priority)]++;
        const compact = `${grading.source}/${grading.intelligence}/${grading.handling}`;
        this.byGrading[compact] = (this.byGrading[compact] ?? 0) + 1;
        if (data.threatToLife === true) this.threatToLife++;
        return;
      }
      case 'IntelligenceDisseminated':
        this.disseminations++;
        return;
      case 'RaidConducted':
        this.raids++;
        totals.raids++;
        return;
      case 'ArrestMade':
        this.arrests++;
        totals.arrests++;
        return;
      case 'ChargeBrought':
        this.charges++;
        totals.charges++;
        this.chargesByDecider[String(data.decidedBy)] =
          (this.chargesByDecider[String(data.decidedBy)] ?? 0) + 1;
        return;
      case 'SeizureRecorded':
        this.seizures++;
        totals.seizures++;
        this.seizure(data, totals);
        return;
      case 'ThreatToLifeMitigated':
        this.ttlMitigated++;
        return;
      case 'ChargeOutcomeRecorded':
        this.courtOutcomes[String(data.outcome)] = (this.courtOutcomes[String(data.outcome)] ?? 0) + 1;
        if (data.sentence === 'custodial') this.custodialMonths += Number(data.custodialMonths);
        return;
      default:
        return;
    }
  }

  private seizure(data: JsonObject, totals: MutableAgencyTotals): void {
    for (const line of lines(data.drugs)) {
      const counters = this.drugsByType.get(String(line.drugType)) ?? { grams: 0, doses: 0, plants: 0 };
      const quantity = Number(line.quantity);
      if (line.unit === 'kg') counters.grams += Math.round(quantity * 1000);
      else if (line.unit === 'doses') counters.doses += quantity;
      else counters.plants += quantity;
      this.drugsByType.set(String(line.drugType), counters);
    }
    for (const line of lines(data.firearms)) {
      this.firearmsByCategory[String(line.category)] += Number(line.count);
      this.rounds += Number(line.rounds);
    }
    for (const line of lines(data.cash)) {
      this.cashPence += Number(line.amountPence);
      totals.cashPence += Number(line.amountPence);
      this.cashLines.push(Number(line.amountPence));
    }
    for (const line of lines(data.other)) {
      this.otherProperty[String(line.kind)] =
        (this.otherProperty[String(line.kind)] ?? 0) + Number(line.count);
    }
  }

  private agency(code: string): MutableAgencyTotals {
    let totals = this.byAgency.get(code);
    if (!totals) {
      totals = { intelligenceReceived: 0, raids: 0, arrests: 0, charges: 0, seizures: 0, cashPence: 0 };
      this.byAgency.set(code, totals);
    }
    return totals;
  }

  snapshot(): ExpectedPicture {
    const byType: Record<string, DrugAmounts> = {};
    const byClass: Record<string, DrugCounters> = {
      A: { grams: 0, doses: 0, plants: 0 },
      B: { grams: 0, doses: 0, plants: 0 },
      C: { grams: 0, doses: 0, plants: 0 },
    };
    let totalGrams = 0;
    for (const type of [...this.drugsByType.keys()].sort()) {
      const counters = this.drugsByType.get(type)!;
      byType[type] = { kg: counters.grams / 1000, doses: counters.doses, plants: counters.plants };
      const klass = byClass[DRUG_TYPES_TABLE[type as DrugType].class];
      klass.grams += counters.grams;
      klass.doses += counters.doses;
      klass.plants += counters.plants;
      totalGrams += counters.grams;
    }
    const sortedCash = [...this.cashLines].sort((a, b) => a - b);
    const middle = sortedCash.length >> 1;
    const cashMedianPence =
      sortedCash.length === 0
        ? 0
        : sortedCash.length % 2 === 1
          ? sortedCash[middle]
          : Math.round((sortedCash[middle - 1] + sortedCash[middle]) / 2);
    const firearmsTotal = Object.values(this.firearmsByCategory).reduce((a, b) => a + b, 0);
    return {
      operationId: this.operationId,
      events: this.events,
      eventsByType: sortKeys(this.eventsByType),
      submissions: this.submissions,
      retriedSubmissions: this.retriedSubmissions,
      agencies: [...this.agencies].sort(),
      ocgs: { total: Object.values(this.ocgBands).reduce((a, b) => a + b, 0), byBand: { ...this.ocgBands } },
      intelligence: {
        received: this.intelligence,
        threatToLife: this.threatToLife,
        bySource: { ...this.bySource },
        byIntelligence: { ...this.byIntelligence },
        byHandling: { ...this.byHandling },
        byPriority: { ...this.byPriority },
        byGrading: sortKeys(this.byGrading),
      },
      disseminations: this.disseminations,
      raids: this.raids,
      arrests: this.arrests,
      charges: this.charges,
      chargesByDecider: sortKeys(this.chargesByDecider),
      courtOutcomes: sortKeys(this.courtOutcomes),
      custodialMonths: this.custodialMonths,
      seizures: this.seizures,
      drugs: {
        byType,
        byClass: Object.fromEntries(
          Object.entries(byClass).map(([klass, c]) => [
            klass,
            { kg: c.grams / 1000, doses: c.doses, plants: c.plants },
          ]),
        ),
        totalKg: totalGrams / 1000,
      },
      firearms: { total: firearmsTotal, byCategory: { ...this.firearmsByCategory }, rounds: this.rounds },
      cashPence: this.cashPence,
      cashMedianPence,
      otherProperty: sortKeys(this.otherProperty),
      threatsToLifeMitigated: this.ttlMitigated,
      corrections: this.eventsByType.EventCorrected ?? 0,
      retractions: this.eventsByType.EventRetracted ?? 0,
      byAgency: Object.fromEntries([...this.byAgency.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}

function lines(value: unknown): JsonObject[] {
  return Array.isArray(value) ? (value as JsonObject[]) : [];
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
