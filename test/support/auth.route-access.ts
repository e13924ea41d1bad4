/**
 * The authorization table: for every route the api serves, who may call it,
 * whether it is scoped to one operation, a concrete request and the status a
 * permitted caller gets. test/auth.e2e-spec.ts enumerates the router and fails
 * for any route missing here (or any entry without a route), then checks every
 * route against every kind of caller. A new route is not done until it has a line.
 */
import type { Role } from '@timeline/auth';
import type { RouteKey } from './auth.app';

export interface RouteAccess {
  /**
   * `public`: anyone, no credential; `authenticated`: any valid token;
   * roles: a valid token holding one of them; `preflight`: CORS preflight only.
   */
  readonly access: 'public' | 'authenticated' | 'preflight' | readonly Role[];
  /** `operation`: a principal whose agency takes no part in the operation gets 404, as if it did not exist. */
  readonly scope: 'operation' | 'global';
  /** A concrete request. The matrix's operation is `venetic` (NCA leads, NWP joined; GMP takes no part). */
  readonly path: string;
  readonly method?: string;
  /** The body of each call (called per request: writes need fresh event ids). */
  readonly body?: () => unknown;
  /** What a permitted caller gets. */
  readonly ok: number;
}

export interface MatrixFixture {
  /** An event of `venetic`, for routes naming one. */
  readonly eventId: string;
  /** A fresh threat-to-life reference for each write. */
  nextReference(): string;
}

// The OpenAPI document and its UI describe the api and hold no operational data: open to a browser.
const docs = (path: string): RouteAccess => ({ access: 'public', scope: 'global', path, ok: 200 });

export function routeAccessTable(fixture: MatrixFixture): Record<RouteKey, RouteAccess> {
  return {
    'GET /health': { access: 'public', scope: 'global', path: '/health', ok: 200 },
    // The dashboard's page and its bundled files (built by the tests' global set-up): no operational data.
    'GET /': { access: 'public', scope: 'global', path: '/', ok: 200 },
    'GET /dashboard/:asset': {
      access: 'public',
      scope: 'global',
      path: '/dashboard/no-such-file.js',
      ok: 404,
    },
    'OPTIONS *': { access: 'preflight', scope: 'global', path: '/operations/venetic/events', ok: 204 },

    'POST /operations/:operationId/events': {
      access: ['recorder'],
      scope: 'operation',
      path: '/operations/venetic/events',
      body: () => ({
        events: [
          {
            type: 'ThreatToLifeMitigated',
            occurredAt: '2020-06-13T06:00:00Z',
            data: { ttlId: fixture.nextReference(), action: 'warning-notice', force: 'NCA' },
          },
        ],
      }),
      ok: 201,
    },

    'GET /operations/:operationId/events': {
      access: ['auditor'],
      scope: 'operation',
      path: '/operations/venetic/events',
      ok: 200,
    },
    'GET /operations/:operationId/events/:eventId/lineage': {
      access: ['auditor'],
      scope: 'operation',
      path: `/operations/venetic/events/${fixture.eventId}/lineage`,
      ok: 200,
    },
    'GET /operations/:operationId/verify': {
      access: ['auditor'],
      scope: 'operation',
      path: '/operations/venetic/verify',
      ok: 200,
    },
    'GET /operations/:operationId/export': {
      access: ['auditor'],
      scope: 'operation',
      path: '/operations/venetic/export',
      ok: 200,
    },
    'GET /operations/:operationId/events/:eventId/proof': {
      access: ['auditor'],
      scope: 'operation',
      path: `/operations/venetic/events/${fixture.eventId}/proof`,
      ok: 200,
    },
    // The matrix's api has no tree-head signing key: the tree and its proofs are served, heads are not signed.
    'GET /transparency': { access: ['auditor', 'admin'], scope: 'global', path: '/transparency', ok: 200 },
    'GET /transparency/key': {
      access: ['auditor', 'admin'],
      scope: 'global',
      path: '/transparency/key',
      ok: 409,
    },
    'GET /transparency/heads/latest': {
      access: ['auditor', 'admin'],
      scope: 'global',
      path: '/transparency/heads/latest',
      ok: 404,
    },
    'POST /transparency/heads': {
      access: ['auditor', 'admin'],
      scope: 'global',
      path: '/transparency/heads',
      method: 'POST',
      ok: 409,
    },
    'GET /transparency/consistency': {
      access: ['auditor', 'admin'],
      scope: 'global',
      path: '/transparency/consistency?from=1',
      ok: 200,
    },
    'GET /events': { access: ['auditor'], scope: 'global', path: '/events', ok: 200 },
    'GET /verify': { access: ['auditor'], scope: 'global', path: '/verify', ok: 200 },
    'GET /audit/access': { access: ['auditor'], scope: 'global', path: '/audit/access', ok: 200 },
    'GET /metrics': { access: ['admin'], scope: 'global', path: '/metrics', ok: 200 },
    'GET /health/details': { access: ['admin'], scope: 'global', path: '/health/details', ok: 200 },
    'GET /projections/:name': { access: ['admin'], scope: 'global', path: '/projections/timeline', ok: 200 },
    'POST /projections/:name/rebuild': {
      access: ['admin'],
      scope: 'global',
      path: '/projections/timeline/rebuild',
      ok: 202,
    },

    'GET /operations': {
      access: ['recorder', 'analyst', 'auditor'],
      scope: 'global',
      path: '/operations',
      ok: 200,
    },
    'GET /picture': { access: ['analyst', 'auditor'], scope: 'global', path: '/picture', ok: 200 },
    'GET /operations/:operationId/picture': {
      access: ['analyst', 'auditor'],
      scope: 'operation',
      path: '/operations/venetic/picture',
      ok: 200,
    },
    'GET /operations/:operationId/timeline': {
      access: ['analyst', 'auditor'],
      scope: 'operation',
      path: '/operations/venetic/timeline',
      ok: 200,
    },
    'GET /operations/:operationId/timeline/daily': {
      access: ['analyst', 'auditor'],
      scope: 'operation',
      path: '/operations/venetic/timeline/daily',
      ok: 200,
    },
    'GET /events/live': { access: ['analyst', 'auditor'], scope: 'global', path: '/events/live', ok: 200 },
    'GET /operations/:operationId/timeline/live': {
      access: ['analyst', 'auditor'],
      scope: 'operation',
      path: '/operations/venetic/timeline/live',
      ok: 200,
    },
    'GET /operations/:operationId/picture/live': {
      access: ['analyst', 'auditor'],
      scope: 'operation',
      path: '/operations/venetic/picture/live',
      ok: 200,
    },

    'GET /auth/me': {
      access: ['recorder', 'analyst', 'auditor', 'admin'],
      scope: 'global',
      path: '/auth/me',
      ok: 200,
    },

    'GET /docs': docs('/docs'),
    'GET /docs/': docs('/docs/'),
    'GET /docs/*': docs('/docs/swagger-ui.css'),
    'GET /docs/index.html': docs('/docs/index.html'),
    // Registered by the OpenAPI UI plugin, but the file is not shipped in swagger-ui-dist: 404.
    'GET /docs/LICENSE': { ...docs('/docs/LICENSE'), ok: 404 },
    'GET /docs/swagger-ui-init.js': docs('/docs/swagger-ui-init.js'),
    'GET /docs/docs/swagger-ui-init.js': docs('/docs/docs/swagger-ui-init.js'),
    'GET /docs-json': docs('/docs-json'),
    'GET /docs-yaml': docs('/docs-yaml'),
  };
}
