import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, olderVersionFit, validateEventData } from '../event-catalogue';
import { EVENT_TYPES } from '../event-types';
import { joinPath } from './field-error';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const example = (type: string, version: number): Record<string, Json> =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'catalogue', type, `v${version}.example.json`), 'utf8'),
  ) as Record<string, Json>;

/** Every scalar field of a value with its path (`drugs[0].quantity`), objects and arrays walked. */
function leaves(value: Json, path = ''): [string, Json][] {
  if (value === null || typeof value !== 'object') return path === '' ? [] : [[path, value]];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  return entries.flatMap(([key, child]) => leaves(child, joinPath(path, key)));
}

/** A deep copy of `data` with the field at `path` replaced (or removed, for `undefined`). */
function withField(data: Json, path: string, replacement: Json | undefined): Json {
  const copy = JSON.parse(JSON.stringify(data)) as Json;
  const steps = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let parent = copy as Record<string, Json>;
  for (const step of steps.slice(0, -1)) parent = parent[step] as Record<string, Json>;
  const last = steps[steps.length - 1];
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const HOSTILE: readonly Json[] = ['24', 24, true, [1], { $gt: 0 }, null];
const TYPE_OF = (value: Json): string =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;

const cases = EVENT_TYPES.flatMap((type) =>
  EVENT_CATALOGUE[type].versions.flatMap(({ version }) => {
    const data = example(type, version);
    return leaves(data)
      .filter(([path]) => !/\[\d+\]$/.test(path))
      .map(([path, value]) => ({ type, version, data, path, value }));
  }),
);

/**
 * Field errors name the first rule a field breaks in the order presence, type,
 * format, range: a table over every scalar field of every published example.
 */
describe('field errors tell the first broken rule: presence, type, format, then range', () => {
  it('covers every event type', () => {
    expect(new Set(cases.map((c) => c.type))).toEqual(new Set(EVENT_TYPES));
    expect(cases.length).toBeGreaterThan(90);
  });

  it.each(cases.map((c) => [`${c.type} v${c.version} ${c.path}`, c] as const))(
    '%s: missing is "is required"',
    (_name, { type, version, data, path }) => {
      const result = validateEventData(type, version, withField(data, path, undefined));
      // An optional field may go; a required one is reported missing, whatever else it would break.
      if (result.ok) return;
      const own = result.errors.filter((error) => error.path.replace(/^replacement\./, '') === path);
      for (const error of own) {
        expect(['isDefined', 'presentOnlyWhen']).toContain(error.constraint);
        expect(error.message).toMatch(/ is required/);
      }
    },
  );

  it.each(cases.map((c) => [`${c.type} v${c.version} ${c.path}`, c] as const))(
    '%s: a value of another JSON type is a type or format error, never a range error',
    (_name, { type, version, data, path, value }) => {
      // class-validator's @IsOptional() takes null for absent: an optional field may be null.
      const optional = validateEventData(type, version, withField(data, path, undefined)).ok;
      for (const hostile of HOSTILE.filter((candidate) => TYPE_OF(candidate) !== TYPE_OF(value))) {
        if (hostile === null && optional) continue;
        const result = validateEventData(type, version, withField(data, path, hostile));
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        const own = result.errors.filter(
          (error) => error.path === path || error.path === `replacement.${path}`,
        );
        expect(own).toHaveLength(1);
        const [error] = own;
        if (typeof value === 'number') {
          // A number from a closed list (a source grade) is told the list.
          expect(['isInt', 'isNumber', 'isIn']).toContain(error.constraint);
          if (error.constraint !== 'isIn') expect(error.message).toMatch(/ must be an? (integer|number)$/);
        } else if (typeof value === 'boolean') {
          expect(error).toMatchObject({
            constraint: 'isBoolean',
            message: expect.stringMatching(/true or false$/),
          });
        } else {
          expect(['isString', 'isIn', 'matches', 'isUuid']).toContain(error.constraint);
        }
      }
    },
  );

  it('names the rule of a number sent as text or as an operator object, as the issue reported them', () => {
    const raid = example('RaidConducted', 1);
    const seizure = example('SeizureRecorded', 1);
    const cashPath = 'cash[0].amountPence';
    expect(validateEventData('RaidConducted', 1, { ...raid, officers: '24' })).toMatchObject({
      ok: false,
      errors: [{ path: 'officers', constraint: 'isInt', message: 'officers must be an integer' }],
    });
    for (const amount of ['4275000', true, [1], { $gt: 0 }] as Json[]) {
      const result = validateEventData('SeizureRecorded', 1, withField(seizure, cashPath, amount));
      expect(result).toMatchObject({
        ok: false,
        errors: [{ path: cashPath, constraint: 'isInt', message: 'amountPence must be an integer' }],
      });
    }
  });
});

describe('olderVersionFit', () => {
  it('recognises v1-shaped IntelligenceReceived data sent as the current version', () => {
    const v1 = example('IntelligenceReceived', 1);
    expect(olderVersionFit('IntelligenceReceived', v1)).toEqual({ version: 1, valid: true });
    // Still v1-shaped with one mistake of its own: it fits v1 better than v2.
    expect(olderVersionFit('IntelligenceReceived', { ...v1, region: 'atlantis' })).toEqual({
      version: 1,
      valid: false,
    });
  });

  it('says nothing of current data, of data that fits no older version better, or of single-version types', () => {
    expect(olderVersionFit('IntelligenceReceived', example('IntelligenceReceived', 2))).toBeNull();
    expect(olderVersionFit('IntelligenceReceived', { something: 'else' })).toBeNull();
    expect(olderVersionFit('RaidConducted', { officers: '24' })).toBeNull();
  });
});
