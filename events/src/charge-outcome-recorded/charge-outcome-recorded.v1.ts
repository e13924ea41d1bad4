import { IsInt, Max, Min } from 'class-validator';
import { DataSchema, IsOneOf, IsReference, PresentOnlyWhen } from '../validation/contract.decorators';

/** How a charge ended in court. */
export const COURT_OUTCOMES = ['convicted', 'acquitted', 'discontinued'] as const;
export type CourtOutcome = (typeof COURT_OUTCOMES)[number];

/** A sentence on conviction: immediate custody, or a non-custodial sentence (suspended, community, fine…). */
export const SENTENCE_KINDS = ['custodial', 'non-custodial'] as const;
export type SentenceKind = (typeof SENTENCE_KINDS)[number];

/**
 * The court outcome of the charge on an arrest: at most one per charge, dated
 * (the envelope's `occurredAt`) no earlier than the charge. A conviction carries
 * its sentence; a custodial one its length in months.
 */
@DataSchema({
  allOf: [
    {
      if: { properties: { outcome: { const: 'convicted' } }, required: ['outcome'] },
      then: { required: ['sentence'] },
      else: { not: { required: ['sentence'] } },
    },
    {
      if: { properties: { sentence: { const: 'custodial' } }, required: ['sentence'] },
      then: { required: ['custodialMonths'] },
      else: { not: { required: ['custodialMonths'] } },
    },
  ],
})
export class ChargeOutcomeRecordedV1 {
  /** The arrest whose charge this is the outcome of (ChargeBrought's `arrestId`). */
  @IsReference()
  readonly arrestId!: string;

  @IsOneOf(COURT_OUTCOMES)
  readonly outcome!: CourtOutcome;

  /** Required on conviction, refused otherwise. */
  @IsOneOf(SENTENCE_KINDS)
  // Last, so that it runs first: a missing required value gets one clear error.
  @PresentOnlyWhen((data) => data['outcome'] === 'convicted', 'outcome is convicted')
  readonly sentence?: SentenceKind;

  /** The custodial term in whole months (1 to 1,200): required for a custodial sentence, refused otherwise. */
  @IsInt()
  @Min(1)
  @Max(1200)
  @PresentOnlyWhen((data) => data['sentence'] === 'custodial', 'sentence is custodial')
  readonly custodialMonths?: number;
}
