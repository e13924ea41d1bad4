import { createWriteStream } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EventStore } from '@timeline/event-store/port';
import { EvidentialExport, type EvidentialExportOptions } from './evidential-export';
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
  options: EvidentialExportOptions,
  paths: ExportFilePaths,
  onEvent?: (events: number) => void,
): Promise<ExportManifest> {
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

/** `<base>.ndjson` and `<base>.manifest.json`, whether `base` was given with `.ndjson` or without. */
export function exportFilePaths(base: string): ExportFilePaths {
  const stem = base.endsWith('.ndjson') ? base.slice(0, -'.ndjson'.length) : base;
  return { ndjsonPath: `${stem}.ndjson`, manifestPath: `${stem}.manifest.json` };
}
