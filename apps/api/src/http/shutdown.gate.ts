import { type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationIdOf } from './correlation-id';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem-details';

/**
 * Turns new requests away once shutdown has begun. Nest runs module destroy
 * hooks before it closes the HTTP server, and the server keeps taking requests
 * until then; from the first hook on, every new request is answered 503 (with
 * `Connection: close`) while the requests already in flight (appends among
 * them) run to completion. The root module's hooks run first, so the gate
 * closes before any other part of the application starts shutting down.
 */
export class ShutdownGate implements OnModuleDestroy {
  private closing = false;

  get isClosing(): boolean {
    return this.closing;
  }

  onModuleDestroy(): void {
    this.closing = true;
  }

  /** Answers the request if shutdown has begun; returns whether it did. */
  refuse(request: IncomingMessage, response: ServerResponse): boolean {
    if (!this.closing) return false;
    const path = (request.url ?? '/').split('?')[0];
    const body = JSON.stringify({
      type: problemType('service.shutting-down'),
      title: 'Service Unavailable',
      status: 503,
      detail: 'The service is shutting down; retry against another instance or shortly',
      instance: path,
      code: 'service.shutting-down',
    });
    const correlationId = correlationIdOf(request);
    response.writeHead(503, {
      'Content-Type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
      'Retry-After': '5',
      ...(correlationId === undefined ? {} : { 'X-Correlation-Id': correlationId }),
    });
    response.end(body);
    return true;
  }
}
