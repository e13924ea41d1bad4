/** Firearms Act 1968 categories as seizures are recorded. */
export const FIREARM_CATEGORIES = [
  /** Section 5: prohibited weapons (e.g. automatic weapons, handguns). */
  's5-prohibited',
  /** Section 1 firearms. */
  's1',
  /** Section 2 shotguns. */
  's2-shotgun',
  'air-weapon',
  /** Converted imitation or blank-firing weapons. */
  'converted',
] as const;
export type FirearmCategory = (typeof FIREARM_CATEGORIES)[number];

/** Legal power a cash seizure was made under. */
export const CASH_SEIZURE_POWERS = ['poca-s294', 'pace-s19', 'pace-s22'] as const;
export type CashSeizurePower = (typeof CASH_SEIZURE_POWERS)[number];

/** POCA s294 applies to cash of at least £1,000: the minimum in pence. */
export const POCA_S294_MINIMUM_PENCE = 100_000;

/** Kinds of other property seized. */
export const OTHER_PROPERTY_KINDS = [
  'vehicle',
  'watch',
  'jewellery',
  'encrypted-handset',
  'mobile-phone',
  'document',
  'cryptocurrency-wallet',
  'drug-paraphernalia',
  'other',
] as const;
export type OtherPropertyKind = (typeof OTHER_PROPERTY_KINDS)[number];
