import { SignJWT, type JWK } from 'jose';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AGENCY_CODE_PATTERN, isRole, type Role, SUBJECT_PATTERN } from './principal';
import type { TokenVerifierOptions } from './token-verifier';

/** Issuer and audience of tokens signed by the local development key. */
export const LOCAL_DEV_ISSUER = 'operation-timeline-local-dev';
export const LOCAL_DEV_AUDIENCE = 'operation-timeline';
export const LOCAL_DEV_ALGORITHM = 'ES256';

/** How tokens signed by the local development key are checked: its public key, issuer, audience and algorithm. */
export function localDevVerification(
  publicKey: KeyObject,
): Pick<TokenVerifierOptions, 'verification' | 'issuer' | 'audience' | 'algorithms'> {
  return {
    verification: { kind: 'public-key', key: publicKey },
    issuer: LOCAL_DEV_ISSUER,
    audience: LOCAL_DEV_AUDIENCE,
    algorithms: [LOCAL_DEV_ALGORITHM],
  };
}

/** Where the local development signing key lives inside the data directory. */
export function localDevKeyPath(dataDir: string): string {
  return join(dataDir, 'local-dev', 'signing-key.jwk.json');
}

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly kid: string;
  readonly algorithm: string;
}

/**
 * Loads the local development signing key, creating it on first use (file mode
 * 0600). Returns whether it was created so that the caller can announce it.
 */
export function loadOrCreateLocalDevKey(dataDir: string): { key: SigningKey; created: boolean } {
  const path = localDevKeyPath(dataDir);
  if (existsSync(path)) return { key: readSigningKey(path), created: false };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk: JWK = {
    ...(privateKey.export({ format: 'jwk' }) as JWK),
    alg: LOCAL_DEV_ALGORITHM,
    use: 'sig',
    kid: `local-dev-${Date.now().toString(36)}`,
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written aside then renamed so that a crash never leaves a half key that would fail every later start.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return { key: readSigningKey(path), created: true };
}

/** Reads a private signing key stored as a JWK file (as written by the local development mode). */
export function readSigningKey(path: string): SigningKey {
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
  if (typeof jwk.d !== 'string') throw new Error(`${path} does not hold a private key`);
  const algorithm = jwk.alg ?? LOCAL_DEV_ALGORITHM;
  const { alg: _alg, use: _use, kid: _kid, key_ops: _ops, ...material } = jwk;
  const privateKey = createPrivateKey({ key: material as JsonWebKey, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey), kid: jwk.kid ?? 'local-dev', algorithm };
}

export interface TokenRequest {
  readonly subject: string;
  readonly agency: string;
  readonly roles: readonly Role[];
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch; defaults to now. */
  readonly issuedAt?: number;
}

/** Signs a bearer token for the given principal with the given key. */
export async function issueToken(key: SigningKey, request: TokenRequest): Promise<string> {
  if (!SUBJECT_PATTERN.test(request.subject))
    throw new Error(`Invalid subject ${JSON.stringify(request.subject)}`);
  if (!AGENCY_CODE_PATTERN.test(request.agency)) {
    throw new Error(`Invalid agency ${JSON.stringify(request.agency)}: expected a code such as NCA or NWP`);
  }
  if (request.roles.length === 0 || !request.roles.every(isRole)) {
    throw new Error(
      `Invalid roles ${JSON.stringify(request.roles)}: expected recorder, analyst, auditor or admin`,
    );
  }
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new Error('The token lifetime must be a positive number of seconds');
  }
  const issuedAt = request.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ agency: request.agency, roles: [...request.roles] })
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(request.issuer ?? LOCAL_DEV_ISSUER)
    .setAudience(request.audience ?? LOCAL_DEV_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + request.ttlSeconds)
    .sign(key.privateKey);
}

/** Parses a lifetime such as `90s`, `15m`, `8h`, `2d` (or plain seconds) into seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`Invalid duration ${JSON.stringify(text)}: expected e.g. 90s, 15m, 8h or 2d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0) throw new Error('A duration must be positive');
  return seconds;
}
