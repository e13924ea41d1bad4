/**
 * Real bearer tokens for tests: one ES256 key pair per test process, the
 * configuration that makes the app trust it, and a synchronous signer so
 * request helpers can attach a token inline. Hostile variants (alg none,
 * expired, wrong audience, wrong key…) are built here too, so every suite
 * exercises the same verification as production.
 */
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Role } from '@timeline/auth';

export const TEST_ISSUER = 'https://idp.test.operation-timeline';
export const TEST_AUDIENCE = 'operation-timeline-api';

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey };
}

/** The key the app under test trusts. */
export const TEST_SIGNING_KEY: KeyPair = newKeyPair();
/** A key the app does not trust (bad signatures). */
export const FOREIGN_SIGNING_KEY: KeyPair = newKeyPair();

/** Environment entries that configure the app under test to trust TEST_SIGNING_KEY. */
export function testAuthEnvironment(): Record<string, string> {
  return {
    AUTH_MODE: 'jwt',
    AUTH_JWT_PUBLIC_KEY: TEST_SIGNING_KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
  };
}

export interface TestPrincipal {
  readonly role: Role | readonly Role[];
  readonly agency: string;
  /** Defaults to `<role>-<agency>` in lower case, e.g. `recorder-nca`. */
  readonly subject?: string;
}

export interface TokenOverrides {
  readonly header?: Record<string, unknown>;
  /** Claims merged over the defaults; a claim set to undefined is removed. */
  readonly claims?: Record<string, unknown>;
  readonly key?: KeyObject;
  /** Seconds since the epoch the token is issued at. Defaults to now. */
  readonly issuedAt?: number;
  readonly ttlSeconds?: number;
}

const base64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

/** Signs a compact JWS with ES256 (or leaves it unsigned for `alg: none`). */
export function signJwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key?: KeyObject,
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  if (header['alg'] === 'none') return `${signingInput}.`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: key ?? TEST_SIGNING_KEY.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${base64url(signature)}`;
}

export function subjectOf(principal: TestPrincipal): string {
  const roles = typeof principal.role === 'string' ? [principal.role] : principal.role;
  return principal.subject ?? `${roles.join('+')}-${principal.agency}`.toLowerCase();
}

/** A valid token for the principal, unless overrides make it hostile. */
export function tokenFor(principal: TestPrincipal, overrides: TokenOverrides = {}): string {
  const issuedAt = overrides.issuedAt ?? Math.floor(Date.now() / 1000);
  const roles = typeof principal.role === 'string' ? [principal.role] : [...principal.role];
  const claims: Record<string, unknown> = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: subjectOf(principal),
    agency: principal.agency,
    roles,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + (overrides.ttlSeconds ?? 3600),
    ...overrides.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return signJwt({ alg: 'ES256', typ: 'JWT', ...overrides.header }, claims, overrides.key);
}

/** `Authorization` header value for the principal. */
export function bearerFor(principal: TestPrincipal, overrides?: TokenOverrides): string {
  return `Bearer ${tokenFor(principal, overrides)}`;
}

/** Hostile credentials every protected route must refuse with 401, by name. */
export function hostileAuthorizations(principal: TestPrincipal): Record<string, string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const valid = tokenFor(principal);
  const [header, payload] = valid.split('.');
  return {
    'no token': undefined,
    'not bearer': `Basic ${Buffer.from('recorder:secret').toString('base64')}`,
    malformed: 'Bearer not-a-jwt',
    'alg none': `Bearer ${signJwt({ alg: 'none', typ: 'JWT' }, JSON.parse(Buffer.from(payload, 'base64url').toString()))}`,
    expired: bearerFor(principal, { issuedAt: now - 7200, ttlSeconds: 3600 }),
    'not yet valid': bearerFor(principal, { claims: { nbf: now + 3600 } }),
    'wrong audience': bearerFor(principal, { claims: { aud: 'another-service' } }),
    'wrong issuer': bearerFor(principal, { claims: { iss: 'https://evil.example' } }),
    'wrong signature': bearerFor(principal, { key: FOREIGN_SIGNING_KEY.privateKey }),
    'tampered payload': `Bearer ${header}.${base64url(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), agency: 'XXX' }))}.${valid.split('.')[2]}`,
    'wrong algorithm': `Bearer ${hs256(
      { alg: 'HS256', typ: 'JWT' },
      JSON.parse(Buffer.from(payload, 'base64url').toString()),
      TEST_SIGNING_KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    )}`,
    'missing agency': bearerFor(principal, { claims: { agency: undefined } }),
    'missing roles': bearerFor(principal, { claims: { roles: undefined } }),
    'missing exp': bearerFor(principal, { claims: { exp: undefined } }),
  };
}

/** The classic key-confusion attack: HMAC keyed with the server's public key. */
function hs256(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}
