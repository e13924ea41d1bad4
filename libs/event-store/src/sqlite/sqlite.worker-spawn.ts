import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '@timeline/kernel/threads/worker-thread';

/** The store's worker threads, by the base name of their entry file. */
export type SqliteWorkerEntry = 'sqlite.checkpoint.worker' | 'sqlite.read-ahead.worker';

/** Starts one of the store's worker threads. */
export function spawnSqliteWorker(entry: SqliteWorkerEntry, workerData: unknown): Worker {
  return startWorkerThread(join(__dirname, entry), { workerData, stdout: false, stderr: false });
}
