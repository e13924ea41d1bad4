/**
 * Entry of the read-ahead thread: its own read-only connection reads the next
 * pages of long sequential reads (a catch-up, a rebuild) while the main thread handles the pages it already has. It imports
 * nothing through path aliases so that it loads the same way from TypeScript
 * sources and from compiled JavaScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromReadAhead, ReadAheadInit, ToReadAhead } from './sqlite.read-ahead.protocol';
import { SqliteReader, seqOfRow, type Row, type SequentialRead } from './sqlite.reader';

const port = parentPort;
if (!port) throw new Error('sqlite.read-ahead.worker must run as a worker thread');

const init = workerData as ReadAheadInit;
const send = (message: FromReadAhead) => port.postMessage(message);

interface Cursor {
  readonly read: SequentialRead;
  /** Where its next page starts. */
  from: number;
  readonly limit: number;
  /** Pages it may still read before the main thread takes one. */
  credit: number;
}

let reader: SqliteReader;
try {
  reader = new SqliteReader(init.file);
  send({ t: 'ready' });
} catch (error) {
  send({ t: 'failed', cursor: null, message: describe(error) });
  throw error;
}

const cursors = new Map<number, Cursor>();
let scheduled = false;

/** One page for each cursor with credit, then back to the event loop so cancellations get in. */
function pump(): void {
  scheduled = false;
  for (const [id, cursor] of cursors) {
    if (cursor.credit <= 0) continue;
    let rows: Row[];
    try {
      rows = reader.readRawPage(cursor.read, cursor.from, cursor.limit);
    } catch (error) {
      cursors.delete(id);
      send({ t: 'failed', cursor: id, message: describe(error) });
      continue;
    }
    send({ t: 'page', cursor: id, from: cursor.from, rows });
    if (rows.length < cursor.limit) {
      cursors.delete(id);
      continue;
    }
    cursor.from = seqOfRow(rows[rows.length - 1]);
    cursor.credit -= 1;
  }
  for (const cursor of cursors.values()) if (cursor.credit > 0) return schedule();
}

function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    setImmediate(pump);
  }
}

port.on('message', (message: ToReadAhead) => {
  if (message.t === 'start') {
    const { read, from, limit, pages } = message;
    cursors.set(message.cursor, { read, from, limit, credit: pages });
  } else if (message.t === 'more') {
    const cursor = cursors.get(message.cursor);
    if (cursor) cursor.credit += 1;
  } else {
    cursors.delete(message.cursor);
  }
  schedule();
});

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
