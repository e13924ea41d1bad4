import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreUnavailableError, SqliteEventStore } from '@timeline/event-store';

const anEvent = (n: number) => ({ eventId: uuidv7(), type: 'Recorded', data: { n }, metadata: {} });

/**
 * A slow or stalled disk (each sync of the WAL held up, injected in the store's
 * group commit): the write queue stays within its bound, appends beyond it are refused
 * at once as unavailable (never left waiting, never dropped after being taken),
 * and every acknowledged append is in the log once the disk recovers.
 */
describe('a slow disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-slow-disk-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bounds the queue, refuses past the bound, and loses nothing acknowledged', async () => {
    const store = await SqliteEventStore.open({ file: join(dir, 'events.db'), maxQueuedEvents: 12 });
    try {
      store.injectWriterFaults({ syncDelayMs: 200 });
      const acknowledged: number[] = [];
      const refused: string[] = [];
      // Three waves of 40 appends of 1 or 2 events each, arriving while the disk stalls.
      for (let wave = 0; wave < 3; wave++) {
        const settled = Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => {
            const n = wave * 100 + i;
            return store
              .append(`stream-${n % 5}`, i % 2 === 0 ? [anEvent(n)] : [anEvent(n), anEvent(n + 0.5)])
              .then(() => acknowledged.push(n));
          }),
        );
        // While the disk stalls, health says why writes are refused.
        await new Promise((resolve) => setImmediate(resolve));
        expect((await store.describe()).writesRefused?.reason).toMatch(/^the write queue is full/);
        const outcomes = await settled;
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toBeInstanceOf(EventStoreUnavailableError);
            refused.push((outcome.reason as Error).message);
          }
        }
        expect(store.metrics().queuedEvents).toBe(0);
      }
      const metrics = store.metrics();
      expect(metrics.queuedEventsHighWater).toBeLessThanOrEqual(12);
      expect(metrics.queuedEventsHighWater).toBeGreaterThan(6);
      expect(metrics.refusedQueueFull).toBe(refused.length);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((message) => message.replace(/\d+ events/, 'N events')))).toEqual(
        new Set([
          'The event store is unavailable: the write queue is full (N events are waiting for the disk)',
        ]),
      );

      // The disk recovers: writes are taken again, and the health note clears with the first success.
      store.injectWriterFaults({});
      await store.append('after', [anEvent(999)]);
      expect((await store.describe()).writesRefused).toBeUndefined();
      const stored = (await store.readAll()).map((event) => event.data['n'] as number);
      const expected = acknowledged.flatMap((n) => ((n % 100) % 2 === 0 ? [n] : [n, n + 0.5]));
      expect(stored.filter((n) => n !== 999).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    } finally {
      await store.close();
    }
  });
});
