import { ANY_AGENCY_CODES, type AnyAgencyCode } from '../vocabulary/agency.vocabulary';
import { ENCRYPTED_PLATFORMS, type EncryptedPlatform } from '../vocabulary/legal.vocabulary';
import { IsListOf, IsOneOf, IsText } from '../validation/contract.decorators';

/** Partners overcame the encryption of a communication platform. */
export class EncryptionCrackedV1 {
  @IsOneOf(ENCRYPTED_PLATFORMS)
  readonly platform!: EncryptedPlatform;

  /** The agencies (or joint investigation team) that did it. */
  @IsListOf(ANY_AGENCY_CODES, 1, 10)
  readonly by!: readonly AnyAgencyCode[];

  @IsText(2000)
  readonly methodSummary!: string;

  /** Reference of the legal basis (warrant, JIT agreement, judicial authorisation). */
  @IsText(200)
  readonly legalBasisRef!: string;
}
