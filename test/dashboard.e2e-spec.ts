import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../apps/api/src/app.factory';
import { readAuthConfiguration } from '../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../apps/api/src/config/api.config';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The dashboard's page and files at `/` (README "The dashboard"), the OpenAPI UI open to a
 * browser, and the role picker's token route: present in local development mode only.
 * (The page itself is tested in headless Chromium: test/browser.)
 */
/** An address of this machine other than loopback, if it has one: a request to it does not come from loopback. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

function scriptOf(page: string): string {
  const match = /<script type="module" src="\/dashboard\/(app-[A-Z0-9]{8}\.js)"><\/script>/.exec(page);
  if (match === null) throw new Error(`no bundled script in the page: ${page}`);
  return match[1];
}

describe('the dashboard and the API docs in production mode (AUTH_MODE=jwt)', () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await startTestApp();
  });
  afterAll(() => test?.close());

  it('serves the page without a credential, with a strict script policy and no inline script', async () => {
    const page = await request(test.app.getHttpServer()).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("default-src 'self'");
    // Every script is a file the api serves: no inline script, nothing from another origin.
    expect(page.text.match(/<script\b[^>]*>/g)).toEqual([
      `<script type="module" src="/dashboard/${scriptOf(page.text)}">`,
    ]);
    expect(page.text).not.toContain('data-local-dev');
    expect(page.text).not.toMatch(/https?:\/\//);
  });

  it('serves the bundled files for a year (their names change with their content) and 404s any other', async () => {
    const server = test.app.getHttpServer();
    const page = await request(server).get('/');
    const script = await request(server).get(`/dashboard/${scriptOf(page.text)}`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await request(server).get('/dashboard/..%2Fpackage.json');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('dashboard.asset-not-found');
    expect((await request(server).get('/dashboard/index.html')).status).toBe(404);
  });

  it('opens /docs and its document in a browser without a token', async () => {
    const server = test.app.getHttpServer();
    const ui = await request(server).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui-init.js');
    const init = await request(server).get('/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    const document = await request(server).get('/docs-json');
    expect(document.status).toBe(200);
    // The Authorize button: the document declares the bearer scheme the UI asks a token for.
    expect(document.body.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
  });

  it('has no role picker route: a token request is an unknown route and issues nothing', async () => {
    const response = await request(test.app.getHttpServer())
      .post('/auth/local-dev/tokens')
      .send({ role: 'admin', agency: 'NCA' });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('http.not-found');
    expect(response.text).not.toContain('token"');
  });
});

describe('an api whose dashboard was not built', () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await startTestApp({ env: { DASHBOARD_DIR: join(tmpdir(), 'timeline-no-dashboard-here') } });
  });
  afterAll(() => test?.close());

  it('answers / with 503 naming the command that builds it, and serves the api as ever', async () => {
    const page = await request(test.app.getHttpServer()).get('/');
    expect(page.status).toBe(503);
    expect(page.body.code).toBe('dashboard.not-built');
    expect(page.body.detail).toContain('npm run build:dashboard');
    expect((await request(test.app.getHttpServer()).get('/health')).status).toBe(200);
  });
});

describe('the role picker in local development mode (AUTH_MODE=local-dev)', () => {
  let app: INestApplication;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-dashboard-e2e-'));
    const config = loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir, DEMO_DATA: 'off' });
    app = await createApp(config, {
      auth: readAuthConfiguration({ AUTH_MODE: 'local-dev' }, dataDir),
      logger: silent,
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('marks the page so that it offers the picker', async () => {
    const page = await request(app.getHttpServer()).get('/');
    expect(page.text).toContain('<html lang="en" data-local-dev');
  });

  it('issues a token for the chosen role and agency that the api then accepts', async () => {
    const issued = await request(app.getHttpServer())
      .post('/auth/local-dev/tokens')
      .send({ role: 'auditor', agency: 'NWP' });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      subject: 'local-auditor-nwp',
      agency: 'NWP',
      roles: ['auditor'],
      expiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const me = await request(app.getHttpServer())
      .get('/auth/me')
      .set('Authorization', `Bearer ${issued.body.token}`);
    expect(me.body).toEqual({ subject: 'local-auditor-nwp', agency: 'NWP', roles: ['auditor'] });
  });

  (networkAddress === undefined ? it.skip : it)(
    'refuses a request arriving over the network with 403, issuing nothing (skipped without a network interface)',
    async () => {
      await app.listen(0, '0.0.0.0');
      const { port } = app.getHttpServer().address() as { port: number };
      const refused = await request(`http://${networkAddress}:${port}`)
        .post('/auth/local-dev/tokens')
        .set('X-Forwarded-For', '127.0.0.1')
        .send({ role: 'admin', agency: 'NCA' });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body.code).toBe('auth.local-dev-token-not-local');
      expect(refused.text).not.toMatch(/eyJ/);
      const local = await request(`http://127.0.0.1:${port}`)
        .post('/auth/local-dev/tokens')
        .send({ role: 'admin', agency: 'NCA' });
      expect(local.status).toBe(201);
    },
  );

  it('refuses an unknown role, a malformed agency and any other field, naming each', async () => {
    const refused = await request(app.getHttpServer())
      .post('/auth/local-dev/tokens')
      .send({ role: 'superuser', agency: 'nca; drop', ttl: '30d' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('request.invalid-body');
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual([
      'role',
      'agency',
      'ttl',
    ]);
    expect(refused.text).not.toMatch(/eyJ/);
  });
});
