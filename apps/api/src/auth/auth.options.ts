import type { TokenVerifierOptions } from '@timeline/auth';

/** Options of the AuthModule; read once from configuration at the edge (auth.config.ts). */
export interface AuthModuleOptions extends TokenVerifierOptions {
  /**
   * `jwt`: tokens issued by an external identity provider.
   * `local-dev`: a signing key created under the data directory on first start;
   * tokens are issued by the server's own key (development only).
   */
  readonly mode: 'jwt' | 'local-dev';
  /** Requests per principal per window before 429. Default 600 per 60 s. */
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number };
  /** Invalid credentials tolerated per client address per window before 429. Default 30 per 60 s. */
  readonly failedAuthLimit: { readonly limit: number; readonly windowSeconds: number };
  /** Concurrent Server-Sent Events connections per principal. Default 5. */
  readonly maxLiveConnectionsPerPrincipal: number;
}

export const AUTH_MODULE_OPTIONS = Symbol('AUTH_MODULE_OPTIONS');
