import 'reflect-metadata';
import { TransformationType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  getMetadataStorage,
  ValidationTypes,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils';
import type { ValidatorConstraintInterface } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

// The contract's data classes, compiled once: the class-validator and
// class-transformer metadata of each class is read when the class is first
// compiled (for the catalogue, at start-up) into a plan per property, so that a
// request builds its instance and checks its fields without looking anything up.
// The plan mirrors what `plainToInstance` and `validateSync` (whitelist,
// forbidNonWhitelisted, forbidUnknownValues) do with the same metadata; a
// differential property test over the whole catalogue holds it to them
// (data-class.validation.spec.ts). Anything in the metadata this plan does not
// mirror (groups, async or promise rules, discriminators, exposure rules, typed
// primitives) makes compiling throw, rather than validate differently.

/** A data class of the contract: decorators on plain fields. */
export type DataClass = new () => object;

type Fields = Record<string, unknown>;
/** What both libraries key their metadata by: a constructor, which they type as `Function`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Target = Function;
type TypeMetadata = ReturnType<typeof defaultMetadataStorage.findTypeMetadata>;
type TransformMetadata = ReturnType<typeof defaultMetadataStorage.findTransformMetadatas>[number];

/** What plainToInstance passes a @Transform function as its options: its defaults. */
const TRANSFORM_OPTIONS = Object.freeze({
  enableCircularCheck: false,
  enableImplicitConversion: false,
  excludeExtraneousValues: false,
  excludePrefixes: undefined,
  exposeDefaultValues: false,
  exposeUnsetFields: true,
  groups: undefined,
  ignoreDecorators: false,
  strategy: undefined,
  targetMaps: undefined,
  version: undefined,
});

// ---------------------------------------------------------------------------
// Building the instance, as class-transformer's plainToInstance does.
// ---------------------------------------------------------------------------

interface FieldTransform {
  readonly type: TypeMetadata | undefined;
  readonly transforms: readonly TransformMetadata[];
}

interface InstancePlan {
  readonly dataClass: DataClass | undefined;
  readonly prototype: object;
  /** A fresh instance: what the key check of plainToInstance looks at (see `skips`). */
  readonly sample: Fields;
  readonly fields: ReadonlyMap<string, FieldTransform>;
}

const NO_TRANSFORM: FieldTransform = Object.freeze({ type: undefined, transforms: [] });
const PLAIN_OBJECT_PLAN: InstancePlan = {
  dataClass: undefined,
  prototype: Object.prototype,
  sample: {},
  fields: new Map(),
};
const instancePlans = new Map<DataClass, InstancePlan>();

function transformOf(dataClass: DataClass, key: string): FieldTransform {
  const type = defaultMetadataStorage.findTypeMetadata(dataClass, key);
  const transforms = defaultMetadataStorage
    .findTransformMetadatas(dataClass, key, TransformationType.PLAIN_TO_CLASS)
    .filter((metadata) => !metadata.options?.groups?.length);
  if (type === undefined && transforms.length === 0) return NO_TRANSFORM;
  if (type !== undefined) {
    if (type.options?.discriminator !== undefined)
      throw unsupported(dataClass, key, 'a @Type with a discriminator');
    if (type.reflectedType instanceof Function && !makesPlainArray(type.reflectedType))
      throw unsupported(dataClass, key, 'a list type other than an array');
  }
  return { type, transforms };
}

/** plainToInstance's instantiateArrayType gives a plain array for any type without `push`, or Array itself. */
function makesPlainArray(arrayType: Target): boolean {
  const made = new (arrayType as new () => object)();
  return !(made instanceof Set) && (!('push' in made) || made.constructor === Array);
}

function instancePlanOf(dataClass: DataClass): InstancePlan {
  const known = instancePlans.get(dataClass);
  if (known !== undefined) return known;
  if (defaultMetadataStorage.getStrategy(dataClass) !== 'none')
    throw unsupported(dataClass, '', 'an @Expose or @Exclude strategy');
  if (
    defaultMetadataStorage.getExposedProperties(dataClass, TransformationType.PLAIN_TO_CLASS).length > 0 ||
    defaultMetadataStorage.getExcludedProperties(dataClass, TransformationType.PLAIN_TO_CLASS).length > 0
  )
    throw unsupported(dataClass, '', '@Expose or @Exclude on a property');
  const sample = new dataClass() as Fields;
  const fields = new Map<string, FieldTransform>();
  const keys = new Set([...Object.keys(sample), ...validatedPropertiesOf(dataClass)]);
  const plan: InstancePlan = { dataClass, prototype: dataClass.prototype as object, sample, fields };
  instancePlans.set(dataClass, plan);
  for (const key of keys) {
    if (skips(plan, key)) continue;
    const field = transformOf(dataClass, key);
    fields.set(key, field);
    // Compile the nested classes now too, so a request never compiles one.
    const nested = typeOf(field, undefined, undefined, key);
    if (nested !== undefined) {
      if (nested === String || nested === Number || nested === Boolean || nested === Date)
        throw unsupported(dataClass, key, 'a @Type of a primitive or a date');
      instancePlanOf(nested);
      // class-validator checks a nested object under the name of the class that declares it.
      validationPlanOf(nested, dataClass.name);
    }
  }
  return plan;
}

/** Keys plainToInstance leaves out of the instance: methods and read-only members of its prototype. */
function skips(plan: InstancePlan, key: string): boolean {
  if (key === '__proto__' || key === 'constructor') return true;
  const descriptor = Object.getOwnPropertyDescriptor(plan.prototype, key);
  return (descriptor !== undefined && descriptor.set === undefined) || plan.sample[key] instanceof Function;
}

function typeOf(
  field: FieldTransform,
  newObject: object | undefined,
  object: object | undefined,
  property: string,
): DataClass | undefined {
  const type = field.type;
  if (type === undefined) return undefined;
  const resolved = type.typeFunction
    ? type.typeFunction({ newObject, object, property } as never)
    : type.reflectedType;
  return resolved as DataClass | undefined;
}

function instantiate(plan: InstancePlan, value: Fields): Fields {
  const instance = (plan.dataClass === undefined ? {} : new plan.dataClass()) as Fields;
  for (const key of Object.keys(value)) {
    const field = plan.fields.get(key);
    if (field === undefined && skips(plan, key)) continue;
    const transform =
      field ?? (plan.dataClass === undefined ? NO_TRANSFORM : transformOf(plan.dataClass, key));
    let final = transformed(value[key], typeOf(transform, instance, value, key));
    for (const metadata of transform.transforms)
      final = metadata.transformFn({
        value: final,
        key,
        obj: value,
        type: TransformationType.PLAIN_TO_CLASS,
        options: TRANSFORM_OPTIONS,
      });
    instance[key] = final;
  }
  return instance;
}

function transformed(value: unknown, type: DataClass | undefined): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    value.forEach((item: unknown) => items.push(transformed(item, type)));
    return items;
  }
  if (typeof value !== 'object' || value === null) return value;
  return instantiate(type === undefined ? PLAIN_OBJECT_PLAN : instancePlanOf(type), value as Fields);
}

// ---------------------------------------------------------------------------
// Checking the instance, as class-validator's validateSync does.
// ---------------------------------------------------------------------------

interface ConstraintCheck {
  readonly metadata: ValidationMetadata;
  readonly name: string | undefined;
  readonly validator: ValidatorConstraintInterface;
}

interface PropertyRules {
  readonly property: string;
  readonly conditions: readonly ((object: object, value: unknown) => unknown)[];
  /** isDefined rules, then the others, in the order of the metadata. */
  readonly checks: readonly ConstraintCheck[];
  readonly nested: readonly ValidationMetadata[];
  /** The rules an item of a nested list is checked by: the nested ones alone. */
  readonly items: PropertyRules | undefined;
}

interface ValidationPlan {
  /** The class's name, as class-validator gives it to rules and messages (`$target`). */
  readonly targetName: string;
  readonly known: boolean;
  /** Keyed as class-validator groups the metadata (a plain object: its key order is theirs). */
  readonly grouped: Readonly<Record<string, readonly ValidationMetadata[]>>;
  readonly properties: readonly PropertyRules[];
}

const validationPlans = new Map<Target, Map<string | undefined, ValidationPlan>>();

function targetMetadatasOf(target: Target, targetSchema: string | undefined): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(
    target,
    targetSchema ?? '',
    false,
    false,
    undefined,
  );
}

function validatedPropertiesOf(dataClass: DataClass): string[] {
  return targetMetadatasOf(dataClass, undefined).map((metadata) => metadata.propertyName);
}

function validationPlanOf(target: Target, targetSchema: string | undefined): ValidationPlan {
  let bySchema = validationPlans.get(target);
  const known = bySchema?.get(targetSchema);
  if (known !== undefined) return known;
  const metadatas = targetMetadatasOf(target, targetSchema);
  const grouped = getMetadataStorage().groupByPropertyName(metadatas) as Record<string, ValidationMetadata[]>;
  const properties = Object.keys(grouped).map((property) => rulesOf(target, property, grouped[property]!));
  const plan: ValidationPlan = { targetName: target.name, known: metadatas.length > 0, grouped, properties };
  if (bySchema === undefined) validationPlans.set(target, (bySchema = new Map()));
  bySchema.set(targetSchema, plan);
  return plan;
}

function rulesOf(target: Target, property: string, metadatas: readonly ValidationMetadata[]): PropertyRules {
  const storage = getMetadataStorage();
  const checksOf = (type: string): ConstraintCheck[] =>
    metadatas
      .filter((metadata) => metadata.type === type)
      .flatMap((metadata) =>
        storage
          .getTargetValidatorConstraints(metadata.constraintCls)
          // validateSync leaves asynchronous constraints out.
          .filter((constraint) => !constraint.async)
          .map((constraint) => ({ metadata, name: constraint.name, validator: constraint.instance })),
      );
  for (const metadata of metadatas) {
    if (metadata.type === ValidationTypes.PROMISE_VALIDATION)
      throw unsupported(target, property, '@ValidatePromise');
    if (metadata.context !== undefined) throw unsupported(target, property, 'a rule with a context');
  }
  const nested = metadatas.filter((metadata) => metadata.type === ValidationTypes.NESTED_VALIDATION);
  const items: PropertyRules | undefined =
    nested.length === 0 ? undefined : { property: '', conditions: [], checks: [], nested, items: undefined };
  if (items !== undefined) (items as { items: PropertyRules }).items = items;
  return {
    property,
    conditions: metadatas
      .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((metadata) => metadata.constraints[0] as (object: object, value: unknown) => unknown),
    checks: [...checksOf(ValidationTypes.IS_DEFINED), ...checksOf(ValidationTypes.CUSTOM_VALIDATION)],
    nested,
    items,
  };
}

/** A ValidationError as far as flattenValidationErrors reads one. */
interface FoundError {
  property: string | undefined;
  value: unknown;
  constraints?: Record<string, string>;
  children?: FoundError[];
}

function execute(object: Fields, targetSchema: string | undefined, errors: FoundError[]): void {
  const plan = validationPlanOf((object.constructor ?? Object) as Target, targetSchema);
  if (!plan.known) {
    errors.push({
      property: undefined,
      value: undefined,
      constraints: { unknownValue: 'an unknown value was passed to the validate function' },
      children: [],
    });
    return;
  }
  for (const property of Object.keys(object)) {
    const rules = plan.grouped[property];
    if (!rules || rules.length === 0)
      errors.push({
        property,
        value: object[property],
        constraints: { [ValidationTypes.WHITELIST]: `property ${property} should not exist` },
      });
  }
  for (const rules of plan.properties) {
    const found = checkProperty(object, plan.targetName, object[rules.property], rules.property, rules);
    if (found !== null) errors.push(found);
  }
}

function checkProperty(
  object: object,
  targetName: string,
  value: unknown,
  property: string,
  rules: PropertyRules,
): FoundError | null {
  let applies = true;
  for (const condition of rules.conditions) if (!condition(object, value)) applies = false;
  if (!applies) return null;
  let constraints: Record<string, string> | undefined;
  // One arguments object for the property's rules, given each rule's constraints in turn: the rules
  // are synchronous and keep nothing (class-validator makes one per rule).
  let args: ValidationArguments | undefined;
  for (const check of rules.checks) {
    const { metadata, validator } = check;
    if (metadata.validateIf !== undefined && !metadata.validateIf(object, value)) continue;
    args ??= { targetName, property: metadata.propertyName, object, value, constraints: [] };
    args.property = metadata.propertyName;
    args.constraints = metadata.constraints;
    const valid =
      metadata.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)
        ? everyItem(value, (item) => validator.validate(item, args))
        : validator.validate(value, args);
    if (!valid) {
      const [type, message] = constraintError(object, value, metadata, check);
      (constraints ??= {})[type] = message;
    }
  }
  let children: FoundError[] | undefined;
  if (value !== undefined) {
    for (const metadata of rules.nested) {
      if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
        const items: unknown[] = value instanceof Set ? Array.from(value) : (value as unknown[]);
        const listName = value.constructor.name;
        items.forEach((item, index) => {
          const found = checkProperty(value, listName, item, index.toString(), rules.items!);
          if (found !== null) (children ??= []).push(found);
        });
      } else if (value instanceof Object) {
        const nestedErrors: FoundError[] = [];
        execute(
          value as Fields,
          typeof metadata.target === 'string' ? metadata.target : metadata.target.name,
          nestedErrors,
        );
        if (nestedErrors.length > 0) (children ??= []).push(...nestedErrors);
      } else {
        const [type, message] = constraintError(metadata.target as object, value, metadata, undefined);
        (constraints ??= {})[type] = message;
      }
    }
  }
  if (constraints === undefined && children === undefined) return null;
  return { property, value, constraints, children };
}

function everyItem(list: unknown, validate: (item: unknown) => unknown): boolean {
  const items: unknown[] =
    list instanceof Map
      ? Array.from(list.values())
      : list instanceof Set
        ? Array.from(list)
        : (list as unknown[]);
  return items.map(validate).every((valid) => valid);
}

function constraintError(
  object: object,
  value: unknown,
  metadata: ValidationMetadata,
  check: ConstraintCheck | undefined,
): [string, string] {
  const args: ValidationArguments = {
    targetName: object.constructor ? object.constructor.name : (undefined as unknown as string),
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints,
  };
  const type = check?.name ? check.name : metadata.type;
  let message: string | ((args: ValidationArguments) => string) = metadata.message || '';
  if (!metadata.message && check !== undefined && check.validator.defaultMessage instanceof Function)
    message = check.validator.defaultMessage(args);
  return [type, ValidationUtils.replaceMessageSpecialTokens(message, args)];
}

function unsupported(target: Target, property: string, what: string): Error {
  return new Error(
    `${target.name}${property === '' ? '' : `.${property}`} uses ${what}, which the compiled data validator does not mirror`,
  );
}

// ---------------------------------------------------------------------------

/** The outcome of checking data against a data class. */
export interface CompiledCheck {
  /** class-validator's errors for the same data, as far as flattenValidationErrors reads them. */
  readonly errors: readonly ValidationError[];
  /** The instance, as plainToInstance would have built it. */
  readonly instance: object;
}

/**
 * Compiles a data class (and the classes nested in it) once; the function it
 * returns builds and checks an instance from plain data as plainToInstance and
 * validateSync would, without reading any metadata.
 */
export function compileDataClass(dataClass: DataClass): (data: Record<string, unknown>) => CompiledCheck {
  const instancePlan = instancePlanOf(dataClass);
  validationPlanOf(dataClass, undefined);
  return (data) => {
    const instance = instantiate(instancePlan, data);
    const errors: FoundError[] = [];
    execute(instance, undefined, errors);
    return { errors: errors as unknown as ValidationError[], instance };
  };
}
