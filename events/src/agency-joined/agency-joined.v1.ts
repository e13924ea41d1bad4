import { IsOptional } from 'class-validator';
import { REGIONS, UK_AGENCY_CODES, type Region, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { IsOneOf, IsText } from '../validation/contract.decorators';

/** A UK agency joins the operation; from then on it may record events. */
export class AgencyJoinedV1 {
  @IsOneOf(UK_AGENCY_CODES)
  readonly agency!: UkAgencyCode;

  /** The agency's own name for its part of the operation, if any. */
  @IsOptional()
  @IsText(80)
  readonly localOperationName?: string;

  @IsOneOf(REGIONS)
  readonly region!: Region;
}
