/**
 * Entry of a thread exporting ranges of an operation's stream: it opens its own
 * connection to the store from the same configuration (through the store
 * factory) once, then exports each range it is sent, in turn, reading it
 * itself, so no event crosses between threads. Only the lines cross, as chunks
 * of bytes whose memory is moved to the calling thread (export-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventStore } from '@timeline/event-store/event-store.factory';
import { exportPart } from './export-part';
import type { ExportPartThreadData, FromExportPartThread, ToExportPartThread } from './export-part.protocol';
import { NDJSON_CHUNK_BYTES } from './ndjson-chunks';

if (!parentPort) throw new Error('export-part.worker must run as a worker thread');
const port = parentPort;
const data = workerData as ExportPartThreadData;
// Opened while the first range is on its way.
const opened = createEventStore(data.store);
opened.catch(() => undefined);
let work: Promise<void> = Promise.resolve();
let failed = false;

const send = (message: FromExportPartThread, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

port.on('message', (message: ToExportPartThread) => {
  work = work.then(() => handle(message));
});

async function handle(message: ToExportPartThread): Promise<void> {
  if (failed) return;
  try {
    const store = await opened;
    if (message.t === 'end') {
      await store.close();
      port.close();
      return;
    }
    const { index } = message;
    const part = await exportPart(
      store,
      data.operationId,
      message.range,
      (chunk) => {
        // A chunk owns its whole buffer (NdjsonChunks allocates one per chunk, never from the pool): moved.
        const owned = chunk.byteOffset === 0 && chunk.buffer.byteLength >= NDJSON_CHUNK_BYTES;
        send({ t: 'chunk', index, bytes: chunk }, owned ? [chunk.buffer as ArrayBuffer] : []);
      },
      data.pageSize,
    );
    send({ t: 'part', index, part });
  } catch (error) {
    failed = true;
    send({ t: 'failed', message: error instanceof Error ? error.message : String(error) });
    await opened.then((store) => store.close()).catch(() => undefined);
  }
}
