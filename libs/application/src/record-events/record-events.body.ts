import {
  CLASSIFICATIONS,
  EVENT_CATALOGUE,
  isEventType,
  isUtcTimestamp,
  normaliseUtcTimestamp,
  olderVersionFit,
  toStoredEventData,
  utcInstantMs,
  validateEventData,
  type Classification,
  type EventType,
} from '@timeline/events';
import type { ProposedEventOf } from '@timeline/domain';
import type { JsonObject } from '@timeline/kernel';
import type { FieldError } from './record-events.errors';

/** The body of a request to record events, as sent over HTTP or by the command line. */
export interface RecordEventsBody {
  readonly events: readonly RequestedEvent[];
  /** The revision the client believes the operation is at; -1 when it has no event yet. */
  readonly expectedRevision?: number;
}

/** One event as a client asks to record it; the rest of the envelope is the server's. */
export interface RequestedEvent {
  readonly type: string;
  /** Client-chosen UUID: makes a retry idempotent. */
  readonly eventId?: string;
  /** The version of `type` the data follows; the current one when absent (older ones are upcast). */
  readonly schemaVersion?: number;
  /** Business time: a UTC timestamp such as `2020-06-13T05:30:00Z`. */
  readonly occurredAt: string;
  readonly data: JsonObject;
  readonly correlationId?: string;
  /** The event (id) that caused this one. */
  readonly causationId?: string;
  /** Defaults to the lowest marking the rules allow; a lower one is refused by the rules (422). */
  readonly classification?: Classification;
}

/**
 * One event of a request as validated: the decider's proposal (`ProposedEventOf`),
 * data upcast to the current version in its stored shape and `occurredAt`
 * normalised, with the id and correlation id the client sent, if it sent them.
 * What an Idempotency-Key binds to (`requestHashOf`).
 */
export type ValidatedEvent = {
  [K in EventType]: Omit<ProposedEventOf<K>, 'eventId' | 'causationId'> & {
    readonly eventId?: string;
    readonly correlationId?: string;
    readonly causationId: string | null;
  };
}[EventType];

export interface ValidatedBody {
  readonly events: readonly ValidatedEvent[];
  readonly expectedRevision?: number;
}

export interface BodyLimits {
  readonly maxBatchEvents: number;
  /** Latest acceptable `occurredAt`, in epoch ms (server clock plus tolerated skew). */
  readonly latestOccurredAt: number;
}

const BODY_FIELDS = new Set(['events', 'expectedRevision']);
const EVENT_FIELDS = new Set([
  'type',
  'eventId',
  'schemaVersion',
  'occurredAt',
  'data',
  'correlationId',
  'causationId',
  'classification',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const CORRELATION_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/**
 * Validates a whole request in one pass and reports every problem with its path
 * (`events[2].data.drugs[0].quantity`): unknown or missing fields, unknown types,
 * each event's data against its type's contract, timestamps, ids and limits.
 * Returns `errors` (non-empty) or the validated body, never both.
 */
export function validateRecordEventsBody(
  body: unknown,
  limits: BodyLimits,
):
  { readonly body: ValidatedBody; readonly errors?: undefined } | { readonly errors: readonly FieldError[] } {
  const errors: FieldError[] = [];
  if (!isPlainObject(body)) {
    return {
      errors: [
        {
          path: '',
          constraint: 'isObject',
          message: 'the body must be a JSON object with an "events" array',
        },
      ],
    };
  }
  for (const key of Object.keys(body)) {
    if (!BODY_FIELDS.has(key)) errors.push(unknownField(key));
  }
  let expectedRevision: number | undefined;
  if (body['expectedRevision'] !== undefined) {
    const value = body['expectedRevision'];
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      errors.push(mustBe('expectedRevision', 'isInt', 'an integer'));
    else if (value >= -1) expectedRevision = value;
    else
      errors.push({
        path: 'expectedRevision',
        constraint: 'min',
        message: 'expectedRevision must be an integer, -1 or more',
      });
  }
  const rawEvents = body['events'];
  const events: ValidatedEvent[] = [];
  if (rawEvents === undefined) {
    errors.push({ path: 'events', constraint: 'isDefined', message: 'events is required' });
  } else if (!Array.isArray(rawEvents)) {
    errors.push({ path: 'events', constraint: 'isArray', message: 'events must be an array of events' });
  } else if (rawEvents.length === 0) {
    errors.push({
      path: 'events',
      constraint: 'arrayMinSize',
      message: 'events must hold at least one event',
    });
  } else if (rawEvents.length > limits.maxBatchEvents) {
    // Each event is not looked at: the request is refused as a whole, cheaply.
    errors.push({
      path: 'events',
      constraint: 'arrayMaxSize',
      message: `events must hold at most ${limits.maxBatchEvents} events; got ${rawEvents.length}`,
    });
  } else {
    rawEvents.forEach((raw, index) => {
      const event = validateEvent(raw, `events[${index}]`, limits, errors);
      if (event !== null) events.push(event);
    });
  }
  if (errors.length > 0) return { errors };
  return { body: { events, expectedRevision } };
}

function validateEvent(
  raw: unknown,
  path: string,
  limits: BodyLimits,
  errors: FieldError[],
): ValidatedEvent | null {
  if (!isPlainObject(raw)) {
    errors.push({ path, constraint: 'isObject', message: 'each event must be a JSON object' });
    return null;
  }
  const before = errors.length;
  for (const key of Object.keys(raw)) {
    if (!EVENT_FIELDS.has(key)) errors.push(unknownField(key, path));
  }
  const { type, eventId, schemaVersion, occurredAt, data, correlationId, causationId, classification } = raw;

  // Each field: presence, then type, then format, then range (as the event data's fields).
  let knownType: EventType | null = null;
  if (type === undefined) {
    errors.push(required(path, 'type'));
  } else if (typeof type !== 'string') {
    errors.push(mustBe(`${path}.type`, 'isString', 'a string naming an event type'));
  } else if (!isEventType(type)) {
    errors.push({
      path: `${path}.type`,
      constraint: 'isKnownEventType',
      message: `unknown event type "${type}"; known types: ${Object.keys(EVENT_CATALOGUE).join(', ')}`,
    });
  } else {
    knownType = type;
  }
  if (eventId !== undefined && typeof eventId !== 'string') {
    errors.push(mustBe(`${path}.eventId`, 'isString', 'a string (a UUID)'));
  } else if (eventId !== undefined && !UUID.test(eventId)) {
    errors.push({ path: `${path}.eventId`, constraint: 'isUuid', message: 'eventId must be a UUID' });
  }
  let version: number | undefined;
  if (schemaVersion !== undefined) {
    if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion))
      errors.push(mustBe(`${path}.schemaVersion`, 'isInt', 'an integer'));
    else if (schemaVersion >= 1) version = schemaVersion;
    else
      errors.push({
        path: `${path}.schemaVersion`,
        constraint: 'isPositive',
        message: 'schemaVersion must be a positive integer',
      });
  }
  let occurred: string | undefined;
  if (occurredAt === undefined) {
    errors.push(required(path, 'occurredAt'));
  } else if (typeof occurredAt !== 'string') {
    errors.push(
      mustBe(`${path}.occurredAt`, 'isString', 'a string (a UTC timestamp such as 2020-06-13T05:30:00Z)'),
    );
  } else if (!isUtcTimestamp(occurredAt)) {
    errors.push({
      path: `${path}.occurredAt`,
      constraint: 'isUtcTimestamp',
      message: 'occurredAt must be a UTC timestamp such as 2020-06-13T05:30:00Z',
    });
  } else if (instantMs(occurredAt) > limits.latestOccurredAt) {
    errors.push({
      path: `${path}.occurredAt`,
      constraint: 'notInFuture',
      message: 'occurredAt must not lie in the future',
    });
  } else {
    occurred = normaliseUtcTimestamp(occurredAt);
  }
  if (correlationId !== undefined && typeof correlationId !== 'string') {
    errors.push(mustBe(`${path}.correlationId`, 'isString', 'a string'));
  } else if (correlationId !== undefined && !CORRELATION_ID.test(correlationId)) {
    errors.push({
      path: `${path}.correlationId`,
      constraint: 'matches',
      message: 'correlationId must be 1 to 128 letters, digits or . _ : / -',
    });
  }
  if (causationId !== undefined && typeof causationId !== 'string') {
    errors.push(mustBe(`${path}.causationId`, 'isString', 'a string (the UUID of an event)'));
  } else if (causationId !== undefined && !UUID.test(causationId)) {
    errors.push({
      path: `${path}.causationId`,
      constraint: 'isUuid',
      message: 'causationId must be the UUID of an event',
    });
  }
  let marking: Classification | undefined;
  if (classification !== undefined) {
    if (
      typeof classification === 'string' &&
      (CLASSIFICATIONS as readonly string[]).includes(classification)
    ) {
      marking = classification as Classification;
    } else {
      errors.push({
        path: `${path}.classification`,
        constraint: 'isIn',
        message: `classification must be one of: ${CLASSIFICATIONS.join(', ')}`,
      });
    }
  }

  let stored: object | undefined;
  if (data === undefined) {
    errors.push(required(path, 'data'));
  } else if (knownType !== null) {
    const validation = validateEventData(
      knownType,
      version ?? EVENT_CATALOGUE[knownType].currentVersion,
      data,
    );
    if (validation.ok) {
      stored = toStoredEventData(knownType, validation.data as never);
    } else {
      // Sent as the current version (named or not) but shaped like an older one: say which.
      if (
        validation.reason === 'invalid-data' &&
        (version ?? EVENT_CATALOGUE[knownType].currentVersion) === EVENT_CATALOGUE[knownType].currentVersion
      )
        errors.push(...olderVersionHint(knownType, data, path));
      for (const error of validation.errors) {
        const where =
          validation.reason === 'unsupported-version'
            ? `${path}.schemaVersion`
            : error.path === ''
              ? `${path}.data`
              : `${path}.data.${error.path}`;
        errors.push({ ...error, path: where.replace(/\.\[/g, '[') });
      }
    }
  }

  if (errors.length > before || knownType === null || stored === undefined || occurred === undefined)
    return null;
  // validateEventData checked the data against knownType's contract: the one place type and data are paired.
  return {
    type: knownType,
    ...(eventId === undefined ? {} : { eventId: (eventId as string).toLowerCase() }),
    schemaVersion: EVENT_CATALOGUE[knownType].currentVersion,
    occurredAt: occurred,
    data: stored,
    ...(correlationId === undefined ? {} : { correlationId: correlationId as string }),
    causationId: causationId === undefined ? null : (causationId as string).toLowerCase(),
    ...(marking === undefined ? {} : { classification: marking }),
  } as ValidatedEvent;
}

/** Data sent as the current version that fits an older one: say so, before the current version's complaints. */
function olderVersionHint(type: EventType, data: unknown, path: string): FieldError[] {
  const fit = olderVersionFit(type, data);
  if (fit === null) return [];
  const current = EVENT_CATALOGUE[type].currentVersion;
  return [
    {
      path: `${path}.schemaVersion`,
      constraint: 'olderSchemaVersion',
      message:
        (fit.valid
          ? `the data is valid ${type} schema version ${fit.version}, not version ${current}`
          : `the data looks like ${type} schema version ${fit.version} rather than version ${current}`) +
        `: send "schemaVersion": ${fit.version} (it is upcast on write) or the version ${current} shape (events/README.md)`,
    },
  ];
}

function required(parent: string, field: string): FieldError {
  return { path: `${parent}.${field}`, constraint: 'isDefined', message: `${field} is required` };
}

function mustBe(path: string, constraint: string, what: string): FieldError {
  return { path, constraint, message: `${path.slice(path.lastIndexOf('.') + 1)} must be ${what}` };
}

function unknownField(key: string, parent?: string): FieldError {
  return {
    path: parent === undefined ? key : `${parent}.${key}`,
    constraint: 'whitelistValidation',
    message: `${key} should not exist`,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The instant of an accepted timestamp: read field by field, by Date.parse before year 0100. */
function instantMs(timestamp: string): number {
  const millis = utcInstantMs(timestamp);
  return Number.isNaN(millis) ? Date.parse(timestamp) : millis;
}
