import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { methodNotAllowed, toProblem } from './problem-details';
import { RouteTable } from './route-table';

class SampleError extends TimelineError {
  readonly code = 'sample.code';
  constructor(
    readonly category: ErrorCategory,
    details: Record<string, unknown> = {},
  ) {
    super('Something specific went wrong', details);
  }
}

const context = { instance: '/operations/venetic/events', conditional: false, bodyLimitBytes: 1024 };

describe('toProblem', () => {
  it.each([
    ['invalid-input', 400, 'Bad Request'],
    ['rule-violated', 422, 'Unprocessable Content'],
    ['not-found', 404, 'Not Found'],
    ['illegal-state', 409, 'Conflict'],
    ['revision-conflict', 409, 'Conflict'],
    ['unauthenticated', 401, 'Unauthorized'],
    ['forbidden', 403, 'Forbidden'],
    ['unavailable', 503, 'Service Unavailable'],
  ] as const)('maps the %s category to %i', (category, status, title) => {
    expect(toProblem(new SampleError(category, { operationId: 'venetic' }), context)).toEqual({
      problem: {
        type: 'urn:operation-timeline:problem:sample.code',
        title,
        status,
        detail: 'Something specific went wrong',
        instance: '/operations/venetic/events',
        code: 'sample.code',
        operationId: 'venetic',
      },
      headers: status === 503 ? { 'Retry-After': '1' } : {},
      unexpected: false,
    });
  });

  it('answers a revision conflict of a conditional request (If-Match) with 412', () => {
    expect(
      toProblem(new SampleError('revision-conflict'), { ...context, conditional: true }).problem.status,
    ).toBe(412);
  });

  it('never lets context override the problem members; an event type becomes eventType', () => {
    const { problem } = toProblem(
      new SampleError('rule-violated', {
        type: 'RaidConducted',
        status: 200,
        code: 'other',
        errors: [{ path: 'x', constraint: 'y', message: 'z' }],
      }),
      context,
    );
    expect(problem).toEqual({
      type: 'urn:operation-timeline:problem:sample.code',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Something specific went wrong',
      instance: '/operations/venetic/events',
      code: 'sample.code',
      eventType: 'RaidConducted',
      errors: [{ path: 'x', constraint: 'y', message: 'z' }],
    });
  });

  it('carries the bearer challenge of an authentication error', () => {
    const error = Object.assign(new SampleError('unauthenticated'), {
      challenge: 'Bearer realm="operation-timeline"',
    });
    expect(toProblem(error, context).headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="operation-timeline"',
    });
  });

  it('recognises the platform body errors Nest re-throws as bare HttpExceptions', () => {
    const cases: [HttpException, number, string, string][] = [
      [
        new HttpException('Request body is too large', 413),
        413,
        'request.body-too-large',
        'The request body exceeds the limit of 1024 bytes',
      ],
      [
        new HttpException('Unsupported Media Type: text/plain', 415),
        415,
        'request.unsupported-media-type',
        'The request body must be JSON: send Content-Type: application/json',
      ],
      [
        new BadRequestException("Body is not valid JSON but content-type is set to 'application/json'"),
        400,
        'request.malformed-json',
        'The request body is not valid JSON',
      ],
      [
        new BadRequestException("Body cannot be empty when content-type is set to 'application/json'"),
        400,
        'request.empty-body',
        'The request body is empty; send a JSON object',
      ],
      [new NotFoundException('Cannot GET /nowhere'), 404, 'http.not-found', 'Cannot GET /nowhere'],
    ];
    for (const [error, status, code, detail] of cases) {
      expect(toProblem(error, context).problem).toMatchObject({
        status,
        code,
        detail,
        type: `urn:operation-timeline:problem:${code}`,
      });
    }
  });

  it('maps Express body-parser errors by their type', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
    });
    const malformed = Object.assign(new SyntaxError('Unexpected token'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(toProblem(tooLarge, context).problem).toMatchObject({
      status: 413,
      code: 'request.body-too-large',
    });
    expect(toProblem(malformed, context).problem).toMatchObject({
      status: 400,
      code: 'request.malformed-json',
    });
  });

  it('answers anything unexpected with a generic 500 that reveals nothing', () => {
    for (const error of [
      new TypeError('Cannot read properties of undefined (reading "x")'),
      'a string',
      new HttpException('database password wrong', 500),
    ]) {
      expect(toProblem(error, context)).toEqual({
        problem: {
          type: 'urn:operation-timeline:problem:internal',
          title: 'Internal Server Error',
          status: 500,
          detail: 'An unexpected error occurred; it has been logged',
          instance: '/operations/venetic/events',
          code: 'internal',
        },
        headers: {},
        unexpected: true,
      });
    }
  });

  it('builds a 405 with the Allow header', () => {
    expect(methodNotAllowed('PUT', ['GET', 'POST'], context)).toEqual({
      problem: {
        type: 'urn:operation-timeline:problem:http.method-not-allowed',
        title: 'Method Not Allowed',
        status: 405,
        detail: 'PUT is not allowed here; allowed: GET, POST',
        instance: '/operations/venetic/events',
        code: 'http.method-not-allowed',
      },
      headers: { Allow: 'GET, POST' },
      unexpected: false,
    });
  });
});

describe('RouteTable', () => {
  it('knows the methods of a concrete path, without OPTIONS', () => {
    const routes = new RouteTable();
    routes.add('POST', '/operations/:operationId/events');
    routes.add('GET', '/operations/:operationId/events');
    routes.add('OPTIONS', '*');
    routes.add('GET', '/health');
    expect(routes.allowedMethods('/operations/venetic/events')).toEqual(['GET', 'POST']);
    expect(routes.allowedMethods('/operations/venetic/events/')).toEqual(['GET', 'POST']);
    expect(routes.allowedMethods('/operations/venetic')).toEqual([]);
    expect(routes.allowedMethods('/health')).toEqual(['GET']);
  });
});
