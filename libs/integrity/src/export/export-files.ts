import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { EventStore } from '@timeline/event-store/port';
import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { runOnThread } from '../threads/integrity-thread';
import { DEFAULT_THREADED_MIN_EVENTS, type VerificationThreads } from '../verify/store-verification';
import { joinStreamRanges, splitRevisions } from '../verify/stream-ranges';
import { EvidentialExport, exportManifestOf, type EvidentialExportOptions } from './evidential-export';
import type { ExportPart } from './export-part';
import type { ExportManifest, ExportScope } from './export-manifest';

/**
 * What the file stream buffers before it asks for no more: a few pages of lines,
 * so the next page is made while the last is written instead of after it.
 */
const WRITE_BUFFER_BYTES = 2 * 1024 * 1024;

export interface ExportFilePaths {
  readonly ndjsonPath: string;
  readonly manifestPath: string;
}

/**
 * Writes an export in the two-file layout: `<name>.ndjson` (events) and
 * `<name>.manifest.json`. The NDJSON is streamed to disk with backpressure and
 * written under a temporary name first, so a failed export never leaves a
 * complete-looking file behind.
 * @param onEvent called after each event line is produced (progress).
 */
export async function writeExportFiles(
  store: EventStore,
  scope: ExportScope,
  options: ExportFileOptions,
  paths: ExportFilePaths,
  onEvent?: (events: number) => void,
): Promise<ExportManifest> {
  const { threads } = options;
  // A reader's redaction and the inclusion proofs are applied where the export runs, so those stay on one thread.
  if (scope.kind === 'operation' && threads && threads.threads > 1 && !options.redact && !options.inclusion) {
    const manifest = await writeOnThreads(store, scope.operationId, { ...options, threads }, paths);
    if (manifest) {
      onEvent?.(manifest.events);
      return manifest;
    }
  }
  const run = new EvidentialExport(store, scope, options);
  const partial = `${paths.ndjsonPath}.partial`;
  let count = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of run.chunks()) {
      // Progress by chunk: each event taken since the last.
      if (onEvent) while (count < run.eventsTaken) onEvent(++count);
      yield chunk;
    }
  }
  await pipeline(
    Readable.from(chunks()),
    createWriteStream(partial, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES }),
  );
  const manifest = run.manifest();
  await writeFile(paths.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'w' });
  await rename(partial, paths.ndjsonPath);
  return manifest;
}

export interface ExportFileOptions extends EvidentialExportOptions {
  /**
   * Export one long operation in ranges on threads, each reading its range
   * and writing its lines to a part file, joined in order into the same bytes
   * and manifest as one thread writes. Not with `redact` or `inclusion`.
   */
  readonly threads?: VerificationThreads;
}

/**
 * Ranges per thread of a threaded export: the calling thread appends each
 * part to the NDJSON (and digests it) as soon as it and every part before it
 * are written, so with several ranges per thread that copy overlaps the
 * ranges still being written instead of following them all.
 */
const RANGES_PER_THREAD = 8;

/** The threaded export, or null when the operation is too short for threads to pay. */
async function writeOnThreads(
  store: EventStore,
  operationId: string,
  options: ExportFileOptions & { readonly threads: VerificationThreads },
  paths: ExportFilePaths,
): Promise<ExportManifest | null> {
  const [head] = await store.readStream(operationStreamName(operationId), {
    direction: 'backwards',
    maxCount: 1,
  });
  if (head.revision + 1 < (options.threads.minEvents ?? DEFAULT_THREADED_MIN_EVENTS)) return null;
  const threads = options.threads.threads;
  const partial = `${paths.ndjsonPath}.partial`;
  // Fixed at the head read now, as one thread's export is: events appended meanwhile are left out.
  const ranges = splitRevisions(head.revision, threads * RANGES_PER_THREAD).map((range, index) => ({
    from: range.from,
    to: range.to ?? head.revision + 1,
    partPath: `${partial}.${index}`,
  }));
  const storeOptions: EventStoreOptions =
    options.threads.store.kind === 'sqlite'
      ? { ...options.threads.store, readOnly: true }
      : options.threads.store;
  const out = createWriteStream(partial, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
  // Refuses a partial file already there (as the one-thread export does) before any thread starts.
  await once(out, 'open');
  const joiner = new PartJoiner(
    out,
    ranges.map((range) => range.partPath),
  );
  // Range i goes to thread i mod threads: the threads advance together, so parts are finished nearly in order.
  const tasks = Array.from({ length: Math.min(threads, ranges.length) }, (_, thread) =>
    ranges.filter((_, index) => index % threads === thread),
  );
  try {
    // Every thread settles before anything is cleaned up, so none writes a part file after it was removed.
    const settled = await Promise.allSettled(
      tasks.map((own) =>
        runOnThread<ExportPart[]>(
          'export/export-part.worker',
          { store: storeOptions, operationId, ranges: own, pageSize: options.pageSize },
          `the export of operation ${operationId}`,
          (written) => joiner.written(ranges.indexOf(own[written - 1])),
        ),
      ),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) {
      await joiner.stop();
      throw failed.reason;
    }
    const byThread = settled.map((result) => (result as PromiseFulfilledResult<ExportPart[]>).value);
    const parts = ranges.map((_, index) => byThread[index % threads][Math.floor(index / threads)]);
    const { sha256, bytes } = await joiner.finished();
    out.end();
    await finished(out);
    const countsByType = new Map<string, number>();
    for (const part of parts)
      for (const [type, count] of part.countsByType)
        countsByType.set(type, (countsByType.get(type) ?? 0) + count);
    const joined = joinStreamRanges(
      operationId,
      parts.map((part) => part.chain),
    );
    const manifest = exportManifestOf({ kind: 'operation', operationId }, options, {
      upTo: head.position,
      events: parts.reduce((sum, part) => sum + part.events, 0),
      withheld: 0,
      countsByType,
      first: parts.find((part) => part.first)?.first ?? null,
      last: [...parts].reverse().find((part) => part.last)?.last ?? null,
      chain: !joined
        ? { heads: [] }
        : joined.ok
          ? { heads: [{ operationId, ...joined.head }] }
          : { brokenAt: joined.brokenAt },
      sha256,
      bytes,
    });
    await writeFile(paths.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'w' });
    await rename(partial, paths.ndjsonPath);
    return manifest;
  } catch (error) {
    await joiner.stop();
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  } finally {
    await Promise.all(ranges.map((range) => rm(range.partPath, { force: true })));
  }
}

/**
 * Appends the part files to the export in order, digesting them on the way,
 * each as soon as it and every part before it are written: one part at a time,
 * each removed once appended.
 */
class PartJoiner {
  private readonly sha256 = createHash('sha256');
  private bytes = 0;
  private readonly done: boolean[];
  /** The next part to append. */
  private next = 0;
  private stopped = false;
  /** The appends in progress, one after the other; rejected with the first that failed. */
  private appending: Promise<void> = Promise.resolve();

  constructor(
    private readonly out: WriteStream,
    private readonly partPaths: readonly string[],
  ) {
    this.done = partPaths.map(() => false);
  }

  /** Part `index`'s file is complete. */
  written(index: number): void {
    this.done[index] = true;
    this.appending = this.appending.then(() => this.appendReady());
    // Its failure is reported by `finished` or `stop`, once every thread has settled; not as unhandled meanwhile.
    this.appending.catch(() => undefined);
  }

  /** Waits for the appends in progress and starts no other. Never rejects. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.appending.catch(() => undefined);
  }

  /** Once every part was reported written: the digest and length of all of them, appended. */
  async finished(): Promise<{ readonly sha256: string; readonly bytes: number }> {
    await this.appending;
    await this.appendReady();
    if (this.next !== this.done.length)
      throw new Error(`the export's part ${this.next} was never reported written`);
    return { sha256: this.sha256.digest('hex'), bytes: this.bytes };
  }

  private async appendReady(): Promise<void> {
    while (!this.stopped && this.next < this.done.length && this.done[this.next]) {
      const partPath = this.partPaths[this.next];
      for await (const chunk of createReadStream(partPath, {
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Buffer>) {
        this.sha256.update(chunk);
        this.bytes += chunk.length;
        if (!this.out.write(chunk)) await once(this.out, 'drain');
      }
      await rm(partPath);
      this.next += 1;
    }
  }
}

/** `<base>.ndjson` and `<base>.manifest.json`, whether `base` was given with `.ndjson` or without. */
export function exportFilePaths(base: string): ExportFilePaths {
  const stem = base.endsWith('.ndjson') ? base.slice(0, -'.ndjson'.length) : base;
  return { ndjsonPath: `${stem}.ndjson`, manifestPath: `${stem}.manifest.json` };
}
