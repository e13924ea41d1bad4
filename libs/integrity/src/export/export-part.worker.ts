/**
 * Entry of a thread writing one range of an operation's export to a part
 * file: it opens its own connection to the store from the same configuration
 * (through the store factory) and reads its range itself, so no event crosses
 * between threads (export-files.ts joins the parts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import { createEventStore } from '@timeline/event-store/event-store.factory';
import { serveThreadTask } from '../threads/integrity-thread';
import { writeExportPart, type ExportPart, type ExportPartTask } from './export-part';

if (!parentPort) throw new Error('export-part.worker must run as a worker thread');
const task = workerData as ExportPartTask & { readonly store: EventStoreOptions };

serveThreadTask<ExportPart>(parentPort, async () => {
  const store = await createEventStore(task.store);
  try {
    return await writeExportPart(store, task);
  } finally {
    await store.close();
  }
});
