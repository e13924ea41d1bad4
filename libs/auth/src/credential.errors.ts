import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/**
 * No valid credential. The reason is kept generic on purpose in `detail` only
 * to the extent that it tells an honest client what to fix (expired, wrong
 * audience…) without revealing anything about the server's keys.
 */
export class AuthenticationRequiredError extends TimelineError {
  readonly code: string;
  readonly category: ErrorCategory = 'unauthenticated';

  constructor(
    code: 'auth.token-missing' | 'auth.token-invalid' | 'auth.token-expired' | 'auth.claims-invalid',
    message: string,
    /** Value for the `error` parameter of WWW-Authenticate (RFC 6750 §3.1). */
    readonly bearerError: 'invalid_request' | 'invalid_token' | null,
  ) {
    super(message);
    this.code = code;
  }

  /** The challenge an unauthenticated answer must carry (RFC 6750). */
  get challenge(): string {
    if (this.bearerError === null) return 'Bearer realm="operation-timeline"';
    const description = this.message.replace(/["\\]/g, '');
    return `Bearer realm="operation-timeline", error="${this.bearerError}", error_description="${description}"`;
  }
}

/** The identity provider's key set (JWKS) could not be fetched, so no token can be checked now. */
export class KeySetUnavailableError extends TimelineError {
  readonly code = 'auth.key-set-unavailable';
  readonly category: ErrorCategory = 'unavailable';

  constructor(cause: unknown) {
    super('Credentials cannot be verified at the moment; retry shortly', {}, cause);
  }
}
