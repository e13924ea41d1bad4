import { OPERATION_RULES } from '@timeline/domain';
import {
  CLASSIFICATIONS,
  EVENT_CATALOGUE,
  EVENT_TYPES,
  eventSchemaComponents,
  eventSchemaName,
} from '@timeline/events';

export const RECORD_EVENTS_REQUEST_SCHEMA_NAME = 'RecordEventsRequest';

/**
 * The one idempotency rule of the write API, as the OpenAPI document states it;
 * README "Recording events" states the same rule (a test compares them).
 */
export const IDEMPOTENCY_RULE =
  'An Idempotency-Key binds to the canonical content of the request, whether or not its events carry ' +
  'eventIds: the same key from the same principal in the same operation with the same content answers ' +
  'the original result (200, replayed: true) and writes nothing; with other content it is a 409 ' +
  'request.idempotency-conflict. A client eventId follows the same rule per event: a request whose ids are ' +
  'all stored with the same content answers the original result; an id stored with other content, or ' +
  'some ids stored and others not, is a 409 request.idempotency-conflict. Keys are kept with the events ' +
  'they wrote, in the operation itself, for as long as the operation exists.';

/** How `eventId` takes part in that rule, for the schema of each event. */
const EVENT_ID_DESCRIPTION =
  'Client-chosen id. Re-sending it with the same content answers the original result; with other ' +
  'content it is a 409 request.idempotency-conflict (see Idempotency-Key for the whole rule)';
const REF = '#/components/schemas/';

type Schema = Record<string, unknown>;

/**
 * The request envelope of one event of `type` at one schema version, with that
 * version's data schema by reference. The current version's `schemaVersion` may
 * be left out; an older one must be named (it is upcast on write).
 */
function eventRequestSchema(type: (typeof EVENT_TYPES)[number], version: number): Schema {
  const definition = EVENT_CATALOGUE[type];
  const current = version === definition.currentVersion;
  return {
    type: 'object',
    title: `${type} v${version}`,
    description: current
      ? definition.summary
      : `${definition.summary} (schema version ${version}, upcast to ${definition.currentVersion} on write)`,
    additionalProperties: false,
    required: current ? ['type', 'occurredAt', 'data'] : ['type', 'schemaVersion', 'occurredAt', 'data'],
    properties: {
      type: { type: 'string', const: type },
      eventId: {
        type: 'string',
        format: 'uuid',
        description: EVENT_ID_DESCRIPTION,
      },
      schemaVersion: current
        ? {
            type: 'integer',
            const: version,
            default: version,
            description: 'Version of the data; the current one when left out',
          }
        : { type: 'integer', const: version, description: 'Version of the data' },
      occurredAt: {
        type: 'string',
        format: 'date-time',
        example: '2020-06-13T05:30:00Z',
        description: 'UTC; not in the future',
      },
      data: { $ref: `${REF}${eventSchemaName(type, version)}` },
      correlationId: {
        type: 'string',
        pattern: '^[A-Za-z0-9._:/-]{1,128}$',
        description: "Defaults to the request's X-Correlation-Id",
      },
      causationId: { type: 'string', format: 'uuid', description: 'The event that caused this one' },
      classification: {
        type: 'string',
        enum: [...CLASSIFICATIONS],
        default: definition.minimumClassification,
        description: `At least ${definition.minimumClassification}`,
      },
    },
  };
}

/** `Record<Type>` for the current version, `Record<Type>V<n>` for an older one. */
function requestSchemaName(type: (typeof EVENT_TYPES)[number], version: number): string {
  return version === EVENT_CATALOGUE[type].currentVersion ? `Record${type}` : `Record${type}V${version}`;
}

/** Every accepted (type, version) pair's request schema, by name. */
function eventRequestSchemas(): Record<string, Schema> {
  return Object.fromEntries(
    EVENT_TYPES.flatMap((type) =>
      EVENT_CATALOGUE[type].versions.map(({ version }) => [
        requestSchemaName(type, version),
        eventRequestSchema(type, version),
      ]),
    ),
  );
}

/**
 * OpenAPI components for the write API: the request (one schema per event type
 * and schema version, told apart by `type` and `schemaVersion`) and every event
 * data schema from the contract.
 */
export function recordEventsSchemaComponents(maxBatchEvents: number): Record<string, Schema> {
  const requests = EVENT_TYPES.flatMap((type) =>
    EVENT_CATALOGUE[type].versions.map(({ version }) => requestSchemaName(type, version)),
  );
  return {
    ...eventSchemaComponents(REF),
    ...eventRequestSchemas(),
    [RECORD_EVENTS_REQUEST_SCHEMA_NAME]: {
      type: 'object',
      additionalProperties: false,
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          maxItems: maxBatchEvents,
          description:
            "Recorded atomically, in this order: all or none. Each event is one of the catalogue's " +
            '(type, schemaVersion) pairs; an older version names its schemaVersion.',
          items: { oneOf: requests.map((name) => ({ $ref: `${REF}${name}` })) },
        },
        expectedRevision: {
          type: 'integer',
          minimum: -1,
          description:
            'The revision the client last saw (-1: no event yet); a mismatch is 409. Same as If-Match.',
        },
      },
    },
  };
}

const rulesOf = (category: string): string[] =>
  Object.entries(OPERATION_RULES)
    .filter(([, rule]) => rule.category === category)
    .map(([code]) => code);

/** The write route's own refusals (README "Recording events"), with the decider's rule codes by category. */
export const RECORD_EVENTS_REFUSALS = {
  400: {
    description:
      'The body fails validation (field-level `errors`), or If-Match / Idempotency-Key is malformed',
    codes: ['request.invalid'],
  },
  409: {
    description:
      'The expected revision does not hold, an event id or Idempotency-Key is reused with other content, ' +
      'or the operation’s state refuses the event',
    codes: [
      'operation.revision-conflict',
      'operation.concurrent-writers',
      'event-store.duplicate-event-id',
      'request.idempotency-conflict',
      ...rulesOf('illegal-state'),
    ],
  },
  412: { description: 'If-Match names another revision', codes: ['operation.revision-conflict'] },
  422: { description: 'The operation’s rules refuse an event’s content', codes: rulesOf('rule-violated') },
} as const;
