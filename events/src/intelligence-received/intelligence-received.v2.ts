import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, ValidateNested } from 'class-validator';
import { ANY_AGENCY_CODES, REGIONS, type AnyAgencyCode, type Region } from '../vocabulary/agency.vocabulary';
import {
  HANDLING_CODES,
  INTELLIGENCE_GRADES,
  PRIORITIES,
  SOURCE_GRADES,
  type HandlingCode,
  type IntelligenceGrade,
  type Priority,
  type SourceGrade,
} from '../vocabulary/intelligence.vocabulary';
import {
  DataSchema,
  IsOneOf,
  IsReference,
  IsReferenceList,
  IsText,
  PresentOnlyWhen,
} from '../validation/contract.decorators';
import {
  HIGH_PRIORITY_WHEN_THREAT_TO_LIFE_SCHEMA,
  IsHighPriorityWhenThreatToLife,
} from './priority-for-threat-to-life.decorator';

/** The 3x5x2 grading of a piece of intelligence. */
@DataSchema({
  if: { properties: { handling: { const: 'C' } }, required: ['handling'] },
  then: { required: ['conditions'] },
  else: { not: { required: ['conditions'] } },
})
export class IntelligenceGradingV2 {
  /** 1 reliable, 2 untested, 3 not reliable. */
  @IsOneOf(SOURCE_GRADES)
  readonly source!: SourceGrade;

  /** A known directly … E suspected false. */
  @IsOneOf(INTELLIGENCE_GRADES)
  readonly intelligence!: IntelligenceGrade;

  /** P sharing permitted, C sharing with conditions. */
  @IsOneOf(HANDLING_CODES)
  readonly handling!: HandlingCode;

  /** The sharing conditions: required when handling is C, forbidden otherwise. */
  @IsText(1000)
  // Last, so that it runs first: a missing required value gets one clear error.
  @PresentOnlyWhen((grading) => grading['handling'] === 'C', 'handling is C')
  readonly conditions?: string;
}

/** An intelligence report reached the operation (current version). */
@DataSchema(HIGH_PRIORITY_WHEN_THREAT_TO_LIFE_SCHEMA)
export class IntelligenceReceivedV2 {
  @IsReference()
  readonly reportRef!: string;

  @IsOneOf(ANY_AGENCY_CODES)
  readonly fromAgency!: AnyAgencyCode;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => IntelligenceGradingV2)
  readonly grading!: IntelligenceGradingV2;

  /** HIGH is required when `threatToLife` is true. */
  @IsOneOf(PRIORITIES)
  @IsHighPriorityWhenThreatToLife()
  readonly priority!: Priority;

  @IsBoolean()
  readonly threatToLife!: boolean;

  /** Pseudonymous subject ids (never names). */
  @IsReferenceList(0, 50)
  readonly subjects!: readonly string[];

  @IsOneOf(REGIONS)
  readonly region!: Region;
}
