import fc from 'fast-check';
import { EventStoreUnavailableError } from '../event-store.errors';
import { CallDeadlineError, CallPolicy, type RunOptions } from './eventstoredb.call-policy';

class Transient extends Error {}
class Permanent extends Error {}

const runOptions: RunOptions = {
  retryable: (error) => error instanceof Transient,
  translate: (error) => new EventStoreUnavailableError('translated', error),
};

const policy = (overrides: Partial<ConstructorParameters<typeof CallPolicy>[0]> = {}, random = () => 0.5) =>
  new CallPolicy(
    { deadlineMs: 1000, budgetMs: 10_000, initialDelayMs: 50, maxDelayMs: 1000, ...overrides },
    random,
  );

/** Lets the promise chain run between timer steps. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('CallPolicy', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('resends after transient failures until one succeeds, with growing delays', async () => {
    const calls = policy();
    const attempts: number[] = [];
    let failuresLeft = 4;
    const result = calls.run(
      'append to operation-1',
      () => {
        attempts.push(Date.now());
        return failuresLeft-- > 0 ? Promise.reject(new Transient('no leader')) : Promise.resolve('ok');
      },
      runOptions,
    );
    await jest.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    // random 0.5: three quarters of 50, 100, 200, 400 ms.
    expect(attempts.slice(1).map((at, index) => at - attempts[index])).toEqual([38, 75, 150, 300]);
  });

  it('gives up with the translated error once the budget would be exceeded, and at once on a permanent failure', async () => {
    const calls = policy({ budgetMs: 500 });
    let attempts = 0;
    const transient = calls.run(
      'append',
      () => {
        attempts++;
        return Promise.reject(new Transient('no leader'));
      },
      runOptions,
    );
    const settled = transient.catch((error: unknown) => error);
    await jest.runAllTimersAsync();
    const error = await settled;
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect((error as EventStoreUnavailableError).cause).toBeInstanceOf(Transient);
    // 38 + 75 + 150 = 263 ms spent; the next 300 ms delay would end past 500.
    expect(attempts).toBe(4);

    let permanentAttempts = 0;
    const permanent = calls.run(
      'append',
      () => {
        permanentAttempts++;
        return Promise.reject(new Permanent('access denied'));
      },
      runOptions,
    );
    await expect(permanent).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(permanentAttempts).toBe(1);
  });

  it('ends an attempt at its deadline, cancels it on the wire and sends it again', async () => {
    const calls = policy({ deadlineMs: 200 });
    const cancelled: boolean[] = [];
    let attempt = 0;
    const result = calls.run(
      'read operation-1',
      ({ signal }) => {
        attempt++;
        signal.addEventListener('abort', () => cancelled.push(true));
        return attempt === 1 ? new Promise<string>(() => undefined) : Promise.resolve('second');
      },
      { ...runOptions, retryable: (error) => error instanceof CallDeadlineError },
    );
    await jest.runAllTimersAsync();
    await expect(result).resolves.toBe('second');
    expect(cancelled).toEqual([true]);
  });

  it('gives up each attempt at its own deadline and no sooner, however attempts overlap', async () => {
    const deadlineMs = 200;
    const attempt = fc.record({
      startsAt: fc.integer({ min: 1, max: 600 }),
      // undefined: the server never answers. An answer at the deadline itself races it: left out.
      // (Timers of 0 ms run after 1 ms, so every delay is at least 1.)
      answersAfter: fc.option(
        fc.integer({ min: 1, max: 400 }).filter((ms) => ms !== deadlineMs),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 12 }), async (attempts) => {
        const calls = policy({ deadlineMs });
        const started = Date.now();
        const outcomes: { at: number; outcome: string }[] = [];
        attempts.forEach(({ startsAt, answersAfter }, index) => {
          setTimeout(() => {
            const answer = () =>
              new Promise<string>((resolve) => {
                if (answersAfter !== undefined) setTimeout(() => resolve('answer'), answersAfter);
              });
            calls.once('read operation-1', answer).then(
              (value) => (outcomes[index] = { at: Date.now() - started, outcome: value }),
              (error: unknown) =>
                (outcomes[index] = {
                  at: Date.now() - started,
                  outcome: error instanceof CallDeadlineError ? 'deadline' : String(error),
                }),
            );
          }, startsAt);
        });
        await jest.advanceTimersByTimeAsync(2000);
        expect(outcomes).toEqual(
          attempts.map(({ startsAt, answersAfter }) =>
            answersAfter !== undefined && answersAfter < deadlineMs
              ? { at: startsAt + answersAfter, outcome: 'answer' }
              : { at: startsAt + deadlineMs, outcome: 'deadline' },
          ),
        );
        calls.abandonAll();
      }),
      { numRuns: 100 },
    );
  });

  it('rejects running and waiting requests at once when abandoned, and every later one', async () => {
    const calls = policy();
    const stuck = calls.run('append to operation-1', () => new Promise<never>(() => undefined), runOptions);
    const waiting = calls.run(
      'append to operation-2',
      () => Promise.reject(new Transient('no leader')),
      runOptions,
    );
    const stuckError = stuck.catch((error: unknown) => error);
    const waitingError = waiting.catch((error: unknown) => error);
    await flush();

    calls.abandonAll();

    expect(await stuckError).toEqual(
      new EventStoreUnavailableError('the event store closed before append to operation-1 completed'),
    );
    expect(await waitingError).toEqual(
      new EventStoreUnavailableError('the event store closed before append to operation-2 completed'),
    );
    await expect(calls.run('read', () => Promise.resolve(1), runOptions)).rejects.toBeInstanceOf(
      EventStoreUnavailableError,
    );
  });

  it('cancels on the wire an attempt that asked for its signal when the store closes, and no other', async () => {
    const calls = policy();
    const signals: AbortSignal[] = [];
    const reading = calls.run(
      'read operation-1',
      ({ signal }) => {
        signals.push(signal);
        return new Promise<never>(() => undefined);
      },
      runOptions,
    );
    const appending = calls.run(
      'append to operation-1',
      () => new Promise<never>(() => undefined),
      runOptions,
    );
    const errors = Promise.all([reading, appending].map((call) => call.catch((error: unknown) => error)));
    await flush();

    calls.abandonAll();

    expect(signals.map((signal) => signal.aborted)).toEqual([true]);
    expect(await errors).toEqual([
      new EventStoreUnavailableError('the event store closed before read operation-1 completed'),
      new EventStoreUnavailableError('the event store closed before append to operation-1 completed'),
    ]);
  });

  it('keeps every delay between half and all of its exponential ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 30_000 }),
        (failures, random, initialDelayMs, maxDelayMs) => {
          const delay = policy({ initialDelayMs, maxDelayMs }, () => random).delay(failures);
          const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** failures);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(ceiling));
        },
      ),
    );
  });
});
