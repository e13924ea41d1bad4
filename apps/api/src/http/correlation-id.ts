import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What a client may send as a correlation id; anything else is replaced rather than echoed into logs. */
const ACCEPTABLE = /^[A-Za-z0-9._:/-]{1,128}$/;

const KEY = Symbol('correlationId');

type Tagged = IncomingMessage & { [KEY]?: string };

/** Settles the request's correlation id (the client's if acceptable, else a new UUID) and remembers it. */
export function assignCorrelationId(request: IncomingMessage): string {
  const header = request.headers[CORRELATION_ID_HEADER];
  const id = typeof header === 'string' && ACCEPTABLE.test(header) ? header : randomUUID();
  (request as Tagged)[KEY] = id;
  return id;
}

/**
 * The correlation id of a request, from the platform request (Fastify wraps the
 * Node request in `raw`; Express extends it).
 */
export function correlationIdOf(request: unknown): string | undefined {
  const raw = ((request as { raw?: IncomingMessage }).raw ?? request) as Tagged;
  return raw[KEY];
}

/** The request's correlation id (settled before routing by trackRequest). */
export const CorrelationId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<unknown>();
  // Requests are tracked before routing; an untracked one (a test calling the handler directly) gets its own id.
  return correlationIdOf(request) ?? randomUUID();
});
