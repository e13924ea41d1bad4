import type { ValidationError } from 'class-validator';

/**
 * One field-level problem in event data. `path` is relative to the data object,
 * with dots between properties and brackets for array items
 * (`drugs[0].quantity`); the empty string means the data object itself.
 */
export interface FieldError {
  readonly path: string;
  /** The rule that failed, e.g. `isIn`, `whitelistValidation`, `presentOnlyWhen`. */
  readonly constraint: string;
  readonly message: string;
}

export function joinPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent === '' ? property : `${parent}.${property}`;
}

/**
 * The order in which a field's broken rules are told: presence, then type, then
 * format, then range, then rules across fields. A field gets one error, the first
 * rule it breaks in that order: `"officers": "24"` is "must be an integer", not
 * "must not be greater than 2000" (class-validator runs a property's decorators
 * bottom-up, so its own order says nothing).
 */
const RULE_RANK: Readonly<Record<string, number>> = {
  isDefined: 0,
  presentOnlyWhen: 0,
  whitelistValidation: 0,
  isString: 1,
  isInt: 1,
  isNumber: 1,
  isBoolean: 1,
  isArray: 1,
  isObject: 1,
  nestedValidation: 1,
  matches: 2,
  isIn: 2,
  isEnum: 2,
  isUuid: 2,
  isRealInstant: 2,
  min: 3,
  max: 3,
  minLength: 3,
  maxLength: 3,
  arrayMinSize: 3,
  arrayMaxSize: 3,
  arrayUnique: 3,
};
const CROSS_FIELD_RANK = 4;

/** Type errors in one wording whatever the validator (class-validator's say "an integer number", "a boolean value"…). */
const TYPE_MESSAGES: Readonly<Record<string, string>> = {
  isString: 'must be a string',
  isInt: 'must be an integer',
  isNumber: 'must be a number',
  isBoolean: 'must be true or false',
  isArray: 'must be an array',
  isObject: 'must be an object',
  nestedValidation: 'must be an object',
};

function rankOf(constraint: string): number {
  return RULE_RANK[constraint] ?? CROSS_FIELD_RANK;
}

/** The one error a field gets: the first rule it breaks in the order of RULE_RANK. */
function firstBrokenRule(error: ValidationError): FieldError | null {
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length === 0) return null;
  const property = error.property;
  if (error.value === undefined) {
    // Absent: whatever else it breaks, the field is missing (presentOnlyWhen says when it is required).
    const conditional = constraints.find(([constraint]) => constraint === 'presentOnlyWhen');
    if (conditional) return { path: property, constraint: conditional[0], message: conditional[1] };
    if (!constraints.some(([constraint]) => constraint === 'whitelistValidation'))
      return { path: property, constraint: 'isDefined', message: `${property} is required` };
  }
  let [constraint, message] = constraints[0];
  for (const [candidate, text] of constraints) {
    if (rankOf(candidate) < rankOf(constraint)) [constraint, message] = [candidate, text];
  }
  const typeMessage = TYPE_MESSAGES[constraint];
  if (typeMessage !== undefined && !message.startsWith('each value')) message = `${property} ${typeMessage}`;
  return { path: property, constraint, message: message.replace(/^property /, '') };
}

/**
 * Flattens class-validator's error tree into a list of field errors, in
 * declaration order, one per field (see RULE_RANK). Needs the errors with their
 * values (`validationError.value`), to tell a missing field from a wrong one.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const flat: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property);
    const first = firstBrokenRule(error);
    if (first !== null) flat.push({ ...first, path });
    else if (error.children?.length) flat.push(...flattenValidationErrors(error.children, path));
  }
  return flat;
}
