import type { LoggerService } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';
import { trackRequest } from './request-logging';

/**
 * Fastify's `frameworkErrors`: what its router refuses before any route or hook
 * runs (a path parameter over `maxParamLength`, a malformed percent-encoding) is
 * answered as a problem document like every other refusal, with a correlation id
 * and its log line.
 */
export function answerFrameworkError(logger: LoggerService) {
  return (error: Error, request: FastifyRequest, reply: FastifyReply): void => {
    trackRequest(request.raw, reply.raw, logger);
    const mapped = toProblem(error, {
      instance: (request.raw.url ?? '/').split('?')[0],
      conditional: false,
    });
    void reply
      .code(mapped.problem.status)
      .headers({ ...mapped.headers, 'Content-Type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(mapped.problem));
  };
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is
 * a request at all (headers or request line over 16 KiB, a timeout, bytes that are
 * not HTTP). Written on the socket, which is then closed, as Node itself does.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const { problem } = toProblem(
    { statusCode: status, code: error.code, message: 'The request is not valid HTTP' },
    // There is no request line to name: the problem concerns the connection.
    { instance: '', conditional: false },
  );
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
