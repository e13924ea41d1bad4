/**
 * Entry of the writer thread. It owns the only writable connection, so fsyncs
 * and WAL checkpoints happen here and never stall the main thread's event loop.
 * It imports nothing through path aliases so that it loads the same way from
 * TypeScript sources and from compiled JavaScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prepareWriterConnection, UnusableStoreFile } from './sqlite.schema';
import { SqliteWriter } from './sqlite.writer';
import type { AppendRequest, FromWriter, ToWriter, WriterInit } from './sqlite.writer.protocol';

const port = parentPort;
if (!port) throw new Error('sqlite.writer.worker must run as a worker thread');

const init = workerData as WriterInit;
const send = (message: FromWriter) => port.postMessage(message);

let db: Database.Database;
let writer: SqliteWriter;
try {
  db = new Database(init.file);
  const durability = prepareWriterConnection(db);
  writer = new SqliteWriter(db);
  send({ t: 'ready', durability, headSeq: writer.headSeq() });
} catch (error) {
  send({
    t: 'failed',
    message: error instanceof Error ? error.message : String(error),
    unusableFile: error instanceof UnusableStoreFile,
  });
  throw error;
}

const queue: AppendRequest[] = [];
let flushScheduled = false;
let closing = false;

/**
 * Appends that arrive while a group is committing wait in the queue; the next
 * flush takes them all (up to the size limit) into one transaction.
 */
function flush(): void {
  flushScheduled = false;
  if (queue.length > 0) {
    let events = 0;
    let take = 0;
    while (
      take < queue.length &&
      (take === 0 || events + queue[take].events.length <= init.maxEventsPerTransaction)
    ) {
      events += queue[take].events.length;
      take++;
    }
    const group = queue.splice(0, take);
    const outcomes = writer.writeGroup(group);
    send({ t: 'outcomes', outcomes, metrics: writer.metrics, headSeq: writer.headSeq() });
  }
  if (queue.length > 0) schedule();
  else if (closing) {
    db.close();
    send({ t: 'closed' });
    port!.close();
  }
}

function schedule(): void {
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

port.on('message', (message: ToWriter) => {
  if (message.t === 'append') {
    for (const request of message.requests) queue.push(request);
  } else if (message.t === 'faults') {
    writer.faults = message.faults;
  } else {
    closing = true;
  }
  schedule();
});
