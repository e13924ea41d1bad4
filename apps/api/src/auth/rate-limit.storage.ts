import type { ThrottlerStorage } from '@nestjs/throttler';

/** What the store answers for one request (the package does not export the type by name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  /** Start of the current fixed window (ms). */
  start: number;
  /** Hits counted in the current window. */
  count: number;
  /** Hits counted in the window before it. */
  previous: number;
  /** While blocked: until when (ms); 0 otherwise. */
  blockedUntil: number;
  /** The window's length (ms), as last asked for. */
  ttl: number;
}

/**
 * Rate-limit counters for @nestjs/throttler: a sliding-window counter per key
 * (the current fixed window's hits plus the previous window's, weighted by how
 * much of it still overlaps the sliding window). Constant time and memory per
 * request, where the library's default store keeps and filters one timestamp
 * per hit of the window — at a few thousand requests per second from one
 * principal that filtering cost more than a durable append.
 *
 * Same contract as the default store: a request that takes the count past the
 * limit blocks the key for `blockDuration`; blocked requests are not counted.
 */
export class SlidingWindowRateLimitStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepIntervalMs = 60_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Keys held (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const id = `${throttlerName}\u0000${key}`;
    let window = this.windows.get(id);
    if (window === undefined) {
      window = { start: now, count: 0, previous: 0, blockedUntil: 0, ttl };
      this.windows.set(id, window);
    } else if (now >= window.start + ttl) {
      const elapsed = Math.floor((now - window.start) / ttl);
      window.previous = elapsed === 1 ? window.count : 0;
      window.count = 0;
      window.start += elapsed * ttl;
    }
    window.ttl = ttl;
    const timeToExpire = Math.ceil((window.start + ttl - now) / 1000);
    const overlap = 1 - (now - window.start) / ttl;
    if (window.blockedUntil > now) {
      return Promise.resolve({
        totalHits: Math.ceil(window.previous * overlap + window.count),
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: Math.ceil((window.blockedUntil - now) / 1000),
      });
    }
    window.blockedUntil = 0;
    window.count += 1;
    const totalHits = Math.ceil(window.previous * overlap + window.count);
    const isBlocked = totalHits > limit;
    if (isBlocked) window.blockedUntil = now + blockDuration;
    return Promise.resolve({
      totalHits,
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil(blockDuration / 1000) : 0,
    });
  }

  /** Stops the sweep (the timer never keeps the process alive, but tests and shutdown tidy up). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** Drops keys with nothing left to remember: no block, and no hit in the last two windows. */
  private sweep(): void {
    const now = this.now();
    for (const [id, window] of this.windows) {
      if (window.blockedUntil > now) continue;
      // A window's hits weigh on the next one only; after that they are forgotten.
      if (now - window.start < 2 * window.ttl) continue;
      this.windows.delete(id);
    }
  }
}
