import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import {
  isUtcTimestamp,
  normaliseUtcTimestamp,
  POSTCODE_DISTRICT_PATTERN,
  REFERENCE_PATTERN,
  UTC_TIMESTAMP_PATTERN,
} from './field-patterns';

// Composite decorators: each names one field format of the contract once, so the
// data classes read as a specification and the JSON Schema follows from them.

type Decorator = (target: object, propertyKey: string) => void;

function compose(...decorators: Decorator[]): Decorator {
  return (target, propertyKey) => decorators.forEach((decorate) => decorate(target, propertyKey));
}

/**
 * Adds JSON Schema keywords to a data class or property. class-validator-jsonschema
 * types its decorator with OpenAPI 3.0's schema object, which lacks the draft-07
 * conditionals (`if`/`then`/`else`) the contract needs for its cross-field rules.
 */
export function DataSchema(schema: Record<string, unknown>): ClassDecorator & PropertyDecorator {
  return JSONSchema(schema as Parameters<typeof JSONSchema>[0]) as ClassDecorator & PropertyDecorator;
}

/** A UTC instant (see UTC_TIMESTAMP_PATTERN), normalised to milliseconds when accepted. */
export function IsUtcTimestamp(): Decorator {
  return compose(
    IsString(),
    Matches(UTC_TIMESTAMP_PATTERN, {
      message: '$property must be a UTC timestamp such as 2020-06-13T05:30:00Z',
    }),
    (target, propertyKey) =>
      registerDecorator({
        name: 'isRealInstant',
        target: target.constructor,
        propertyName: String(propertyKey),
        validator: {
          validate: (value: unknown) =>
            typeof value !== 'string' || !UTC_TIMESTAMP_PATTERN.test(value) || isUtcTimestamp(value),
          defaultMessage: (args?: ValidationArguments) =>
            `${args?.property ?? 'value'} is not a real calendar instant`,
        },
      }),
    Transform(({ value }: { value: unknown }) => normaliseUtcTimestamp(value)),
    JSONSchema({ format: 'date-time' }),
  );
}

/** A client-assigned identifier (see REFERENCE_PATTERN). */
export function IsReference(): Decorator {
  return compose(
    IsString(),
    Matches(REFERENCE_PATTERN, {
      message: '$property must be 1–64 letters, digits, "-", "_" or "/", starting with a letter or digit',
    }),
  );
}

/** A list of client-assigned identifiers, unique, at most `max`. */
export function IsReferenceList(min: number, max: number): Decorator {
  return compose(
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    ArrayUnique(),
    IsString({ each: true }),
    Matches(REFERENCE_PATTERN, {
      each: true,
      message: 'each value in $property must be a reference (letters, digits, "-", "_", "/")',
    }),
  );
}

/** A UK postcode district (outward code). */
export function IsPostcodeDistrict(): Decorator {
  return compose(
    IsString(),
    Matches(POSTCODE_DISTRICT_PATTERN, {
      message: '$property must be an upper-case UK postcode district (outward code) such as LL11 or SW1A',
    }),
  );
}

/** Free text, trimmed of nothing but bounded: 1..max characters. */
export function IsText(max: number): Decorator {
  return compose(IsString(), MinLength(1), MaxLength(max));
}

/** One of an explicit list of values. */
export function IsOneOf(values: readonly (string | number)[]): Decorator {
  return IsIn(values as (string | number)[], { message: `$property must be one of: ${values.join(', ')}` });
}

/** A unique, bounded list of values from an explicit list. */
export function IsListOf(values: readonly string[], min: number, max: number): Decorator {
  return compose(
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    ArrayUnique(),
    IsIn(values as string[], {
      each: true,
      message: `each value in $property must be one of: ${values.join(', ')}`,
    }),
  );
}

/**
 * The property is required when `condition(object)` holds and must be absent
 * otherwise (e.g. handling conditions iff handling code C). The other validators
 * of the property apply whenever it is present or required. The JSON Schema side
 * of the rule is stated on the class with an `if`/`then`.
 */
export function PresentOnlyWhen(
  condition: (object: Record<string, unknown>) => boolean,
  when: string,
): Decorator {
  return (target, propertyKey) => {
    ValidateIf((object: Record<string, unknown>) => condition(object) || object[propertyKey] !== undefined)(
      target,
      propertyKey,
    );
    registerDecorator({
      name: 'presentOnlyWhen',
      target: target.constructor,
      propertyName: propertyKey,
      constraints: [when],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          condition((args?.object ?? {}) as Record<string, unknown>)
            ? value !== undefined
            : value === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          condition((args?.object ?? {}) as Record<string, unknown>)
            ? `${propertyKey} is required when ${when}`
            : `${propertyKey} is only allowed when ${when}`,
      },
    });
  };
}
