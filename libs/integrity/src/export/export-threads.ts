import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { startIntegrityThread, VerificationThreadError } from '../threads/integrity-thread';
import type { ExportPart, ExportPartRange } from './export-part';
import type { ExportPartThreadData, FromExportPartThread, ToExportPartThread } from './export-part.protocol';

/** What the parts written in order came to: their figures, and the digest and length of their bytes. */
export interface PartsWritten {
  readonly parts: readonly ExportPart[];
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * Ranges handed out ahead of the range being written, per thread: what bounds the
 * lines held in memory (those of ranges finished or in progress after it) when one
 * thread runs ahead of another.
 */
const RANGES_AHEAD_PER_THREAD = 2;

/**
 * Exports `ranges` of an operation on `threads` threads, each started once and
 * handed the next range as it finishes one, and writes their lines to `out` in
 * range order, digesting them on the way: one write of each byte, by the
 * calling thread, as one thread writes them (docs/architecture.md,
 * "Verification on threads"). A range's chunks are written as they arrive while
 * it is the range being written; those of later ranges wait in memory, a few
 * ranges at most. New ranges wait while `out` asks for no more.
 * @throws VerificationThreadError when a thread fails or dies, or the error of `out` when writing fails;
 *   every thread is stopped first.
 */
export function exportPartsOnThreads(
  data: ExportPartThreadData,
  ranges: readonly ExportPartRange[],
  threads: number,
  out: Writable,
): Promise<PartsWritten> {
  return new PartsInOrder(data, ranges, threads, out).run();
}

class PartsInOrder {
  private readonly sha256 = createHash('sha256');
  private bytes = 0;
  private readonly parts: (ExportPart | undefined)[];
  /** Chunks of the ranges after the one being written, by range. */
  private readonly held = new Map<number, Buffer[]>();
  /** The range being written: its chunks go straight to the file. */
  private writing = 0;
  private nextRange = 0;
  private readonly idle: Worker[] = [];
  private readonly workers: Worker[] = [];
  private readonly what: string;
  private failure: Error | null = null;
  private ended = false;
  private settled = false;
  private settle!: { resolve: (written: PartsWritten) => void; reject: (error: Error) => void };

  constructor(
    private readonly data: ExportPartThreadData,
    private readonly ranges: readonly ExportPartRange[],
    private readonly threads: number,
    private readonly out: Writable,
  ) {
    this.parts = ranges.map(() => undefined);
    this.what = `the export of operation ${data.operationId}`;
  }

  run(): Promise<PartsWritten> {
    const done = new Promise<PartsWritten>((resolve, reject) => (this.settle = { resolve, reject }));
    this.out.on('drain', this.handOut);
    // The file failing (a full disk) ends the export with the file's own error, once every thread has stopped.
    this.out.on('error', this.fileFailed);
    const count = Math.min(this.threads, this.ranges.length);
    for (let thread = 0; thread < count; thread += 1) this.start();
    this.handOut();
    if (this.ranges.length === 0) this.finish();
    return done.finally(() => {
      this.out.off('drain', this.handOut);
      this.out.off('error', this.fileFailed);
    });
  }

  private start(): void {
    const worker = startIntegrityThread('export/export-part.worker', this.data);
    this.workers.push(worker);
    this.idle.push(worker);
    worker.on('message', (message: FromExportPartThread) => this.received(worker, message));
    worker.on('error', (error) => this.fail(error.message));
    worker.on('exit', (code) => {
      this.workers.splice(this.workers.indexOf(worker), 1);
      if (!this.ended) this.fail(`the thread exited (code ${code}) before answering`);
      this.settleWhenStopped();
    });
  }

  private received(worker: Worker, message: FromExportPartThread): void {
    if (this.failure) return;
    if (message.t === 'failed') return this.fail(message.message);
    if (message.t === 'chunk') {
      const chunk = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      if (message.index === this.writing) this.write(chunk);
      else {
        const held = this.held.get(message.index);
        if (held) held.push(chunk);
        else this.held.set(message.index, [chunk]);
      }
      return;
    }
    this.parts[message.index] = message.part;
    this.idle.push(worker);
    while (this.writing < this.ranges.length && this.parts[this.writing] !== undefined) {
      this.writing += 1;
      for (const chunk of this.held.get(this.writing) ?? []) this.write(chunk);
      this.held.delete(this.writing);
    }
    if (this.writing === this.ranges.length) this.finish();
    else this.handOut();
  }

  /** Gives idle threads the next ranges, as far ahead of the range being written as memory allows. */
  private readonly handOut = (): void => {
    if (this.failure || this.ended) return;
    const ahead = RANGES_AHEAD_PER_THREAD * this.threads;
    while (
      this.idle.length > 0 &&
      this.nextRange < this.ranges.length &&
      this.nextRange < this.writing + ahead &&
      !this.out.writableNeedDrain
    ) {
      const index = this.nextRange++;
      this.post(this.idle.pop()!, { t: 'range', index, range: this.ranges[index] });
    }
  };

  private write(chunk: Buffer): void {
    if (this.failure) return;
    this.sha256.update(chunk);
    this.bytes += chunk.length;
    this.out.write(chunk);
  }

  private finish(): void {
    this.ended = true;
    for (const worker of this.workers) this.post(worker, { t: 'end' });
    this.settleWhenStopped();
  }

  private readonly fileFailed = (error: Error): void => this.stop(error);

  private fail(reason: string): void {
    this.stop(new VerificationThreadError(this.what, reason));
  }

  private stop(failure: Error): void {
    if (this.failure) return;
    this.failure = failure;
    this.ended = true;
    this.held.clear();
    for (const worker of this.workers) void worker.terminate();
    this.settleWhenStopped();
  }

  /** Settles once every thread has exited, so none is still reading when the caller cleans up. */
  private settleWhenStopped(): void {
    if (!this.ended || this.workers.length > 0 || this.settled) return;
    this.settled = true;
    if (this.failure) this.settle.reject(this.failure);
    else
      this.settle.resolve({
        parts: this.parts as ExportPart[],
        sha256: this.sha256.digest('hex'),
        bytes: this.bytes,
      });
  }

  private post(worker: Worker, message: ToExportPartThread): void {
    worker.postMessage(message);
  }
}
