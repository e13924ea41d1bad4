import { IsText } from '../validation/contract.decorators';

/**
 * The operation is closed (the envelope's `occurredAt` is when). Afterwards only
 * corrections, charging decisions and court outcomes are accepted.
 */
export class OperationClosedV1 {
  @IsText(1000)
  readonly reason!: string;
}
