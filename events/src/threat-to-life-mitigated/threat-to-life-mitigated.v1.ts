import { IsOptional } from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import { THREAT_TO_LIFE_ACTIONS, type ThreatToLifeAction } from '../vocabulary/intelligence.vocabulary';
import { IsOneOf, IsReference } from '../validation/contract.decorators';

/** Action was taken against a threat to life (warning to a potential victim, disruption of an offender…). */
export class ThreatToLifeMitigatedV1 {
  /** Unique within the operation. */
  @IsReference()
  readonly ttlId!: string;

  @IsOneOf(THREAT_TO_LIFE_ACTIONS)
  readonly action!: ThreatToLifeAction;

  /** The agency that acted. */
  @IsOneOf(UK_AGENCY_CODES)
  readonly force!: UkAgencyCode;

  /** The intelligence report that raised the threat, received earlier in the operation. */
  @IsOptional()
  @IsReference()
  readonly reportRef?: string;
}
