import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import {
  OCG_ACTIVITIES,
  OCG_BANDS,
  type OcgActivity,
  type OcgBand,
} from '../vocabulary/intelligence.vocabulary';
import { IsListOf, IsOneOf, IsReference } from '../validation/contract.decorators';
import { CODENAME_PATTERN } from '../validation/field-patterns';

/** An organised crime group was identified and mapped. */
export class OrganisedCrimeGroupIdentifiedV1 {
  /** Unique within the operation. */
  @IsReference()
  readonly ocgId!: string;

  @IsString()
  @MaxLength(40)
  @Matches(CODENAME_PATTERN, { message: '$property must be upper-case words such as CASTLE KEEP' })
  readonly codename!: string;

  @IsOneOf(UK_AGENCY_CODES)
  readonly leadForce!: UkAgencyCode;

  @IsOneOf(OCG_BANDS)
  readonly band!: OcgBand;

  /** Threat score 0–100 from the group's mapping. */
  @IsInt()
  @Min(0)
  @Max(100)
  readonly threatScore!: number;

  @IsListOf(OCG_ACTIVITIES, 1, OCG_ACTIVITIES.length)
  readonly activities!: readonly OcgActivity[];
}
