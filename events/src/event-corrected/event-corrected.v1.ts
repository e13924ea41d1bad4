import { IsObject, IsUUID } from 'class-validator';
import { CORRECTABLE_EVENT_TYPES, type CorrectableEventType } from '../event-types';
import { IsOneOf, IsText } from '../validation/contract.decorators';

/**
 * An earlier event's data is replaced. `replacement` is complete data of
 * `correctedType` at its current version (validated as such); the corrected
 * event must be of that type and not retracted. The latest correction of an
 * event wins; corrections themselves are never corrected or retracted.
 */
export class EventCorrectedV1 {
  @IsUUID()
  readonly correctsEventId!: string;

  @IsOneOf(CORRECTABLE_EVENT_TYPES)
  readonly correctedType!: CorrectableEventType;

  @IsObject()
  readonly replacement!: Record<string, unknown>;

  @IsText(1000)
  readonly reason!: string;
}
