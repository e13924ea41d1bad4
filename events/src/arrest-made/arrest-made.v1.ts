import { IsOptional } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { OFFENCES, type Offence } from '../vocabulary/legal.vocabulary';
import { IsListOf, IsOneOf, IsPostcodeDistrict, IsReference } from '../validation/contract.decorators';

/** A person was arrested. */
export class ArrestMadeV1 {
  /** Unique within the operation. */
  @IsReference()
  readonly arrestId!: string;

  /** Pseudonymous id of the person arrested (never a name). */
  @IsReference()
  readonly subjectId!: string;

  @IsListOf(OFFENCES, 1, 20)
  readonly suspectedOffences!: readonly Offence[];

  /** The raid the arrest was made at, recorded earlier in the operation. */
  @IsOptional()
  @IsReference()
  readonly raidId?: string;

  /** The arresting agency; it must have joined the operation. */
  @IsOneOf(UK_AGENCY_CODES)
  readonly force!: UkAgencyCode;

  @IsOptional()
  @IsPostcodeDistrict()
  readonly postcodeDistrict?: string;
}
