import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { UK_AGENCY_CODES, type UkAgencyCode } from '../vocabulary/agency.vocabulary';
import {
  COUNTED_UNITS,
  DRUG_TYPES,
  DRUG_TYPES_TABLE,
  PURITY_TEST_STATUSES,
  QUANTITY_UNITS,
  type DrugType,
  type PurityTestStatus,
  type QuantityUnit,
} from '../vocabulary/drug.vocabulary';
import {
  CASH_SEIZURE_POWERS,
  FIREARM_CATEGORIES,
  OTHER_PROPERTY_KINDS,
  POCA_S294_MINIMUM_PENCE,
  type CashSeizurePower,
  type FirearmCategory,
  type OtherPropertyKind,
} from '../vocabulary/firearm.vocabulary';
import {
  DataSchema,
  IsOneOf,
  IsPostcodeDistrict,
  IsReference,
  IsText,
  PresentOnlyWhen,
} from '../validation/contract.decorators';
import {
  IsAtLeastPocaMinimum,
  IsUnitOfDrugType,
  IsWeaponOrRounds,
  IsWholeWhenCounted,
} from './seizure-line.decorators';

/** Largest quantity of one line, in any unit (28 million pills fit). */
export const MAX_LINE_QUANTITY = 1_000_000_000;
/** Largest cash line: £10bn in pence, far above any seizure and within safe integers. */
export const MAX_CASH_PENCE = 1_000_000_000_000;
export const MAX_LINES_PER_KIND = 100;

@DataSchema({
  if: { properties: { testStatus: { const: 'laboratory' } }, required: ['testStatus'] },
  then: { required: ['percent'] },
  else: { not: { required: ['percent'] } },
})
export class DrugPurityV1 {
  @IsOneOf(PURITY_TEST_STATUSES)
  readonly testStatus!: PurityTestStatus;

  /** Purity in percent: required for a laboratory result, forbidden otherwise. */
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  @Max(100)
  // Last, so that it runs first: a missing required value gets one clear error.
  @PresentOnlyWhen((purity) => purity['testStatus'] === 'laboratory', 'testStatus is laboratory')
  readonly percent?: number;
}

@DataSchema({
  allOf: [
    ...Object.entries(DRUG_TYPES_TABLE).map(([drugType, { units }]) => ({
      if: { properties: { drugType: { const: drugType } }, required: ['drugType'] },
      then: { properties: { unit: { enum: [...units] } } },
    })),
    {
      if: { properties: { unit: { enum: [...COUNTED_UNITS] } }, required: ['unit'] },
      then: { properties: { quantity: { type: 'integer' } } },
    },
  ],
})
export class DrugSeizureLineV1 {
  /** The Misuse of Drugs Act class is derived from this; clients never send it. */
  @IsOneOf(DRUG_TYPES)
  readonly drugType!: DrugType;

  /** Kilograms (up to 3 decimals, i.e. grams) or a whole number of doses or plants. */
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @IsPositive()
  @Max(MAX_LINE_QUANTITY)
  @IsWholeWhenCounted()
  readonly quantity!: number;

  @IsOneOf(QUANTITY_UNITS)
  @IsUnitOfDrugType()
  readonly unit!: QuantityUnit;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DrugPurityV1)
  readonly purity!: DrugPurityV1;

  @IsOptional()
  @IsText(200)
  readonly description?: string;
}

export class FirearmSeizureLineV1 {
  @IsOneOf(FIREARM_CATEGORIES)
  readonly category!: FirearmCategory;

  /** Number of weapons; 0 for ammunition only. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  @IsWeaponOrRounds()
  readonly count!: number;

  /** Rounds of ammunition. */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  readonly rounds!: number;

  @IsOptional()
  @IsText(200)
  readonly description?: string;
}

@DataSchema({
  if: { properties: { power: { const: 'poca-s294' } }, required: ['power'] },
  then: { properties: { amountPence: { minimum: POCA_S294_MINIMUM_PENCE } } },
})
export class CashSeizureLineV1 {
  /** Sterling amount in integer pence (foreign currency at its sterling value when seized). */
  @IsInt()
  @Min(1)
  @Max(MAX_CASH_PENCE)
  @IsAtLeastPocaMinimum()
  readonly amountPence!: number;

  /** POCA s294 requires at least £1,000. */
  @IsOneOf(CASH_SEIZURE_POWERS)
  readonly power!: CashSeizurePower;
}

export class OtherSeizureLineV1 {
  @IsOneOf(OTHER_PROPERTY_KINDS)
  readonly kind!: OtherPropertyKind;

  @IsInt()
  @Min(1)
  @Max(100_000)
  readonly count!: number;

  @IsText(200)
  readonly description!: string;

  /** Estimated value in integer pence, if known. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CASH_PENCE)
  readonly estimatedValuePence?: number;
}

/** Property was seized: at least one line of drugs, firearms, cash or other property. */
@DataSchema({
  anyOf: [
    { required: ['drugs'] },
    { required: ['firearms'] },
    { required: ['cash'] },
    { required: ['other'] },
  ],
})
export class SeizureRecordedV1 {
  /** Unique within the operation. */
  @IsReference()
  readonly seizureId!: string;

  /** The raid the seizure was made at, recorded earlier in the operation. */
  @IsOptional()
  @IsReference()
  readonly raidId?: string;

  @IsOneOf(UK_AGENCY_CODES)
  readonly seizedBy!: UkAgencyCode;

  @IsPostcodeDistrict()
  readonly postcodeDistrict!: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES_PER_KIND)
  @ValidateNested({ each: true })
  @Type(() => DrugSeizureLineV1)
  readonly drugs?: readonly DrugSeizureLineV1[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES_PER_KIND)
  @ValidateNested({ each: true })
  @Type(() => FirearmSeizureLineV1)
  readonly firearms?: readonly FirearmSeizureLineV1[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES_PER_KIND)
  @ValidateNested({ each: true })
  @Type(() => CashSeizureLineV1)
  readonly cash?: readonly CashSeizureLineV1[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES_PER_KIND)
  @ValidateNested({ each: true })
  @Type(() => OtherSeizureLineV1)
  readonly other?: readonly OtherSeizureLineV1[];
}
