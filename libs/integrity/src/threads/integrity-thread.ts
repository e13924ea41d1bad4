import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { startWorkerThread } from '@timeline/kernel/threads/worker-thread';

/** A verification thread could not finish: it could not open or read what it checks, or it died. */
export class VerificationThreadError extends TimelineError {
  readonly code = 'integrity.verification-thread-failed';
  readonly category: ErrorCategory = 'unavailable';

  constructor(what: string, reason: string) {
    super(`A thread verifying ${what} failed: ${reason}`, { verifying: what });
  }
}

/** The threads' entries, by path under libs/integrity/src without extension. */
export type IntegrityThreadEntry =
  'verify/stream-range.worker' | 'export/export-range.worker' | 'export/export-part.worker';

/** What every integrity thread sends back: progress, then its result or why it failed. */
export type FromIntegrityThread<T> =
  | { readonly t: 'progress'; readonly done: number }
  | { readonly t: 'done'; readonly result: T }
  | { readonly t: 'failed'; readonly message: string };

/**
 * Heap of each thread: it holds one page of events (or one line) at a time, so
 * it stays far below this; the limit keeps a fault from growing without bound
 * beside the caller's own heap.
 */
const THREAD_HEAP_MIB = 64;

/** Runs one task on a thread of its own and settles with its result. */
export function runOnThread<T>(
  entry: IntegrityThreadEntry,
  task: unknown,
  what: string,
  onProgress: (done: number) => void = () => undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const thread = startIntegrityThread(entry, task);
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new VerificationThreadError(what, reason));
    };
    thread.on('message', (message: FromIntegrityThread<T>) => {
      if (message.t === 'progress') onProgress(message.done);
      else if (message.t === 'done') {
        settled = true;
        resolve(message.result);
      } else fail(message.message);
    });
    thread.on('error', (error) => fail(error.message));
    thread.on('exit', (code) => fail(`the thread exited (code ${code}) before answering`));
  });
}

/** The body of a thread's entry: runs its task and posts what came of it. */
export function serveThreadTask<T>(
  port: { postMessage(message: FromIntegrityThread<T>): void },
  work: (progress: (done: number) => void) => Promise<T>,
): void {
  work((done) => port.postMessage({ t: 'progress', done })).then(
    (result) => port.postMessage({ t: 'done', result }),
    (error: unknown) =>
      port.postMessage({ t: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
}

/** Starts a thread on one of the entries, with the integrity threads' heap limit; the caller speaks its protocol. */
export function startIntegrityThread(entry: IntegrityThreadEntry, workerData: unknown): Worker {
  return startWorkerThread(join(__dirname, '..', entry), {
    workerData,
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MIB },
  });
}
