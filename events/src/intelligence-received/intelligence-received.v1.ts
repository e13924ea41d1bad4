import { IsBoolean, IsString, Matches } from 'class-validator';
import { ANY_AGENCY_CODES, REGIONS, type AnyAgencyCode, type Region } from '../vocabulary/agency.vocabulary';
import { COMPACT_GRADING_PATTERN, PRIORITIES, type Priority } from '../vocabulary/intelligence.vocabulary';
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

const handlingIsC = (object: Record<string, unknown>): boolean =>
  typeof object['grading'] === 'string' && object['grading'].endsWith('/C');

/**
 * Version 1 (superseded by v2, still accepted and upcast): the grading as one
 * compact string `source/intelligence/handling`, e.g. `1/A/P`, with the handling
 * conditions beside it.
 */
@DataSchema({
  allOf: [
    HIGH_PRIORITY_WHEN_THREAT_TO_LIFE_SCHEMA,
    {
      if: { properties: { grading: { pattern: '/C$' } }, required: ['grading'] },
      then: { required: ['handlingConditions'] },
      else: { not: { required: ['handlingConditions'] } },
    },
  ],
})
export class IntelligenceReceivedV1 {
  @IsReference()
  readonly reportRef!: string;

  @IsOneOf(ANY_AGENCY_CODES)
  readonly fromAgency!: AnyAgencyCode;

  /** `source/intelligence/handling`: source 1–3, intelligence A–E, handling P or C. */
  @IsString()
  @Matches(COMPACT_GRADING_PATTERN, { message: '$property must be a 3x5x2 grading such as 1/A/P' })
  readonly grading!: string;

  /** Required when the handling code is C, forbidden otherwise. */
  @IsText(1000)
  // Last, so that it runs first: a missing required value gets one clear error.
  @PresentOnlyWhen(handlingIsC, 'the handling code is C')
  readonly handlingConditions?: string;

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
