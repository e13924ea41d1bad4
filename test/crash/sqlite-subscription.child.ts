/**
 * Subscribes to the embedded store, appends two events and waits for both, then prints
 * `delivered 2`. Nothing else keeps this process alive: if a subscription's pending delivery
 * did not, the process would end with code 0 before the second event arrived.
 *
 * Usage: sqlite-subscription.child.ts <file>
 */
import { v7 as uuidv7 } from 'uuid';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite.event-store';

async function main(): Promise<void> {
  const store = await SqliteEventStore.open({ file: process.argv[2] });
  const append = (n: number) =>
    store.append('alive', [{ eventId: uuidv7(), type: 'Probe', data: { n }, metadata: {} }]);
  let delivered = 0;
  await new Promise<void>((resolve, reject) => {
    store.subscribeToAll().subscribe({
      next: (message) => {
        if (message.kind === 'caught-up') void append(1).catch(reject);
        if (message.kind !== 'event') return;
        delivered += 1;
        // The second commit lands right after a live read: its read waits for the spacing interval.
        if (delivered === 1) void append(2).catch(reject);
        if (delivered === 2) resolve();
      },
      error: reject,
    });
  });
  process.stdout.write(`delivered ${delivered}\n`);
  await store.close();
}

void main();
