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

/** The request envelope of one event of `type`, with its data schema (current version) by reference. */
function eventRequestSchema(type: (typeof EVENT_TYPES)[number]): Schema {
  const definition = EVENT_CATALOGUE[type];
  const versions = definition.versions.map((version) => version.version);
  return {
    type: 'object',
    title: type,
    description: definition.summary,
    additionalProperties: false,
    required: ['type', 'occurredAt', 'data'],
    properties: {
      type: { type: 'string', enum: [type] },
      eventId: {
        type: 'string',
        format: 'uuid',
        description: EVENT_ID_DESCRIPTION,
      },
      schemaVersion: {
        type: 'integer',
        enum: versions,
        default: definition.currentVersion,
        description: 'Version of the data; older versions are upcast to the current one on write',
      },
      occurredAt: {
        type: 'string',
        format: 'date-time',
        example: '2020-06-13T05:30:00Z',
        description: 'UTC; not in the future',
      },
      data: { $ref: `${REF}${eventSchemaName(type, definition.currentVersion)}` },
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

/**
 * OpenAPI components for the write API: the request (one schema per event type,
 * discriminated by `type`), every event data schema from the contract, and the
 * problem document.
 */
export function recordEventsSchemaComponents(maxBatchEvents: number): Record<string, Schema> {
  const eventSchemas = Object.fromEntries(
    EVENT_TYPES.map((type) => [`Record${type}`, eventRequestSchema(type)]),
  );
  return {
    ...eventSchemaComponents(REF),
    ...eventSchemas,
    [RECORD_EVENTS_REQUEST_SCHEMA_NAME]: {
      type: 'object',
      additionalProperties: false,
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          maxItems: maxBatchEvents,
          description: 'Recorded atomically, in this order: all or none',
          items: {
            oneOf: EVENT_TYPES.map((type) => ({ $ref: `${REF}Record${type}` })),
            discriminator: {
              propertyName: 'type',
              mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, `${REF}Record${type}`])),
            },
          },
        },
        expectedRevision: {
          type: 'integer',
          minimum: -1,
          description:
            'The revision the client last saw (-1: no event yet); a mismatch is 409. Same as If-Match.',
        },
      },
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details',
      required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
      properties: {
        type: { type: 'string', format: 'uri', example: 'urn:operation-timeline:problem:request.invalid' },
        title: { type: 'string', example: 'Bad Request' },
        status: { type: 'integer', example: 400 },
        detail: { type: 'string' },
        instance: { type: 'string', example: '/operations/venetic/events' },
        code: { type: 'string', description: 'Stable error code', example: 'request.invalid' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'constraint', 'message'],
            properties: {
              path: { type: 'string', example: 'events[0].data.drugs[1].unit' },
              constraint: { type: 'string', example: 'isIn' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  };
}
