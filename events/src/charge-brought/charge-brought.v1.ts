import { IsBoolean } from 'class-validator';
import { CHARGE_DECIDERS, OFFENCES, type ChargeDecider, type Offence } from '../vocabulary/legal.vocabulary';
import { IsListOf, IsOneOf, IsReference } from '../validation/contract.decorators';

/** The charging decision for an arrest: at most one per arrest. */
export class ChargeBroughtV1 {
  @IsReference()
  readonly arrestId!: string;

  @IsListOf(OFFENCES, 1, 20)
  readonly offences!: readonly Offence[];

  @IsOneOf(CHARGE_DECIDERS)
  readonly decidedBy!: ChargeDecider;

  /** Whether the person was remanded in custody after charge (otherwise bailed to court). */
  @IsBoolean()
  readonly remandedInCustody!: boolean;
}
