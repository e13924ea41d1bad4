import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import type {
  AllSubscriptionMessage,
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreDescription,
  EventToAppend,
  ExpectedRevision,
  GlobalLogFilter,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import {
  DuplicateEventIdError,
  EventStoreError,
  EventStoreFileError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { validateAppend } from '../append-validation';
import { positionOf, type GlobalPosition } from '../global-position';
import Database from 'better-sqlite3';
import { SqliteCheckpointer, type CheckpointMetrics } from './sqlite.checkpointer';
import { DurableWatermark, SqliteGroupCommit, type WriteQueueMetrics } from './sqlite.group-commit';
import { aCoreIsFree, SqliteReadAhead, type ReadAheadMetrics, type ReadAheadWhen } from './sqlite.read-ahead';
import {
  READ_CHUNK_ROWS,
  SqliteReader,
  toRecordedEvent,
  type Row,
  type SequentialRead,
  type VisibleUpTo,
} from './sqlite.reader';
import { prepareWriterConnection, UnusableStoreFile, type ConnectionDurability } from './sqlite.schema';
import { SqliteStoreLock } from './sqlite.store-lock';
import { fdatasyncOnThePool, SqliteWalFile, SyncedHead, type WalSync } from './sqlite.wal-file';
import {
  SqliteWriter,
  type AppendOutcome,
  type WireEvent,
  type WriterFaults,
  type WriterMetrics,
} from './sqlite.writer';

/** Options of the embedded store. */
export interface SqliteEventStoreOptions {
  /** Path of the database file; its directory is created when missing. `:memory:` is not supported. */
  readonly file: string;
  /**
   * How often subscriptions look for events written by another process on the
   * same file (this process's own commits are pushed at once). Default 1000 ms.
   */
  readonly pollIntervalMs?: number;
  /** Most events one group commit takes; the rest go to the next transaction. Default 10,000. */
  readonly maxEventsPerTransaction?: number;
  /**
   * Events a subscription reads per page while catching up, yielding to the event loop between pages.
   * Default 250: a page stays alive until its events are handled, and young collections copy it
   * meanwhile; 250 caught up 0–19 % faster than 500 on a million events.
   */
  readonly subscriptionPageSize?: number;
  /**
   * Pages a long sequential read of the log (a catch-up, a rebuild paging through `readAll`) gets
   * read ahead on a thread of its own while the main thread handles the ones it has. Default 4; 0 reads everything on the calling thread.
   */
  readonly readAheadPages?: number;
  /**
   * Whether pages are read ahead `always`, or only while the load average leaves a core free
   * (`a-core-is-free`, the default): without one, the two threads only take turns and the
   * hand-off's CPU makes the read slower than on one thread.
   */
  readonly readAheadWhen?: ReadAheadWhen;
  /**
   * Once a subscription has caught up, the least time between two of its reads. A commit after
   * a quiet spell is read at once; under a stream of commits, those that land within the
   * interval are read, and handed on, together. Under durable appends over HTTP, the read
   * models' folds cost about four times as much per event when each group commit was read and
   * folded as it landed as when reads were 20 ms apart. Default 50 ms; 0 reads after every commit.
   */
  readonly liveReadIntervalMs?: number;
  /**
   * Opens the file for reading only: no writer and no lock, so it works beside the
   * process that writes (the api); appends are refused. The file must exist and be an event
   * store. Default false: the store takes the file's lock (one writing process per file) and
   * refuses to open, naming the holder, when another process has it.
   */
  readonly readOnly?: boolean;
  /**
   * Most events that may wait for the disk (queued or committing) at once; an append beyond
   * it is refused at once as unavailable, so a slow or stalled disk bounds memory instead of
   * growing it. Default 20,000.
   */
  readonly maxQueuedEvents?: number;
  /**
   * How each group's WAL frames are made durable before it is acknowledged, and, opened
   * read-only, how this process syncs the WAL another process writes before it shows that
   * process's commits. Default `fdatasync(2)` on the libuv pool; tests replace it to hold a
   * sync open or make it fail.
   */
  readonly walSync?: WalSync;
}

/** Counters for metrics: group commit shows as fewer transactions than appends. */
export interface SqliteEventStoreMetrics
  extends WriterMetrics, ReadAheadMetrics, WriteQueueMetrics, CheckpointMetrics {
  readonly subscriptions: number;
}

const NO_WRITER_METRICS: WriterMetrics & WriteQueueMetrics & CheckpointMetrics = {
  transactions: 0,
  appends: 0,
  eventsWritten: 0,
  largestGroup: 0,
  queuedEvents: 0,
  queuedEventsHighWater: 0,
  refusedQueueFull: 0,
  walSyncs: 0,
  checkpoints: 0,
  walFramesAtLastCheckpoint: 0,
};

/** The store's write side: present unless it was opened read-only. */
interface WriteSide {
  readonly db: Database.Database;
  readonly durability: ConnectionDurability;
  readonly commits: SqliteGroupCommit;
  readonly checkpointer: SqliteCheckpointer;
}

/**
 * The embedded event store: one SQLite file in WAL mode with synchronous=NORMAL.
 * Appends are committed in groups on the main thread and acknowledged once a
 * sync of the WAL, on the libuv pool, has returned; checkpoints run on a thread
 * of their own. Reads and subscriptions use a read-only connection on the calling
 * thread, never past the durable watermark, and long sequential reads get their
 * next pages read ahead on a thread of their own.
 */
export class SqliteEventStore implements EventStore {
  private readonly followers = new Set<Follower>();
  private knownHeadSeq: number | null;
  private pollTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** Null when opened read-only. */
  private writer: WriteSide | null = null;
  private lock: SqliteStoreLock | null = null;
  /** Why the store has no writer, when it has none. */
  private readOnlyReason: string | null = null;
  /** When opened read-only: how far this process has synced the file another process writes. */
  private syncedHead: SyncedHead | null = null;
  private readonly readAhead: SqliteReadAhead;
  /** Why appends fail, since when: set by an append that failed as unavailable, cleared by one that succeeds. */
  private writeFailure: { reason: string; since: string } | null = null;

  private constructor(
    readonly file: string,
    private readonly reader: SqliteReader,
    headSeq: number | null,
    private readonly options: Required<Omit<SqliteEventStoreOptions, 'file' | 'readOnly' | 'walSync'>>,
    visibleUpTo: VisibleUpTo,
  ) {
    this.knownHeadSeq = headSeq;
    this.readAhead = new SqliteReadAhead(
      file,
      options.readAheadPages,
      options.readAheadWhen,
      aCoreIsFree,
      visibleUpTo,
    );
  }

  /**
   * Opens (creating if needed) the store file and takes its lock; refuses to start unless every
   * connection is WAL with synchronous=NORMAL. With `readOnly`, opens an existing store for reading.
   * Throws EventStoreLockedError when another process writes to the file, EventStoreFileError
   * when the file is not this release's event store or cannot be opened where it lives.
   */
  static async open(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
    if (!options.file || options.file === ':memory:' || options.file.startsWith('file:')) {
      throw new Error(`SqliteEventStore needs a file path, got ${JSON.stringify(options.file)}`);
    }
    const file = resolve(options.file);
    const settings = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      maxEventsPerTransaction: options.maxEventsPerTransaction ?? 10_000,
      subscriptionPageSize: options.subscriptionPageSize ?? 250,
      readAheadPages: options.readAheadPages ?? 4,
      readAheadWhen: options.readAheadWhen ?? 'a-core-is-free',
      liveReadIntervalMs: options.liveReadIntervalMs ?? 50,
      maxQueuedEvents: options.maxQueuedEvents ?? 20_000,
    };
    mkdirSync(dirname(file), { recursive: true });
    // A store that cannot be written (a read-only file system or file) still serves reads; its
    // appends are refused as unavailable, saying why.
    const readOnlyReason = options.readOnly ? 'the store was opened read-only' : notWritable(file);
    if (readOnlyReason !== null) {
      // Another process may write: its commits are shown once this process has synced them too.
      const visible: { head?: SyncedHead } = {};
      const reader = openReader(file, () => visible.head?.visibleUpTo() ?? 0);
      const head = new SyncedHead(file, () => reader.headOfFile(), options.walSync ?? fdatasyncOnThePool);
      visible.head = head;
      try {
        await head.refresh();
      } catch (error) {
        reader.close();
        throw asStoreError(file, error);
      }
      const store = new SqliteEventStore(file, reader, reader.headSeq(), settings, head.visibleUpTo);
      store.readOnlyReason = readOnlyReason;
      store.syncedHead = head;
      return store;
    }
    const lock = takeLock(file);
    const opened: { store?: SqliteEventStore; commits?: SqliteGroupCommit } = {};
    const closers: (() => unknown)[] = [];
    try {
      const db = new Database(file);
      closers.push(() => db.close());
      const durability = prepareWriterConnection(db);
      const writer = new SqliteWriter(db);
      const wal = SqliteWalFile.open(file);
      closers.push(() => wal.close());
      const checkpointer = await SqliteCheckpointer.start(file, {
        checkpointed: () => {
          const lost = wal.identityLost();
          if (lost !== null) opened.commits?.failClosed(lost);
        },
        failed: (reason) => opened.commits?.failClosed(reason),
        pauseCommits: () => opened.commits?.pauseCommits(),
        resumeCommits: () => opened.commits?.resumeCommits(),
      });
      closers.push(() => checkpointer.close());
      const watermark = DurableWatermark.of(file);
      const commits = new SqliteGroupCommit(
        writer,
        wal,
        checkpointer,
        watermark,
        (seq) => opened.store?.headAdvanced(seq),
        {
          maxEventsPerTransaction: settings.maxEventsPerTransaction,
          maxQueuedEvents: settings.maxQueuedEvents,
          sync: options.walSync ?? fdatasyncOnThePool,
        },
      );
      opened.commits = commits;
      const visibleUpTo = () => watermark.seq;
      const reader = openReader(file, visibleUpTo);
      const store = new SqliteEventStore(file, reader, writer.headSeq(), settings, visibleUpTo);
      store.writer = { db, durability, commits, checkpointer };
      store.lock = lock;
      opened.store = store;
      return store;
    } catch (error) {
      for (const close of closers.reverse()) await close();
      lock.release();
      throw asStoreError(file, error);
    }
  }

  /**
   * The process that held the file's lock last and ended without releasing it (it was killed),
   * or null: worth a line in the log, never a reason to refuse (the OS released its lock).
   */
  get previousLockHolder(): SqliteStoreLock['previous'] {
    return this.lock?.previous ?? null;
  }

  /** Why the store refuses every write (opened read-only, or its file or file system is), or null. */
  get readOnly(): string | null {
    return this.readOnlyReason;
  }

  /** Makes the writer simulate faults from its next group on: fault-injection tests and drills only. */
  injectWriterFaults(faults: WriterFaults): void {
    this.writer?.commits.injectFaults(faults);
  }

  /** What each connection reported after it was opened; both are checked to be WAL + NORMAL at start-up. */
  durability(): { writer: ConnectionDurability | null; reader: ConnectionDurability } {
    return { writer: this.writer?.durability ?? null, reader: this.reader.durability };
  }

  metrics(): SqliteEventStoreMetrics {
    const writer = this.writer;
    return {
      ...(writer
        ? { ...writer.commits.writerMetrics, ...writer.commits.metrics, ...writer.checkpointer.metrics }
        : NO_WRITER_METRICS),
      ...this.readAhead.metrics,
      subscriptions: this.followers.size,
    };
  }

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closing) throw new EventStoreUnavailableError('the store is closed');
    if (!this.writer) throw new EventStoreUnavailableError(this.readOnlyReason ?? 'the store has no writer');
    const expected = options?.expectedRevision ?? 'any';
    const wire = toWireEvents(streamName, events, expected);
    const outcome = await this.writer.commits.append(streamName, expected, wire);
    if (outcome.ok) this.writeFailure = null;
    else if (outcome.failure.kind === 'unavailable' && this.writeFailure === null)
      this.writeFailure = { reason: outcome.failure.reason, since: new Date().toISOString() };
    return toResult(outcome);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    await this.readableUpToTheHead();
    const events = this.reader.readStream(streamName, options);
    if (events === null) throw new StreamNotFoundError(streamName);
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    await this.readableUpToTheHead();
    const afterSeq = seqOf(options.after);
    const limit = options.maxCount ?? -1;
    const read: SequentialRead = { filter: options.filter };
    if (this.readAhead.starting) await turnOfTheEventLoop();
    const ahead = await this.readAhead.take(read, afterSeq, limit);
    if (ahead) return ahead.map(toRecordedEvent);
    this.assertReadable();
    const events = this.reader.readAll(afterSeq, options.filter, limit);
    if (events.length > 0)
      this.readAhead.noteRead(read, afterSeq, limit, events.length, seqOf(events.at(-1)!.position));
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<AllSubscriptionMessage> {
    return new Observable<AllSubscriptionMessage>((subscriber) => {
      if (this.closing) {
        subscriber.error(new EventStoreUnavailableError('the store is closed'));
        return undefined;
      }
      const follower = new Follower(
        this.reader,
        this.readAhead,
        subscriber,
        seqOf(options.after),
        options.after != null,
        options.filter,
        this.options.subscriptionPageSize,
        this.options.liveReadIntervalMs,
      );
      this.followers.add(follower);
      this.startPolling();
      follower.wake();
      return () => {
        follower.stop();
        this.followers.delete(follower);
        if (this.followers.size === 0) this.stopPolling();
      };
    });
  }

  async describe(): Promise<EventStoreDescription> {
    await this.readableUpToTheHead();
    const head = this.reader.headSeq();
    return {
      kind: 'sqlite',
      location: this.file,
      headPosition: head === null ? null : positionOf(head),
      ...(this.readOnlyReason !== null
        ? { writesRefused: { reason: this.readOnlyReason, since: null } }
        : (this.writer?.commits.diskFailure ?? this.writeFailure) && {
            writesRefused: this.writer?.commits.diskFailure ?? this.writeFailure!,
          }),
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writer?.commits.close();
        this.writer?.db.close();
        await this.writer?.checkpointer.close();
        await this.readAhead.close();
        this.stopPolling();
        for (const follower of this.followers) follower.complete();
        this.followers.clear();
        // Closed last, the read-only connection leaves the WAL and its index beside the file, so
        // the file can be read again where it cannot be written (a read-only file system).
        this.reader.close();
      } finally {
        // Released last: the next holder must find every connection of this one closed.
        this.lock?.release();
      }
    })();
    return this.closing;
  }

  /** Pushed by the group commit after each sync of this process's commits. */
  private headAdvanced(seq: number | null): void {
    if (seq === null || (this.knownHeadSeq !== null && seq <= this.knownHeadSeq)) return;
    this.knownHeadSeq = seq;
    for (const follower of this.followers) follower.headAt(seq);
  }

  /** The fallback for commits of other processes on the same file, which send no notification. */
  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      // A failed sync is tried again at the next poll; until then the head shown stays where it was.
      void (this.syncedHead?.refresh() ?? Promise.resolve()).then(
        () => {
          try {
            this.headAdvanced(this.reader.headSeq());
          } catch {
            // The reader is closing; close() stops the timer.
          }
        },
        () => undefined,
      );
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private assertReadable(): void {
    if (this.closing) throw new EventStoreUnavailableError('the store is closed');
  }

  /**
   * Before a read: opened read-only, shows what another process committed up to now once this
   * process has synced it (SyncedHead); a sync that fails fails the read.
   */
  private async readableUpToTheHead(): Promise<void> {
    this.assertReadable();
    if (this.syncedHead === null) return;
    try {
      await this.syncedHead.refresh();
    } catch (error) {
      throw new EventStoreUnavailableError(
        `the store's write-ahead log could not be made durable before reading it (${(error as Error).message})`,
        error,
      );
    }
    this.assertReadable();
  }
}

/**
 * One subscription: reads the log in pages from where it is, emits, and after
 * the first time it reaches the head emits `caught-up`. A commit notice only
 * wakes it; it always reads from its own last position, so events committed
 * while it was catching up are read once, in order, whatever the timing.
 */
class Follower {
  private running = false;
  private stopped = false;
  private caughtUp = false;
  /** When the last read after catching up started (performance.now()). */
  private lastLiveReadAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private readonly read: SequentialRead;

  constructor(
    private readonly reader: SqliteReader,
    private readonly readAhead: SqliteReadAhead,
    private readonly subscriber: Subscriber<AllSubscriptionMessage>,
    private lastSeq: number,
    private readonly startedAtPosition: boolean,
    private readonly filter: GlobalLogFilter | undefined,
    private readonly pageSize: number,
    private readonly liveReadIntervalMs: number,
  ) {
    this.read = { filter };
  }

  headAt(seq: number): void {
    if (seq > this.lastSeq) this.wake();
  }

  wake(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    // Live, reads are spaced by the interval; commits landing meanwhile are read together.
    const wait = this.caughtUp ? this.lastLiveReadAt + this.liveReadIntervalMs - performance.now() : 0;
    // Woken only with committed events to deliver: the timer keeps the process alive until they
    // are (an idle subscription holds no timer, so it never does).
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.step();
      }, wait);
    } else setImmediate(() => this.step());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  complete(): void {
    this.stop();
    this.subscriber.complete();
  }

  private step(): void {
    if (this.stopped) return;
    if (this.caughtUp) this.lastLiveReadAt = performance.now();
    const ahead = this.readAhead.take(this.read, this.lastSeq, this.pageSize);
    if (ahead instanceof Promise) void ahead.then((rows) => this.handle(rows));
    else this.handle(ahead);
  }

  /** Handles the next page: `rows` when it was read ahead (always a full page), else read here. */
  private handle(rows: Row[] | undefined): void {
    if (this.stopped) return;
    let page: { rows: RecordedEvent[]; headSeq: number | null };
    try {
      if (rows) page = { rows: rows.map(toRecordedEvent), headSeq: null };
      else {
        page = this.reader.readPage(this.lastSeq, this.filter, this.pageSize);
        if (page.rows.length > 0) {
          const lastSeq = seqOf(page.rows.at(-1)!.position);
          this.readAhead.noteRead(this.read, this.lastSeq, this.pageSize, page.rows.length, lastSeq);
        }
      }
    } catch (error) {
      this.stopped = true;
      this.subscriber.error(
        new EventStoreUnavailableError('reading the log for a subscription failed', error),
      );
      return;
    }
    for (const event of page.rows) {
      if (this.stopped) return;
      this.lastSeq = Number(event.position.commit);
      this.subscriber.next({ kind: 'event', event });
    }
    if (this.stopped) return;
    if (page.rows.length === this.pageSize) {
      // More may follow: yield to the event loop between pages so a long catch-up never blocks it.
      setImmediate(() => this.step());
      return;
    }
    // The page was short, so everything up to the snapshot's head has been seen, filtered or not.
    if (page.headSeq !== null && page.headSeq > this.lastSeq) this.lastSeq = page.headSeq;
    this.running = false;
    if (!this.caughtUp) {
      this.caughtUp = true;
      const seen = this.lastSeq > 0 || this.startedAtPosition ? positionOf(this.lastSeq) : null;
      this.subscriber.next({ kind: 'caught-up', position: seen });
    }
    // A commit noticed while this page was read has already been woken for; check once more.
    const head = this.reader.headSeq();
    if (!this.stopped && head !== null && head > this.lastSeq) this.wake();
  }
}

/** The store's reader; a file that is not this release's event store becomes EventStoreFileError. */
function openReader(file: string, visibleUpTo: VisibleUpTo): SqliteReader {
  try {
    return new SqliteReader(file, READ_CHUNK_ROWS, visibleUpTo);
  } catch (error) {
    throw asStoreError(file, error);
  }
}

/** Why the process cannot write the store file or create files beside it, or null when it can. */
function notWritable(file: string): string | null {
  for (const path of [dirname(file), file]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return `the store's file system is read-only (${dirname(file)})`;
      if (code === 'EACCES') return `this process may not write ${path} (permissions)`;
      // ENOENT: a new store, created by the writer.
    }
  }
  return null;
}

function takeLock(file: string): SqliteStoreLock {
  try {
    return SqliteStoreLock.acquire(file);
  } catch (error) {
    throw asStoreError(file, error);
  }
}

/**
 * What went wrong opening the file, said for an operator: EventStoreErrors pass; a file that is
 * not an event store, or a directory the store cannot write its lock and WAL files in, become
 * EventStoreFileError; anything else is left as it is.
 */
function asStoreError(file: string, error: unknown): unknown {
  if (error instanceof EventStoreError) return error;
  if (error instanceof UnusableStoreFile) return new EventStoreFileError(file, error.message);
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'EROFS' || code === 'EACCES') {
    let directoryWritable = true;
    try {
      accessSync(dirname(file), constants.W_OK);
    } catch {
      directoryWritable = false;
    }
    return new EventStoreFileError(
      file,
      directoryWritable
        ? `it cannot be opened (${(error as Error).message})`
        : `its directory ${dirname(file)} is not writable (a read-only file system, or permissions): the embedded store keeps its lock and write-ahead log beside the file, so it needs a writable directory even to be read (${(error as Error).message})`,
    );
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
    return new EventStoreFileError(
      file,
      `the disk failed while opening it (${code}: ${(error as Error).message}); is the file system full?`,
    );
  }
  return error;
}

/** Lets messages from the store's threads in: a read that settles at once never leaves the microtask queue. */
function turnOfTheEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function seqOf(position: GlobalPosition | undefined): number {
  if (position == null) return 0;
  // The embedded store's positions have commit = prepare = sequence.
  return Number(position.commit);
}

/** The port's checks, then the form the writer stores. */
function toWireEvents(
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): WireEvent[] {
  return validateAppend(streamName, events, expected).map((event) => ({
    eventId: event.eventId,
    type: event.type,
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(event.metadata),
  }));
}

function toResult(outcome: AppendOutcome): AppendResult {
  if (outcome.ok)
    return { nextExpectedRevision: outcome.nextExpectedRevision, position: positionOf(outcome.seq) };
  const failure = outcome.failure;
  switch (failure.kind) {
    case 'wrong-expected-revision':
      throw new WrongExpectedRevisionError(failure.stream, failure.expected, failure.actual);
    case 'duplicate-event-id':
      throw new DuplicateEventIdError(failure.eventId, failure.stream, failure.reason);
    case 'unavailable':
      throw new EventStoreUnavailableError(failure.reason);
    default: {
      const unexpected: never = failure;
      throw new EventStoreUnavailableError(`unexpected writer outcome ${JSON.stringify(unexpected)}`);
    }
  }
}
