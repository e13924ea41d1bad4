import { SlidingWindowRateLimitStorage } from './rate-limit.storage';

describe('SlidingWindowRateLimitStorage', () => {
  let now = 0;
  let storage: SlidingWindowRateLimitStorage;
  const hit = (key = 'principal:NCA/analyst', limit = 3) =>
    storage.increment(key, 60_000, limit, 60_000, 'default');

  beforeEach(() => {
    now = 1_000_000;
    storage = new SlidingWindowRateLimitStorage(() => now, 1_000);
  });

  afterEach(() => storage.close());

  it('counts hits per key and blocks the one past the limit for the block duration, with the time left', async () => {
    expect((await hit()).totalHits).toBe(1);
    expect((await hit()).totalHits).toBe(2);
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false, timeToExpire: 60 });
    expect(await hit('principal:NWP/analyst')).toMatchObject({ totalHits: 1, isBlocked: false });
    now += 10_000;
    expect(await hit()).toMatchObject({
      totalHits: 4,
      isBlocked: true,
      timeToBlockExpire: 60,
      timeToExpire: 50,
    });
    now += 30_000;
    // Blocked requests are not counted, and the block runs its course.
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 30 });
  });

  it('lets the previous window weigh on the next in proportion to their overlap', async () => {
    for (let n = 0; n < 3; n += 1) await hit('k', 4);
    // A quarter into the next window, three quarters of the previous window's 3 hits still count.
    now += 75_000;
    expect(await hit('k', 4)).toMatchObject({ totalHits: Math.ceil(3 * 0.75 + 1), isBlocked: false });
    now += 30_000;
    // Three quarters into it, a quarter of the previous window still counts.
    expect(await hit('k', 4)).toMatchObject({ totalHits: Math.ceil(3 * 0.25 + 2), isBlocked: false });
    now += 60_000;
    // A window on, the previous window is the second one (2 hits).
    expect(await hit('k', 4)).toMatchObject({ totalHits: Math.ceil(2 * 0.25 + 1), isBlocked: false });
    now += 180_000;
    // After a quiet window nothing earlier counts.
    expect(await hit('k', 4)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('forgets a key once its hits no longer weigh on anything, but not while it is blocked', async () => {
    const hitBlocking = (key: string) => storage.increment(key, 60_000, 3, 600_000, 'default');
    for (let n = 0; n < 4; n += 1) await hitBlocking('blocked');
    await hitBlocking('idle');
    expect(storage.size).toBe(2);
    now += 125_000;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // 'idle' is gone; 'blocked' stays blocked for its ten minutes.
    expect(storage.size).toBe(1);
    expect(await hitBlocking('blocked')).toMatchObject({ isBlocked: true, timeToBlockExpire: 475 });
  });
});
