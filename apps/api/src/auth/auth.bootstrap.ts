import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemType } from '../http/problem-details';
import {
  AuthenticationRequiredError,
  KeySetUnavailableError,
  ROLES,
  TokenVerifier,
  issueToken,
} from '@timeline/auth';
import type { AuthConfiguration } from './auth.config';

/**
 * Routes served by Fastify plugins rather than Nest controllers (the OpenAPI
 * document and its UI) never meet the Nest guard; they are listed here with their
 * policy. The document describes the api and holds no operational data, so it is
 * public: a browser opens /docs and its Authorize button sends the token it is given
 * with each call it tries. Anything else outside Nest controllers is a test failure
 * (auth route-table e2e).
 */
export const NON_CONTROLLER_ROUTES: readonly {
  readonly prefix: string;
  readonly policy: 'public' | 'authenticated';
}[] = [{ prefix: '/docs', policy: 'public' }];

const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'If-Match',
  'If-None-Match',
  'Idempotency-Key',
  'Last-Event-ID',
  'X-Correlation-Id',
];
const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'WWW-Authenticate', 'X-Correlation-Id'];

/**
 * Registers the HTTP-level protections on the Fastify app: helmet headers, the
 * CORS allow-list, authentication of non-controller routes, and, in local
 * development mode, prints ready-to-use tokens. Call once, before `listen`/`init`.
 */
export async function configureSecurity(
  app: NestFastifyApplication,
  config: AuthConfiguration,
): Promise<void> {
  // Built once. (The @fastify/helmet plugin builds helmet's middleware, parsing the
  // CSP directives, on every request: a few per cent of a busy server's time.)
  const securityHeaders = helmet({
    // Scripts only from files the api serves (the dashboard's bundle, the OpenAPI UI's), never
    // inline; the OpenAPI UI's page carries an inline style element, and charts set inline sizes.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:'],
        scriptSrc: [`'self'`],
        frameAncestors: [`'none'`],
      },
    },
    crossOriginResourcePolicy: { policy: config.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
    });
  app.enableCors(
    config.corsOrigins.length === 0
      ? { origin: false }
      : {
          origin: [...config.corsOrigins],
          methods: ['GET', 'POST', 'HEAD', 'OPTIONS'],
          allowedHeaders: CORS_ALLOWED_HEADERS,
          exposedHeaders: CORS_EXPOSED_HEADERS,
          credentials: false,
          maxAge: 600,
        },
  );
  const authenticatedPrefixes = NON_CONTROLLER_ROUTES.filter(({ policy }) => policy === 'authenticated').map(
    ({ prefix }) => prefix,
  );
  // No hook, and no promise per request, while every such route is public.
  if (authenticatedPrefixes.length > 0) authenticateNonControllerRoutes(app, authenticatedPrefixes);
  if (config.localDev) await printLocalDevTokens(config);
}

/** Verifies the bearer token of requests to the routes outside Nest controllers that are not public. */
function authenticateNonControllerRoutes(app: NestFastifyApplication, prefixes: readonly string[]): void {
  const verifier = app.get(TokenVerifier);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0];
      const protectedRoute = prefixes.some(
        (prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`),
      );
      if (!protectedRoute || request.method === 'OPTIONS') return;
      try {
        await verifier.verifyAuthorizationHeader(request.headers.authorization);
      } catch (error: unknown) {
        if (error instanceof AuthenticationRequiredError) {
          return reply
            .code(401)
            .header('WWW-Authenticate', error.challenge)
            .type('application/problem+json')
            .send(problem(401, 'Unauthorized', error.code, error.message, path));
        }
        if (error instanceof KeySetUnavailableError) {
          return reply
            .code(503)
            .header('Retry-After', '5')
            .type('application/problem+json')
            .send(problem(503, 'Service Unavailable', error.code, error.message, path));
        }
        throw error;
      }
    });
}

function problem(status: number, title: string, code: string, detail: string, instance: string) {
  return { type: problemType(code), title, status, detail, instance, code };
}

/** Local development only: one token per role, for the agency NCA, valid 12 hours. */
async function printLocalDevTokens(config: AuthConfiguration): Promise<void> {
  const { key, created } = config.localDev!;
  const lines = [
    '',
    '=== LOCAL DEVELOPMENT MODE (AUTH_MODE=local-dev) — not for real data ===',
    created ? 'A local signing key was created.' : 'Using the existing local signing key.',
    'Bearer tokens for agency NCA, valid 12 hours (more: npm run cli -- token --role <role> --agency <code>):',
  ];
  for (const role of ROLES) {
    const token = await issueToken(key, {
      subject: `local-${role}`,
      agency: 'NCA',
      roles: [role],
      ttlSeconds: 12 * 3600,
    });
    lines.push(`  ${role.padEnd(8)} ${token}`);
  }
  lines.push('');
  // Written straight to stdout rather than the JSON log: a developer copies these by hand.
  process.stdout.write(lines.join('\n') + '\n');
}
