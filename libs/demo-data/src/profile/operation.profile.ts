import { UK_AGENCIES, type UkAgencyCode } from '../contract';
import type { TruncatedLogNormal } from '../random/balanced-sampler';
import { DAY_MS } from '../schedule/daily-allocation';

/** What a generated operation looks like: sizes, period and distributions (DATASET.md). */
export interface OperationProfile {
  readonly operationId: string;
  readonly codename: string;
  readonly description: string;
  /** First day (UTC, inclusive) of operational activity, `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Last day (UTC, inclusive) of operational activity. Charges and corrections may be recorded later. */
  readonly endDate: string;
  /** When the platform warned its users (13 June 2020 for EncroChat): intelligence falls, raids rise. */
  readonly turningPointDate: string;
  /** Days over which intelligence ramps up from the start. */
  readonly rampDays: number;
  /** Half-life, in days, of the fall of intelligence after the turning point. */
  readonly intelligenceHalfLifeDays: number;
  /** Half-life, in days, of the surge of raids after the turning point. */
  readonly raidSurgeHalfLifeDays: number;
  readonly leadAgency: string;
  /** Agencies joining besides the lead: forces conduct raids and seizures. */
  readonly forces: readonly string[];
  /** Agencies joining besides the lead that map OCGs and grade intelligence (ROCUs, the NCA). */
  readonly rocus: readonly string[];
  readonly ocgs: number;
  readonly intelligenceReports: number;
  readonly raids: number;
  /** Seizures made outside any raid (stops, searches of vehicles). */
  readonly seizuresWithoutRaid: number;
  /** Share of events of correctable types later corrected, chosen so corrections are ~1.5 % of all events. */
  readonly correctionRate: number;
  /**
   * Share of intelligence reports and seizures outside raids keyed in twice; the
   * second entry is retracted later, making ~0.3 % of all events retracted.
   */
  readonly enteredTwiceRate: number;
  /** Share of submissions retried by the client with the same event ids (~0.5 %). */
  readonly retryRate: number;
  readonly drugKg: TruncatedLogNormal;
  readonly drugDoses: TruncatedLogNormal;
  readonly cannabisPlants: TruncatedLogNormal;
  /** Cash per seizure in pounds. */
  readonly cashPounds: TruncatedLogNormal;
  readonly roundsPerSeizure: TruncatedLogNormal;
}

/** Key UK forces of the demo, with the ROCUs of their regions (DATASET.md: NCA, ~10 forces, ~4 ROCUs). */
const DEMO_FORCES = ['MPS', 'GMP', 'WMP', 'MERPOL', 'WYP', 'NWP', 'SYP', 'ESSEX', 'KENT', 'PSOS'] as const;
const DEMO_ROCUS = ['NWROCU', 'WMROCU', 'YHROCU', 'SEROCU'] as const;

const QUANTITIES = {
  // Kilograms per line: most seizures are street or wholesale quantities; a few are importations.
  drugKg: { median: 0.65, sigma: 2.0, min: 0.005, max: 250 },
  drugDoses: { median: 400, sigma: 2.2, min: 10, max: 2_000_000 },
  cannabisPlants: { median: 60, sigma: 1.0, min: 5, max: 2_000 },
  // Calibrated so that ~300 cash seizures total about £54m with a median near £20k.
  cashPounds: { median: 15_000, sigma: 2.45, min: 1_000, max: 6_000_000 },
  roundsPerSeizure: { median: 12, sigma: 1.0, min: 1, max: 500 },
} as const;

/** The demo operation: one operation of ~10,000 events, 1 April to 2 July 2020. */
export function demoProfile(): OperationProfile {
  return {
    operationId: 'venetic',
    codename: 'VENETIC',
    description:
      'Synthetic demonstration data modelled on public reporting of the UK response to the compromise of an ' +
      'encrypted communication platform. All people, groups and references are fictional.',
    startDate: '2020-04-01',
    endDate: '2020-07-02',
    turningPointDate: '2020-06-13',
    rampDays: 30,
    intelligenceHalfLifeDays: 7,
    raidSurgeHalfLifeDays: 30,
    leadAgency: 'NCA',
    forces: DEMO_FORCES,
    rocus: DEMO_ROCUS,
    ocgs: 50,
    intelligenceReports: 2_000,
    raids: 800,
    seizuresWithoutRaid: 240,
    correctionRate: 0.03,
    enteredTwiceRate: 0.0135,
    retryRate: 0.005,
    ...QUANTITIES,
  };
}

/** Multiplies the sizes of a profile (for scaled-down tests and quick benchmarks); never below one of each. */
export function scaleProfile(profile: OperationProfile, factor: number): OperationProfile {
  if (!(factor > 0)) throw new RangeError(`scale ${factor} must be above zero`);
  const scale = (value: number): number => Math.max(1, Math.round(value * factor));
  return {
    ...profile,
    ocgs: scale(profile.ocgs),
    intelligenceReports: scale(profile.intelligenceReports),
    raids: scale(profile.raids),
    seizuresWithoutRaid: scale(profile.seizuresWithoutRaid),
  };
}

/** The deep variant: one operation over three years with every UK force and ROCU, ~1M events. */
export function deepProfile(): OperationProfile {
  const codes = Object.keys(UK_AGENCIES) as UkAgencyCode[];
  return {
    ...demoProfile(),
    operationId: 'venetic-deep',
    codename: 'VENETIC DEEP',
    endDate: '2023-03-31',
    rampDays: 45,
    intelligenceHalfLifeDays: 365,
    raidSurgeHalfLifeDays: 540,
    forces: codes.filter((code) => UK_AGENCIES[code].kind === 'force'),
    rocus: codes.filter((code) => UK_AGENCIES[code].kind === 'rocu'),
    ocgs: 5_000,
    intelligenceReports: 200_000,
    raids: 80_000,
    seizuresWithoutRaid: 24_000,
  };
}

const WIDE_WORDS = [
  'AMBER',
  'BASALT',
  'COBALT',
  'DRUMLIN',
  'EMBER',
  'FATHOM',
  'GRANITE',
  'HERON',
  'INDIGO',
  'JUNIPER',
];
const WIDE_NOUNS = [
  'FALCON',
  'HARBOUR',
  'LATTICE',
  'MERIDIAN',
  'ORCHARD',
  'PENNANT',
  'QUILL',
  'RIDGE',
  'SENTINEL',
  'TIDE',
];

/**
 * The wide variant: `count` regional operations of ~10,000 events each (100 by
 * default), each led by a ROCU with the forces of its region and the NCA, started
 * a week apart from April 2020.
 */
export function wideProfiles(count = 100): OperationProfile[] {
  const codes = Object.keys(UK_AGENCIES) as UkAgencyCode[];
  const rocus = codes.filter((code) => UK_AGENCIES[code].kind === 'rocu');
  const base = demoProfile();
  return Array.from({ length: count }, (_, index) => {
    const rocu = rocus[index % rocus.length];
    const region = UK_AGENCIES[rocu].region;
    const startMs = Date.parse(`${base.startDate}T00:00:00Z`) + index * 7 * DAY_MS;
    const day = (offset: number): string => new Date(startMs + offset * DAY_MS).toISOString().slice(0, 10);
    return {
      ...base,
      operationId: `wide-${String(index + 1).padStart(3, '0')}`,
      codename: `${WIDE_WORDS[index % 10]} ${WIDE_NOUNS[Math.floor(index / 10) % 10]}`,
      startDate: day(0),
      endDate: day(92),
      turningPointDate: day(73),
      leadAgency: rocu,
      forces: codes.filter(
        (code) => UK_AGENCIES[code].kind === 'force' && UK_AGENCIES[code].region === region,
      ),
      rocus: ['NCA'],
    };
  });
}
