import type { JsonObject } from '@timeline/kernel';
import type { OperationProfile } from '../profile/operation.profile';
import type { SeededRandom } from '../random/seeded-random';

// The data of each generated event, in the shape of the current version of its
// type in the published contract (events/). One function per type keeps the
// generator's decisions apart from the contract's field names.

/**
 * AgencyJoined is recorded by the lead agency: a recorder may only write to
 * operations its agency takes part in, so the lead admits each partner.
 */
export const JOIN_RECORDED_BY_JOINER = false;

/** Drops absent optional fields: the contract forbids explicit nulls/undefined and JSON has no undefined. */
function compact(fields: Record<string, unknown>): JsonObject {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as JsonObject;
}

export function operationLaunched(profile: OperationProfile, startedAtMs: number): JsonObject {
  return {
    codename: profile.codename,
    leadAgency: profile.leadAgency,
    startedAt: new Date(startedAtMs).toISOString(),
    description: profile.description,
  };
}

export function encryptionCracked(): JsonObject {
  return {
    platform: 'EncroChat',
    by: ['JIT-FR-NL', 'FR-GN', 'NL-POLITIE', 'EUROPOL', 'EUROJUST'],
    methodSummary:
      'An implant distributed to handsets as an update gave the joint investigation team access to messages in ' +
      'clear; material shared with partner agencies through Europol.',
    legalBasisRef: 'JIT-FR-NL/2020/0417 and domestic authorisation TW/2020/0031',
  };
}

export function agencyJoined(agency: string, region: string, localOperationName: string): JsonObject {
  return { agency, localOperationName, region };
}

export interface IntelligenceFields {
  readonly reportRef: string;
  readonly fromAgency: string;
  readonly grading: {
    readonly source: number;
    readonly intelligence: string;
    readonly handling: string;
    readonly conditions?: string;
  };
  readonly priority: string;
  readonly threatToLife: boolean;
  readonly subjects: readonly string[];
  readonly region: string;
}

export function intelligenceReceived(fields: IntelligenceFields): JsonObject {
  return {
    reportRef: fields.reportRef,
    fromAgency: fields.fromAgency,
    grading: compact({ ...fields.grading }),
    priority: fields.priority,
    threatToLife: fields.threatToLife,
    subjects: [...fields.subjects],
    region: fields.region,
  };
}

export function intelligenceDisseminated(
  reportRef: string,
  toAgency: string,
  sanitised: boolean,
): JsonObject {
  return { reportRef, toAgency, sanitised };
}

export function ocgIdentified(fields: {
  ocgId: string;
  codename: string;
  leadForce: string;
  band: string;
  threatScore: number;
  activities: readonly string[];
}): JsonObject {
  return { ...fields, activities: [...fields.activities] };
}

export interface RaidFields {
  readonly raidId: string;
  readonly force: string;
  readonly postcodeDistrict: string;
  readonly legalPower: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly officers: number;
  readonly ocgId?: string;
  readonly intelligenceRefs: readonly string[];
}

export function raidConducted(fields: RaidFields): JsonObject {
  return compact({
    ...fields,
    intelligenceRefs: fields.intelligenceRefs.length > 0 ? [...fields.intelligenceRefs] : undefined,
  });
}

export interface ArrestFields {
  readonly arrestId: string;
  readonly subjectId: string;
  readonly suspectedOffences: readonly string[];
  readonly raidId?: string;
  readonly force: string;
  readonly postcodeDistrict?: string;
}

export function arrestMade(fields: ArrestFields): JsonObject {
  return compact({ ...fields, suspectedOffences: [...fields.suspectedOffences] });
}

export function chargeBrought(fields: {
  arrestId: string;
  offences: readonly string[];
  decidedBy: string;
  remandedInCustody: boolean;
}): JsonObject {
  return { ...fields, offences: [...fields.offences] };
}

export type SeizureLine =
  | { readonly kind: 'drugs'; readonly line: JsonObject }
  | { readonly kind: 'firearms'; readonly line: JsonObject }
  | { readonly kind: 'cash'; readonly line: JsonObject }
  | { readonly kind: 'other'; readonly line: JsonObject };

export interface SeizureFields {
  readonly seizureId: string;
  readonly raidId?: string;
  readonly seizedBy: string;
  readonly postcodeDistrict: string;
  readonly lines: readonly SeizureLine[];
}

export function seizureRecorded(fields: SeizureFields): JsonObject {
  const groups: Record<string, JsonObject[]> = {};
  for (const { kind, line } of fields.lines) (groups[kind] ??= []).push(line);
  return compact({
    seizureId: fields.seizureId,
    raidId: fields.raidId,
    seizedBy: fields.seizedBy,
    postcodeDistrict: fields.postcodeDistrict,
    drugs: groups.drugs,
    firearms: groups.firearms,
    cash: groups.cash,
    other: groups.other,
  });
}

export function drugLine(fields: {
  drugType: string;
  quantity: number;
  unit: string;
  testStatus: 'untested' | 'presumptive' | 'laboratory';
  percent?: number;
}): SeizureLine {
  return {
    kind: 'drugs',
    line: {
      drugType: fields.drugType,
      quantity: fields.quantity,
      unit: fields.unit,
      purity: compact({
        testStatus: fields.testStatus,
        percent: fields.testStatus === 'laboratory' ? fields.percent : undefined,
      }),
    },
  };
}

export function firearmLine(category: string, count: number, rounds: number): SeizureLine {
  return { kind: 'firearms', line: { category, count, rounds } };
}

export function cashLine(amountPence: number, power: string): SeizureLine {
  return { kind: 'cash', line: { amountPence, power } };
}

const OTHER_DESCRIPTIONS: Readonly<Record<string, readonly string[]>> = {
  vehicle: [
    'Audi A6 estate with concealed compartment',
    'Range Rover Sport',
    'Mercedes van, hire plates',
    'BMW X5',
  ],
  watch: ['Rolex Submariner', 'Audemars Piguet Royal Oak', 'Patek Philippe Nautilus', 'Rolex Daytona'],
  'encrypted-handset': ['Encrypted handset (EncroChat)', 'Encrypted handset, factory reset'],
  'mobile-phone': ['Mobile phones', 'Burner handsets'],
  jewellery: ['Gold chains and rings', 'Diamond jewellery'],
  'cryptocurrency-wallet': ['Hardware wallet', 'Seed phrase on paper'],
};

export function otherLine(kind: string, random: SeededRandom): SeizureLine {
  const descriptions = OTHER_DESCRIPTIONS[kind] ?? ['Property'];
  const count = kind === 'mobile-phone' || kind === 'encrypted-handset' ? random.int(1, 6) : random.int(1, 2);
  return { kind: 'other', line: { kind, count, description: random.pick(descriptions) } };
}

/**
 * A line after the exhibit was re-examined: drugs re-weighed (−20 % to +10 %,
 * counts recounted) and sent for a laboratory purity test; other lines unchanged.
 */
export function reexamined(line: SeizureLine, random: SeededRandom): SeizureLine {
  if (line.kind !== 'drugs') return line;
  const unit = String(line.line.unit);
  const quantity = Number(line.line.quantity);
  const factor = 0.8 + random.next() * 0.3;
  const corrected =
    unit === 'kg'
      ? Math.max(0.001, Math.round(quantity * factor * 1000) / 1000)
      : Math.max(1, Math.round(quantity * factor));
  return drugLine({
    drugType: String(line.line.drugType),
    quantity: corrected,
    unit,
    testStatus: 'laboratory',
    percent: random.int(5, 95),
  });
}

export function threatToLifeMitigated(fields: {
  ttlId: string;
  action: string;
  force: string;
  reportRef?: string;
}): JsonObject {
  return compact({ ...fields });
}

export function eventCorrected(
  correctsEventId: string,
  correctedType: string,
  replacement: JsonObject,
  reason: string,
): JsonObject {
  return { correctsEventId, correctedType, replacement, reason };
}

export function eventRetracted(retractsEventId: string, reason: string, note?: string): JsonObject {
  return compact({ retractsEventId, reason, note });
}
