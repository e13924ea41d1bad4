import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readPartsFile, writePartsFile } from '@timeline/kernel/files/parts-file';
import { PROJECTION_NAME_PATTERN } from '../core/projection';
import type {
  LoadedProjectionCheckpoint,
  ProjectionCheckpoint,
  ProjectionCheckpointStore,
} from './projection-checkpoint-store.port';

const FORMAT = 'projection-checkpoint/1';

/**
 * The header's own fields; `writePartsFile` adds the part count and the SHA-256 of the
 * part lines (a flipped byte that still parses is caught too; files written before the
 * hash was added load unchecked).
 */
interface Header {
  readonly format: typeof FORMAT;
  readonly name: string;
  readonly version: number;
  readonly position: string | null;
  readonly eventCount: number;
}

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
    const header: Header = {
      format: FORMAT,
      name: checkpoint.name,
      version: checkpoint.version,
      position: checkpoint.position,
      eventCount: checkpoint.eventCount,
    };
    await writePartsFile(this.pathOf(checkpoint.name), { ...header }, checkpoint.state);
  }

  async remove(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }
}

function parseCheckpoint(name: string, text: string): LoadedProjectionCheckpoint {
  const { header, parts } = readPartsFile(text);
  if (header['format'] !== FORMAT) throw new Error(`unknown format ${String(header['format'])}`);
  if (header['name'] !== name) throw new Error(`the file holds projection ${String(header['name'])}`);
  const { version, eventCount, position } = header;
  if (typeof version !== 'number' || typeof eventCount !== 'number')
    throw new Error('the header is incomplete');
  if (position !== null && typeof position !== 'string') throw new Error('the header has no position');
  return { name, version, position, eventCount, state: parts };
}
