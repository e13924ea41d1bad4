/**
 * Entry of a thread writing ranges of an operation's export, in turn, each to
 * a part file: it opens its own connection to the store from the same
 * configuration (through the store factory) and reads its ranges itself, so no
 * event crosses between threads. Its progress is the number of part files
 * complete, which export-files.ts appends to the export as soon as every part
 * before them is there too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import { createEventStore } from '@timeline/event-store/event-store.factory';
import { serveThreadTask } from '../threads/integrity-thread';
import { writeExportParts, type ExportPart, type ExportPartTask } from './export-part';

if (!parentPort) throw new Error('export-part.worker must run as a worker thread');
const task = workerData as ExportPartTask & { readonly store: EventStoreOptions };

serveThreadTask<ExportPart[]>(parentPort, async (progress) => {
  const store = await createEventStore(task.store);
  try {
    return await writeExportParts(store, task, progress);
  } finally {
    await store.close();
  }
});
