/**
 * Entry of the checkpoint thread: its own connection copies the WAL into the database when the
 * store asks, so the copy and its two syncs never stall the main thread's event loop. It imports
 * nothing through path aliases so that it loads the same way from TypeScript sources and from
 * compiled JavaScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prepareCheckpointConnection, UnusableStoreFile } from './sqlite.schema';
import type { CheckpointerInit, FromCheckpointer, ToCheckpointer } from './sqlite.checkpointer';

const port = parentPort;
if (!port) throw new Error('sqlite.checkpoint.worker must run as a worker thread');

const init = workerData as CheckpointerInit;
const send = (message: FromCheckpointer) => port.postMessage(message);

let db: Database.Database;
try {
  db = new Database(init.file, { fileMustExist: true });
  prepareCheckpointConnection(db);
  send({ t: 'ready' });
} catch (error) {
  send({ t: 'failed', message: describe(error), unusableFile: error instanceof UnusableStoreFile });
  throw error;
}

port.on('message', (message: ToCheckpointer) => {
  if (message.t === 'checkpoint') {
    try {
      // PASSIVE: copies what no reader still needs and never waits for the writer or readers.
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      send({ t: 'checkpointed', walFrames: result.log, copiedFrames: result.checkpointed });
    } catch (error) {
      // Busy: another connection checkpoints (a backup); the next request tries again.
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      send({ t: 'checkpoint-failed', message: describe(error), busy });
    }
  } else {
    // The store closes this connection last: SQLite then checkpoints all of the WAL and removes it.
    db.close();
    send({ t: 'closed' });
    port.close();
  }
});

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
