import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EVENT_CATALOGUE, validateEventData } from '../event-catalogue';
import { EVENT_TYPES, type EventType } from '../event-types';
import { eventDataJsonSchema, eventSchemaComponents, eventSchemaName } from './event-data.json-schema';

const CATALOGUE_DIR = join(__dirname, '..', '..', 'catalogue');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8')) as unknown;

const versions = EVENT_TYPES.flatMap((type) =>
  EVENT_CATALOGUE[type].versions.map(({ version }) => [type, version] as [EventType, number]),
);

// Strict, except for conditionals that require a property declared on the parent schema.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();
function schemaValidator(type: EventType, version: number): ValidateFunction {
  const key = `${type}/v${version}`;
  if (!compiled.has(key))
    compiled.set(key, ajv.compile(readJson(join(CATALOGUE_DIR, type, `v${version}.schema.json`)) as object));
  return compiled.get(key)!;
}
function example(type: EventType, version: number): Record<string, unknown> {
  return readJson(join(CATALOGUE_DIR, type, `v${version}.example.json`)) as Record<string, unknown>;
}

describe('the committed event catalogue', () => {
  it('holds exactly one schema and one example per type and version', () => {
    expect(readdirSync(CATALOGUE_DIR).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const expected = EVENT_CATALOGUE[type].versions.flatMap(({ version }) => [
        `v${version}.example.json`,
        `v${version}.schema.json`,
      ]);
      expect(readdirSync(join(CATALOGUE_DIR, type)).sort()).toEqual(expected.sort());
    }
  });

  it.each(versions)(
    '%s v%d: the committed schema is the one generated from the data class (run npm run events:schemas)',
    (type, version) => {
      expect(readJson(join(CATALOGUE_DIR, type, `v${version}.schema.json`))).toEqual(
        eventDataJsonSchema(type, version),
      );
    },
  );

  it.each(versions)('%s v%d: the example validates against the JSON Schema', (type, version) => {
    const validate = schemaValidator(type, version);
    const valid = validate(example(type, version));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each(versions)('%s v%d: the example validates against validateEventData', (type, version) => {
    const result = validateEventData(type, version, example(type, version));
    expect(result).toMatchObject({ ok: true, schemaVersion: EVENT_CATALOGUE[type].currentVersion });
  });
});

describe('the JSON Schemas refuse what the validators refuse', () => {
  // Each case breaks a rule that the schema states separately from the class-validator
  // decorators (closed objects, conditionals, enums, patterns): both sides must say no.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cases reach freely into example JSON
  type Json = Record<string, any>;
  const cases: [string, EventType, number, (data: Json) => void][] = [
    ['an unknown field', 'RaidConducted', 1, (d) => (d['source'] = 'client')],
    ['an unknown nested field', 'SeizureRecorded', 1, (d) => (d['drugs'][0]['drugClass'] = 'A')],
    [
      'a threat to life at MEDIUM priority',
      'IntelligenceReceived',
      2,
      (d) => ((d['threatToLife'] = true), (d['priority'] = 'MEDIUM')),
    ],
    ['handling C without conditions', 'IntelligenceReceived', 2, (d) => delete d['grading']['conditions']],
    ['conditions with handling P', 'IntelligenceReceived', 2, (d) => (d['grading']['handling'] = 'P')],
    ['v1 handling C without conditions', 'IntelligenceReceived', 1, (d) => delete d['handlingConditions']],
    [
      'LSD by the kilogram',
      'SeizureRecorded',
      1,
      (d) =>
        (d['drugs'][0] = { drugType: 'lsd', quantity: 1, unit: 'kg', purity: { testStatus: 'untested' } }),
    ],
    ['half a plant', 'SeizureRecorded', 1, (d) => (d['drugs'][1]['quantity'] = 140.5)],
    [
      'a laboratory result without a percentage',
      'SeizureRecorded',
      1,
      (d) => delete d['drugs'][0]['purity']['percent'],
    ],
    ['POCA s294 cash under £1,000', 'SeizureRecorded', 1, (d) => (d['cash'][0]['amountPence'] = 99_999)],
    [
      'a seizure with no line',
      'SeizureRecorded',
      1,
      (d) => ['drugs', 'firearms', 'cash', 'other'].forEach((k) => delete d[k]),
    ],
    ['a full postcode', 'RaidConducted', 1, (d) => (d['postcodeDistrict'] = 'LL11 2AB')],
    ['an unknown agency', 'AgencyJoined', 1, (d) => (d['agency'] = 'FBI')],
    ['a local time', 'RaidConducted', 1, (d) => (d['startedAt'] = '2020-06-15T05:30:00+01:00')],
    ['a replacement of the wrong shape', 'EventCorrected', 1, (d) => (d['replacement']['raidId'] = 7)],
    ['a correction of a correction', 'EventCorrected', 1, (d) => (d['correctedType'] = 'EventCorrected')],
    ['cash in pounds', 'SeizureRecorded', 1, (d) => (d['cash'][0]['amountPence'] = 42750.5)],
  ];

  it.each(cases)('%s', (_name, type, version, mutate) => {
    const data = example(type, version);
    mutate(data);
    expect(schemaValidator(type, version)(data)).toBe(false);
    expect(validateEventData(type, version, data).ok).toBe(false);
  });
});

describe('eventSchemaComponents', () => {
  it('names a root schema for every type and version, with references under the given prefix', () => {
    const components = eventSchemaComponents('#/components/schemas/');
    for (const [type, version] of versions) expect(components[eventSchemaName(type, version)]).toBeDefined();
    const references = JSON.stringify(components).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      const name = reference.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(reference.startsWith('"$ref":"#/components/schemas/')).toBe(true);
      expect(components[name]).toBeDefined();
    }
  });
});
