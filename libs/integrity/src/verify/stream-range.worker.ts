/**
 * Entry of a range-verification thread: it opens its own connection to the
 * store from the same configuration (through the store factory, so the same
 * code serves every adapter), checks one range of an operation's stream and
 * sends back what it found (stream-ranges.ts). Reading for itself is what makes
 * the thread pay: handing it the events from the main thread cost about what
 * it saved (bench/README.md, "Integrity").
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventStore } from '@timeline/event-store/event-store.factory';
import { serveThreadTask } from '../threads/integrity-thread';
import type { StreamRangeTask } from './stream-range.protocol';
import { verifyStreamRange, type RangeVerification } from './stream-ranges';

if (!parentPort) throw new Error('stream-range.worker must run as a worker thread');
const task = workerData as StreamRangeTask;

serveThreadTask<RangeVerification>(parentPort, async (progress) => {
  const store = await createEventStore(task.store);
  try {
    return await verifyStreamRange(store, task.operationId, task.range, {
      pageSize: task.pageSize,
      onProgress: (events) => {
        if (events % 10_000 === 0) progress(events);
      },
    });
  } finally {
    await store.close();
  }
});
