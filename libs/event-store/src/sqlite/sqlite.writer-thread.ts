import type { Worker } from 'node:worker_threads';
import { UnusableStoreFile, type ConnectionDurability } from './sqlite.schema';
import { spawnSqliteWorker } from './sqlite.worker-spawn';
import type {
  AppendOutcome,
  FromWriter,
  WireEvent,
  WireExpectedRevision,
  WriterFaults,
  WriterInit,
  WriterMetrics,
} from './sqlite.writer.protocol';

interface Pending {
  readonly events: number;
  resolve(outcome: AppendOutcome): void;
}

/** How full the write queue is and has been. */
export interface WriteQueueMetrics {
  /** Events of appends waiting for the writer (queued or being committed). */
  readonly queuedEvents: number;
  /** The most events ever waiting at once. */
  readonly queuedEventsHighWater: number;
  /** Appends refused because the queue was full. */
  readonly refusedQueueFull: number;
}

/**
 * The main thread's side of the writer thread: queues appends, posts the ones
 * made in the same turn of the event loop as one message, and routes each
 * outcome back to its caller.
 */
export class WriterThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outgoing: {
    id: number;
    stream: string;
    expected: WireExpectedRevision;
    events: readonly WireEvent[];
  }[] = [];
  private postScheduled = false;
  private failure: string | null = null;
  private closed: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;
  private latestMetrics: WriterMetrics = { transactions: 0, appends: 0, eventsWritten: 0, largestGroup: 0 };
  private queue = { queuedEvents: 0, queuedEventsHighWater: 0, refusedQueueFull: 0 };

  private constructor(
    private readonly worker: Worker,
    readonly durability: ConnectionDurability,
    private readonly onCommitted: (headSeq: number | null) => void,
    private readonly maxQueuedEvents: number,
  ) {
    worker.on('message', (message: FromWriter) => this.receive(message));
    worker.on('error', (error) => this.fail(`the writer thread failed: ${error.message}`));
    worker.on('exit', (code) => {
      this.fail(`the writer thread exited (code ${code})`);
      this.resolveClosed?.();
    });
  }

  /** Starts the writer thread and waits until its connection is open, durable and migrated. */
  static start(
    init: WriterInit,
    onCommitted: (headSeq: number | null) => void,
    maxQueuedEvents: number,
  ): Promise<{ thread: WriterThread; headSeq: number | null }> {
    const worker = spawnSqliteWorker('sqlite.writer.worker', init);
    return new Promise((resolve, reject) => {
      // A thread that fails to start both reports why ('failed') and then throws, and the
      // two reach this thread in either order; the port is drained before 'exit', so the
      // refusal is settled there, with the report's reason when there is one.
      let report: Extract<FromWriter, { t: 'failed' }> | null = null;
      let crash: Error | null = null;
      const onMessage = (message: FromWriter) => {
        if (message.t === 'ready') {
          cleanup();
          resolve({
            thread: new WriterThread(worker, message.durability, onCommitted, maxQueuedEvents),
            headSeq: message.headSeq,
          });
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
          reject(crash ?? new Error(`the writer thread exited during start-up (code ${code})`));
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

  get metrics(): WriterMetrics {
    return this.latestMetrics;
  }

  get queueMetrics(): WriteQueueMetrics {
    return { ...this.queue };
  }

  /** Tells the writer thread to simulate faults from its next commit on (fault-injection tests). */
  injectFaults(faults: WriterFaults): void {
    if (this.failure === null) this.worker.postMessage({ t: 'faults', faults });
  }

  append(
    stream: string,
    expected: WireExpectedRevision,
    events: readonly WireEvent[],
  ): Promise<AppendOutcome> {
    const id = this.nextId++;
    if (this.failure !== null) {
      return Promise.resolve({ id, ok: false, failure: { kind: 'unavailable', reason: this.failure } });
    }
    // A slow or stalled disk must not turn into unbounded memory: past the bound, appends are
    // refused at once (503 and Retry-After over HTTP) instead of waiting behind the others.
    if (this.queue.queuedEvents > 0 && this.queue.queuedEvents + events.length > this.maxQueuedEvents) {
      this.queue.refusedQueueFull++;
      const reason = `the write queue is full (${this.queue.queuedEvents} events are waiting for the disk)`;
      return Promise.resolve({ id, ok: false, failure: { kind: 'unavailable', reason } });
    }
    this.queue.queuedEvents += events.length;
    if (this.queue.queuedEvents > this.queue.queuedEventsHighWater)
      this.queue.queuedEventsHighWater = this.queue.queuedEvents;
    return new Promise((resolve) => {
      this.pending.set(id, { events: events.length, resolve });
      this.outgoing.push({ id, stream, expected, events });
      if (!this.postScheduled) {
        this.postScheduled = true;
        // Every append made in this turn of the event loop goes out in one message: under load one
        // turn handles many requests, so the writer gets them as one group (one post, one commit,
        // one notice back) rather than one message each.
        setImmediate(() => this.post());
      }
    });
  }

  /** Lets every queued append finish, then closes the writer's connection and ends the thread. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = new Promise<void>((resolve) => {
        this.resolveClosed = resolve;
      });
      this.post();
      if (this.failure === null) this.worker.postMessage({ t: 'close' });
      else this.resolveClosed?.();
    }
    return this.closed;
  }

  private post(): void {
    this.postScheduled = false;
    if (this.outgoing.length === 0 || this.failure !== null) return;
    const requests = this.outgoing;
    this.outgoing = [];
    this.worker.postMessage({ t: 'append', requests });
  }

  private receive(message: FromWriter): void {
    if (message.t === 'outcomes') {
      this.latestMetrics = message.metrics;
      for (const outcome of message.outcomes) {
        const pending = this.pending.get(outcome.id);
        if (!pending) continue;
        this.pending.delete(outcome.id);
        this.queue.queuedEvents -= pending.events;
        pending.resolve(outcome);
      }
      this.onCommitted(message.headSeq);
    } else if (message.t === 'closed') {
      this.failure = 'the store is closed';
      void this.worker.terminate();
    }
  }

  /** Every append not yet answered fails as unavailable; nothing waits forever on a dead thread. */
  private fail(reason: string): void {
    if (this.failure === null) this.failure = reason;
    const unanswered = [...this.pending.entries()];
    this.pending.clear();
    this.queue.queuedEvents = 0;
    this.outgoing = [];
    for (const [id, pending] of unanswered) {
      pending.resolve({ id, ok: false, failure: { kind: 'unavailable', reason: this.failure } });
    }
  }
}
