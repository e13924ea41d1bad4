import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@timeline/application';
import { createApp, createFastifyAdapter } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { testAuthEnvironment } from './auth.tokens';

/** A route as the HTTP platform registered it: `GET /operations/:operationId/events`. */
export type RouteKey = `${string} ${string}`;

export interface SecuredTestApp {
  readonly app: INestApplication;
  /** Every route the Fastify instance registered, HEAD routes aside (they share their GET's handler and guard). */
  readonly routes: readonly RouteKey[];
  /** Sends one request and resolves with its status once the headers arrive (so live streams work too). */
  statusOf(
    method: string,
    path: string,
    headers?: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<number>;
  /** Sends one request and reads the whole body (not for live streams). */
  fetch(
    method: string,
    path: string,
    headers?: Record<string, string | undefined>,
    body?: unknown,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
  /**
   * Opens a live stream and collects its text; `close()` ends it (and frees the
   * principal's live-connection slot on the server).
   */
  open(path: string, headers?: Record<string, string | undefined>): Promise<LiveStream>;
  close(): Promise<void>;
}

export interface LiveStream {
  readonly status: number;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the received text satisfies the predicate; rejects after the timeout. */
  until(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

/**
 * The real api — AppModule exactly as production assembles it, with the
 * operation decider — on a fresh SQLite store, listening on an ephemeral port,
 * trusting the test signing key, with the route table captured as Fastify sees it.
 */
export async function startSecuredApp(
  env: Record<string, string> = {},
  options: { readonly clock?: Clock } = {},
): Promise<SecuredTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-auth-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', ...env, DATA_DIR: dataDir });
  const logger = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const adapter = createFastifyAdapter(config, logger);
  const routes: RouteKey[] = [];
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  const app = await createApp(config, {
    auth: readAuthConfiguration({ ...testAuthEnvironment(), ...env }, dataDir),
    clock: options.clock,
    httpAdapter: adapter,
    logger,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;

  function send(
    method: string,
    path: string,
    headers: Record<string, string | undefined>,
    body: unknown,
    whole: boolean,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const defined = Object.fromEntries(
        Object.entries(headers).filter(([, value]) => value !== undefined),
      ) as Record<string, string>;
      const call = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: payload === undefined ? defined : { ...defined, 'content-type': 'application/json' },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (!whole) {
            response.destroy();
            resolve({ status, headers: response.headers, text: '' });
            return;
          }
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      call.on('error', (error: NodeJS.ErrnoException) => {
        // Destroying a live response after its headers may surface as a reset: the status is already known.
        if (error.code !== 'ECONNRESET') reject(error);
      });
      if (payload !== undefined) call.write(payload);
      call.end();
    });
  }

  function open(path: string, headers: Record<string, string | undefined> = {}): Promise<LiveStream> {
    return new Promise((resolve, reject) => {
      const defined = Object.fromEntries(
        Object.entries(headers).filter(([, value]) => value !== undefined),
      ) as Record<string, string>;
      const call = httpRequest(
        { host: '127.0.0.1', port, method: 'GET', path, headers: defined },
        (response) => {
          let received = '';
          const waiters: (() => void)[] = [];
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            received += chunk;
            waiters.splice(0).forEach((wake) => wake());
          });
          response.on('error', () => undefined);
          resolve({
            status: response.statusCode ?? 0,
            text: () => received,
            until: (predicate, timeoutMs = 10_000) =>
              new Promise<string>((done, fail) => {
                const deadline = setTimeout(
                  () => fail(new Error(`stream ${path} did not deliver in time:\n${received}`)),
                  timeoutMs,
                );
                const check = () => {
                  if (predicate(received)) {
                    clearTimeout(deadline);
                    done(received);
                  } else waiters.push(check);
                };
                check();
              }),
            close: () => response.destroy(),
          });
        },
      );
      call.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET') reject(error);
      });
      call.end();
    });
  }

  return {
    app,
    routes,
    open,
    statusOf: async (method, path, headers = {}, body) =>
      (await send(method, path, headers, body, false)).status,
    fetch: (method, path, headers = {}, body) => send(method, path, headers, body, true),
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
