import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Secure by default, easy locally: the real entry point refuses to start
 * without an authentication configuration, and in local development mode
 * creates its key and prints a working token per role.
 */
const ROOT = join(__dirname, '..');

/** The environment of this process minus every security setting, plus the given ones. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AUTH_|CORS_|RATE_LIMIT_|SSE_MAX_)/.test(name)),
  );
  // The first-run demo load (local-dev default) is covered by demo-first-run.e2e-spec.ts; start empty here.
  return {
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    TS_NODE_PROJECT: 'tsconfig.json',
    DEMO_DATA: 'off',
    ...extra,
  };
}

function start(env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

function get(port: number, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      { host: '127.0.0.1', port, path, headers: token ? { Authorization: `Bearer ${token}` } : {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    call.on('error', reject);
    call.end();
  });
}

async function waitFor<T>(probe: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('start-up security', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-startup-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start without an authentication configuration, naming what to set', async () => {
    const server = start(environment({ DATA_DIR: dataDir }));
    expect(await server.exited).toBe(1);
    expect(server.output.stderr).toBe(
      'AUTH_MODE: no authentication is configured: set AUTH_JWKS_URL, AUTH_JWT_PUBLIC_KEY or AUTH_JWT_PUBLIC_KEY_FILE ' +
        '(with AUTH_ISSUER and AUTH_AUDIENCE), or start with AUTH_MODE=local-dev for local development\n',
    );
  }, 60_000);

  it('in local development mode creates a private key and prints a working token for each role', async () => {
    const server = start(environment({ DATA_DIR: dataDir, AUTH_MODE: 'local-dev' }));
    try {
      const port = await waitFor(() => {
        const match = /"msg":"listening","port":(\d+)/.exec(server.output.stdout);
        return match ? Number(match[1]) : null;
      }, 45_000);
      expect(server.output.stdout).toContain(
        '=== LOCAL DEVELOPMENT MODE (AUTH_MODE=local-dev) — not for real data ===',
      );
      expect(server.output.stdout).toContain('A local signing key was created.');
      expect(statSync(join(dataDir, 'local-dev', 'signing-key.jwk.json')).mode & 0o777).toBe(0o600);
      const tokens = Object.fromEntries(
        [...server.output.stdout.matchAll(/^ {2}(recorder|analyst|auditor|admin) +(\S+)$/gm)].map((match) => [
          match[1],
          match[2],
        ]),
      );
      expect(Object.keys(tokens).sort()).toEqual(['admin', 'analyst', 'auditor', 'recorder']);
      for (const [role, token] of Object.entries(tokens)) {
        const me = await get(port, '/auth/me', token);
        expect([me.status, JSON.parse(me.body)]).toEqual([
          200,
          { subject: `local-${role}`, agency: 'NCA', roles: [role] },
        ]);
      }
      expect((await get(port, '/events')).status).toBe(401);
      expect((await get(port, '/health')).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});
