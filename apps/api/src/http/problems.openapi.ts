import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

const REF = '#/components/schemas/';
export const PROBLEM_SCHEMA_NAME = 'Problem';

type Schema = Record<string, unknown>;

/** The problem document every refusal is (README "Errors"): RFC 9457 with a stable `code`. */
export const PROBLEM_SCHEMA: Schema = {
  type: 'object',
  description:
    'RFC 9457 problem details. `code` is stable: clients branch on it, never on `title` or `detail`. ' +
    'Each response lists the codes it may carry; a new code may be added to a status without notice.',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: '`urn:operation-timeline:problem:` followed by the code',
      example: 'urn:operation-timeline:problem:request.invalid',
    },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path', example: '/operations/venetic/events' },
    code: { type: 'string', description: 'Stable error code', example: 'request.invalid' },
    errors: {
      type: 'array',
      description: 'Field-level problems, for input a client can fix',
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
};

/** A header a response carries, as an OpenAPI header object. */
export interface HeaderDoc {
  readonly description: string;
  readonly required?: boolean;
  readonly schema?: Schema;
}

/** One refusal: what it means and the stable codes it carries. */
export interface RefusalDoc {
  readonly description: string;
  readonly codes: readonly string[];
  readonly headers?: Readonly<Record<string, HeaderDoc>>;
}

export const CORRELATION_ID_HEADER_DOC: HeaderDoc = {
  description: 'The request’s X-Correlation-Id, or one the server chose; on every response',
  required: true,
  schema: { type: 'string', minLength: 1 },
};

export const RETRY_AFTER: HeaderDoc = {
  description: 'Seconds to wait before trying again',
  required: true,
  schema: { type: 'string', pattern: '^\\d+$' },
};

/** The OpenAPI response object of a refusal. */
export function problemResponse(refusal: RefusalDoc): Schema {
  return {
    description: `${refusal.description}. Codes: ${refusal.codes.map((code) => `\`${code}\``).join(', ')}.`,
    headers: { 'X-Correlation-Id': CORRELATION_ID_HEADER_DOC, ...refusal.headers },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${REF}${PROBLEM_SCHEMA_NAME}` } } },
  };
}

/**
 * Documents the refusals particular to a route (its own 400s, 404s, 409s…), each
 * as a problem document with its codes. The refusals every route shares (a bad
 * credential, a wrong role, a request the HTTP layer refuses) are added to every
 * operation by the document builder (openapi.document.ts), so they are written once.
 */
export function ApiProblems(refusals: Readonly<Record<number, RefusalDoc>>): MethodDecorator {
  return (target, key, descriptor) => {
    for (const [status, refusal] of Object.entries(refusals)) {
      const { description, ...response } = problemResponse(refusal) as { description: string };
      ApiResponse({ status: Number(status), description, ...response })(target, key, descriptor);
    }
  };
}

/** Refusals any route may answer, whoever calls it. */
export const EVERY_ROUTE_REFUSALS: Readonly<Record<number, RefusalDoc>> = {
  400: {
    description: 'The request is malformed: a query parameter, header or path parameter is invalid',
    codes: ['request.invalid', 'request.invalid-query', 'request.malformed-path'],
  },
  408: { description: 'The request was not received in time', codes: ['request.timeout'] },
  414: { description: 'A path parameter is too long', codes: ['request.path-too-long'] },
  431: {
    description: 'The request line and headers are too large',
    codes: ['request.headers-too-large'],
  },
  500: { description: 'An unexpected failure; the details are logged, not sent', codes: ['internal'] },
  503: {
    description: 'The service is shutting down, or a dependency is unavailable; retry shortly',
    codes: ['service.shutting-down', 'event-store.unavailable'],
  },
};

/** Refusals of a route that needs a bearer token (every route but health). */
export const AUTHENTICATED_ROUTE_REFUSALS: Readonly<Record<number, RefusalDoc>> = {
  401: {
    description: 'No bearer token, or one that is invalid, expired or lacks a required claim',
    codes: ['auth.token-missing', 'auth.token-invalid', 'auth.token-expired', 'auth.claims-invalid'],
    headers: {
      'WWW-Authenticate': {
        description: 'The bearer challenge (RFC 6750), with `error` when a token was sent',
        required: true,
        schema: { type: 'string', pattern: '^Bearer' },
      },
    },
  },
  403: {
    description: 'The token is valid but none of its roles may use this route',
    codes: ['auth.forbidden', 'auth.no-policy'],
  },
  429: {
    description: 'Too many requests from this principal, or too many failed credentials from this address',
    codes: ['http.too-many-requests', 'auth.too-many-failures'],
    headers: { 'Retry-After': RETRY_AFTER },
  },
  503: {
    description:
      'The service is shutting down, the identity provider’s keys cannot be fetched, or the store is unavailable',
    codes: ['service.shutting-down', 'auth.key-set-unavailable', 'event-store.unavailable'],
  },
};

/** Refusals of a route that takes a JSON body. */
export const BODY_ROUTE_REFUSALS: Readonly<Record<number, RefusalDoc>> = {
  400: {
    description: 'The body is not valid JSON, is empty, or fails validation (field-level `errors`)',
    codes: [
      'request.invalid',
      'request.malformed-json',
      'request.empty-body',
      'request.invalid-content-length',
      'request.duplicate-key',
      'request.forbidden-key',
    ],
  },
  413: { description: 'The body is larger than the configured limit', codes: ['request.body-too-large'] },
  415: {
    description: 'The body is not application/json',
    codes: ['request.unsupported-media-type', 'request.unsupported-charset', 'request.unsupported-encoding'],
  },
};

/** A refusal for an operation the caller's agency takes no part in, or that does not exist: the same answer. */
export const OPERATION_NOT_FOUND: RefusalDoc = {
  description:
    'No such operation, or one the caller’s agency takes no part in (answered alike, docs/architecture.md §7)',
  codes: ['operation.not-found', 'projections.unknown-operation', 'history.operation-not-found'],
};

/** A reference to a component schema of the document. */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `${REF}${name}` };
}
