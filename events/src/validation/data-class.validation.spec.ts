import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { EVENT_CATALOGUE, validateEventData, validateEventDataWithClassValidator } from '../event-catalogue';
import { EVENT_TYPES } from '../event-types';
import type { DataClass } from './compiled-data-class';
import { validateCompiled, validateWithClassValidator } from './data-class.validation';

// The compiled validator against class-transformer + class-validator, over the
// whole catalogue: every type and version, its example mutated at random paths
// by values the rules themselves name (vocabularies, bounds, lengths), values of
// the wrong type, missing and extra fields, nested arrays and boundary values.
// Both must accept the same data and return the same data, in the same key
// order (it is what is stored and hashed), or the same field errors.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VERSIONS = EVENT_TYPES.flatMap((type) =>
  EVENT_CATALOGUE[type].versions.map((version) => ({ type, version: version.version })),
);

const example = (type: string, version: number): Json =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'catalogue', type, `v${version}.example.json`), 'utf8'),
  ) as Json;
const EXAMPLES = VERSIONS.map(({ type, version }) => example(type, version));

/** Every data class of the catalogue, nested ones included. */
function dataClasses(): DataClass[] {
  const found = new Set<DataClass>();
  const visit = (dataClass: DataClass): void => {
    if (found.has(dataClass)) return;
    found.add(dataClass);
    for (const metadata of getMetadataStorage().getTargetValidationMetadatas(dataClass, '', false, false)) {
      const type = defaultMetadataStorage.findTypeMetadata(dataClass, metadata.propertyName);
      if (type?.typeFunction) visit(type.typeFunction() as DataClass);
    }
  };
  for (const definition of Object.values(EVENT_CATALOGUE))
    for (const version of definition.versions) visit(version.dataClass);
  return [...found];
}

/** Values and field names the rules mention, with their neighbours: where acceptance changes. */
function valuesOfTheRules(): { values: Json[]; fields: string[] } {
  const values = new Set<Json>();
  const fields = new Set<string>();
  const addNumber = (n: number): void => {
    for (const near of [n, n - 1, n + 1, n - 0.5, n + 0.001, -n]) values.add(near);
    if (n >= 0 && n <= 1001) for (const length of [n, n + 1]) values.add('x'.repeat(length));
  };
  for (const dataClass of dataClasses()) {
    for (const metadata of getMetadataStorage().getTargetValidationMetadatas(dataClass, '', false, false)) {
      fields.add(metadata.propertyName);
      for (const constraint of (metadata.constraints ?? []) as unknown[]) {
        if (Array.isArray(constraint))
          for (const item of constraint as unknown[]) if (typeof item !== 'object') values.add(item as Json);
        if (typeof constraint === 'number') addNumber(constraint);
        if (typeof constraint === 'object' && constraint !== null && !(constraint instanceof RegExp))
          for (const option of Object.values(constraint)) if (typeof option === 'number') addNumber(option);
      }
    }
  }
  return { values: [...values], fields: [...fields] };
}

const RULES = valuesOfTheRules();
const BOUNDARY_VALUES: Json[] = [
  '',
  ' ',
  'a',
  'A1',
  'R-2020/1',
  'a b',
  'LL11',
  'll11',
  'SW1A',
  'GIR',
  '2020-06-15T05:30:00Z',
  '2020-06-15T05:30:00.1Z',
  '2020-06-15T05:30:00.123Z',
  '2020-06-15T05:30:00.1234Z',
  '2020-02-30T05:30:00Z',
  '2020-06-15T24:00:00Z',
  '2020-06-15T05:30:00+01:00',
  '2020-06-15',
  '0000-01-01T00:00:00Z',
  '5d1b7c9a-3f1e-4c2b-9a6d-2f4e8b7c1a90',
  '5D1B7C9A-3F1E-4C2B-9A6D-2F4E8B7C1A90',
  'not-a-uuid',
  '$value $property $constraint1',
  0,
  -0,
  1,
  -1,
  0.5,
  1.005,
  12.345,
  1e21,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  [],
  {},
  [null],
  [1, 1],
  ['A1', 'A1'],
  [{}],
  [[]],
  { extra: 1 },
];
const EXTRA_KEYS = [
  'extra',
  'drugClass',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '0',
  'Type',
  'replacementSchemaVersion',
];

const valueArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...RULES.values) },
  { weight: 3, arbitrary: fc.constantFrom(...BOUNDARY_VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...EXAMPLES) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);
const keyArb = fc.oneof(
  fc.constantFrom(...RULES.fields),
  fc.constantFrom(...EXTRA_KEYS),
  fc.string({ maxLength: 6 }),
);

type Mutation =
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: Json }
  | { kind: 'wrap'; at: number; depth: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'empty'; at: number }
  | { kind: 'reverse'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: valueArb }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: keyArb, value: valueArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wrap' as const),
      at: fc.nat(),
      depth: fc.integer({ min: 1, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), at: fc.nat() }) },
);

/** Every place in a document, as a parent and a key (the root has no parent). */
function placesOf(root: Json): { parent: Json[] | Record<string, Json> | null; key: string | number }[] {
  const places: { parent: Json[] | Record<string, Json> | null; key: string | number }[] = [
    { parent: null, key: '' },
  ];
  const visit = (node: Json): void => {
    if (Array.isArray(node))
      node.forEach((item, index) => {
        places.push({ parent: node, key: index });
        visit(item);
      });
    else if (node !== null && typeof node === 'object')
      for (const [key, item] of Object.entries(node)) {
        places.push({ parent: node, key });
        visit(item);
      }
  };
  visit(root);
  return places;
}

/** A deep copy made in this realm (structuredClone's objects fail the plain-object check here), -0 kept. */
function clone(value: Json): Json {
  if (Array.isArray(value)) return value.map(clone);
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value) === null ? null : Object.prototype;
  const copy = Object.create(prototype) as Record<string, Json>;
  for (const [key, item] of Object.entries(value)) copy[key] = clone(item);
  return copy;
}

function mutate(document: { root: Json }, mutation: Mutation): void {
  const places = placesOf(document.root);
  const { parent, key } = places[mutation.at % places.length]!;
  const current = parent === null ? document.root : (parent as Record<string, Json>)[key]!;
  const set = (value: Json): void => {
    if (parent === null) document.root = value;
    else (parent as Record<string, Json>)[key] = value;
  };
  const copy = clone;
  switch (mutation.kind) {
    case 'replace':
      return set(copy(mutation.value));
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent !== null) delete parent[key];
      return;
    case 'add':
      if (current !== null && typeof current === 'object' && !Array.isArray(current))
        current[mutation.key] = copy(mutation.value);
      return;
    case 'wrap':
      return set(mutation.depth === 1 ? [current] : [[current]]);
    case 'duplicate':
      if (Array.isArray(current) && current.length > 0) current.push(copy(current[0]!));
      return;
    case 'empty':
      return set(Array.isArray(current) ? [] : {});
    case 'reverse':
      if (current !== null && typeof current === 'object' && !Array.isArray(current))
        set(Object.fromEntries(Object.entries(current).reverse()));
      return;
  }
}

const caseArb = fc.record({
  which: fc.nat({ max: VERSIONS.length - 1 }),
  mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
});

describe('the compiled data validator', () => {
  it('accepts, returns and refuses exactly as class-validator does, over the whole catalogue', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(caseArb, ({ which, mutations }) => {
        const { type, version } = VERSIONS[which]!;
        const document = { root: clone(EXAMPLES[which]!) };
        for (const mutation of mutations) mutate(document, mutation);
        const compiled = validateEventData(type, version, clone(document.root));
        const reference = validateEventDataWithClassValidator(type, version, clone(document.root));
        expect(compiled).toStrictEqual(reference);
        // Key order too: the data is stored and hashed as it is returned.
        expect(JSON.stringify(compiled)).toBe(JSON.stringify(reference));
        if (reference.ok) accepted += 1;
        else refused += 1;
      }),
      { numRuns: 4000 },
    );
    // Both sides of the line are explored, not only one.
    expect(accepted).toBeGreaterThan(400);
    expect(refused).toBeGreaterThan(400);
  });

  it('agrees on each example and on data that is not an object', () => {
    for (const [index, { type, version }] of VERSIONS.entries()) {
      const dataClass = EVENT_CATALOGUE[type].versions[version - 1]!.dataClass;
      for (const data of [
        EXAMPLES[index],
        null,
        [],
        'text',
        1,
        [EXAMPLES[index]],
        Object.create(null) as Json,
      ]) {
        const compiled = validateCompiled(dataClass, clone(data));
        expect(compiled).toStrictEqual(validateWithClassValidator(dataClass, clone(data)));
      }
      expect(validateCompiled(dataClass, EXAMPLES[index]).errors).toEqual([]);
    }
  });

  it('refuses a field named after a member of Object.prototype, at any depth, rather than drop it', () => {
    const data = example('IntelligenceReceived', 2) as Record<string, Record<string, Json>>;
    const sent = { ...data, toString: 'x', grading: { ...data['grading'], hasOwnProperty: 1 } };
    const dataClass = EVENT_CATALOGUE.IntelligenceReceived.versions[1]!.dataClass;
    // In the order of the body: `grading` comes before the added `toString`.
    const expected = [
      {
        path: 'grading.hasOwnProperty',
        constraint: 'whitelistValidation',
        message: 'hasOwnProperty should not exist',
      },
      { path: 'toString', constraint: 'whitelistValidation', message: 'toString should not exist' },
    ];
    expect(validateCompiled(dataClass, sent).errors).toEqual(expected);
    expect(validateWithClassValidator(dataClass, sent).errors).toEqual(expected);
  });

  it('keeps the declared field order of the data, not the order the client sent', () => {
    const data = example('ChargeOutcomeRecorded', 1) as Record<string, Json>;
    const reversed = Object.fromEntries(Object.entries(data).reverse());
    const dataClass = EVENT_CATALOGUE.ChargeOutcomeRecorded.versions[0]!.dataClass;
    const compiled = validateCompiled(dataClass, reversed);
    expect(Object.keys(compiled.data)).toEqual(
      Object.keys(validateWithClassValidator(dataClass, reversed).data),
    );
    expect(Object.keys(compiled.data)).toEqual(Object.keys(data));
  });
});
