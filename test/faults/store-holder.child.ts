/**
 * Opens the embedded store for writing (taking its lock) and holds it until it
 * is killed or its stdin closes: "the api" for the lock tests. Prints one line,
 * `{"ready":<pid>}`, once the store is open, or `{"refused":"<message>"}`.
 *
 * Usage: store-holder.child.ts <store file>
 */
import { SqliteEventStore } from '@timeline/event-store';

async function main(): Promise<void> {
  const file = process.argv[2];
  let store: SqliteEventStore;
  try {
    store = await SqliteEventStore.open({ file });
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ refused: (error as Error).message })}\n`);
    return;
  }
  process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void store.close());
}

void main();
