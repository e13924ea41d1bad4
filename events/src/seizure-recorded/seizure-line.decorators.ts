import { registerDecorator, type ValidationArguments } from 'class-validator';
import { COUNTED_UNITS, isDrugType, unitsAllowedFor, type QuantityUnit } from '../vocabulary/drug.vocabulary';
import { POCA_S294_MINIMUM_PENCE } from '../vocabulary/firearm.vocabulary';

// Rules that relate two fields of one seizure line. Each reads its sibling from
// `args.object` and stays silent when the sibling is itself invalid, so a client
// sees one error per mistake.

function rule(
  name: string,
  validate: (value: unknown, line: Record<string, unknown>) => boolean,
  message: (line: Record<string, unknown>) => string,
) {
  return (target: object, propertyKey: string): void =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyKey,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          validate(value, (args?.object ?? {}) as Record<string, unknown>),
        defaultMessage: (args?: ValidationArguments) =>
          message((args?.object ?? {}) as Record<string, unknown>),
      },
    });
}

/** The unit must be one this drug type is measured in (no LSD by the kilogram, no heroin plants). */
export const IsUnitOfDrugType = () =>
  rule(
    'unitOfDrugType',
    (unit, line) =>
      !isDrugType(line['drugType']) || unitsAllowedFor(line['drugType']).includes(unit as QuantityUnit),
    (line) =>
      isDrugType(line['drugType'])
        ? `unit must be one of ${unitsAllowedFor(line['drugType']).join(', ')} for ${line['drugType']}`
        : 'unit does not fit the drug type',
  );

/** Doses and plants are counted: whole numbers only. */
export const IsWholeWhenCounted = () =>
  rule(
    'wholeWhenCounted',
    (quantity, line) => !COUNTED_UNITS.includes(line['unit'] as QuantityUnit) || Number.isInteger(quantity),
    (line) => `quantity must be a whole number of ${String(line['unit'])}`,
  );

/** POCA s294 only covers cash of at least £1,000. */
export const IsAtLeastPocaMinimum = () =>
  rule(
    'pocaS294Minimum',
    (amount, line) =>
      line['power'] !== 'poca-s294' || typeof amount !== 'number' || amount >= POCA_S294_MINIMUM_PENCE,
    () => `amountPence must be at least ${POCA_S294_MINIMUM_PENCE} (£1,000) for a seizure under POCA s294`,
  );

/** A firearms line records at least one weapon or one round. */
export const IsWeaponOrRounds = () =>
  rule(
    'weaponOrRounds',
    (count, line) =>
      typeof count !== 'number' || typeof line['rounds'] !== 'number' || count + line['rounds'] > 0,
    () => 'a firearms line must record at least one weapon or one round',
  );
