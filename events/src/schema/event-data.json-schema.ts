import type { MetadataStorage as TypeMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { CORRECTABLE_EVENT_TYPES, EVENT_TYPES, type EventType } from '../event-types';
import { EVENT_CATALOGUE, type EventDataClass } from '../event-catalogue';

// class-transformer keeps its @Type registry in an internal module without typings;
// the schema generator needs it to follow nested classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: TypeMetadataStorage;
};

/** A JSON Schema (draft-07) object, as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

const DEFINITIONS_PREFIX = '#/definitions/';

/** The class-validator data class of a type and version. */
export function eventDataClass(type: EventType, version: number): EventDataClass {
  const definition = EVENT_CATALOGUE[type].versions.find((candidate) => candidate.version === version);
  if (definition === undefined) throw new Error(`${type} has no version ${version}`);
  return definition.dataClass;
}

/** The name of the schema of a type's data at a version, e.g. `SeizureRecordedV1`. */
export function eventSchemaName(type: EventType, version: number): string {
  return eventDataClass(type, version).name;
}

/** The nested data classes a class refers to (through `@ValidateNested` + `@Type`). */
function nestedClasses(dataClass: EventDataClass): EventDataClass[] {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dataClass, '', true, false);
  return metadatas
    .filter((metadata) => metadata.type === ValidationTypes.NESTED_VALIDATION)
    .map((metadata) =>
      defaultMetadataStorage.findTypeMetadata(dataClass, metadata.propertyName)?.typeFunction(),
    )
    .filter((nested): nested is EventDataClass => typeof nested === 'function');
}

/** One class's schema, closed (no extra properties, as the validator forbids them), refs under `refPrefix`. */
function classSchema(dataClass: EventDataClass, refPrefix: string): JsonSchema {
  const schema = targetConstructorToSchema(dataClass, {
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: refPrefix,
    // Custom rules relate several fields; each class states their schema form with @DataSchema.
    additionalConverters: { [ValidationTypes.CUSTOM_VALIDATION]: {} },
  }) as JsonSchema;
  return { ...schema, additionalProperties: false };
}

function collectClasses(roots: readonly EventDataClass[]): Map<string, EventDataClass> {
  const found = new Map<string, EventDataClass>();
  const pending = [...roots];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (found.has(next.name)) continue;
    found.set(next.name, next);
    pending.push(...nestedClasses(next));
  }
  return found;
}

/** Classes of the current version of every correctable type: what a correction's replacement may be. */
function replacementClasses(): EventDataClass[] {
  return CORRECTABLE_EVENT_TYPES.map((type) => eventDataClass(type, EVENT_CATALOGUE[type].currentVersion));
}

/**
 * A correction's `replacement` is data of the type named in `correctedType`: one
 * conditional per correctable type, pointing at that type's current schema.
 */
function replacementConditionals(refPrefix: string): JsonSchema[] {
  return CORRECTABLE_EVENT_TYPES.map((type) => ({
    if: { properties: { correctedType: { const: type } }, required: ['correctedType'] },
    then: {
      properties: {
        replacement: { $ref: `${refPrefix}${eventSchemaName(type, EVENT_CATALOGUE[type].currentVersion)}` },
      },
    },
  }));
}

function withReplacementConditionals(schema: JsonSchema, refPrefix: string): JsonSchema {
  const allOf = Array.isArray(schema['allOf']) ? (schema['allOf'] as JsonSchema[]) : [];
  return { ...schema, allOf: [...allOf, ...replacementConditionals(refPrefix)] };
}

/**
 * The self-contained JSON Schema (draft-07) of a type's data at a version,
 * generated from its class-validator data class: the root is the data object,
 * nested classes are under `definitions`. This is what
 * `events/catalogue/<Type>/v<N>.schema.json` holds.
 */
export function eventDataJsonSchema(type: EventType, version: number): JsonSchema {
  const root = eventDataClass(type, version);
  const extraRoots = type === 'EventCorrected' ? replacementClasses() : [];
  const classes = collectClasses([root, ...extraRoots]);
  classes.delete(root.name);
  let rootSchema = classSchema(root, DEFINITIONS_PREFIX);
  if (type === 'EventCorrected') rootSchema = withReplacementConditionals(rootSchema, DEFINITIONS_PREFIX);
  const definitions = Object.fromEntries(
    [...classes.keys()].sort().map((name) => [name, classSchema(classes.get(name)!, DEFINITIONS_PREFIX)]),
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:operation-timeline:event-data:${type}:v${version}`,
    title: `${type} v${version} data`,
    description: EVENT_CATALOGUE[type].summary,
    ...rootSchema,
    ...(Object.keys(definitions).length > 0 ? { definitions } : {}),
  };
}

/**
 * Every data schema of every type and version, keyed by schema name, with
 * references under `refPrefix` (e.g. `#/components/schemas/` for an OpenAPI
 * document). Use `eventSchemaName(type, version)` for the root of each.
 */
export function eventSchemaComponents(refPrefix = '#/components/schemas/'): Record<string, JsonSchema> {
  const roots = EVENT_TYPES.flatMap((type) =>
    EVENT_CATALOGUE[type].versions.map((version) => version.dataClass),
  );
  const classes = collectClasses(roots);
  return Object.fromEntries(
    [...classes.keys()].sort().map((name) => {
      const schema = classSchema(classes.get(name)!, refPrefix);
      return [
        name,
        name === eventSchemaName('EventCorrected', 1)
          ? withReplacementConditionals(schema, refPrefix)
          : schema,
      ];
    }),
  );
}
