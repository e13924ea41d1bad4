import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonValue } from '@timeline/kernel';
import { PROJECTION_NAME_PATTERN } from '../core/projection';
import type {
  LoadedProjectionCheckpoint,
  ProjectionCheckpoint,
  ProjectionCheckpointStore,
} from './projection-checkpoint-store.port';

const FORMAT = 'projection-checkpoint/1';

interface Header {
  readonly format: typeof FORMAT;
  readonly name: string;
  readonly version: number;
  readonly position: string | null;
  readonly eventCount: number;
  readonly parts: number;
  /**
   * SHA-256 of the part lines (each with its newline): a flipped byte that still parses is
   * caught too. Absent in files written before it was added, which load unchecked.
   */
  readonly sha256?: string;
}

const HASH_PLACEHOLDER = '0'.repeat(64);

export interface FileCheckpointStoreOptions {
  /** Directory of the checkpoint files (created if missing), e.g. `<DATA_DIR>/projections`. */
  readonly directory: string;
  /** Told when a checkpoint file exists but cannot be read (the projection then rebuilds from zero). */
  readonly onUnreadable?: (name: string, reason: string) => void;
}

/**
 * One NDJSON file per projection, `<name>.checkpoint.ndjson`: a header line, then
 * one line per state part (so a large read model is never one giant string).
 * Written to a temporary file, fsynced, renamed over the old one and the directory
 * fsynced: a crash leaves either the old or the new checkpoint. A file that cannot
 * be read (wrong format, truncated by a failing disk, a byte changed: the header
 * holds the parts' SHA-256) is reported and ignored, which only costs a rebuild
 * from the log.
 */
export class FileProjectionCheckpointStore implements ProjectionCheckpointStore {
  constructor(private readonly options: FileCheckpointStoreOptions) {}

  private pathOf(name: string): string {
    if (!PROJECTION_NAME_PATTERN.test(name))
      throw new TypeError(`Not a projection name: ${JSON.stringify(name)}`);
    return join(this.options.directory, `${name}.checkpoint.ndjson`);
  }

  async load(name: string): Promise<LoadedProjectionCheckpoint | null> {
    let text: string;
    try {
      text = await readFile(this.pathOf(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return parseCheckpoint(name, text);
    } catch (error) {
      this.options.onUnreadable?.(name, (error as Error).message);
      return null;
    }
  }

  async save(checkpoint: ProjectionCheckpoint): Promise<void> {
    const path = this.pathOf(checkpoint.name);
    await mkdir(this.options.directory, { recursive: true });
    const header: Header = {
      format: FORMAT,
      name: checkpoint.name,
      version: checkpoint.version,
      position: checkpoint.position,
      eventCount: checkpoint.eventCount,
      parts: checkpoint.state.length,
      sha256: HASH_PLACEHOLDER,
    };
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      const file = await open(temporary, 'w');
      try {
        // The parts stream out one by one; their hash is written into the header's place for it last.
        const headerLine = `${JSON.stringify(header)}\n`;
        await file.write(headerLine);
        const hash = createHash('sha256');
        for (const part of checkpoint.state) {
          const line = `${JSON.stringify(part)}\n`;
          hash.update(line);
          await file.write(line);
        }
        await file.write(
          hash.digest('hex'),
          Buffer.byteLength(headerLine.slice(0, headerLine.indexOf(HASH_PLACEHOLDER))),
        );
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      // A full or failing disk: the old checkpoint stays as it was, and the partial copy must not
      // hold on to the little space there is.
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.options.directory);
  }

  async remove(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }
}

function parseCheckpoint(name: string, text: string): LoadedProjectionCheckpoint {
  if (!text.endsWith('\n')) throw new Error('the file is truncated');
  const lines = text.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0]) as Partial<Header>;
  if (header.format !== FORMAT) throw new Error(`unknown format ${String(header.format)}`);
  if (header.name !== name) throw new Error(`the file holds projection ${String(header.name)}`);
  if (typeof header.version !== 'number' || typeof header.eventCount !== 'number')
    throw new Error('the header is incomplete');
  if (header.position !== null && typeof header.position !== 'string')
    throw new Error('the header has no position');
  if (header.parts !== lines.length - 1)
    throw new Error(`expected ${String(header.parts)} parts, found ${lines.length - 1}`);
  if (header.sha256 !== undefined) {
    const hash = createHash('sha256');
    for (const line of lines.slice(1)) hash.update(`${line}\n`);
    const actual = hash.digest('hex');
    if (actual !== header.sha256)
      throw new Error(`the parts hash to ${actual}, the header says ${header.sha256}`);
  }
  const state: JsonValue[] = lines.slice(1).map((line) => JSON.parse(line) as JsonValue);
  return { name, version: header.version, position: header.position, eventCount: header.eventCount, state };
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot open a directory, and there is nothing more to do there.
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort beyond POSIX */
  }
}
