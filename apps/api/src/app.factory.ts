import { ConsoleLogger, type INestApplication, type LoggerService } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule, type AppModuleOptions } from './app.module';
import { configureSecurity } from './auth/auth.bootstrap';
import type { ApiConfig } from './config/api.config';
import { setUpOpenApi } from './docs/openapi.setup';
import { checkBodyEncoding, parseJsonBody } from './http/json-body';
import { answerClientError, answerFrameworkError } from './http/platform-refusals';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { trackRequest } from './http/request-logging';
import { RouteTable } from './http/route-table';
import { ShutdownGate } from './http/shutdown.gate';

export interface CreateAppOptions extends AppModuleOptions {
  /** Default: structured JSON lines on stdout at the configured levels. */
  readonly logger?: LoggerService;
  /**
   * The HTTP platform. Default Fastify (measured faster for this app, see bench:http);
   * any other adapter (Express) is supported for comparison only.
   */
  readonly httpAdapter?: AbstractHttpAdapter;
}

/** Structured JSON log lines (one object per line) at the configured levels. */
export function jsonLogger(config: ApiConfig): LoggerService {
  return new ConsoleLogger({ json: true, logLevels: [...config.logLevels] });
}

/**
 * The Fastify adapter every api instance runs on: its body limit, and refusals
 * before routing (and before there is a request at all) as problem documents.
 */
export function createFastifyAdapter(config: ApiConfig, logger: LoggerService): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: answerFrameworkError(logger),
    clientErrorHandler: answerClientError,
  });
}

/**
 * Builds the api, initialised and ready to listen: the modules, the one problem
 * filter, request tracking (correlation id and one log line per request), the
 * OpenAPI document and shutdown hooks.
 */
export async function createApp(config: ApiConfig, options: CreateAppOptions): Promise<INestApplication> {
  const logger = options.logger ?? jsonLogger(config);
  const routes = new RouteTable();
  const adapter = options.httpAdapter ?? createFastifyAdapter(config, logger);
  const gate = new ShutdownGate();
  const module = AppModule.forRoot(config, { ...options, shutdownGate: gate });

  let app: INestApplication;
  if (adapter instanceof FastifyAdapter) {
    const fastify = adapter.getInstance();
    // Bodies are JSON only: anything else is 415, not parsed as text.
    fastify.removeContentTypeParser(['text/plain', 'application/json']);
    // Strict JSON: a key given twice or a prototype key is refused with its path (see http/json-body.ts).
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      try {
        checkBodyEncoding(request.headers);
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.add(method, route.url);
    });
    fastify.addHook('onRequest', (request, reply, done) => {
      trackRequest(request.raw, reply.raw, logger);
      if (gate.refuse(request.raw, reply.raw)) {
        // Answered on the raw response: tell Fastify not to send anything more.
        reply.hijack();
        return;
      }
      done();
    });
    // Fastify's own JSON parser only: Nest's body parsers would add url-encoded forms, which this api never takes.
    const fastifyApp = await NestFactory.create<NestFastifyApplication>(module, adapter, {
      logger,
      abortOnError: false,
      bodyParser: false,
    });
    // Helmet, CORS allow-list, authentication of the OpenAPI routes (Express is a benchmark comparison only).
    await configureSecurity(fastifyApp, options.auth);
    app = fastifyApp;
  } else {
    app = await NestFactory.create(module, adapter, { logger, abortOnError: false, bodyParser: false });
    app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
      trackRequest(request, response, logger);
      if (!gate.refuse(request, response)) next();
    });
    (app as unknown as { useBodyParser(type: string, options: object): void }).useBodyParser('json', {
      limit: config.bodyLimitBytes,
    });
  }
  app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost), routes, config.bodyLimitBytes));
  setUpOpenApi(app, config);
  app.enableShutdownHooks();
  await app.init();
  if (adapter instanceof FastifyAdapter) await adapter.getInstance().ready();
  return app;
}
