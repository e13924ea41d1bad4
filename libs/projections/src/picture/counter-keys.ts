import type { CountedEventType } from '@timeline/events';
import { UK_AGENCY_CODES } from '@timeline/events/vocabulary/agency.vocabulary';
import {
  DRUG_TYPES,
  unitsAllowedFor,
  type DRUG_TYPES_TABLE,
  type DrugType,
  type QuantityUnit,
} from '@timeline/events/vocabulary/drug.vocabulary';
import {
  FIREARM_CATEGORIES,
  OTHER_PROPERTY_KINDS,
  type FirearmCategory,
} from '@timeline/events/vocabulary/firearm.vocabulary';
import {
  HANDLING_CODES,
  INTELLIGENCE_GRADES,
  OCG_BANDS,
  PRIORITIES,
  SOURCE_GRADES,
  THREAT_TO_LIFE_ACTIONS,
  type HandlingCode,
  type IntelligenceGrade,
  type SourceGrade,
} from '@timeline/events/vocabulary/intelligence.vocabulary';
import { CHARGE_DECIDERS, ENCRYPTED_PLATFORMS } from '@timeline/events/vocabulary/legal.vocabulary';
import {
  COURT_OUTCOMES,
  SENTENCE_KINDS,
} from '@timeline/events/charge-outcome-recorded/charge-outcome-recorded.v1';

/**
 * The picture's counter vocabulary, declared once: every counter key the
 * contribution of an event may write (picture-contribution.ts) and the view may
 * read (operational-picture.view.ts), by the event type that adds to it. Both
 * take keys typed `CounterKey`, so a key not declared here, misspelt on either
 * side, does not compile, nor does a counted type without a declaration; the
 * values of a breakdown come from the contract's vocabularies (events/src/vocabulary,
 * the event data classes). counter-keys.spec.ts checks that every declared key is
 * written by some event and read by the view (docs/architecture.md §4).
 */

/** What a withheld report's details are counted under, in every breakdown of them. */
export const WITHHELD = 'withheld';

/** What the two parts of a firearms line add to: how many weapons, how many rounds. */
export const FIREARM_MEASURES = ['count', 'rounds'] as const;
export type FirearmMeasure = (typeof FIREARM_MEASURES)[number];

/** A 3x5x2 grading as the picture breaks reports down by it, e.g. `1/A/P`. */
export type Grading = `${SourceGrade}/${IntelligenceGrade}/${HandlingCode}`;
const GRADINGS = SOURCE_GRADES.flatMap((source) =>
  INTELLIGENCE_GRADES.flatMap((intelligence) =>
    HANDLING_CODES.map((handling): Grading => `${source}/${intelligence}/${handling}`),
  ),
);

/** A drug type and a unit it may be seized in (`DRUG_TYPES_TABLE`), e.g. `cocaine.kg`. */
export type DrugQuantity = {
  [D in DrugType]: `${D}.${(typeof DRUG_TYPES_TABLE)[D]['units'][number]}`;
}[DrugType];
const DRUG_QUANTITIES = DRUG_TYPES.flatMap((drugType) =>
  unitsAllowedFor(drugType).map((unit) => `${drugType}.${unit}` as DrugQuantity),
);

const FIREARM_AMOUNTS = FIREARM_CATEGORIES.flatMap((category) =>
  FIREARM_MEASURES.map((measure) => `${category}.${measure}` as const),
);

/**
 * The counters of one event type: `totals`, one number each, and `breakdowns`,
 * one number per value of a vocabulary (`<breakdown>.<value>`).
 */
interface CounterDeclaration {
  readonly totals: readonly string[];
  readonly breakdowns: Readonly<Record<string, readonly (string | number)[]>>;
}

export const PICTURE_COUNTERS = {
  EncryptionCracked: {
    totals: ['encryptionCracked'],
    breakdowns: { encryptionCracked: ENCRYPTED_PLATFORMS },
  },
  IntelligenceReceived: {
    // `intelligence.withheld` and the `withheld` values are written by the view,
    // for a reader a C-coded report is withheld from.
    totals: ['intelligence', 'intelligence.threatToLife', 'intelligence.withheld'],
    breakdowns: {
      'intelligence.grading': [...GRADINGS, WITHHELD],
      'intelligence.source': [...SOURCE_GRADES, WITHHELD],
      'intelligence.intelligence': [...INTELLIGENCE_GRADES, WITHHELD],
      'intelligence.handling': HANDLING_CODES,
      'intelligence.priority': [...PRIORITIES, WITHHELD],
    },
  },
  IntelligenceDisseminated: {
    totals: ['disseminations', 'disseminations.sanitised'],
    breakdowns: { 'disseminations.to': UK_AGENCY_CODES },
  },
  OrganisedCrimeGroupIdentified: {
    totals: ['ocgs'],
    breakdowns: { 'ocgs.band': OCG_BANDS },
  },
  RaidConducted: {
    totals: ['raids', 'raids.officers'],
    breakdowns: {},
  },
  ArrestMade: {
    totals: ['arrests'],
    breakdowns: {},
  },
  ChargeBrought: {
    totals: ['charges', 'charges.remandedInCustody'],
    breakdowns: { 'charges.decidedBy': CHARGE_DECIDERS },
  },
  ChargeOutcomeRecorded: {
    totals: ['outcomes', 'outcomes.custodialMonths'],
    breakdowns: { outcomes: COURT_OUTCOMES, 'outcomes.sentence': SENTENCE_KINDS },
  },
  SeizureRecorded: {
    totals: ['seizures', 'cash.pence'],
    breakdowns: { drugs: DRUG_QUANTITIES, firearms: FIREARM_AMOUNTS, other: OTHER_PROPERTY_KINDS },
  },
  ThreatToLifeMitigated: {
    totals: ['threatsToLifeMitigated'],
    breakdowns: { 'threatsToLifeMitigated.action': THREAT_TO_LIFE_ACTIONS },
  },
} as const satisfies Record<CountedEventType, CounterDeclaration>;

type Declared = (typeof PICTURE_COUNTERS)[CountedEventType];
type BreakdownsOf<T extends CountedEventType> = (typeof PICTURE_COUNTERS)[T]['breakdowns'];

/** A counter that is one number: `arrests`, `raids.officers`, … */
export type TotalKey = Declared['totals'][number];

/** A counter broken down by a vocabulary: `outcomes`, `drugs`, `intelligence.priority`, … */
export type Breakdown = { [T in CountedEventType]: keyof BreakdownsOf<T> }[CountedEventType];

/** The values a breakdown is keyed by: `CourtOutcome` for `outcomes`, `DrugQuantity` for `drugs`, … */
export type BreakdownValue<B extends Breakdown> = {
  [T in CountedEventType]: B extends keyof BreakdownsOf<T>
    ? BreakdownsOf<T>[B] extends readonly (infer V extends string | number)[]
      ? V
      : never
    : never;
}[CountedEventType];

/** One counter of a breakdown: `outcomes.convicted`, `drugs.cocaine.kg`, … */
export type BreakdownKey = { [B in Breakdown]: `${B}.${BreakdownValue<B>}` }[Breakdown];

/** Every key the picture counts under. */
export type CounterKey = TotalKey | BreakdownKey;

/** The counter keys an event type's contribution may write, or the view write for it. */
export function counterKeysOf(type: CountedEventType): readonly CounterKey[] {
  const declared: CounterDeclaration = PICTURE_COUNTERS[type];
  const keys: string[] = [...declared.totals];
  for (const [breakdown, values] of Object.entries(declared.breakdowns))
    for (const value of values) keys.push(`${breakdown}.${value}`);
  return keys as CounterKey[];
}

// Keys are built from a small vocabulary; interning them keeps one string per key
// however many events contribute to it, and a hit allocates nothing.
const interned = new Map<string, Map<string | number, string>>();
function intern(prefix: string, value: string | number): string {
  let byValue = interned.get(prefix);
  if (byValue === undefined) {
    byValue = new Map();
    interned.set(prefix, byValue);
  }
  let shared = byValue.get(value);
  if (shared === undefined) {
    shared = `${prefix}.${value}`;
    byValue.set(value, shared);
  }
  return shared;
}

/** The key of one value of a breakdown, `outcomes.convicted`: one string per key, however often asked. */
export function breakdownKey<B extends Breakdown, V extends BreakdownValue<B>>(
  breakdown: B,
  value: V,
): `${B}.${V}` {
  return intern(breakdown, value) as `${B}.${V}`;
}

/** `drugs.<drug type>.<unit>`, for a unit the contract allows the drug to be seized in (`unitsAllowedFor`). */
export function drugKey(drugType: DrugType, unit: QuantityUnit): `drugs.${DrugQuantity}` {
  return intern(intern('drugs', drugType), unit) as `drugs.${DrugQuantity}`;
}

/** `firearms.<category>.<count|rounds>`. */
export function firearmKey<C extends FirearmCategory, M extends FirearmMeasure>(
  category: C,
  measure: M,
): `firearms.${C}.${M}` {
  return intern(intern('firearms', category), measure) as `firearms.${C}.${M}`;
}
