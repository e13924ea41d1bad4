import { type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlationIdOf } from './correlation-id';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem-details';

/** Methods that write nothing: never waited for (a live stream is a GET that lasts). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The longest the gate waits for writes in flight at shutdown. */
const DRAIN_BOUND_MS = 5_000;

/**
 * Turns new requests away once shutdown has begun. Nest runs module destroy
 * hooks before it closes the HTTP server, and the server keeps taking requests
 * until then; from the first hook on, every new request is answered 503 (with
 * `Connection: close`) while the requests already in flight (appends among
 * them) run to completion. The root module's hooks run first, so the gate
 * closes before any other part of the application starts shutting down, and it
 * waits (up to DRAIN_BOUND_MS) for the writes in flight to be answered, so that
 * what shuts down after it (live streams, the projections' last checkpoints)
 * sees every acknowledged write.
 */
export class ShutdownGate implements OnModuleDestroy {
  private closing = false;
  private writesInFlight = 0;
  private drained: (() => void) | null = null;

  get isClosing(): boolean {
    return this.closing;
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    if (this.writesInFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DRAIN_BOUND_MS);
      timer.unref();
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Answers the request if shutdown has begun; returns whether it did. */
  refuse(request: IncomingMessage, response: ServerResponse): boolean {
    if (!this.closing) {
      if (!READS.has(request.method ?? 'GET')) this.track(response);
      return false;
    }
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

  private track(response: ServerResponse): void {
    this.writesInFlight++;
    response.once('close', () => {
      this.writesInFlight--;
      if (this.writesInFlight === 0) this.drained?.();
    });
  }
}
