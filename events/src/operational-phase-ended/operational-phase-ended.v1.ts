import { IsText } from '../validation/contract.decorators';

/**
 * The operational phase ends (the envelope's `occurredAt` is when). Afterwards no
 * raid, arrest or seizure is accepted.
 */
export class OperationalPhaseEndedV1 {
  @IsText(1000)
  readonly reason!: string;
}
