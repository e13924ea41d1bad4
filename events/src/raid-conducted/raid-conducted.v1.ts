import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { RAID_LEGAL_POWERS, type RaidLegalPower } from '../vocabulary/legal.vocabulary';
import {
  IsOneOf,
  IsPostcodeDistrict,
  IsReference,
  IsReferenceList,
  IsUtcTimestamp,
} from '../validation/contract.decorators';

/** Premises were entered and searched. The operation decides that `endedAt` ≥ `startedAt`. */
export class RaidConductedV1 {
  /** Unique within the operation. */
  @IsReference()
  readonly raidId!: string;

  /** The agency that conducted the raid; it must have joined the operation. */
  @IsOneOf(UK_AGENCY_CODES)
  readonly force!: UkAgencyCode;

  @IsPostcodeDistrict()
  readonly postcodeDistrict!: string;

  @IsOneOf(RAID_LEGAL_POWERS)
  readonly legalPower!: RaidLegalPower;

  @IsUtcTimestamp()
  readonly startedAt!: string;

  @IsUtcTimestamp()
  readonly endedAt!: string;

  @IsInt()
  @Min(1)
  @Max(2000)
  readonly officers!: number;

  /** The organised crime group targeted, identified earlier in the operation. */
  @IsOptional()
  @IsReference()
  readonly ocgId?: string;

  /** Intelligence reports the raid acted on, received earlier in the operation. */
  @IsOptional()
  @IsReferenceList(1, 50)
  readonly intelligenceRefs?: readonly string[];
}
