/** Legal powers under which a raid (search of premises) is conducted. */
export const RAID_LEGAL_POWERS = [
  /** PACE s8: search warrant granted by a justice. */
  'pace-s8-warrant',
  /** PACE s17: entry to arrest or save life. */
  'pace-s17',
  /** PACE s18: search after arrest, premises occupied or controlled by the arrested person. */
  'pace-s18',
  /** PACE s32: search of premises where the person was at or immediately before arrest. */
  'pace-s32',
  /** Misuse of Drugs Act 1971 s23(3) warrant. */
  'mda-s23-warrant',
  /** Firearms Act 1968 s46 warrant. */
  'firearms-act-s46-warrant',
  /** Proceeds of Crime Act 2002 s352 search and seizure warrant. */
  'poca-s352-warrant',
] as const;
export type RaidLegalPower = (typeof RAID_LEGAL_POWERS)[number];

/** Offences suspected at arrest or charged, by a stable code. */
export const OFFENCES = [
  'conspiracy-to-supply-class-a',
  'conspiracy-to-supply-class-b',
  'conspiracy-to-supply-class-c',
  'possession-with-intent-to-supply',
  'being-concerned-in-supply',
  'importation-of-controlled-drugs',
  'production-of-cannabis',
  'possession-of-controlled-drug',
  'possession-of-prohibited-firearm',
  'possession-of-firearm-with-intent',
  'possession-of-ammunition',
  'money-laundering',
  'conspiracy-to-murder',
  'conspiracy-to-kidnap',
  'blackmail',
  'participating-in-activities-of-ocg',
] as const;
export type Offence = (typeof OFFENCES)[number];

/** Who decided to charge: the police (minor cases) or the Crown Prosecution Service. */
export const CHARGE_DECIDERS = ['police', 'cps'] as const;
export type ChargeDecider = (typeof CHARGE_DECIDERS)[number];

/** Why an event is retracted. */
export const RETRACTION_REASONS = ['did-not-occur', 'duplicate', 'entered-in-error'] as const;
export type RetractionReason = (typeof RETRACTION_REASONS)[number];

/** Encrypted communication platforms whose encryption has been overcome. */
export const ENCRYPTED_PLATFORMS = ['EncroChat', 'Sky ECC', 'ANOM', 'Exclu', 'Ghost', 'other'] as const;
export type EncryptedPlatform = (typeof ENCRYPTED_PLATFORMS)[number];
