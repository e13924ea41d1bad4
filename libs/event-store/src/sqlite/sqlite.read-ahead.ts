import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { FromReadAhead, ToReadAhead } from './sqlite.read-ahead.protocol';
import { seqOfRow, type Row, type SequentialRead, type VisibleUpTo } from './sqlite.reader';
import { spawnSqliteWorker } from './sqlite.worker-spawn';

/** Sequential reads going on at once that get pages read ahead; the least recently used gives way. */
const MAX_CURSORS = 4;
/** Sequential reads remembered to spot the next page of one. */
const MAX_REMEMBERED_READS = 64;

/**
 * When a sequential read gets its pages read ahead: `always`, or only while a core is free
 * (the 1-minute load average is below the cores less one half; the read itself keeps one busy).
 * With no free core the read-ahead thread only takes turns with the main thread and adds the
 * hand-off's CPU: a catch-up then runs faster on one thread (bench/README.md, "Projections").
 */
export type ReadAheadWhen = 'always' | 'a-core-is-free';

/** True when the machine has a core to spare for the read-ahead thread. */
export function aCoreIsFree(): boolean {
  return loadavg()[0] < availableParallelism() - 0.5;
}

interface Cursor {
  readonly id: number;
  readonly read: SequentialRead;
  readonly key: string;
  readonly limit: number;
  /** Where the page its reader will ask for next starts. */
  nextFrom: number;
  /** Pages arrived and not yet taken, in order. */
  readonly arrived: Row[][];
  /** Pages asked of the thread and not yet arrived. */
  inFlight: number;
  /** The thread reached the end of the log: the pages arrived are the last it will send. */
  ended: boolean;
  waiter: ((rows: Row[] | undefined) => void) | null;
  lastUsed: number;
}

/** What the read-ahead has done, for the store's metrics. */
export interface ReadAheadMetrics {
  /** Pages handed to readers from the read-ahead thread instead of being read on the main thread. */
  readonly readAheadPages: number;
  /** Times the read-ahead thread failed; reads then go on, on the main thread. */
  readonly readAheadFailures: number;
  /** Pages of sequential reads read on the main thread because no core was free to read ahead. */
  readonly readAheadDeclinedPages: number;
}

/**
 * Reads the next pages of a long sequential read of the log (a subscription
 * catching up, a rebuild paging through `readAll`) on a thread of its own, so that the main thread only converts
 * and handles them.
 *
 * Only full pages are handed out: events are committed in the order of their
 * sequence, so a full page read earlier is exactly the page a read now would
 * give. A short page (the end of the log) could miss an event committed since,
 * so it ends the cursor and the reader reads it afresh. A reader that does not
 * find its page here reads it itself; the read-ahead never decides what a read
 * returns, only where it is read.
 *
 * A read becomes sequential when a full page starts where the last full page
 * of the same read (filter) and size ended; the thread
 * starts on the first one.
 *
 * Pages cross as SQLite's raw rows (strings and numbers). Packing a page into
 * one transferred buffer was measured and costs more on both threads: the
 * packing, the decoding and the slicing outweigh the structured clone of the
 * rows' strings (bench/README.md, "Projections").
 */
export class SqliteReadAhead {
  private worker: Worker | null = null;
  private ready = false;
  private failed = false;
  private closed = false;
  private nextCursorId = 1;
  private clock = 0;
  private readonly cursors = new Map<number, Cursor>();
  /** Where the last full page read on the main thread ended, by filter and page size. */
  private readonly lastFullPageEnd = new Map<string, number>();
  /** Readers waiting for a page from the thread: while there are any, the thread is referenced. */
  private waiting = 0;
  private pagesServed = 0;
  private failures = 0;
  private declined = 0;

  constructor(
    private readonly file: string,
    /** Pages read ahead of a reader; 0 turns the read-ahead off. */
    private readonly pages: number,
    private readonly when: ReadAheadWhen = 'a-core-is-free',
    /** Asked before each page a sequential read would get read ahead, under `a-core-is-free`. */
    private readonly coreIsFree: () => boolean = aCoreIsFree,
    /**
     * The store's durable watermark: the thread's connection sees commits before their sync has
     * returned, so a page reaching past it is not handed out (the reader reads it itself, bounded).
     */
    private readonly visibleUpTo: VisibleUpTo = () => Number.MAX_SAFE_INTEGER,
  ) {}

  /**
   * True while the thread is starting. Its readiness arrives as a message, which a reader that
   * never leaves the microtask queue (awaiting reads that settle at once, as a tight walk
   * through `readAll` does) would not let in until its walk ended: such a reader yields a turn of the
   * event loop before each read meanwhile.
   */
  get starting(): boolean {
    return this.worker !== null && !this.ready && !this.failed && !this.closed;
  }

  get metrics(): ReadAheadMetrics {
    return {
      readAheadPages: this.pagesServed,
      readAheadFailures: this.failures,
      readAheadDeclinedPages: this.declined,
    };
  }

  /**
   * The full page of `read` from `from`, if it was read ahead (or a promise of it, if
   * it is being read); undefined, now or when the promise settles, when the
   * caller must read the page itself.
   */
  take(read: SequentialRead, from: number, limit: number): Row[] | Promise<Row[] | undefined> | undefined {
    if (this.cursors.size === 0) return undefined;
    const key = keyOf(read, limit);
    for (const cursor of this.cursors.values()) {
      if (cursor.key !== key || cursor.nextFrom !== from || cursor.waiter !== null) continue;
      cursor.lastUsed = ++this.clock;
      const rows = cursor.arrived.shift();
      if (rows) return this.handOut(cursor, rows);
      if (cursor.ended || cursor.inFlight === 0) {
        this.drop(cursor, !cursor.ended);
        return undefined;
      }
      return new Promise((resolve) => {
        // The thread is unreferenced so that an idle read-ahead never holds a finished process
        // open; a reader waiting for its page must, or a process with nothing else pending (a
        // CLI verifying the log) would end in the middle of its read with exit code 0.
        if (this.waiting++ === 0) this.worker?.ref();
        cursor.waiter = (rows) => {
          if (--this.waiting === 0) this.worker?.unref();
          resolve(rows);
        };
      });
    }
    return undefined;
  }

  /**
   * Tells it about a page the caller read itself from `from`, `rows` long, the next page starting
   * at `next`: a full one that continues the last one of the same read starts a cursor.
   */
  noteRead(read: SequentialRead, from: number, limit: number, rows: number, next: number): void {
    if (this.pages <= 0 || this.failed || this.closed || limit <= 0 || rows < limit) return;
    const key = keyOf(read, limit);
    const sequential = this.lastFullPageEnd.get(key) === from;
    if (this.lastFullPageEnd.size >= MAX_REMEMBERED_READS) this.lastFullPageEnd.clear();
    this.lastFullPageEnd.set(key, next);
    if (!sequential) return;
    if (this.when === 'a-core-is-free' && !this.coreIsFree()) {
      this.declined += 1;
      return;
    }
    if (!this.ready) return this.spawn();
    this.startCursor(read, key, next, limit);
  }

  /** Stops the thread; readers waiting for a page read it themselves. */
  close(): Promise<void> {
    this.closed = true;
    this.dropAll();
    const worker = this.worker;
    this.worker = null;
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  /** The page for its reader, or undefined (the cursor dropped) when it reaches past the durable watermark. */
  private handOut(cursor: Cursor, rows: Row[]): Row[] | undefined {
    if (seqOfRow(rows[rows.length - 1]) > this.visibleUpTo()) {
      this.drop(cursor, true);
      return undefined;
    }
    cursor.nextFrom = seqOfRow(rows[rows.length - 1]);
    if (!cursor.ended) {
      cursor.inFlight += 1;
      this.post({ t: 'more', cursor: cursor.id });
    }
    this.pagesServed += 1;
    return rows;
  }

  private startCursor(read: SequentialRead, key: string, from: number, limit: number): void {
    for (const cursor of this.cursors.values()) if (cursor.key === key && cursor.nextFrom === from) return;
    if (this.cursors.size >= MAX_CURSORS) {
      const leastRecent = [...this.cursors.values()].reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
      this.drop(leastRecent, true);
    }
    const cursor: Cursor = {
      id: this.nextCursorId++,
      read,
      key,
      limit,
      nextFrom: from,
      arrived: [],
      inFlight: this.pages,
      ended: false,
      waiter: null,
      lastUsed: ++this.clock,
    };
    this.cursors.set(cursor.id, cursor);
    this.post({ t: 'start', cursor: cursor.id, read, from, limit, pages: this.pages });
  }

  private receive(message: FromReadAhead): void {
    if (message.t === 'ready') {
      this.ready = true;
      return;
    }
    if (message.t === 'failed' && message.cursor === null) return this.fail();
    const cursor = this.cursors.get(message.cursor!);
    if (!cursor) return;
    if (message.t === 'failed') return this.drop(cursor, false);
    cursor.inFlight -= 1;
    const expectedFrom =
      cursor.arrived.length > 0 ? seqOfRow(cursor.arrived.at(-1)!.at(-1)!) : cursor.nextFrom;
    if (message.from !== expectedFrom) return this.drop(cursor, true);
    if (message.rows.length < cursor.limit) {
      // The end of the log: a short page may miss what was committed since it was read, so it is
      // never handed out; the full pages before it still are, then the reader reads on its own.
      cursor.ended = true;
      cursor.inFlight = 0;
      if (cursor.waiter) this.drop(cursor, false);
      return;
    }
    if (cursor.waiter) {
      const resolve = cursor.waiter;
      cursor.waiter = null;
      resolve(this.handOut(cursor, message.rows));
    } else cursor.arrived.push(message.rows);
  }

  private spawn(): void {
    if (this.worker || this.failed || this.closed) return;
    const worker = spawnSqliteWorker('sqlite.read-ahead.worker', { file: this.file });
    this.worker = worker;
    worker.on('message', (message: FromReadAhead) => this.receive(message));
    worker.on('error', () => this.fail());
    worker.on('exit', () => {
      if (!this.closed) this.fail();
    });
    // The thread keeps the process alive only while a reader waits for it (take).
    worker.unref();
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.ready = false;
    this.failures += 1;
    this.dropAll();
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }

  private post(message: ToReadAhead): void {
    this.worker?.postMessage(message);
  }

  private drop(cursor: Cursor, cancel: boolean): void {
    this.cursors.delete(cursor.id);
    if (cancel) this.post({ t: 'cancel', cursor: cursor.id });
    const waiter = cursor.waiter;
    cursor.waiter = null;
    waiter?.(undefined);
  }

  private dropAll(): void {
    for (const cursor of [...this.cursors.values()]) this.drop(cursor, false);
  }
}

function keyOf(read: SequentialRead, limit: number): string {
  return `${limit} ${JSON.stringify(read.filter?.streamNamePrefixes ?? [])} ${JSON.stringify(read.filter?.eventTypes ?? [])}`;
}
