import { type ArgumentsHost, Catch, type ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { correlationIdOf } from './correlation-id';
import { methodNotAllowed, PROBLEM_CONTENT_TYPE, toProblem, type MappedProblem } from './problem-details';
import type { RouteTable } from './route-table';

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The one exception filter: everything thrown while serving a request becomes an
 * `application/problem+json` answer (RFC 9457). Unexpected errors are logged with
 * the request's correlation id and answered with a generic 500, never a stack.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: RouteTable,
    private readonly bodyLimitBytes: number,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<RequestLike>();
    const response = http.getResponse<unknown>();
    const mapped = this.map(exception, request);
    if (mapped.unexpected) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        {
          msg: 'unexpected error',
          correlationId: correlationIdOf(request),
          method: request.method,
          url: request.url,
          error: error.message,
        },
        error.stack,
      );
    }
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Content-Type', PROBLEM_CONTENT_TYPE);
    for (const [name, value] of Object.entries(mapped.headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, JSON.stringify(mapped.problem), mapped.problem.status);
  }

  private map(exception: unknown, request: RequestLike): MappedProblem {
    const path = (request.url ?? '/').split('?')[0];
    const context = {
      instance: path,
      conditional: request.headers?.['if-match'] !== undefined,
      bodyLimitBytes: this.bodyLimitBytes,
    };
    if (exception instanceof NotFoundException && request.method !== undefined) {
      const allowed = this.routes.allowedMethods(path);
      if (allowed.length > 0 && !allowed.includes(request.method.toUpperCase())) {
        return methodNotAllowed(request.method.toUpperCase(), allowed, context);
      }
    }
    return toProblem(exception, context);
  }
}
