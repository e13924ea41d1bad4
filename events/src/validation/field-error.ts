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

/** Flattens class-validator's error tree into a list of field errors, in declaration order. */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const flat: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property);
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      flat.push({ path, constraint, message: message.replace(/^property /, '') });
    }
    if (error.children?.length) flat.push(...flattenValidationErrors(error.children, path));
  }
  return flat;
}
