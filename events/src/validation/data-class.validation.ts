import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { jsonCopy } from '@timeline/kernel';
import { compileDataClass, type CompiledCheck, type DataClass } from './compiled-data-class';
import { flattenValidationErrors, joinPath, type FieldError } from './field-error';

/** Data checked against a data class: every field error, or the valid data as plain JSON. */
export interface DataClassCheck {
  readonly errors: readonly FieldError[];
  /** Plain JSON data (no class instances, timestamps normalised); `{}` when there are errors. */
  readonly data: object;
}

/** Checks plain data against one of the contract's data classes. */
export type DataClassValidator = (dataClass: DataClass, data: unknown) => DataClassCheck;

/** Deepest nesting a valid payload needs (EventCorrected → SeizureRecorded → line → purity) with margin. */
const MAX_DEPTH = 8;
/**
 * Keys refused at any depth: prototype keys, and the names of Object.prototype's
 * members (`toString`, `hasOwnProperty`…), which class-transformer leaves out of
 * the instance it builds: as a field they would be dropped without a word.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Rejects what must never reach the transformer: prototype keys, Object.prototype's names and absurd nesting. */
function collectStructuralErrors(value: unknown, path: string, depth: number, errors: FieldError[]): void {
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_DEPTH) {
    errors.push({ path, constraint: 'maxDepth', message: `data is nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (FORBIDDEN_KEYS.has(key))
      errors.push({
        path: joinPath(path, key),
        constraint: 'whitelistValidation',
        message: `${key} should not exist`,
      });
    // A path is written only for a member that can hold an error: an object or an array.
    else if (member !== null && typeof member === 'object')
      collectStructuralErrors(member, joinPath(path, key), depth + 1, errors);
  }
}

/** The checks both validators share: a JSON object, without prototype keys or absurd nesting. */
function shapeErrors(data: unknown): FieldError[] {
  if (!isPlainObject(data))
    return [{ path: '', constraint: 'isObject', message: 'data must be a JSON object' }];
  const errors: FieldError[] = [];
  collectStructuralErrors(data, '', 1, errors);
  return errors;
}

const CLASS_VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  // Every rule a field breaks, with its value: flattenValidationErrors tells the first in the order
  // presence, type, format, range (a missing list is "is required", not five complaints).
  validationError: { target: false, value: true },
} as const;

/**
 * The reference: class-transformer builds an instance and class-validator walks
 * its metadata, on every call. The request path uses the compiled validator; a
 * differential test holds that one to this (data-class.validation.spec.ts).
 */
export const validateWithClassValidator: DataClassValidator = (dataClass, data) => {
  const shape = shapeErrors(data);
  if (shape.length > 0) return { errors: shape, data: {} };
  const instance = plainToInstance(dataClass, data) as object;
  const errors = validateSync(instance, CLASS_VALIDATOR_OPTIONS);
  if (errors.length > 0) return { errors: flattenValidationErrors(errors), data: {} };
  // As a JSON round trip would: drops the undefined own properties class fields leave behind.
  return { errors: [], data: jsonCopy(instance) as object };
};

const compiled = new Map<DataClass, (data: Record<string, unknown>) => CompiledCheck>();

/** Compiles a data class for validateCompiled now, rather than on its first use. */
export function compileDataClassValidator(dataClass: DataClass): void {
  if (!compiled.has(dataClass)) compiled.set(dataClass, compileDataClass(dataClass));
}

/**
 * The same rules from the same decorators, read once per class
 * (compiled-data-class.ts): the same acceptance, data and field errors as
 * validateWithClassValidator, at a fraction of its cost.
 */
export const validateCompiled: DataClassValidator = (dataClass, data) => {
  const shape = shapeErrors(data);
  if (shape.length > 0) return { errors: shape, data: {} };
  compileDataClassValidator(dataClass);
  const { errors, instance } = compiled.get(dataClass)!(data as Record<string, unknown>);
  if (errors.length > 0) return { errors: flattenValidationErrors(errors), data: {} };
  return { errors: [], data: jsonCopy(instance) as object };
};
