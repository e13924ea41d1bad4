import { HttpException, HttpStatus } from '@nestjs/common';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** A field-level problem: what a client needs to fix one field. */
export interface ProblemFieldError {
  readonly path: string;
  readonly constraint: string;
  readonly message: string;
}

/** An RFC 9457 problem document, with our stable `code` and field-level `errors`. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly errors?: readonly ProblemFieldError[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs: stable names, not links that could rot. */
export function problemType(code: string): string {
  return `urn:operation-timeline:problem:${code}`;
}

/** The one place where an error category becomes an HTTP status. */
export const STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  'invalid-input': HttpStatus.BAD_REQUEST,
  'rule-violated': HttpStatus.UNPROCESSABLE_ENTITY,
  'not-found': HttpStatus.NOT_FOUND,
  'illegal-state': HttpStatus.CONFLICT,
  'revision-conflict': HttpStatus.CONFLICT,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  'rate-limited': HttpStatus.TOO_MANY_REQUESTS,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Codes of the problems the HTTP layer itself raises (framework and parser errors). */
const FRAMEWORK_CODES: Readonly<Record<string, { status: number; code: string; detail?: string }>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'request.unsupported-media-type',
    detail: 'The request body must be JSON: send Content-Type: application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'request.body-too-large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'request.invalid-content-length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'request.empty-body',
    detail: 'The request body is empty; send a JSON object',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'request.malformed-json',
    detail: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'request.invalid-content-type' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'request.path-too-long',
    detail:
      'A segment of the request path is longer than 100 characters; no identifier of this api is that long',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'request.malformed-path',
    detail: 'The request path is not a valid URL component (malformed percent-encoding)',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'request.headers-too-large',
    detail: 'The request line and headers exceed the size the server reads (16 KiB)',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request.timeout',
    detail: 'The request was not received in time',
  },
  'entity.parse.failed': {
    status: 400,
    code: 'request.malformed-json',
    detail: 'The request body is not valid JSON',
  },
  'entity.too.large': { status: 413, code: 'request.body-too-large' },
  'charset.unsupported': { status: 415, code: 'request.unsupported-charset' },
  'encoding.unsupported': { status: 415, code: 'request.unsupported-encoding' },
};

export interface ProblemContext {
  /** The request path: the problem's `instance`. */
  readonly instance: string;
  /** The client sent If-Match: a failed revision check is 412 rather than 409. */
  readonly conditional: boolean;
  /** Body size limit, to tell the client in a 413. */
  readonly bodyLimitBytes?: number;
}

export interface MappedProblem {
  readonly problem: ProblemDocument;
  /** Extra response headers (e.g. WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;
  /** Unexpected: the error must be logged with its stack; the client sees a generic problem. */
  readonly unexpected: boolean;
}

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

/**
 * Maps anything thrown while serving a request to a problem document. Only
 * TimelineError, Nest's HttpException and the HTTP platform's own 4xx errors
 * say anything specific; everything else is a generic 500 without details.
 */
export function toProblem(error: unknown, context: ProblemContext): MappedProblem {
  if (error instanceof TimelineError) {
    let status = STATUS_BY_CATEGORY[error.category];
    if (error.category === 'revision-conflict' && context.conditional)
      status = HttpStatus.PRECONDITION_FAILED;
    // Context never overrides a member of the problem itself: an event `type` becomes `eventType`.
    const extensions = Object.fromEntries(
      Object.entries(error.details)
        .map(([key, value]): [string, unknown] => [key === 'type' ? 'eventType' : key, value])
        .filter(([key]) => !RESERVED.has(key)),
    );
    const headers: Record<string, string> = {};
    const challenge = (error as { challenge?: unknown }).challenge;
    if (status === 401 && typeof challenge === 'string') headers['WWW-Authenticate'] = challenge;
    // Unavailable is temporary (a projection still catching up, a store failing over): say when to try again.
    if (status === HttpStatus.SERVICE_UNAVAILABLE) headers['Retry-After'] = '1';
    // Rate-limited: when the caller may try again, as the error knows it (at least a second).
    if (status === HttpStatus.TOO_MANY_REQUESTS) {
      const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      headers['Retry-After'] = String(
        typeof retryAfter === 'number' ? Math.max(1, Math.ceil(retryAfter)) : 1,
      );
    }
    return {
      problem: document(status, error.code, error.message, context, extensions),
      headers,
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return unexpected(context);
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : response;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    // Nest re-throws the platform's body-parsing errors as bare HttpExceptions: recognise them by status and text.
    return platformProblem(status, undefined, detail, context);
  }
  const framework = frameworkError(error);
  if (framework !== null)
    return platformProblem(framework.status, framework.code, framework.message, context);
  return unexpected(context);
}

function platformProblem(
  status: number,
  platformCode: string | undefined,
  message: string,
  context: ProblemContext,
): MappedProblem {
  const known =
    FRAMEWORK_CODES[platformCode ?? ''] ??
    (status === 413
      ? FRAMEWORK_CODES['FST_ERR_CTP_BODY_TOO_LARGE']
      : status === 415
        ? FRAMEWORK_CODES['FST_ERR_CTP_INVALID_MEDIA_TYPE']
        : status === 400 && /not valid JSON|Unexpected token|JSON at position/i.test(message)
          ? FRAMEWORK_CODES['FST_ERR_CTP_INVALID_JSON_BODY']
          : status === 400 && /Body cannot be empty/i.test(message)
            ? FRAMEWORK_CODES['FST_ERR_CTP_EMPTY_JSON_BODY']
            : undefined);
  const finalStatus = known?.status ?? status;
  let detail = known?.detail ?? message;
  if (finalStatus === 413 && context.bodyLimitBytes !== undefined) {
    detail = `The request body exceeds the limit of ${context.bodyLimitBytes} bytes`;
  }
  return {
    problem: document(finalStatus, known?.code ?? httpCode(finalStatus), detail, context),
    headers: {},
    unexpected: false,
  };
}

/** A 405 for a path that exists under other methods. */
export function methodNotAllowed(
  method: string,
  allowed: readonly string[],
  context: ProblemContext,
): MappedProblem {
  return {
    problem: document(
      405,
      'http.method-not-allowed',
      `${method} is not allowed here; allowed: ${allowed.join(', ')}`,
      context,
    ),
    headers: { Allow: allowed.join(', ') },
    unexpected: false,
  };
}

function unexpected(context: ProblemContext): MappedProblem {
  return {
    problem: document(500, 'internal', 'An unexpected error occurred; it has been logged', context),
    headers: {},
    unexpected: true,
  };
}

function document(
  status: number,
  code: string,
  detail: string,
  context: ProblemContext,
  extensions: Readonly<Record<string, unknown>> = {},
): ProblemDocument {
  return {
    type: problemType(code),
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    instance: context.instance,
    code,
    ...extensions,
  };
}

function httpCode(status: number): string {
  return `http.${(TITLES[status] ?? String(status)).toLowerCase().replace(/ /g, '-')}`;
}

/** Errors of the HTTP platform (Fastify, body-parser) carry a 4xx status and a code; their messages are safe. */
function frameworkError(error: unknown): { status: number; code?: string; message: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const candidate = error as {
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const status = typeof candidate.statusCode === 'number' ? candidate.statusCode : candidate.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  const code =
    typeof candidate.code === 'string'
      ? candidate.code
      : typeof candidate.type === 'string'
        ? candidate.type
        : undefined;
  return { status, code, message: typeof candidate.message === 'string' ? candidate.message : 'Bad request' };
}
