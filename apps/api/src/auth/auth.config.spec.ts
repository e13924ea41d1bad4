import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthConfigurationError, readAuthConfiguration, readCorsOrigins } from './auth.config';
import {
  LOCAL_DEV_AUDIENCE,
  LOCAL_DEV_ISSUER,
  TokenVerifier,
  issueToken,
  localDevKeyPath,
} from '@timeline/auth';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof ec.publicKey) => key.export({ type: 'spki', format: 'pem' }).toString();

function failure(env: Record<string, string>, dataDir = '/nonexistent'): string {
  try {
    readAuthConfiguration(env, dataDir);
  } catch (error: unknown) {
    if (error instanceof AuthConfigurationError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('readAuthConfiguration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start without any authentication configured', async () => {
    expect(failure({})).toBe(
      'AUTH_MODE: no authentication is configured: set AUTH_JWKS_URL, AUTH_JWT_PUBLIC_KEY or AUTH_JWT_PUBLIC_KEY_FILE ' +
        '(with AUTH_ISSUER and AUTH_AUDIENCE), or start with AUTH_MODE=local-dev for local development',
    );
  });

  it('reads a PEM public key with its issuer and audience, the algorithm following the key', async () => {
    const config = readAuthConfiguration(
      { AUTH_JWT_PUBLIC_KEY: pem(ec.publicKey), AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'timeline' },
      dataDir,
    );
    expect(config.options).toMatchObject({
      mode: 'jwt',
      issuer: 'https://idp',
      audience: 'timeline',
      algorithms: ['ES256'],
      agencyClaim: 'agency',
      rolesClaim: 'roles',
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 86_400,
      rateLimit: { limit: 600, windowSeconds: 60 },
      failedAuthLimit: { limit: 30, windowSeconds: 60 },
      maxLiveConnectionsPerPrincipal: 5,
    });
    expect(config.localDev).toBeNull();
    expect(config.corsOrigins).toEqual([]);
  });

  it('reads a key file and picks RS256 for an RSA key', async () => {
    const file = join(dataDir, 'idp.pem');
    writeFileSync(file, pem(rsa.publicKey));
    const config = readAuthConfiguration(
      { AUTH_JWT_PUBLIC_KEY_FILE: file, AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'timeline' },
      dataDir,
    );
    expect(config.options.algorithms).toEqual(['RS256']);
  });

  it('reads a JWKS URL and every tunable', async () => {
    const config = readAuthConfiguration(
      {
        AUTH_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
        AUTH_ISSUER: 'https://idp.example.org',
        AUTH_AUDIENCE: 'timeline',
        AUTH_JWT_ALGORITHMS: 'PS256, ES384',
        AUTH_AGENCY_CLAIM: 'https://police.uk/agency',
        AUTH_ROLES_CLAIM: 'groups',
        AUTH_CLOCK_TOLERANCE_SECONDS: '5',
        AUTH_MAX_TOKEN_LIFETIME: '8h',
        RATE_LIMIT_REQUESTS: '100',
        RATE_LIMIT_WINDOW_SECONDS: '10',
        SSE_MAX_CONNECTIONS_PER_PRINCIPAL: '2',
        CORS_ALLOWED_ORIGINS: 'https://dashboard.example.org, http://localhost:5173',
      },
      dataDir,
    );
    expect(config.options.verification).toEqual({
      kind: 'jwks-url',
      url: new URL('https://idp.example.org/.well-known/jwks.json'),
    });
    expect(config.options).toMatchObject({
      algorithms: ['PS256', 'ES384'],
      agencyClaim: 'https://police.uk/agency',
      rolesClaim: 'groups',
      clockToleranceSeconds: 5,
      maxTokenLifetimeSeconds: 28_800,
      rateLimit: { limit: 100, windowSeconds: 10 },
      maxLiveConnectionsPerPrincipal: 2,
    });
    expect(config.corsOrigins).toEqual(['https://dashboard.example.org', 'http://localhost:5173']);
  });

  it.each([
    [{ AUTH_MODE: 'open' }, 'AUTH_MODE: must be "jwt" or "local-dev"; got "open"'],
    [{ AUTH_JWT_PUBLIC_KEY: 'x', AUTH_AUDIENCE: 'a' }, 'AUTH_ISSUER: is required with AUTH_MODE=jwt'],
    [
      { AUTH_JWT_PUBLIC_KEY: 'x', AUTH_JWKS_URL: 'https://idp/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' },
      'AUTH_JWKS_URL: set only one of AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL',
    ],
    [
      { AUTH_JWKS_URL: 'http://idp.example.org/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' },
      'AUTH_JWKS_URL: must use https (plain http only on a loopback address)',
    ],
    [
      { AUTH_JWT_PUBLIC_KEY: '{"kty":"oct","k":"c2VjcmV0"}', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' },
      'AUTH_JWT_PUBLIC_KEY: is not a usable public key: a symmetric key cannot verify tokens here',
    ],
    [
      {
        AUTH_JWT_PUBLIC_KEY: pem(ec.publicKey),
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
        AUTH_JWT_ALGORITHMS: 'HS256,none',
      },
      'AUTH_JWT_ALGORITHMS: accepts only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA; refused: HS256, none',
    ],
    [
      {
        AUTH_JWT_PUBLIC_KEY: pem(ec.publicKey),
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
        CORS_ALLOWED_ORIGINS: '*',
      },
      'CORS_ALLOWED_ORIGINS: "*" is not an origin',
    ],
    [
      {
        AUTH_JWT_PUBLIC_KEY: pem(ec.publicKey),
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
        RATE_LIMIT_REQUESTS: '0',
      },
      'RATE_LIMIT_REQUESTS: must be an integer between 1 and 1000000; got "0"',
    ],
    [
      {
        AUTH_JWT_PUBLIC_KEY: pem(ec.publicKey),
        AUTH_ISSUER: 'i',
        AUTH_AUDIENCE: 'a',
        RATE_LIMIT_INSTANCES: '0',
      },
      'RATE_LIMIT_INSTANCES: must be an integer between 1 and 1000; got "0"',
    ],
    [
      { AUTH_MODE: 'local-dev', NODE_ENV: 'production' },
      'AUTH_MODE: local-dev is refused when NODE_ENV=production',
    ],
    [
      { AUTH_MODE: 'local-dev', AUTH_JWKS_URL: 'https://idp/jwks' },
      'AUTH_JWKS_URL: cannot be combined with AUTH_MODE=local-dev',
    ],
  ])('refuses %j', async (env, message) => {
    expect(failure(env as Record<string, string>, dataDir)).toBe(message);
  });

  it.each([
    ['600', undefined, 600],
    ['600', '3', 200],
    ['601', '3', 201],
    ['10', '4', 3],
  ])(
    'divides the budget of %s requests per principal over RATE_LIMIT_INSTANCES=%s instances: %s each',
    (requests, instances, perInstance) => {
      const config = readAuthConfiguration(
        {
          AUTH_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
          AUTH_ISSUER: 'i',
          AUTH_AUDIENCE: 'a',
          RATE_LIMIT_REQUESTS: requests,
          ...(instances === undefined ? {} : { RATE_LIMIT_INSTANCES: instances }),
        },
        dataDir,
      );
      expect(config.options.rateLimit).toEqual({ limit: perInstance, windowSeconds: 60 });
    },
  );

  it('refuses an origin with a path', () => {
    expect(() => readCorsOrigins({ CORS_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(
      'CORS_ALLOWED_ORIGINS: "https://a.example/app" must be an exact origin such as https://dashboard.example.org (no path, no wildcard)',
    );
  });

  it('in local-dev mode creates a private signing key once (mode 0600) and trusts the tokens it signs', async () => {
    const first = readAuthConfiguration({ AUTH_MODE: 'local-dev' }, dataDir);
    expect(first.localDev?.created).toBe(true);
    expect(statSync(localDevKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    const second = readAuthConfiguration({ AUTH_MODE: 'local-dev' }, dataDir);
    expect(second.localDev?.created).toBe(false);
    expect(second.options).toMatchObject({
      issuer: LOCAL_DEV_ISSUER,
      audience: LOCAL_DEV_AUDIENCE,
      algorithms: ['ES256'],
    });

    const token = await issueToken(first.localDev!.key, {
      subject: 'officer-1',
      agency: 'NWP',
      roles: ['recorder'],
      ttlSeconds: 3600,
    });
    await expect(new TokenVerifier(second.options).verify(token)).resolves.toEqual({
      subject: 'officer-1',
      agency: 'NWP',
      roles: ['recorder'],
    });
  });
});
