import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
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
  // One write per page of lines: one per line cost more than making the line.
  async function* pages(): AsyncGenerator<string> {
    for await (const lines of run.linePages()) {
      for (let index = 0; index < lines.length; index += 1) onEvent?.(++count);
      yield lines.join('');
    }
  }
  await pipeline(
    Readable.from(pages()),
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
  // Fixed at the head read now, as one thread's export is: events appended meanwhile are left out.
  const ranges = splitRevisions(head.revision, options.threads.threads).map((range) => ({
    from: range.from,
    to: range.to ?? head.revision + 1,
  }));
  const storeOptions: EventStoreOptions =
    options.threads.store.kind === 'sqlite'
      ? { ...options.threads.store, readOnly: true }
      : options.threads.store;
  const partial = `${paths.ndjsonPath}.partial`;
  const out = createWriteStream(partial, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
  // Refuses a partial file already there (as the one-thread export does) before any thread starts.
  await once(out, 'open');
  const partPaths = ranges.map((_, index) => `${partial}.${index}`);
  try {
    // Every thread settles before anything is cleaned up, so none writes a part file after it was removed.
    const settled = await Promise.allSettled(
      ranges.map((range, index) =>
        runOnThread<ExportPart>(
          'export/export-part.worker',
          { store: storeOptions, operationId, range, partPath: partPaths[index], pageSize: options.pageSize },
          `the export of operation ${operationId}`,
        ),
      ),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const parts = settled.map((result) => (result as PromiseFulfilledResult<ExportPart>).value);
    const sha256 = createHash('sha256');
    let bytes = 0;
    for (const partPath of partPaths) {
      for await (const chunk of createReadStream(partPath, {
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Buffer>) {
        sha256.update(chunk);
        bytes += chunk.length;
        if (!out.write(chunk)) await once(out, 'drain');
      }
    }
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
      sha256: sha256.digest('hex'),
      bytes,
    });
    await writeFile(paths.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'w' });
    await rename(partial, paths.ndjsonPath);
    return manifest;
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  } finally {
    await Promise.all(partPaths.map((path) => rm(path, { force: true })));
  }
}

/** `<base>.ndjson` and `<base>.manifest.json`, whether `base` was given with `.ndjson` or without. */
export function exportFilePaths(base: string): ExportFilePaths {
  const stem = base.endsWith('.ndjson') ? base.slice(0, -'.ndjson'.length) : base;
  return { ndjsonPath: `${stem}.ndjson`, manifestPath: `${stem}.manifest.json` };
}
