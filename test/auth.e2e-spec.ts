import { ModulesContainer } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import launchExample from '../events/catalogue/OperationLaunched/v1.example.json';
import joinExample from '../events/catalogue/AgencyJoined/v1.example.json';
import { ACCESS_POLICY } from '../apps/api/src/auth/access-policy.decorator';
import { ROLES, type Role } from '@timeline/auth';
import { startSecuredApp, type RouteKey, type SecuredTestApp } from './support/auth.app';
import { routeAccessTable, type RouteAccess } from './support/auth.route-access';
import { bearerFor, hostileAuthorizations } from './support/auth.tokens';

const LAUNCH_ID = '0190b000-0000-7000-8000-000000000001';

type Caller =
  | { readonly kind: 'hostile'; readonly name: string; readonly authorization: string | undefined }
  | { readonly kind: 'principal'; readonly role: Role; readonly agency: 'NCA' | 'NWP' | 'GMP' };

/** The status the table promises a caller. */
function expectedStatus(route: RouteAccess, caller: Caller): number {
  if (route.access === 'public') return route.ok;
  if (caller.kind === 'hostile') return 401;
  if (route.access === 'authenticated') return route.ok;
  if (route.access === 'preflight') throw new Error('preflights are checked on their own');
  if (!route.access.includes(caller.role)) return 403;
  if (route.scope === 'operation' && caller.agency === 'GMP') return 404;
  return route.ok;
}

describe('authorization over every route', () => {
  let api: SecuredTestApp;
  let reference = 0;
  const table = routeAccessTable({ eventId: LAUNCH_ID, nextReference: () => `TTL-MATRIX-${++reference}` });

  beforeAll(async () => {
    api = await startSecuredApp({
      RATE_LIMIT_REQUESTS: '100000',
      AUTH_FAILURES_LIMIT: '100000',
      SSE_MAX_CONNECTIONS_PER_PRINCIPAL: '3',
      CORS_ALLOWED_ORIGINS: 'https://dashboard.example.org',
    });
    const launch = await api.fetch(
      'POST',
      '/operations/venetic/events',
      { authorization: bearerFor({ role: 'recorder', agency: 'NCA' }) },
      {
        events: [
          {
            eventId: LAUNCH_ID,
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: launchExample,
          },
          { type: 'AgencyJoined', occurredAt: '2020-04-01T08:00:00Z', data: joinExample },
        ],
      },
    );
    expect([launch.status, launch.text]).toEqual([201, expect.any(String)]);
  }, 60_000);

  afterAll(() => api?.close());

  it('knows every route the router serves, and nothing else', () => {
    const served = [...new Set(api.routes)].sort();
    expect(served).toEqual(Object.keys(table).sort());
  });

  it('finds an access policy on every controller route (deny by default otherwise)', () => {
    const unguarded: string[] = [];
    let handlers = 0;
    for (const module of api.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (!controller) continue;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (name === 'constructor' || typeof handler !== 'function') continue;
          if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          handlers++;
          const policy =
            Reflect.getMetadata(ACCESS_POLICY, handler) ?? Reflect.getMetadata(ACCESS_POLICY, controller);
          if (policy === undefined) {
            unguarded.push(
              `${controller.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
            );
          }
        }
      }
    }
    expect(handlers).toBeGreaterThanOrEqual(9);
    expect(unguarded).toEqual([]);
  });

  const hostile: Caller[] = Object.entries(hostileAuthorizations({ role: 'auditor', agency: 'NCA' })).map(
    ([name, authorization]) => ({ kind: 'hostile', name, authorization }),
  );
  const principals: Caller[] = (['NCA', 'NWP', 'GMP'] as const).flatMap((agency) =>
    ROLES.map((role) => ({ kind: 'principal' as const, role, agency })),
  );

  it('answers every route × caller with the exact status of the table', async () => {
    const cells: string[] = [];
    const mismatches: string[] = [];
    for (const [key, route] of Object.entries(table) as [RouteKey, RouteAccess][]) {
      if (route.access === 'preflight') continue;
      const method = key.split(' ')[0];
      for (const caller of [...hostile, ...principals]) {
        const authorization =
          caller.kind === 'hostile'
            ? caller.authorization
            : bearerFor({ role: caller.role, agency: caller.agency });
        const status = await api.statusOf(method, route.path, { authorization }, route.body?.());
        const label = caller.kind === 'hostile' ? caller.name : `${caller.role}@${caller.agency}`;
        const expected = expectedStatus(route, caller);
        cells.push(`${key} ${label}`);
        if (status !== expected) mismatches.push(`${key} as ${label}: expected ${expected}, got ${status}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(cells.length).toBe((Object.keys(table).length - 1) * (hostile.length + principals.length));
  }, 120_000);

  it('treats HEAD like GET', async () => {
    expect(await api.statusOf('HEAD', '/operations/venetic/events')).toBe(401);
    expect(
      await api.statusOf('HEAD', '/operations/venetic/events', {
        authorization: bearerFor({ role: 'analyst', agency: 'NCA' }),
      }),
    ).toBe(403);
    expect(
      await api.statusOf('HEAD', '/operations/venetic/events', {
        authorization: bearerFor({ role: 'auditor', agency: 'GMP' }),
      }),
    ).toBe(404);
    expect(
      await api.statusOf('HEAD', '/operations/venetic/events', {
        authorization: bearerFor({ role: 'auditor', agency: 'NWP' }),
      }),
    ).toBe(200);
  });

  it('answers CORS preflights for the allowed origin only, without a credential', async () => {
    const allowed = await api.fetch('OPTIONS', '/operations/venetic/events', {
      origin: 'https://dashboard.example.org',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dashboard.example.org');
    const foreign = await api.fetch('OPTIONS', '/operations/venetic/events', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never says whether an operation it hides exists', async () => {
    const gmp = { authorization: bearerFor({ role: 'auditor', agency: 'GMP' }) };
    for (const suffix of [
      'events',
      'verify',
      'export',
      `events/${LAUNCH_ID}/lineage`,
      'picture',
      'timeline',
      'timeline/daily',
    ]) {
      const hidden = await api.fetch('GET', `/operations/venetic/${suffix}`, gmp);
      const missing = await api.fetch('GET', `/operations/no-such-op/${suffix}`, gmp);
      const strip = (text: string) => text.replaceAll('no-such-op', 'venetic');
      expect([hidden.status, hidden.text]).toEqual([404, strip(missing.text)]);
    }
  });

  it('caps the live connections each principal holds at once', async () => {
    const screen = { authorization: bearerFor({ role: 'analyst', agency: 'NCA', subject: 'wall-screen' }) };
    const held = await Promise.all([
      api.open('/events/live', screen),
      api.open('/operations/venetic/timeline/live', screen),
      api.open('/operations/venetic/picture/live', screen),
    ]);
    expect(held.map((stream) => stream.status)).toEqual([200, 200, 200]);
    const refused = await api.fetch('GET', '/events/live', screen);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.text)).toMatchObject({
      code: 'auth.too-many-live-connections',
      detail: 'At most 3 live connections are allowed per principal; close one before opening another',
    });
    const colleague = await api.open('/events/live', {
      authorization: bearerFor({ role: 'analyst', agency: 'NCA', subject: 'desk-2' }),
    });
    expect(colleague.status).toBe(200);
    colleague.close();
    held[0].close();
    // The slot is freed when the server sees the connection go.
    let reopened = 0;
    for (let attempt = 0; attempt < 50 && reopened !== 200; attempt++) {
      const stream = await api.open('/events/live', screen);
      reopened = stream.status;
      if (reopened === 200) stream.close();
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(reopened).toBe(200);
    held.slice(1).forEach((stream) => stream.close());
  });

  it('stamps the credential, not the body, as who recorded an event', async () => {
    const response = await api.fetch(
      'POST',
      '/operations/venetic/events',
      { authorization: bearerFor({ role: 'recorder', agency: 'NWP', subject: 'officer-nwp-7' }) },
      {
        events: [
          {
            type: 'ThreatToLifeMitigated',
            occurredAt: '2020-06-14T06:00:00Z',
            data: { ttlId: 'TTL-STAMP-1', action: 'disruption-notice', force: 'NWP' },
            recordedBy: 'someone-else',
            agency: 'NCA',
          },
        ],
      },
    );
    // Server-owned envelope fields in the body are refused outright.
    expect(response.status).toBe(400);
    const clean = await api.fetch(
      'POST',
      '/operations/venetic/events',
      { authorization: bearerFor({ role: 'recorder', agency: 'NWP', subject: 'officer-nwp-7' }) },
      {
        events: [
          {
            type: 'ThreatToLifeMitigated',
            occurredAt: '2020-06-14T06:00:00Z',
            data: { ttlId: 'TTL-STAMP-1', action: 'disruption-notice', force: 'NWP' },
          },
        ],
      },
    );
    expect(clean.status).toBe(201);
    const history = await api.fetch('GET', '/operations/venetic/events?direction=backwards&limit=1', {
      authorization: bearerFor({ role: 'auditor', agency: 'NCA' }),
    });
    const [last] = JSON.parse(history.text).events;
    expect([last.recordedBy, last.agency, last.data.ttlId]).toEqual(['officer-nwp-7', 'NWP', 'TTL-STAMP-1']);
  });
});
