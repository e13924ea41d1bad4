import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
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
/** A remembered token is checked again after this long, so a key withdrawn from a JWKS stops working soon. */
const CACHE_TTL_MS = 5 * 60_000;

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
  /** token → its principal, until the earlier of its expiry and the cache TTL. Insertion order = eviction order. */
  private readonly verified = new Map<string, { readonly principal: Principal; readonly untilMs: number }>();

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.key =
      options.verification.kind === 'public-key'
        ? options.verification.key
        : createRemoteJWKSet(options.verification.url, { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
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
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (nowMs < known.untilMs) return known.principal;
      this.verified.delete(token);
    }
    return this.verifyUncached(token, nowMs);
  }

  private async verifyUncached(token: string, nowMs: number): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      throw invalid('The token is not a signed JWT');
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    let payload: JWTPayload;
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
    // Only what fully verified is remembered, and never past its own expiry (no clock tolerance on hits).
    this.remember(token, principal, Math.min(payload.exp! * 1000, nowMs + CACHE_TTL_MS));
    return principal;
  }

  private remember(token: string, principal: Principal, untilMs: number): void {
    if (this.verified.size >= CACHE_ENTRIES) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { principal, untilMs });
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
