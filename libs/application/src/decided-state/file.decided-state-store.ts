import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OPERATION_ID_PATTERN } from '@timeline/events';
import type { JsonValue } from '@timeline/kernel';
import { readPartsFileLines, writePartsFile, type PartsFileWritten } from '@timeline/kernel/files/parts-file';

/** 2: the writer's event ids are no longer a part of their own (the state's events hold them). */
const FORMAT = 'decided-state/2';

/** What a snapshot says about itself; checked by DecidedStateSnapshots before its parts are used. */
export interface DecidedStateHeader {
  readonly operationId: string;
  /** The decider's `snapshot.version` when it was taken. */
  readonly stateVersion: number;
  /** The stream revision of the last event the state reflects. */
  readonly revision: number;
  /** That event's hash on the chain: the stored event at `revision` must carry it. */
  readonly headHash: string;
}

export interface StoredDecidedState extends DecidedStateHeader {
  /** Each part's JSON text, checked against the header's SHA-256: parsed one at a time by the reader. */
  readonly partLines: readonly string[];
  /** The longest the event loop waited on one step of reading the file. */
  readonly longestBlockMs: number;
}

/** A snapshot file that exists but cannot be read: the reason, for the operator's log. */
export class UnreadableDecidedStateError extends Error {
  constructor(operationId: string, reason: string) {
    super(`snapshot of the decided state of ${operationId} is unreadable: ${reason}`);
    this.name = 'UnreadableDecidedStateError';
  }
}

/** How a save went, for the operator's figures. */
export type SavedDecidedState = PartsFileWritten;

/**
 * One NDJSON file per operation, `<directory>/<operationId>.ndjson`: a header line
 * (format, operation, state version, revision, head hash, part count and the
 * parts' SHA-256), then one line per part, so a large state is never one giant
 * string. Written to a temporary file of its own, fsynced, renamed over the old
 * one and the directory fsynced: a crash leaves the old or the new snapshot, and
 * two instances writing at once leave one of theirs, whole.
 */
export class FileDecidedStateStore {
  constructor(readonly directory: string) {}

  private pathOf(operationId: string): string {
    if (!OPERATION_ID_PATTERN.test(operationId))
      throw new TypeError(`Not an operation id: ${JSON.stringify(operationId)}`);
    return join(this.directory, `${operationId}.ndjson`);
  }

  /**
   * The operations that have a snapshot, the most recently written first (by the
   * files' modification times); none when the directory does not exist yet.
   */
  async operationsByRecency(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const found: { operationId: string; modified: number }[] = [];
    for (const name of names) {
      const operationId = name.endsWith('.ndjson') ? name.slice(0, -'.ndjson'.length) : '';
      if (!OPERATION_ID_PATTERN.test(operationId)) continue;
      try {
        found.push({ operationId, modified: (await stat(join(this.directory, name))).mtimeMs });
      } catch (error) {
        // Replaced or removed since the listing: it is simply not there.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return found.sort((a, b) => b.modified - a.modified).map(({ operationId }) => operationId);
  }

  /**
   * The stored snapshot, or null when there is none.
   * @throws UnreadableDecidedStateError for a file of another format, truncated or altered.
   */
  async load(operationId: string): Promise<StoredDecidedState | null> {
    let text: string;
    try {
      text = await readFile(this.pathOf(operationId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      return await parse(operationId, text);
    } catch (error) {
      throw new UnreadableDecidedStateError(operationId, (error as Error).message);
    }
  }

  /**
   * Writes the parts one by one as the iterable yields them (it may compute
   * them lazily), yielding to the event loop after each.
   */
  async save(header: DecidedStateHeader, parts: Iterable<JsonValue>): Promise<SavedDecidedState> {
    return writePartsFile(this.pathOf(header.operationId), { format: FORMAT, ...header }, parts);
  }

  async remove(operationId: string): Promise<void> {
    await rm(this.pathOf(operationId), { force: true });
  }
}

async function parse(operationId: string, text: string): Promise<StoredDecidedState> {
  const { header, lines, longestBlockMs } = await readPartsFileLines(text);
  if (header['format'] !== FORMAT) throw new Error(`unknown format ${JSON.stringify(header['format'])}`);
  if (header['operationId'] !== operationId)
    throw new Error(`the file holds operation ${JSON.stringify(header['operationId'])}`);
  const { stateVersion, revision, headHash, sha256 } = header;
  if (
    typeof stateVersion !== 'number' ||
    typeof revision !== 'number' ||
    !Number.isInteger(revision) ||
    revision < 0 ||
    typeof headHash !== 'string' ||
    typeof sha256 !== 'string'
  )
    throw new Error('the header is incomplete');
  return { operationId, stateVersion, revision, headHash, partLines: lines, longestBlockMs };
}
