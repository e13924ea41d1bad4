import { positionOf, type AllSubscriptionMessage, type GlobalPosition } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { eventIdOf, eventToAppend } from '../testing/timeline-event.builders';
import { ResubscribingSubscription } from './resubscribing-subscription';

describe('ResubscribingSubscription', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] }));
  afterEach(() => jest.useRealTimers());

  function subscriptionTo(store: InMemoryEventStore) {
    const world = {
      running: true,
      after: null as GlobalPosition | null,
      delays: [] as number[],
      messages: [] as AllSubscriptionMessage[],
    };
    const subscription = new ResubscribingSubscription(
      store,
      {
        filter: { streamNamePrefixes: ['operation-'] },
        resubscribeDelayMs: 500,
        logger: {
          log: () => undefined,
          warn: () => undefined,
          error: (message) => world.delays.push(Number(/in (\d+) ms/.exec(message)![1])),
        },
        after: () => world.after,
        running: () => world.running,
      },
      (message) => world.messages.push(message),
    );
    return { subscription, world };
  }

  it('resubscribes after each failure, doubling the delay up to 30 s', async () => {
    const store = new InMemoryEventStore();
    const { subscription, world } = subscriptionTo(store);
    subscription.open();
    const expected = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
    for (const delay of expected) {
      store.failSubscriptions('network partition');
      expect(subscription.status()).toMatchObject({
        active: false,
        lastError: 'The event store is unavailable: network partition',
      });
      await jest.advanceTimersByTimeAsync(delay - 1);
      expect(store.subscriberCount).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(store.subscriberCount).toBe(1);
    }
    expect(world.delays).toEqual(expected);
    // The caught-up message of the new subscription clears the error.
    expect(subscription.status()).toEqual({ active: true, lastError: null, resubscriptions: 8 });
    subscription.close();
  });

  it('subscribes again after the position processed by then, so nothing is delivered twice', async () => {
    const store = new InMemoryEventStore();
    for (let n = 1; n <= 3; n += 1)
      await store.append('operation-venetic', [
        eventToAppend({ type: 'RaidConducted', data: { n }, eventId: eventIdOf(n) }),
      ]);
    const { subscription, world } = subscriptionTo(store);
    subscription.open();
    await jest.advanceTimersByTimeAsync(0);
    world.after = positionOf(2);
    world.messages.length = 0;
    store.failSubscriptions();
    await jest.advanceTimersByTimeAsync(500);
    expect(
      world.messages.map((message) => (message.kind === 'event' ? message.event.eventId : 'caught-up')),
    ).toEqual([eventIdOf(3), 'caught-up']);
    subscription.close();
  });

  it('neither delivers nor retries once the runner no longer runs', async () => {
    const store = new InMemoryEventStore();
    const { subscription, world } = subscriptionTo(store);
    subscription.open();
    await jest.advanceTimersByTimeAsync(0);
    world.running = false;
    world.messages.length = 0;
    await store.append('operation-venetic', [eventToAppend({ type: 'RaidConducted', data: {} })]);
    store.failSubscriptions();
    await jest.advanceTimersByTimeAsync(60_000);
    expect([world.messages, world.delays, store.subscriberCount]).toEqual([[], [], 0]);
    expect(subscription.status()).toEqual({ active: false, lastError: null, resubscriptions: 0 });
  });
});
