/**
 * Controlled drugs as seized, with their Misuse of Drugs Act 1971 class. The class
 * is derived here, server-side, from the drug type: a client never sends it.
 */

export const DRUG_CLASSES = ['A', 'B', 'C'] as const;
export type DrugClass = (typeof DRUG_CLASSES)[number];

/** Units a drug quantity may be expressed in. `kg` is a decimal; `doses` and `plants` are whole numbers. */
export const QUANTITY_UNITS = ['kg', 'doses', 'plants'] as const;
export type QuantityUnit = (typeof QUANTITY_UNITS)[number];
export const COUNTED_UNITS: readonly QuantityUnit[] = ['doses', 'plants'];

interface DrugDescription {
  readonly class: DrugClass;
  /** The units this drug is measured in when seized; the first is the usual one. */
  readonly units: readonly QuantityUnit[];
}

/**
 * One row per drug type: its class and the units it may be measured in
 * (cannabis by weight or as plants; LSD in doses; pills by weight or by count).
 */
export const DRUG_TYPES_TABLE = {
  heroin: { class: 'A', units: ['kg'] },
  cocaine: { class: 'A', units: ['kg'] },
  'crack-cocaine': { class: 'A', units: ['kg', 'doses'] },
  mdma: { class: 'A', units: ['kg', 'doses'] },
  lsd: { class: 'A', units: ['doses'] },
  methamphetamine: { class: 'A', units: ['kg'] },
  'magic-mushrooms': { class: 'A', units: ['kg'] },
  cannabis: { class: 'B', units: ['kg', 'plants'] },
  'cannabis-resin': { class: 'B', units: ['kg'] },
  ketamine: { class: 'B', units: ['kg'] },
  amphetamine: { class: 'B', units: ['kg'] },
  'synthetic-cannabinoids': { class: 'B', units: ['kg'] },
  etizolam: { class: 'C', units: ['doses', 'kg'] },
  diazepam: { class: 'C', units: ['doses', 'kg'] },
  ghb: { class: 'C', units: ['kg'] },
  'anabolic-steroids': { class: 'C', units: ['doses', 'kg'] },
} as const satisfies Record<string, DrugDescription>;

export type DrugType = keyof typeof DRUG_TYPES_TABLE;
export const DRUG_TYPES = Object.keys(DRUG_TYPES_TABLE) as DrugType[];

export function isDrugType(value: unknown): value is DrugType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DRUG_TYPES_TABLE, value);
}

/** The Misuse of Drugs Act class of a drug type. */
export function drugClassOf(type: DrugType): DrugClass {
  return DRUG_TYPES_TABLE[type].class;
}

export function unitsAllowedFor(type: DrugType): readonly QuantityUnit[] {
  return DRUG_TYPES_TABLE[type].units;
}

/** How far a seized drug's purity has been established. */
export const PURITY_TEST_STATUSES = ['untested', 'presumptive', 'laboratory'] as const;
export type PurityTestStatus = (typeof PURITY_TEST_STATUSES)[number];
