import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SkipThrottle, Throttle } from '@nestjs/throttler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createEventStore, EVENT_STORE, EventStoreModule, type EventStore } from '@timeline/event-store';
import { launchesOperation } from '@timeline/application';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { RouteTable } from '../http/route-table';
import { bearerFor, hostileAuthorizations, testAuthEnvironment } from '../../../../test/support/auth.tokens';
import { Allow, AllowOnOperation, AuditAccess, Public } from './access-policy.decorator';
import { configureSecurity } from './auth.bootstrap';
import { readAuthConfiguration } from './auth.config';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, OptionalPrincipal } from './current-principal.decorator';
import type { Principal } from '@timeline/auth';

@Controller()
class ProbeController {
  @Get('probe/public')
  @Public()
  open() {
    return { ok: true };
  }

  @Get('probe/public-whoami')
  @Public()
  whoami(@OptionalPrincipal() principal: Principal | null) {
    return { principal };
  }

  @Get('probe/unguarded')
  unguarded() {
    return { reached: true };
  }

  @Get('probe/analyst')
  @Allow('analyst')
  analyst(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Get('probe/throttled')
  @Allow('analyst')
  @Throttle({ default: { limit: 2, ttl: 60_000 } })
  throttled() {
    return { ok: true };
  }

  @Get('probe/unthrottled')
  @Allow('analyst')
  @SkipThrottle()
  unthrottled() {
    return { ok: true };
  }

  @Get('operations/:operationId/probe')
  @AllowOnOperation(['analyst'])
  read(@Param('operationId') operationId: string) {
    return { operationId };
  }

  @Post('operations/:operationId/probe')
  @HttpCode(201)
  @AllowOnOperation(['recorder'], { createsOperation: launchesOperation })
  write(@Param('operationId') operationId: string, @CurrentPrincipal() principal: Principal) {
    return { operationId, recordedBy: principal.subject, agency: principal.agency };
  }

  @Get('operations/:operationId/history-probe')
  @AllowOnOperation(['auditor'])
  @AuditAccess('history.read')
  history(@Param('operationId') operationId: string) {
    return { operationId };
  }
}

const nca = (role: Principal['roles'][number]) => ({ role, agency: 'NCA' });
const gmp = (role: Principal['roles'][number]) => ({ role, agency: 'GMP' });

describe('AuthGuard over HTTP', () => {
  let dir: string;
  let app: NestFastifyApplication;
  let store: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-guard-'));
    const auth = readAuthConfiguration(
      {
        ...testAuthEnvironment(),
        RATE_LIMIT_REQUESTS: '40',
        RATE_LIMIT_WINDOW_SECONDS: '60',
        CORS_ALLOWED_ORIGINS: 'https://dashboard.example.org',
      },
      dir,
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot({ kind: 'sqlite', file: join(dir, 'events.db') }),
        AuthModule.forRoot({
          options: auth.options,
          openAccessAuditStore: () =>
            createEventStore({ kind: 'sqlite', file: join(dir, 'access-audit.db') }),
        }),
      ],
      controllers: [ProbeController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter(app.get(HttpAdapterHost), new RouteTable(), 1 << 20));
    await configureSecurity(app, auth);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    store = app.get(EVENT_STORE);
    await store.append('operation-venetic', [
      {
        eventId: '0190a0a0-0000-7000-8000-000000000001',
        type: 'OperationLaunched',
        data: { codename: 'VENETIC', leadAgency: 'NCA' },
        metadata: { agency: 'NCA' },
      },
      {
        eventId: '0190a0a0-0000-7000-8000-000000000002',
        type: 'AgencyJoined',
        data: { agency: 'NWP', region: 'wales' },
        metadata: { agency: 'NCA' },
      },
    ]);
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request(app.getHttpServer());

  it('serves a public route without a credential, with helmet headers', async () => {
    const response = await http().get('/probe/public').expect(200);
    expect(response.body).toEqual({ ok: true });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('tells a public route who calls when the token is valid, and ignores a bad one there', async () => {
    await http().get('/probe/public-whoami').expect(200, { principal: null });
    await http()
      .get('/probe/public-whoami')
      .set('Authorization', bearerFor({ role: 'admin', agency: 'NCA', subject: 'ops-admin' }))
      .expect(200, { principal: { subject: 'ops-admin', agency: 'NCA', roles: ['admin'] } });
    await http()
      .get('/probe/public-whoami')
      .set('Authorization', bearerFor(nca('admin'), { claims: { aud: 'elsewhere' } }))
      .expect(200, { principal: null });
  });

  it('closes a route that declares no policy, even to a valid principal', async () => {
    const response = await http()
      .get('/probe/unguarded')
      .set('Authorization', bearerFor(nca('admin')))
      .expect(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 403, code: 'auth.no-policy' });
    expect(response.body).not.toHaveProperty('reached');
  });

  it.each(Object.entries(hostileAuthorizations(nca('analyst'))))(
    'answers 401 problem+json with a Bearer challenge to: %s',
    async (_name, authorization) => {
      const call = http().get('/probe/analyst');
      if (authorization !== undefined) call.set('Authorization', authorization);
      const response = await call.expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="operation-timeline"/);
      expect(response.body.status).toBe(401);
      expect(response.body.code).toMatch(
        /^auth\.(token-missing|token-invalid|token-expired|claims-invalid)$/,
      );
    },
  );

  it('tells a caller who it is taken to be', async () => {
    await http()
      .get('/auth/me')
      .set('Authorization', bearerFor({ role: ['auditor', 'admin'], agency: 'NWP', subject: 'oversight-1' }))
      .expect(200, { subject: 'oversight-1', agency: 'NWP', roles: ['auditor', 'admin'] });
  });

  it('gives the route the principal of the token and refuses other roles with 403', async () => {
    await http()
      .get('/probe/analyst')
      .set('Authorization', bearerFor({ role: 'analyst', agency: 'NWP', subject: 'analyst-7' }))
      .expect(200, { subject: 'analyst-7', agency: 'NWP', roles: ['analyst'] });
    const refused = await http()
      .get('/probe/analyst')
      .set('Authorization', bearerFor(nca('recorder')))
      .expect(403);
    expect(refused.body).toMatchObject({
      code: 'auth.forbidden',
      detail: 'This route requires the role analyst',
    });
  });

  it('answers 404 for an operation of other agencies exactly as for one that does not exist', async () => {
    await http()
      .get('/operations/venetic/probe')
      .set('Authorization', bearerFor(nca('analyst')))
      .expect(200);
    await http()
      .get('/operations/venetic/probe')
      .set('Authorization', bearerFor({ role: 'analyst', agency: 'NWP' }))
      .expect(200);
    const hidden = await http()
      .get('/operations/venetic/probe')
      .set('Authorization', bearerFor(gmp('analyst')))
      .expect(404);
    const missing = await http()
      .get('/operations/venetix/probe')
      .set('Authorization', bearerFor(gmp('analyst')))
      .expect(404);
    expect(hidden.body).toEqual({
      ...missing.body,
      instance: '/operations/venetic/probe',
      detail: 'Operation venetic was not found',
      operationId: 'venetic',
    });
    expect(missing.body).toMatchObject({
      code: 'operation.not-found',
      detail: 'Operation venetix was not found',
    });
  });

  it('lets a recorder launch a new operation but not write to one its agency has not joined', async () => {
    const launchBody = { events: [{ type: 'OperationLaunched' }] };
    const otherBody = { events: [{ type: 'ArrestMade' }] };
    await http()
      .post('/operations/fresh-op/probe')
      .set('Authorization', bearerFor({ role: 'recorder', agency: 'GMP', subject: 'officer-9' }))
      .send(launchBody)
      .expect(201, { operationId: 'fresh-op', recordedBy: 'officer-9', agency: 'GMP' });
    // Anything but a launch, to an operation that does not exist or that GMP takes no part in: one 404.
    const unknown = await http()
      .post('/operations/venetix/probe')
      .set('Authorization', bearerFor(gmp('recorder')))
      .send(otherBody)
      .expect(404);
    const notMember = await http()
      .post('/operations/venetic/probe')
      .set('Authorization', bearerFor(gmp('recorder')))
      .send(otherBody)
      .expect(404);
    expect(JSON.stringify(notMember.body)).toBe(
      JSON.stringify(unknown.body).replaceAll('venetix', 'venetic'),
    );
    // A launch of a taken id is the one answer that cannot look like a free one.
    await http()
      .post('/operations/venetic/probe')
      .set('Authorization', bearerFor(gmp('recorder')))
      .send(launchBody)
      .expect(409)
      .expect((response) => expect(response.body.code).toBe('operation.id-taken'));
    await http()
      .post('/operations/venetic/probe')
      .set('Authorization', bearerFor({ role: 'recorder', agency: 'NWP' }))
      .send(otherBody)
      .expect(201);
  });

  it('records audited reads, granted and denied, and shows auditors only what concerns their operations', async () => {
    await http()
      .get('/operations/venetic/history-probe')
      .set('Authorization', bearerFor({ role: 'auditor', agency: 'NCA', subject: 'auditor-1' }))
      .set('X-Correlation-Id', 'corr-1')
      .expect(200);
    await http()
      .get('/operations/venetic/history-probe')
      .set('Authorization', bearerFor({ role: 'auditor', agency: 'GMP', subject: 'auditor-2' }))
      .expect(404);
    const nwpView = await http()
      .get('/audit/access?operationId=venetic')
      .set('Authorization', bearerFor({ role: 'auditor', agency: 'NWP' }))
      .expect(200);
    expect(
      nwpView.body.records.map((record: Record<string, unknown>) => [
        record['subject'],
        record['agency'],
        record['action'],
        record['path'],
        record['outcome'],
      ]),
    ).toEqual([
      ['auditor-1', 'NCA', 'history.read', '/operations/venetic/history-probe', 'granted'],
      ['auditor-2', 'GMP', 'history.read', '/operations/venetic/history-probe', 'denied'],
    ]);
    expect(nwpView.body.records[0].correlationId).toBe('corr-1');
    expect(nwpView.body.next).toBeNull();
    const gmpView = await http()
      .get('/audit/access')
      .set('Authorization', bearerFor(gmp('auditor')))
      .expect(200);
    expect(gmpView.body).toEqual({ records: [], next: null });
    await http()
      .get('/audit/access')
      .set('Authorization', bearerFor(nca('analyst')))
      .expect(403);
    const badLimit = await http()
      .get('/audit/access?limit=5000')
      .set('Authorization', bearerFor(nca('auditor')))
      .expect(400);
    expect(badLimit.body).toMatchObject({
      code: 'request.page-size',
      detail: 'limit must be an integer between 1 and 1000; got "5000"',
    });
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const allowed = await http()
      .options('/probe/analyst')
      .set('Origin', 'https://dashboard.example.org')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dashboard.example.org');
    expect(allowed.headers['access-control-allow-headers']).toContain('Authorization');
    const foreign = await http()
      .options('/probe/analyst')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits each principal separately and answers 429 with Retry-After', async () => {
    const heavy = { role: 'analyst' as const, agency: 'NCA', subject: 'heavy-user' };
    const statuses: number[] = [];
    for (let index = 0; index < 41; index++) {
      statuses.push((await http().get('/probe/analyst').set('Authorization', bearerFor(heavy))).status);
    }
    expect(statuses.slice(0, 40).every((status) => status === 200)).toBe(true);
    const limited = await http().get('/probe/analyst').set('Authorization', bearerFor(heavy)).expect(429);
    expect(statuses[40]).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'http.too-many-requests' });
    await http()
      .get('/probe/analyst')
      .set('Authorization', bearerFor({ ...heavy, subject: 'light-user' }))
      .expect(200);
  });

  it("applies each route's own limit, read once per route: a lower one, none, the default", async () => {
    const user = bearerFor({ role: 'analyst', agency: 'NCA', subject: 'per-route-user' });
    const get = (path: string) => http().get(path).set('Authorization', user);
    for (let round = 0; round < 2; round++) {
      const skipped = await get('/probe/unthrottled').expect(200);
      expect(skipped.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const lower = await get('/probe/throttled').expect(200);
    expect([lower.headers['x-ratelimit-limit'], lower.headers['x-ratelimit-remaining']]).toEqual(['2', '1']);
    const usual = await get('/probe/analyst').expect(200);
    expect([usual.headers['x-ratelimit-limit'], usual.headers['x-ratelimit-remaining']]).toEqual([
      '40',
      '38',
    ]);
    const limited = await get('/probe/throttled').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.detail).toBe('Rate limit of 2 requests per 60 s exceeded; retry after 60 s');
    await get('/probe/unthrottled').expect(200);
  });

  it('slows an address that keeps presenting bad credentials, without locking out valid ones', async () => {
    const forged = bearerFor(nca('analyst'), { claims: { aud: 'elsewhere' } });
    const statuses: number[] = [];
    for (let index = 0; index < 31; index++) {
      statuses.push((await http().get('/probe/analyst').set('Authorization', forged)).status);
    }
    // Earlier tests of this suite already spent some of the 30 failures allowed per minute.
    expect(statuses.at(-1)).toBe(429);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    const limited = await http().get('/probe/analyst').set('Authorization', forged).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ status: 429, code: 'auth.too-many-failures' });
    await http()
      .get('/probe/analyst')
      .set('Authorization', bearerFor({ ...nca('analyst'), subject: 'honest' }))
      .expect(200);
  });
});
