import type { Worker } from 'node:worker_threads';
import { UnusableStoreFile } from './sqlite.schema';
import { spawnSqliteWorker } from './sqlite.worker-spawn';

export interface CheckpointerInit {
  readonly file: string;
}

export type ToCheckpointer = { readonly t: 'checkpoint' } | { readonly t: 'close' };

export type FromCheckpointer =
  | { readonly t: 'ready' }
  /** Start-up failed; `unusableFile` when the file is not this release's event store. */
  | { readonly t: 'failed'; readonly message: string; readonly unusableFile: boolean }
  /** A checkpoint ran: the WAL held `walFrames` frames, of which `copiedFrames` are in the database now. */
  | { readonly t: 'checkpointed'; readonly walFrames: number; readonly copiedFrames: number }
  /** `busy`: another connection was checkpointing; anything else is the disk failing. */
  | { readonly t: 'checkpoint-failed'; readonly message: string; readonly busy: boolean }
  | { readonly t: 'closed' };

/** What the checkpoint thread has done, for the store's metrics. */
export interface CheckpointMetrics {
  readonly checkpoints: number;
  /** Frames the WAL held when the last checkpoint ran. */
  readonly walFramesAtLastCheckpoint: number;
}

/**
 * WAL pages written since the last checkpoint after which the next one is asked for: SQLite's
 * own automatic checkpoint threshold (1,000 pages, 4 MiB).
 */
export const CHECKPOINT_AFTER_PAGES = 1_000;

/** What the checkpointer needs of the store around it. */
export interface CheckpointHooks {
  /** After each checkpoint. */
  checkpointed(): void;
  /** A checkpoint failed or the thread ended: the disk can no longer be trusted. */
  failed(reason: string): void;
  /** Holds new commits back while the checkpoint copies the WAL's last frames. */
  pauseCommits(): void;
  resumeCommits(): void;
}

/**
 * The main thread's side of the checkpoint thread. The writer connection has automatic
 * checkpoints off (a checkpoint copies megabytes and syncs twice, which would stall the event
 * loop); instead the group commit tells this class how many WAL pages each group wrote, and
 * past CHECKPOINT_AFTER_PAGES it asks the thread for a checkpoint, one at a time.
 *
 * The WAL is rewound (written again from its start) only when a write transaction begins while
 * every frame is in the database; commits landing during a checkpoint would keep that from ever
 * happening, and the WAL would grow without end. So a checkpoint runs in two passes: the first
 * copies the bulk while commits go on; if frames were committed meanwhile, commits are held
 * back (queued, the event loop free) while a second pass copies those few, and the next commit
 * rewinds the WAL.
 */
export class SqliteCheckpointer {
  private running: 'bulk' | 'tail' | null = null;
  private pagesSinceLast = 0;
  private counters = { checkpoints: 0, walFramesAtLastCheckpoint: 0 };
  private failure: string | null = null;
  private closed: Promise<void> | null = null;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly hooks: CheckpointHooks,
  ) {
    worker.on('message', (message: FromCheckpointer) => this.receive(message));
    worker.on('error', (error) => this.fail(`the checkpoint thread failed: ${error.message}`));
    worker.on('exit', (code) => {
      this.exited = true;
      if (this.closed === null) this.fail(`the checkpoint thread exited (code ${code})`);
    });
    // An idle checkpoint thread never holds a finished process open.
    worker.unref();
  }

  /** Starts the thread and waits until its connection is open. */
  static start(file: string, hooks: CheckpointHooks): Promise<SqliteCheckpointer> {
    const worker = spawnSqliteWorker('sqlite.checkpoint.worker', { file } satisfies CheckpointerInit);
    return new Promise((resolve, reject) => {
      // As with every thread of the store: a failing start reports why, then throws; the port is
      // drained before 'exit', so the refusal is settled there.
      let report: Extract<FromCheckpointer, { t: 'failed' }> | null = null;
      let crash: Error | null = null;
      const onMessage = (message: FromCheckpointer) => {
        if (message.t === 'ready') {
          cleanup();
          resolve(new SqliteCheckpointer(worker, hooks));
        } else if (message.t === 'failed') {
          report = message;
          void worker.terminate();
        }
      };
      const onError = (error: Error) => {
        crash ??= error;
      };
      const onExit = (code: number) => {
        cleanup();
        if (report !== null) {
          reject(report.unusableFile ? new UnusableStoreFile(report.message) : new Error(report.message));
        } else {
          reject(crash ?? new Error(`the checkpoint thread exited during start-up (code ${code})`));
        }
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  get metrics(): CheckpointMetrics {
    return { ...this.counters };
  }

  /** A group commit wrote about `pages` pages to the WAL. */
  noteWritten(pages: number): void {
    this.pagesSinceLast += pages;
    if (this.running === null && this.pagesSinceLast >= CHECKPOINT_AFTER_PAGES) this.request('bulk');
  }

  /** Closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      // Held open until the thread has ended: the store releases its lock only after that.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      if (this.failure === null) this.worker.postMessage({ t: 'close' } satisfies ToCheckpointer);
      else void this.worker.terminate();
    });
    return this.closed;
  }

  private request(pass: 'bulk' | 'tail'): void {
    if (this.failure !== null || this.closed !== null) return;
    this.running = pass;
    this.pagesSinceLast = 0;
    if (pass === 'tail') this.hooks.pauseCommits();
    // Referenced while it runs: appends held back for it must not see the process end under them.
    this.worker.ref();
    this.worker.postMessage({ t: 'checkpoint' } satisfies ToCheckpointer);
  }

  private receive(message: FromCheckpointer): void {
    if (message.t === 'closed' || message.t === 'ready' || message.t === 'failed') return;
    const pass = this.running;
    this.running = null;
    if (this.closed === null) this.worker.unref();
    if (pass === 'tail') this.hooks.resumeCommits();
    if (message.t === 'checkpoint-failed') {
      if (!message.busy) this.fail(`a checkpoint failed (${message.message})`);
      return;
    }
    // Groups committed during the bulk pass, or frames it could not copy: a short tail pass.
    if (pass === 'bulk' && (this.pagesSinceLast > 0 || message.copiedFrames < message.walFrames))
      return this.request('tail');
    this.counters.checkpoints += 1;
    this.counters.walFramesAtLastCheckpoint = message.walFrames;
    this.hooks.checkpointed();
    if (this.pagesSinceLast >= CHECKPOINT_AFTER_PAGES) this.request('bulk');
  }

  private fail(reason: string): void {
    if (this.failure !== null) return;
    this.failure = reason;
    if (this.running === 'tail') this.hooks.resumeCommits();
    this.hooks.failed(reason);
  }
}
