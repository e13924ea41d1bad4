import type { KeyObject } from 'node:crypto';

/** Where the keys that verify bearer tokens come from. */
export type VerificationKeySource =
  /** One public key (SPKI PEM or a public JWK), e.g. from AUTH_JWT_PUBLIC_KEY or a key file. */
  | { readonly kind: 'public-key'; readonly key: KeyObject }
  /** A JSON Web Key Set fetched (and cached, refreshed on unknown `kid`) from an URL. */
  | { readonly kind: 'jwks-url'; readonly url: URL };

/** Options of the AuthModule; read once from configuration at the edge (auth.config.ts). */
export interface AuthModuleOptions {
  /**
   * `jwt`: tokens issued by an external identity provider.
   * `local-dev`: a signing key created under the data directory on first start;
   * tokens are issued by the server's own key (development only).
   */
  readonly mode: 'jwt' | 'local-dev';
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
  /** Requests per principal per window before 429. Default 600 per 60 s. */
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number };
  /** Invalid credentials tolerated per client address per window before 429. Default 30 per 60 s. */
  readonly failedAuthLimit: { readonly limit: number; readonly windowSeconds: number };
  /** Concurrent Server-Sent Events connections per principal. Default 5. */
  readonly maxLiveConnectionsPerPrincipal: number;
}

export const AUTH_MODULE_OPTIONS = Symbol('AUTH_MODULE_OPTIONS');
