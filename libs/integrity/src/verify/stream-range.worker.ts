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
import type { FromStreamRangeThread, StreamRangeTask } from './stream-range.protocol';
import { verifyStreamRange } from './stream-ranges';

const port = parentPort;
if (!port) throw new Error('stream-range.worker must run as a worker thread');
const send = (message: FromStreamRangeThread) => port.postMessage(message);

async function run(task: StreamRangeTask): Promise<void> {
  const store = await createEventStore(task.store);
  try {
    const result = await verifyStreamRange(store, task.operationId, task.range, {
      pageSize: task.pageSize,
      onProgress: (events) => {
        if (events % 10_000 === 0) send({ t: 'progress', events });
      },
    });
    send({ t: 'done', result });
  } finally {
    await store.close();
  }
}

run(workerData as StreamRangeTask).catch((error: unknown) => {
  send({
    t: 'failed',
    message: error instanceof Error ? error.message : String(error),
    code: (error as { code?: string })?.code,
  });
});
