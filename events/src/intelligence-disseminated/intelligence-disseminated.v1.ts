import { IsBoolean } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { IsOneOf, IsReference } from '../validation/contract.decorators';

/** A received intelligence report was passed on to another agency. */
export class IntelligenceDisseminatedV1 {
  /** The report, as received earlier in the operation. */
  @IsReference()
  readonly reportRef!: string;

  @IsOneOf(UK_AGENCY_CODES)
  readonly toAgency!: UkAgencyCode;

  /** Whether the content was sanitised (source-protecting details removed) before passing on. */
  @IsBoolean()
  readonly sanitised!: boolean;
}
