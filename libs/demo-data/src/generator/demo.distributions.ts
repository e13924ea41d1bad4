import {
  FIREARM_CATEGORIES,
  OFFENCES,
  RAID_LEGAL_POWERS,
  THREAT_TO_LIFE_ACTIONS,
  type DrugType,
  type FirearmCategory,
  type Offence,
  type OcgBand,
  type OtherPropertyKind,
  type RaidLegalPower,
  type ThreatToLifeAction,
} from '../contract';

export type Weighted<T> = readonly (readonly [T, number])[];
export type SeizureKind = 'drugs' | 'cash' | 'firearms' | 'other';

/** A tenth of intelligence reports flag a threat to life (DATASET.md). */
export const THREAT_TO_LIFE_RATE = 0.1;
/** About 30 % of arrests lead to a charge in the period. */
export const CHARGE_RATE = 0.3;
/** Share of firearms seizures that include ammunition. */
export const ROUNDS_WITH_FIREARMS_RATE = 0.75;

export const OFFENCES_AT_ARREST: readonly Offence[] = OFFENCES.filter(
  (offence) => offence !== 'conspiracy-to-murder',
);

function weights<T extends string>(
  values: readonly T[],
  weight: Readonly<Partial<Record<T, number>>>,
): Weighted<T> {
  return values.map((value) => [value, weight[value] ?? 1] as const);
}

/**
 * The mixes of DATASET.md. Numbers are relative weights (percentages where the
 * dataset states them).
 */
// prettier-ignore
export const MIX = {
  source: [[1, 60], [2, 35], [3, 5]] as Weighted<1 | 2 | 3>,
  intelligenceGrade: [['A', 40], ['B', 25], ['C', 25], ['D', 8], ['E', 2]] as Weighted<'A' | 'B' | 'C' | 'D' | 'E'>,
  handling: [['C', 70], ['P', 30]] as Weighted<'C' | 'P'>,
  /** HIGH is reserved for threats to life. */
  routinePriority: [['MEDIUM', 45], ['LOW', 55]] as Weighted<'MEDIUM' | 'LOW'>,
  disseminationsPerReport: [[0, 5], [1, 25], [2, 30], [3, 25], [4, 15]] as Weighted<number>,
  ocgBand: [['high', 10], ['medium', 30], ['low', 60]] as Weighted<OcgBand>,
  /** 0 / 1 / 2 / 3+ ≈ 35 / 45 / 15 / 5 %. */
  arrestsPerRaid: [[0, 34], [1, 45], [2, 16], [3, 3.5], [4, 1], [5, 0.5]] as Weighted<number>,
  seizuresPerRaid: [[0, 25], [1, 40], [2, 25], [3, 10]] as Weighted<number>,
  seizureKind: [['drugs', 50], ['cash', 25], ['firearms', 10], ['other', 15]] as Weighted<SeizureKind>,
  drugType: [
    ['cocaine', 30], ['cannabis', 24], ['heroin', 10], ['cannabis-resin', 6], ['mdma', 6], ['amphetamine', 5],
    ['ketamine', 5], ['crack-cocaine', 4], ['etizolam', 4], ['lsd', 1], ['anabolic-steroids', 2], ['diazepam', 2],
    ['ghb', 1],
  ] as Weighted<DrugType>,
  /** 0 is ammunition only: ~77 weapons from ~120 firearms seizures. */
  firearmsPerSeizure: [[0, 45], [1, 48], [2, 6], [3, 1]] as Weighted<number>,
  firearmCategory: weights<FirearmCategory>(FIREARM_CATEGORIES, {
    's5-prohibited': 55, s1: 15, 's2-shotgun': 15, 'air-weapon': 5, converted: 10,
  }),
  otherProperty: [
    ['vehicle', 30], ['watch', 35], ['encrypted-handset', 20], ['mobile-phone', 8], ['jewellery', 4],
    ['cryptocurrency-wallet', 3],
  ] as Weighted<OtherPropertyKind>,
  threatToLifeAction: weights<ThreatToLifeAction>(THREAT_TO_LIFE_ACTIONS, {
    'warning-notice': 45, 'disruption-notice': 25, arrest: 15, relocation: 8, safeguarding: 6, other: 1,
  }),
  legalPower: weights<RaidLegalPower>(RAID_LEGAL_POWERS, {
    'mda-s23-warrant': 45, 'pace-s8-warrant': 20, 'pace-s18': 15, 'pace-s32': 10, 'pace-s17': 3,
    'firearms-act-s46-warrant': 5, 'poca-s352-warrant': 2,
  }),
} as const;
