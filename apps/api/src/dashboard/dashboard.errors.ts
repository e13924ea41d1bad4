import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { ProblemFieldError } from '../http/problem-details';

/** The api runs, but the dashboard's page was never built (`npm run build:dashboard`). */
export class DashboardNotBuiltError extends TimelineError {
  readonly code = 'dashboard.not-built';
  readonly category: ErrorCategory = 'unavailable';

  constructor(directory: string) {
    super(`The dashboard is not built: run npm run build:dashboard (looked in ${directory})`);
  }
}

/** A file the dashboard's build did not produce. */
export class DashboardAssetNotFoundError extends TimelineError {
  readonly code = 'dashboard.asset-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(asset: string) {
    super(`The dashboard has no file ${JSON.stringify(asset.slice(0, 100))}`);
  }
}

/** A local development token request naming an unknown role or a malformed agency code; nothing was issued. */
export class InvalidLocalDevTokenRequestError extends TimelineError {
  readonly code = 'request.invalid-body';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(readonly errors: readonly ProblemFieldError[]) {
    super(`Invalid token request: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, {
      errors,
    });
  }
}

/** A role picker token request over the network: local development tokens are issued to this machine only. */
export class LocalDevTokenNotLocalError extends TimelineError {
  readonly code = 'auth.local-dev-token-not-local';
  readonly category: ErrorCategory = 'forbidden';

  constructor(peer: string | undefined) {
    super(
      `Local development tokens are issued only to connections from this machine (loopback); this one came from ${
        peer ?? 'an unknown address'
      }. Use npm run cli -- token on the api's machine instead`,
      { peer: peer ?? null },
    );
  }
}
