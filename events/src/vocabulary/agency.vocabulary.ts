/**
 * Agencies taking part in an operation, by code. UK agencies may join an
 * operation and record events; international partners only appear as sources of
 * intelligence or as the agencies that cracked a platform.
 */

/** Regions of UK policing, as the regional organised crime units divide them, plus the national level. */
export const REGIONS = [
  'national',
  'north-east',
  'north-west',
  'yorkshire-and-humber',
  'east-midlands',
  'west-midlands',
  'eastern',
  'london',
  'south-east',
  'south-west',
  'wales',
  'scotland',
  'northern-ireland',
] as const;
export type Region = (typeof REGIONS)[number];

export type AgencyKind = 'national' | 'rocu' | 'force';

export interface AgencyDescription {
  readonly name: string;
  readonly kind: AgencyKind;
  readonly region: Region;
}

/**
 * UK agencies: national agencies, the nine regional organised crime units, the 43
 * territorial forces of England and Wales, Police Scotland, PSNI and BTP.
 */
export const UK_AGENCIES = {
  NCA: { name: 'National Crime Agency', kind: 'national', region: 'national' },
  HMRC: { name: 'HM Revenue and Customs', kind: 'national', region: 'national' },
  BTP: { name: 'British Transport Police', kind: 'force', region: 'national' },

  NWROCU: { name: 'North West Regional Organised Crime Unit (TITAN)', kind: 'rocu', region: 'north-west' },
  NEROCU: { name: 'North East Regional Special Operations Unit', kind: 'rocu', region: 'north-east' },
  YHROCU: { name: 'Yorkshire and Humber ROCU', kind: 'rocu', region: 'yorkshire-and-humber' },
  EMSOU: { name: 'East Midlands Special Operations Unit', kind: 'rocu', region: 'east-midlands' },
  WMROCU: { name: 'West Midlands ROCU', kind: 'rocu', region: 'west-midlands' },
  ERSOU: { name: 'Eastern Region Special Operations Unit', kind: 'rocu', region: 'eastern' },
  SEROCU: { name: 'South East ROCU', kind: 'rocu', region: 'south-east' },
  SWROCU: { name: 'South West ROCU (Zephyr)', kind: 'rocu', region: 'south-west' },
  TARIAN: { name: 'Tarian ROCU (Southern Wales)', kind: 'rocu', region: 'wales' },

  ASP: { name: 'Avon and Somerset Police', kind: 'force', region: 'south-west' },
  BDP: { name: 'Bedfordshire Police', kind: 'force', region: 'eastern' },
  CAMBS: { name: 'Cambridgeshire Constabulary', kind: 'force', region: 'eastern' },
  CHESH: { name: 'Cheshire Constabulary', kind: 'force', region: 'north-west' },
  COLP: { name: 'City of London Police', kind: 'force', region: 'london' },
  CLEV: { name: 'Cleveland Police', kind: 'force', region: 'north-east' },
  CUMB: { name: 'Cumbria Constabulary', kind: 'force', region: 'north-west' },
  DERBY: { name: 'Derbyshire Constabulary', kind: 'force', region: 'east-midlands' },
  DCP: { name: 'Devon and Cornwall Police', kind: 'force', region: 'south-west' },
  DORSET: { name: 'Dorset Police', kind: 'force', region: 'south-west' },
  DURHAM: { name: 'Durham Constabulary', kind: 'force', region: 'north-east' },
  DPP: { name: 'Dyfed-Powys Police', kind: 'force', region: 'wales' },
  ESSEX: { name: 'Essex Police', kind: 'force', region: 'eastern' },
  GLOS: { name: 'Gloucestershire Constabulary', kind: 'force', region: 'south-west' },
  GMP: { name: 'Greater Manchester Police', kind: 'force', region: 'north-west' },
  GWENT: { name: 'Gwent Police', kind: 'force', region: 'wales' },
  HAMPS: { name: 'Hampshire and Isle of Wight Constabulary', kind: 'force', region: 'south-east' },
  HERTS: { name: 'Hertfordshire Constabulary', kind: 'force', region: 'eastern' },
  HUMBS: { name: 'Humberside Police', kind: 'force', region: 'yorkshire-and-humber' },
  KENT: { name: 'Kent Police', kind: 'force', region: 'south-east' },
  LANCS: { name: 'Lancashire Constabulary', kind: 'force', region: 'north-west' },
  LEICS: { name: 'Leicestershire Police', kind: 'force', region: 'east-midlands' },
  LINCS: { name: 'Lincolnshire Police', kind: 'force', region: 'east-midlands' },
  MERPOL: { name: 'Merseyside Police', kind: 'force', region: 'north-west' },
  MPS: { name: 'Metropolitan Police Service', kind: 'force', region: 'london' },
  NORF: { name: 'Norfolk Constabulary', kind: 'force', region: 'eastern' },
  NWP: { name: 'North Wales Police', kind: 'force', region: 'wales' },
  NYP: { name: 'North Yorkshire Police', kind: 'force', region: 'yorkshire-and-humber' },
  NHANTS: { name: 'Northamptonshire Police', kind: 'force', region: 'east-midlands' },
  NBRIA: { name: 'Northumbria Police', kind: 'force', region: 'north-east' },
  NOTTS: { name: 'Nottinghamshire Police', kind: 'force', region: 'east-midlands' },
  SWP: { name: 'South Wales Police', kind: 'force', region: 'wales' },
  SYP: { name: 'South Yorkshire Police', kind: 'force', region: 'yorkshire-and-humber' },
  STAFFS: { name: 'Staffordshire Police', kind: 'force', region: 'west-midlands' },
  SUFF: { name: 'Suffolk Constabulary', kind: 'force', region: 'eastern' },
  SURREY: { name: 'Surrey Police', kind: 'force', region: 'south-east' },
  SUSSEX: { name: 'Sussex Police', kind: 'force', region: 'south-east' },
  TVP: { name: 'Thames Valley Police', kind: 'force', region: 'south-east' },
  WARKS: { name: 'Warwickshire Police', kind: 'force', region: 'west-midlands' },
  WMERC: { name: 'West Mercia Police', kind: 'force', region: 'west-midlands' },
  WMP: { name: 'West Midlands Police', kind: 'force', region: 'west-midlands' },
  WYP: { name: 'West Yorkshire Police', kind: 'force', region: 'yorkshire-and-humber' },
  WILTS: { name: 'Wiltshire Police', kind: 'force', region: 'south-west' },
  PSOS: { name: 'Police Scotland', kind: 'force', region: 'scotland' },
  PSNI: { name: 'Police Service of Northern Ireland', kind: 'force', region: 'northern-ireland' },
} as const satisfies Record<string, AgencyDescription>;

export type UkAgencyCode = keyof typeof UK_AGENCIES;
export const UK_AGENCY_CODES = Object.keys(UK_AGENCIES) as UkAgencyCode[];

/** Partners outside the UK (joint investigation team members and EU agencies). */
export const PARTNER_AGENCIES = {
  'FR-GN': 'Gendarmerie nationale (France)',
  'FR-C3N': 'Centre de lutte contre les criminalités numériques (France)',
  'FR-JUNALCO': 'Juridiction nationale de lutte contre la criminalité organisée (France)',
  'NL-POLITIE': 'Politie (Netherlands)',
  'NL-OM': 'Openbaar Ministerie (Netherlands)',
  EUROPOL: 'Europol',
  EUROJUST: 'Eurojust',
  'JIT-FR-NL': 'French–Dutch joint investigation team',
} as const;
export type PartnerAgencyCode = keyof typeof PARTNER_AGENCIES;
export const PARTNER_AGENCY_CODES = Object.keys(PARTNER_AGENCIES) as PartnerAgencyCode[];

/** Any agency that may appear as a source: UK agencies and international partners. */
export const ANY_AGENCY_CODES = [...UK_AGENCY_CODES, ...PARTNER_AGENCY_CODES] as const;
export type AnyAgencyCode = UkAgencyCode | PartnerAgencyCode;

export function isUkAgencyCode(value: unknown): value is UkAgencyCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(UK_AGENCIES, value);
}

/** Territorial forces only (not ROCUs or national agencies): who conducts raids and makes arrests. */
export const FORCE_CODES = UK_AGENCY_CODES.filter((code) => UK_AGENCIES[code].kind === 'force');
