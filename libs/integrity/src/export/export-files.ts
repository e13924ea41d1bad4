import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { EventStore } from '@timeline/event-store/port';
import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import { operationStreamName } from '@timeline/events/envelope/event-envelope';
import { DEFAULT_THREADED_MIN_EVENTS, type VerificationThreads } from '../verify/store-verification';
import { joinStreamRanges, splitRevisions } from '../verify/stream-ranges';
import { EvidentialExport, exportManifestOf, type EvidentialExportOptions } from './evidential-export';
import { exportPartsOnThreads } from './export-threads';
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
   * and handing its lines to the calling thread, which writes them in order:
   * the same bytes and manifest as one thread writes. Not with `redact` or `inclusion`.
   */
  readonly threads?: VerificationThreads;
}

/**
 * Events per range of a threaded export: each thread is handed the next range
 * as it finishes one, so the threads finish their ranges nearly in order and
 * few lines wait in memory for the ranges before them (about 6 MiB a range of
 * the bench's events, bench/README.md "Integrity").
 */
const EXPORT_RANGE_EVENTS = 8_192;

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
  const events = head.revision + 1;
  if (events < (options.threads.minEvents ?? DEFAULT_THREADED_MIN_EVENTS)) return null;
  const threads = options.threads.threads;
  const partial = `${paths.ndjsonPath}.partial`;
  // Fixed at the head read now, as one thread's export is: events appended meanwhile are left out.
  // At least four ranges a thread, so short operations still cross ranges and wait for the ones before.
  const rangeCount = Math.max(4 * threads, Math.ceil(events / EXPORT_RANGE_EVENTS));
  const ranges = splitRevisions(head.revision, rangeCount).map((range) => ({
    from: range.from,
    to: range.to ?? events,
  }));
  const storeOptions: EventStoreOptions =
    options.threads.store.kind === 'sqlite'
      ? { ...options.threads.store, readOnly: true }
      : options.threads.store;
  const out = createWriteStream(partial, { flags: 'wx', highWaterMark: WRITE_BUFFER_BYTES });
  // Refuses a partial file already there (as the one-thread export does) before any thread starts.
  await once(out, 'open');
  try {
    const { parts, sha256, bytes } = await exportPartsOnThreads(
      { store: storeOptions, operationId, pageSize: options.pageSize },
      ranges,
      threads,
      out,
    );
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
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/** `<base>.ndjson` and `<base>.manifest.json`, whether `base` was given with `.ndjson` or without. */
export function exportFilePaths(base: string): ExportFilePaths {
  const stem = base.endsWith('.ndjson') ? base.slice(0, -'.ndjson'.length) : base;
  return { ndjsonPath: `${stem}.ndjson`, manifestPath: `${stem}.manifest.json` };
}
