import { IsString, Matches, MaxLength } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { IsOneOf, IsText, IsUtcTimestamp } from '../validation/contract.decorators';
import { CODENAME_PATTERN } from '../validation/field-patterns';

/** The operation begins; the first event of every operation stream. */
export class OperationLaunchedV1 {
  /** Upper-case codename, e.g. `VENETIC`. */
  @IsString()
  @MaxLength(40)
  @Matches(CODENAME_PATTERN, { message: '$property must be upper-case words such as VENETIC' })
  readonly codename!: string;

  /** The agency leading the operation; it joins the operation by launching it. */
  @IsOneOf(UK_AGENCY_CODES)
  readonly leadAgency!: UkAgencyCode;

  @IsUtcTimestamp()
  readonly startedAt!: string;

  @IsText(2000)
  readonly description!: string;
}
