/**
 * The 3x5x2 intelligence grading used by UK policing: source evaluation,
 * intelligence assessment, and handling code.
 */

/** 1 reliable, 2 untested, 3 not reliable. */
export const SOURCE_GRADES = [1, 2, 3] as const;
export type SourceGrade = (typeof SOURCE_GRADES)[number];

/**
 * A known directly to the source; B known indirectly and corroborated;
 * C known indirectly; D not known; E suspected to be false.
 */
export const INTELLIGENCE_GRADES = ['A', 'B', 'C', 'D', 'E'] as const;
export type IntelligenceGrade = (typeof INTELLIGENCE_GRADES)[number];

/** P: sharing permitted; C: sharing with conditions, which must be stated. */
export const HANDLING_CODES = ['P', 'C'] as const;
export type HandlingCode = (typeof HANDLING_CODES)[number];

/** HIGH is reserved for (and required by) a threat to life. */
export const PRIORITIES = ['HIGH', 'MEDIUM', 'LOW'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The compact form of a grading used by IntelligenceReceived v1: `1/A/P`. */
export const COMPACT_GRADING_PATTERN = /^([123])\/([A-E])\/([PC])$/;

/** Actions taken to mitigate a threat to life (Osman warning, disruption, …). */
export const THREAT_TO_LIFE_ACTIONS = [
  'warning-notice',
  'disruption-notice',
  'arrest',
  'relocation',
  'safeguarding',
  'other',
] as const;
export type ThreatToLifeAction = (typeof THREAT_TO_LIFE_ACTIONS)[number];

/** Bands of organised crime group threat (OCGM scoring). */
export const OCG_BANDS = ['high', 'medium', 'low'] as const;
export type OcgBand = (typeof OCG_BANDS)[number];

export const OCG_ACTIVITIES = [
  'drug-supply',
  'drug-importation',
  'firearms',
  'money-laundering',
  'violence',
  'kidnap',
  'modern-slavery',
  'organised-immigration-crime',
  'fraud',
  'cyber',
] as const;
export type OcgActivity = (typeof OCG_ACTIVITIES)[number];
