import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type JWKSCacheInput,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { KeyObject } from 'node:crypto';
import { AuthenticationRequiredError, KeySetUnavailableError } from './credential.errors';
import { AGENCY_CODE_PATTERN, isRole, type Principal, type Role, SUBJECT_PATTERN } from './principal';

/** Compact JWS: three base64url parts. Anything else is refused before any crypto runs. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;
/** Verified tokens remembered (a signature check costs ~0.2 ms of CPU; a busy client reuses its token). */
const CACHE_ENTRIES = 10_000;
/** A remembered token is checked again after this long at the latest (docs/security.md, "Verified tokens"). */
const CACHE_TTL_MS = 5 * 60_000;
/** How long a fetched JWKS is used before it is fetched again, and the least time between two fetches. */
const JWKS_MAX_AGE_MS = 600_000;
const JWKS_COOLDOWN_MS = 30_000;

/** A remembered verification: valid from the moment it was made until `untilMs`, with the keys it was made with. */
interface VerifiedToken {
  readonly principal: Principal;
  readonly fromMs: number;
  readonly untilMs: number;
}

/** Where the keys that verify bearer tokens come from. */
export type VerificationKeySource =
  /** One public key (SPKI PEM or a public JWK), e.g. from AUTH_JWT_PUBLIC_KEY or a key file. */
  | { readonly kind: 'public-key'; readonly key: KeyObject }
  /** A JSON Web Key Set fetched (and cached, refreshed on unknown `kid`) from an URL. */
  | { readonly kind: 'jwks-url'; readonly url: URL };

/** What a token must satisfy; read once from configuration at the edge (the api's auth.config.ts). */
export interface TokenVerifierOptions {
  readonly verification: VerificationKeySource;
  /** Expected `iss` of every token. */
  readonly issuer: string;
  /** Expected `aud` (one of them, if the token lists several). */
  readonly audience: string;
  /** Signature algorithms accepted; never `none`, never symmetric. */
  readonly algorithms: readonly string[];
  /** Claim that holds the principal's agency code. Default `agency`. */
  readonly agencyClaim: string;
  /** Claim that holds the principal's roles (array, or space-separated string). Default `roles`. */
  readonly rolesClaim: string;
  /** Clock skew tolerated on `exp` and `nbf`, in seconds. Default 30. */
  readonly clockToleranceSeconds: number;
  /** Tokens living longer than this (`exp - iat`, or `exp - now`) are refused. Default 24 h. */
  readonly maxTokenLifetimeSeconds: number;
}

/**
 * Turns a bearer token into a Principal, or refuses it. Signature, algorithm
 * allow-list, `iss`, `aud`, `exp`, `nbf` and the principal's claims are all
 * checked; unsecured (`alg: none`) and symmetric tokens never verify because
 * only asymmetric public keys are ever used.
 */
export class TokenVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  /** The remote key set, when keys come from a JWKS URL. */
  private readonly remoteKeys: ReturnType<typeof createRemoteJWKSet> | undefined;
  /** Where the remote key set records each fetch: a new `jwks` object per fetch. */
  private readonly keySetFetch: JWKSCacheInput & { jwks?: unknown } = {};
  /** The fetched key set every remembered token was verified with (undefined with a single public key). */
  private keysOfRemembered: unknown = undefined;
  /**
   * Bounded LRU: token → its principal, until the earlier of its expiry and the
   * cache TTL. Map order is recency: a hit moves the token to the end, the
   * first entry is evicted.
   */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly now: () => number = Date.now,
    private readonly cacheEntries: number = CACHE_ENTRIES,
  ) {
    if (options.verification.kind === 'public-key') {
      this.key = options.verification.key;
      this.remoteKeys = undefined;
    } else {
      this.remoteKeys = createRemoteJWKSet(options.verification.url, {
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        [jwksCache]: this.keySetFetch,
      });
      this.key = this.remoteKeys;
    }
  }

  /** How many verified tokens are remembered now (at most the cache's bound). */
  get rememberedTokens(): number {
    return this.verified.size;
  }

  /** Parses an `Authorization` header value and verifies its bearer token. */
  async verifyAuthorizationHeader(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') {
      throw new AuthenticationRequiredError('auth.token-missing', 'A bearer token is required', null);
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) {
      throw new AuthenticationRequiredError(
        'auth.token-invalid',
        'The Authorization header must be "Bearer <token>"',
        'invalid_request',
      );
    }
    return this.verify(match[1]);
  }

  async verify(token: string): Promise<Principal> {
    const nowMs = this.now();
    // A key set fetched again (rotation, refresh, an unknown `kid`) drops every remembered token.
    if (this.keySetFetch.jwks !== this.keysOfRemembered) {
      this.verified.clear();
      this.keysOfRemembered = this.keySetFetch.jwks;
    }
    const known = this.verified.get(token);
    if (known !== undefined) {
      this.verified.delete(token);
      // A key set past its age is not trusted from memory: the full check below fetches it again.
      const keysFresh = this.remoteKeys === undefined || this.remoteKeys.fresh;
      if (keysFresh && nowMs >= known.fromMs && nowMs < known.untilMs) {
        this.verified.set(token, known);
        return known.principal;
      }
    }
    return this.verifyUncached(token, nowMs);
  }

  private async verifyUncached(token: string, nowMs: number): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      throw invalid('The token is not a signed JWT');
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    let payload: JWTPayload;
    const keysBefore = this.keySetFetch.jwks;
    try {
      const verified = await jwtVerify(token, this.key as KeyObject, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...this.options.algorithms],
        clockTolerance: this.options.clockToleranceSeconds,
        currentDate: new Date(nowSeconds * 1000),
        requiredClaims: ['exp', 'sub'],
      });
      payload = verified.payload;
    } catch (error: unknown) {
      throw translateJoseError(error, this.options.verification.kind === 'jwks-url');
    }
    const principal = this.principalFrom(payload, nowSeconds);
    // Only what fully verified is remembered, with the keys that verified it (a token checked
    // while the set was fetched again is not), from now (so after `nbf` less the tolerance)
    // and never past its own expiry (no clock tolerance on hits).
    if (keysBefore === this.keySetFetch.jwks && keysBefore === this.keysOfRemembered) {
      this.remember(token, {
        principal,
        fromMs: nowMs,
        untilMs: Math.min(payload.exp! * 1000, nowMs + CACHE_TTL_MS),
      });
    }
    return principal;
  }

  private remember(token: string, entry: VerifiedToken): void {
    this.verified.delete(token);
    while (this.verified.size >= this.cacheEntries) {
      const oldest = this.verified.keys().next();
      if (oldest.done) break;
      this.verified.delete(oldest.value);
    }
    if (this.cacheEntries > 0) this.verified.set(token, entry);
  }

  private principalFrom(payload: JWTPayload, nowSeconds: number): Principal {
    const lifetime =
      payload.exp! - (typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds);
    if (lifetime > this.options.maxTokenLifetimeSeconds + this.options.clockToleranceSeconds) {
      throw claims(`The token lives longer than the ${this.options.maxTokenLifetimeSeconds} s allowed`);
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || !SUBJECT_PATTERN.test(subject)) {
      throw claims('The token\'s "sub" claim is not a valid subject');
    }
    const agency = payload[this.options.agencyClaim];
    if (typeof agency !== 'string' || !AGENCY_CODE_PATTERN.test(agency)) {
      throw claims(`The token's "${this.options.agencyClaim}" claim must be an agency code such as NCA`);
    }
    const rawRoles = payload[this.options.rolesClaim];
    const names =
      typeof rawRoles === 'string'
        ? rawRoles.split(' ').filter((name) => name !== '')
        : Array.isArray(rawRoles) && rawRoles.every((name) => typeof name === 'string')
          ? (rawRoles as string[])
          : null;
    if (names === null) {
      throw claims(`The token's "${this.options.rolesClaim}" claim must list the principal's roles`);
    }
    // Unknown role names are ignored so that an identity provider may carry roles of other systems.
    const roles = [...new Set(names.filter(isRole))] as Role[];
    return { subject, agency, roles };
  }
}

function invalid(message: string): AuthenticationRequiredError {
  return new AuthenticationRequiredError('auth.token-invalid', message, 'invalid_token');
}

function claims(message: string): AuthenticationRequiredError {
  return new AuthenticationRequiredError('auth.claims-invalid', message, 'invalid_token');
}

function translateJoseError(
  error: unknown,
  remoteKeySet: boolean,
): AuthenticationRequiredError | KeySetUnavailableError {
  if (error instanceof joseErrors.JWTExpired) {
    return new AuthenticationRequiredError('auth.token-expired', 'The token has expired', 'invalid_token');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'nbf') return invalid('The token is not valid yet');
    if (claim === 'iss') return invalid('The token was not issued by the expected issuer');
    if (claim === 'aud') return invalid('The token is not meant for this service');
    return claims(`The token's "${claim}" claim is missing or invalid`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return invalid('The token is signed with an algorithm this service does not accept');
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return invalid('The token is signed with an unknown key');
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new KeySetUnavailableError(error);
  }
  if (remoteKeySet && !(error instanceof joseErrors.JOSEError)) {
    // A network failure fetching the key set (not a JOSE verdict on the token): the server cannot tell now.
    return new KeySetUnavailableError(error);
  }
  return invalid('The token signature or format is invalid');
}
