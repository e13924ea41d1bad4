import type { JsonObject, JsonValue } from '@timeline/kernel';
import { UnfoldableEventError } from './projection.errors';

/**
 * Reads fields of stored event data for a fold. The write path validated the data
 * against the contract; a field that is nevertheless missing or of the wrong kind
 * stops the fold with a typed error instead of being counted as zero.
 */
export class EventDataReader {
  constructor(
    private readonly eventId: string,
    private readonly type: string,
    readonly data: JsonObject,
  ) {}

  fail(reason: string): never {
    throw new UnfoldableEventError(this.eventId, this.type, reason);
  }

  text(field: string): string {
    const value = this.data[field];
    return typeof value === 'string' ? value : this.fail(`data.${field} is not a string`);
  }

  optionalText(field: string): string | null {
    const value = this.data[field];
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : this.fail(`data.${field} is not a string`);
  }

  number(field: string): number {
    const value = this.data[field];
    return typeof value === 'number' && Number.isFinite(value)
      ? value
      : this.fail(`data.${field} is not a number`);
  }

  /** A number field of the `index`th object of list `list` (or of object `list` when index is null). */
  numberIn(line: JsonObject, list: string, index: number | null, field: string): number {
    const value = line[field];
    return typeof value === 'number' && Number.isFinite(value)
      ? value
      : this.fail(`data.${pathOf(list, index)}.${field} is not a number`);
  }

  boolean(field: string): boolean {
    const value = this.data[field];
    return typeof value === 'boolean' ? value : this.fail(`data.${field} is not a boolean`);
  }

  object(field: string): JsonObject {
    const value = this.data[field];
    return isObject(value) ? value : this.fail(`data.${field} is not an object`);
  }

  /** An optional list of objects (absent = empty). */
  lines(field: string): readonly JsonObject[] {
    const value = this.data[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every(isObject)) this.fail(`data.${field} is not a list of objects`);
    return value as readonly JsonObject[];
  }

  textIn(line: JsonObject, list: string, index: number | null, field: string): string {
    const value = line[field];
    return typeof value === 'string'
      ? value
      : this.fail(`data.${pathOf(list, index)}.${field} is not a string`);
  }
}

function pathOf(list: string, index: number | null): string {
  return index === null ? list : `${list}[${index}]`;
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
