import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  localDevVerification,
  loadOrCreateLocalDevKey,
  parseDuration,
  type SigningKey,
} from '@timeline/auth';
import type { AuthModuleOptions } from './auth.options';

/** A configuration value that stops start-up; the message names the variable. */
export class AuthConfigurationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'AuthConfigurationError';
  }
}

/** Asymmetric JWS algorithms only: a symmetric one would let a public key double as a secret. */
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface AuthConfiguration {
  readonly options: AuthModuleOptions;
  /** Allowed CORS origins; empty: no cross-origin access. */
  readonly corsOrigins: readonly string[];
  /** The local development signing key (local-dev mode only), and whether it was just created. */
  readonly localDev: { readonly key: SigningKey; readonly created: boolean } | null;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the security configuration once, at the edge. Secure by default: with
 * neither a key, a key file nor a JWKS URL the service refuses to start, unless
 * AUTH_MODE=local-dev explicitly asks for a local signing key under DATA_DIR.
 */
export function readAuthConfiguration(env: Env, dataDir: string): AuthConfiguration {
  const mode = optional(env, 'AUTH_MODE') ?? 'jwt';
  if (mode !== 'jwt' && mode !== 'local-dev') {
    throw new AuthConfigurationError(
      'AUTH_MODE',
      `must be "jwt" or "local-dev"; got ${JSON.stringify(mode)}`,
    );
  }
  const common = {
    agencyClaim: claimName(env, 'AUTH_AGENCY_CLAIM', 'agency'),
    rolesClaim: claimName(env, 'AUTH_ROLES_CLAIM', 'roles'),
    clockToleranceSeconds: integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    rateLimit: {
      // RATE_LIMIT_REQUESTS is the budget of a principal across the api instances behind one
      // load balancer; each of RATE_LIMIT_INSTANCES instances enforces its share (docs/security.md, "Production configuration").
      limit: Math.ceil(
        integer(env, 'RATE_LIMIT_REQUESTS', 600, 1, 1_000_000) /
          integer(env, 'RATE_LIMIT_INSTANCES', 1, 1, 1000),
      ),
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    },
    failedAuthLimit: {
      limit: integer(env, 'AUTH_FAILURES_LIMIT', 30, 1, 1_000_000),
      windowSeconds: integer(env, 'AUTH_FAILURES_WINDOW_SECONDS', 60, 1, 86_400),
    },
    maxLiveConnectionsPerPrincipal: integer(env, 'SSE_MAX_CONNECTIONS_PER_PRINCIPAL', 5, 1, 1000),
  };
  const corsOrigins = readCorsOrigins(env);

  if (mode === 'local-dev') {
    if (env['NODE_ENV'] === 'production') {
      throw new AuthConfigurationError('AUTH_MODE', 'local-dev is refused when NODE_ENV=production');
    }
    for (const variable of ['AUTH_JWT_PUBLIC_KEY', 'AUTH_JWT_PUBLIC_KEY_FILE', 'AUTH_JWKS_URL']) {
      if (optional(env, variable) !== undefined) {
        throw new AuthConfigurationError(variable, 'cannot be combined with AUTH_MODE=local-dev');
      }
    }
    const localDev = loadOrCreateLocalDevKey(dataDir);
    return {
      corsOrigins,
      localDev,
      options: {
        ...common,
        mode,
        ...localDevVerification(localDev.key.publicKey),
        maxTokenLifetimeSeconds: duration(env, 'AUTH_MAX_TOKEN_LIFETIME', 30 * 86_400),
      },
    };
  }

  const sources = ['AUTH_JWT_PUBLIC_KEY', 'AUTH_JWT_PUBLIC_KEY_FILE', 'AUTH_JWKS_URL'].filter(
    (variable) => optional(env, variable) !== undefined,
  );
  if (sources.length === 0) {
    throw new AuthConfigurationError(
      'AUTH_MODE',
      'no authentication is configured: set AUTH_JWKS_URL, AUTH_JWT_PUBLIC_KEY or AUTH_JWT_PUBLIC_KEY_FILE ' +
        '(with AUTH_ISSUER and AUTH_AUDIENCE), or start with AUTH_MODE=local-dev for local development',
    );
  }
  if (sources.length > 1) {
    throw new AuthConfigurationError(sources[1], `set only one of ${sources.join(', ')}`);
  }
  const issuer = required(env, 'AUTH_ISSUER');
  const audience = required(env, 'AUTH_AUDIENCE');
  const source = sources[0];
  let verification: AuthModuleOptions['verification'];
  let defaultAlgorithms: string[];
  if (source === 'AUTH_JWKS_URL') {
    verification = { kind: 'jwks-url', url: jwksUrl(env) };
    defaultAlgorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
  } else {
    const text =
      source === 'AUTH_JWT_PUBLIC_KEY'
        ? required(env, source)
        : readKeyFile(required(env, 'AUTH_JWT_PUBLIC_KEY_FILE'));
    const key = parsePublicKey(source, text);
    verification = { kind: 'public-key', key };
    defaultAlgorithms = algorithmsFor(source, key);
  }
  return {
    corsOrigins,
    localDev: null,
    options: {
      ...common,
      mode,
      verification,
      issuer,
      audience,
      algorithms: algorithms(env, defaultAlgorithms),
      maxTokenLifetimeSeconds: duration(env, 'AUTH_MAX_TOKEN_LIFETIME', 86_400),
    },
  };
}

/** CORS_ALLOWED_ORIGINS: comma-separated exact origins (`https://dashboard.example.org`). */
export function readCorsOrigins(env: Env): string[] {
  const raw = optional(env, 'CORS_ALLOWED_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
    .map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new AuthConfigurationError(
          'CORS_ALLOWED_ORIGINS',
          `${JSON.stringify(origin)} is not an origin`,
        );
      }
      if (
        origin === '*' ||
        url.origin !== origin ||
        (url.protocol !== 'https:' && url.protocol !== 'http:')
      ) {
        throw new AuthConfigurationError(
          'CORS_ALLOWED_ORIGINS',
          `${JSON.stringify(origin)} must be an exact origin such as https://dashboard.example.org (no path, no wildcard)`,
        );
      }
      return origin;
    });
}

function optional(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, variable: string): string {
  const value = optional(env, variable);
  if (value === undefined) throw new AuthConfigurationError(variable, 'is required with AUTH_MODE=jwt');
  return value;
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, variable);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new AuthConfigurationError(
      variable,
      `must be an integer between ${min} and ${max}; got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

function duration(env: Env, variable: string, fallback: number): number {
  const raw = optional(env, variable);
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw);
  } catch (error: unknown) {
    throw new AuthConfigurationError(variable, (error as Error).message);
  }
}

function claimName(env: Env, variable: string, fallback: string): string {
  const value = optional(env, variable) ?? fallback;
  if (!/^[A-Za-z0-9_:/.-]{1,128}$/.test(value)) {
    throw new AuthConfigurationError(variable, `is not a valid claim name: ${JSON.stringify(value)}`);
  }
  return value;
}

function jwksUrl(env: Env): URL {
  const raw = required(env, 'AUTH_JWKS_URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AuthConfigurationError('AUTH_JWKS_URL', `is not a URL: ${JSON.stringify(raw)}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AuthConfigurationError(
      'AUTH_JWKS_URL',
      'must use https (plain http only on a loopback address)',
    );
  }
  return url;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error: unknown) {
    throw new AuthConfigurationError(
      'AUTH_JWT_PUBLIC_KEY_FILE',
      `cannot be read: ${(error as Error).message}`,
    );
  }
}

/** A PEM (SPKI or certificate) or a JWK; a private key is accepted only for its public half. */
function parsePublicKey(variable: string, text: string): KeyObject {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as Record<string, unknown>;
      if (jwk['kty'] === 'oct') throw new Error('a symmetric key cannot verify tokens here');
      const { d: _private, ...publicJwk } = jwk;
      return createPublicKey({ key: publicJwk, format: 'jwk' });
    }
    if (trimmed.includes('PRIVATE KEY')) throw new Error('give the public key, not the private key');
    return createPublicKey(trimmed);
  } catch (error: unknown) {
    throw new AuthConfigurationError(variable, `is not a usable public key: ${(error as Error).message}`);
  }
}

function algorithmsFor(variable: string, key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      throw new AuthConfigurationError(variable, `unsupported elliptic curve ${String(curve)}`);
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new AuthConfigurationError(variable, `unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

function algorithms(env: Env, fallback: string[]): string[] {
  const raw = optional(env, 'AUTH_JWT_ALGORITHMS');
  if (raw === undefined) return fallback;
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const refused = names.filter((name) => !ASYMMETRIC_ALGORITHMS.includes(name));
  if (names.length === 0 || refused.length > 0) {
    throw new AuthConfigurationError(
      'AUTH_JWT_ALGORITHMS',
      `accepts only ${ASYMMETRIC_ALGORITHMS.join(', ')}; refused: ${refused.join(', ') || '(empty)'}`,
    );
  }
  return names;
}
