import { Subject } from 'rxjs';
import { LiveConnectionLimiter, TooManyLiveConnectionsError } from './live-connection-limiter.service';

describe('LiveConnectionLimiter', () => {
  const alice = { subject: 'analyst-1', agency: 'NCA' };
  const sameSubjectElsewhere = { subject: 'analyst-1', agency: 'NWP' };

  it('grants up to the cap per principal, then answers 429, and frees a slot on release', () => {
    const limiter = new LiveConnectionLimiter({ maxLiveConnectionsPerPrincipal: 2 });
    const first = limiter.acquire(alice);
    limiter.acquire(alice);
    let refusal: unknown;
    try {
      limiter.acquire(alice);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(TooManyLiveConnectionsError);
    expect(refusal).toMatchObject({
      code: 'auth.too-many-live-connections',
      category: 'rate-limited',
      retryAfterSeconds: 1,
    });
    expect(limiter.acquire(sameSubjectElsewhere)).toBeDefined();
    first.release();
    first.release();
    expect(limiter.held(alice)).toBe(1);
    limiter.acquire(alice);
    expect(limiter.held(alice)).toBe(2);
  });

  it('holds a slot for the life of a stream and frees it however the stream ends', () => {
    const limiter = new LiveConnectionLimiter({ maxLiveConnectionsPerPrincipal: 1 });
    const source = new Subject<number>();
    const received: number[] = [];
    const subscription = limiter.hold(alice, source).subscribe((value) => received.push(value));
    expect(() => limiter.hold(alice, new Subject<number>())).toThrow(TooManyLiveConnectionsError);
    source.next(7);
    subscription.unsubscribe();
    expect(received).toEqual([7]);
    expect(limiter.held(alice)).toBe(0);
    const failing = new Subject<number>();
    limiter.hold(alice, failing).subscribe({ error: () => undefined });
    expect(limiter.held(alice)).toBe(1);
    failing.error(new Error('store gone'));
    expect(limiter.held(alice)).toBe(0);
  });
});
