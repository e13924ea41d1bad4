import { type ExecutionContext, Injectable } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import {
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerGenerateKeyFunction,
  type ThrottlerGetTrackerFunction,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { RequestWithPrincipal } from './current-principal.decorator';

/** 429 for a client address that keeps presenting invalid credentials. */
export class TooManyFailedAuthenticationsError extends TimelineError {
  readonly code = 'auth.too-many-failures';
  readonly category: ErrorCategory = 'rate-limited';

  /** @param retryAfterSeconds when the address is let through again */
  constructor(readonly retryAfterSeconds: number) {
    super('Too many invalid credentials from this address; retry later');
  }
}

/** A handler and its controller class, as the Reflector takes them. */
type RouteTargets = Parameters<Reflector['getAllAndOverride']>[1];

/** One throttler's settings on one route: what ThrottlerGuard reads from the route's metadata on every request. */
interface RouteThrottle {
  readonly throttler: ThrottlerOptions;
  readonly skip: boolean;
  readonly limit: number;
  readonly ttl: number;
  readonly blockDuration: number;
  readonly getTracker: ThrottlerGetTrackerFunction;
  readonly generateKey: ThrottlerGenerateKeyFunction;
}

/**
 * Rate limits per principal (agency + subject) across all routes, not per
 * route; anonymous calls (only `/health`) are limited per client address. Runs
 * after the AuthGuard, which has set the principal. Answers 429 with Retry-After.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  /** Per controller class and handler: its settings, read once; null when one is resolved per request. */
  private readonly routes = new WeakMap<object, WeakMap<object, readonly RouteThrottle[] | null>>();

  /**
   * ThrottlerGuard's own check, with each route's settings read from its
   * metadata (five Reflector lookups per throttler) once rather than on every
   * request. A route whose limit, window or block duration is a function of the
   * request is left to ThrottlerGuard, which resolves it each time.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const throttles = this.throttlesOf(context);
    if (throttles === null) return super.canActivate(context);
    if (await this.shouldSkip(context)) return true;
    for (const throttle of throttles) {
      const skipIf = throttle.throttler.skipIf ?? this.commonOptions.skipIf;
      if (throttle.skip || skipIf?.(context)) continue;
      await this.handleRequest({ context, ...throttle });
    }
    return true;
  }

  private throttlesOf(context: ExecutionContext): readonly RouteThrottle[] | null {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byHandler = this.routes.get(classRef);
    if (byHandler === undefined) this.routes.set(classRef, (byHandler = new WeakMap()));
    let throttles = byHandler.get(handler);
    if (throttles === undefined) {
      throttles = this.readThrottles([handler, classRef]);
      byHandler.set(handler, throttles);
    }
    return throttles;
  }

  private readThrottles(targets: RouteTargets): readonly RouteThrottle[] | null {
    const throttles: RouteThrottle[] = [];
    for (const throttler of this.throttlers) {
      const read = <T>(key: string): T | undefined =>
        this.reflector.getAllAndOverride<T | undefined>(key + throttler.name, targets);
      const limit = read<unknown>(THROTTLER_LIMIT) ?? throttler.limit;
      const ttl = read<unknown>(THROTTLER_TTL) ?? throttler.ttl;
      if (typeof limit !== 'number' || typeof ttl !== 'number') return null;
      const blockDuration = read<unknown>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration ?? ttl;
      if (typeof blockDuration !== 'number') return null;
      throttles.push({
        throttler,
        skip: Boolean(read<boolean>(THROTTLER_SKIP)),
        limit,
        ttl,
        blockDuration,
        getTracker:
          read<ThrottlerGetTrackerFunction>(THROTTLER_TRACKER) ||
          throttler.getTracker ||
          this.commonOptions.getTracker!,
        generateKey:
          read<ThrottlerGenerateKeyFunction>(THROTTLER_KEY_GENERATOR) ||
          throttler.generateKey ||
          this.commonOptions.generateKey!,
      });
    }
    return throttles;
  }

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
