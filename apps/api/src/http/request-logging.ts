import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignCorrelationId, CORRELATION_ID_HEADER } from './correlation-id';

/**
 * Called for every request before routing, on the raw Node objects so that it
 * works the same on every HTTP platform: settles the correlation id, echoes it,
 * and logs one structured line when the response is finished (or abandoned).
 */
export function trackRequest(
  request: IncomingMessage,
  response: ServerResponse,
  logger: LoggerService,
): void {
  const started = process.hrtime.bigint();
  const correlationId = assignCorrelationId(request);
  response.setHeader(CORRELATION_ID_HEADER, correlationId);
  let logged = false;
  const log = (): void => {
    if (logged) return;
    logged = true;
    logger.log(
      {
        msg: 'request',
        method: request.method,
        url: request.url,
        status: response.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        correlationId,
        ...(response.writableFinished ? {} : { aborted: true }),
      },
      'Http',
    );
  };
  response.once('finish', log);
  response.once('close', log);
}
