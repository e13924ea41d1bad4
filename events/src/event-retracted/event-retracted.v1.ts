import { IsOptional, IsUUID } from 'class-validator';
import { RETRACTION_REASONS, type RetractionReason } from '../vocabulary/legal.vocabulary';
import { IsOneOf, IsText } from '../validation/contract.decorators';

/**
 * An earlier event is withdrawn. It stays in the history; read models stop
 * counting it. A retraction is final: it cannot itself be corrected or retracted.
 */
export class EventRetractedV1 {
  @IsUUID()
  readonly retractsEventId!: string;

  @IsOneOf(RETRACTION_REASONS)
  readonly reason!: RetractionReason;

  @IsOptional()
  @IsText(1000)
  readonly note?: string;
}
