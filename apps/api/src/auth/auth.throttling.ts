import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { RequestWithPrincipal } from './current-principal.decorator';

/** 429 for a client address that keeps presenting invalid credentials. */
export class TooManyFailedAuthenticationsException extends HttpException {
  constructor() {
    super(
      {
        code: 'auth.too-many-failures',
        message: 'Too many invalid credentials from this address; retry later',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Rate limits per principal (agency + subject) across all routes, not per
 * route; anonymous calls (only `/health`) are limited per client address. Runs
 * after the AuthGuard, which has set the principal. Answers 429 with Retry-After.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = (req as RequestWithPrincipal).principal;
    if (principal) return `principal:${principal.agency}/${principal.subject}`;
    return `address:${await super.getTracker(req)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new ThrottlerException(
      `Rate limit of ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s exceeded; retry after ${detail.timeToBlockExpire} s`,
    );
  }
}
