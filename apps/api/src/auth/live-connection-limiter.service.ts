import { Inject, Injectable } from '@nestjs/common';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { finalize, type Observable } from 'rxjs';
import { AUTH_MODULE_OPTIONS, type AuthModuleOptions } from './auth.options';
import type { Principal } from '@timeline/auth';

/**
 * 429 for a principal that already holds its share of live connections. A slot
 * frees as soon as the server sees one of its connections go, so a client may
 * try again shortly (a dashboard resuming after `overflow` races its old
 * connection's close).
 */
export class TooManyLiveConnectionsError extends TimelineError {
  readonly code = 'auth.too-many-live-connections';
  readonly category: ErrorCategory = 'rate-limited';
  readonly retryAfterSeconds = 1;

  constructor(readonly limit: number) {
    super(`At most ${limit} live connections are allowed per principal; close one before opening another`);
  }
}

/** A held live-connection slot; releasing it twice is harmless. */
export interface LiveConnectionLease {
  release(): void;
}

/**
 * Caps the Server-Sent Events connections each principal holds at once. Live
 * endpoints acquire a lease before subscribing and release it when the client
 * goes away (finalize of the stream), so a leaked dashboard tab cannot exhaust
 * the server.
 */
@Injectable()
export class LiveConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(
    @Inject(AUTH_MODULE_OPTIONS)
    private readonly options: Pick<AuthModuleOptions, 'maxLiveConnectionsPerPrincipal'>,
  ) {}

  /** @throws TooManyLiveConnectionsError (429) when the principal is at its cap. */
  acquire(principal: Pick<Principal, 'subject' | 'agency'>): LiveConnectionLease {
    const key = `${principal.agency}\u0000${principal.subject}`;
    const held = this.open.get(key) ?? 0;
    const limit = this.options.maxLiveConnectionsPerPrincipal;
    if (held >= limit) throw new TooManyLiveConnectionsError(limit);
    this.open.set(key, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const remaining = (this.open.get(key) ?? 1) - 1;
        if (remaining <= 0) this.open.delete(key);
        else this.open.set(key, remaining);
      },
    };
  }

  /**
   * For SSE handlers: takes a slot now (429 before any byte is streamed when
   * the principal is at its cap) and frees it when the stream ends for any
   * reason — client gone, error or completion.
   * `return this.live.hold(principal, picture$)`
   */
  hold<T>(principal: Pick<Principal, 'subject' | 'agency'>, stream: Observable<T>): Observable<T> {
    const lease = this.acquire(principal);
    return stream.pipe(finalize(() => lease.release()));
  }

  /** Connections the principal holds now. */
  held(principal: Pick<Principal, 'subject' | 'agency'>): number {
    return this.open.get(`${principal.agency}\u0000${principal.subject}`) ?? 0;
  }
}
