import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OPERATION_ID_PATTERN } from '@timeline/events';
import type { JsonValue } from '@timeline/kernel';

const FORMAT = 'decided-state/1';
const HASH_PLACEHOLDER = '0'.repeat(64);

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
  readonly parts: readonly JsonValue[];
}

/** A snapshot file that exists but cannot be read: the reason, for the operator's log. */
export class UnreadableDecidedStateError extends Error {
  constructor(operationId: string, reason: string) {
    super(`snapshot of the decided state of ${operationId} is unreadable: ${reason}`);
    this.name = 'UnreadableDecidedStateError';
  }
}

/** How a save went, for the operator's figures. */
export interface SavedDecidedState {
  readonly bytes: number;
  readonly parts: number;
  /** The longest stretch the save ran without yielding to the event loop. */
  readonly longestBlockMs: number;
}

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
      return parse(operationId, text);
    } catch (error) {
      throw new UnreadableDecidedStateError(operationId, (error as Error).message);
    }
  }

  /**
   * Writes the parts one by one as the iterable yields them (it may compute
   * them lazily), yielding to the event loop after each.
   */
  async save(header: DecidedStateHeader, parts: Iterable<JsonValue>): Promise<SavedDecidedState> {
    const path = this.pathOf(header.operationId);
    await mkdir(this.directory, { recursive: true });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    let count = 0;
    let bytes = 0;
    let longestBlockMs = 0;
    try {
      const file = await open(temporary, 'w');
      try {
        const headerLine = `${JSON.stringify({ format: FORMAT, ...header, parts: 0, sha256: HASH_PLACEHOLDER })}\n`;
        // The part count has a fixed width in the header so it can be filled in last, with the hash.
        const padded = headerLine.replace('"parts":0', `"parts":${' '.repeat(12)}0`);
        await file.write(padded);
        bytes += Buffer.byteLength(padded);
        const hash = createHash('sha256');
        const iterator = parts[Symbol.iterator]();
        for (;;) {
          const started = performance.now();
          const next = iterator.next();
          if (next.done === true) break;
          const line = `${JSON.stringify(next.value)}\n`;
          hash.update(line);
          longestBlockMs = Math.max(longestBlockMs, performance.now() - started);
          await file.write(line);
          bytes += Buffer.byteLength(line);
          count += 1;
        }
        const countAt = Buffer.byteLength(padded.slice(0, padded.indexOf('"parts":') + '"parts":'.length));
        await file.write(String(count).padStart(13, ' '), countAt);
        await file.write(
          hash.digest('hex'),
          Buffer.byteLength(padded.slice(0, padded.indexOf(HASH_PLACEHOLDER))),
        );
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.directory);
    return { bytes, parts: count, longestBlockMs };
  }

  async remove(operationId: string): Promise<void> {
    await rm(this.pathOf(operationId), { force: true });
  }
}

function parse(operationId: string, text: string): StoredDecidedState {
  if (!text.endsWith('\n')) throw new Error('the file is truncated');
  const lines = text.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  if (header['format'] !== FORMAT) throw new Error(`unknown format ${JSON.stringify(header['format'])}`);
  if (header['operationId'] !== operationId)
    throw new Error(`the file holds operation ${JSON.stringify(header['operationId'])}`);
  const { stateVersion, revision, headHash, parts, sha256 } = header;
  if (
    typeof stateVersion !== 'number' ||
    typeof revision !== 'number' ||
    !Number.isInteger(revision) ||
    revision < 0 ||
    typeof headHash !== 'string' ||
    typeof sha256 !== 'string'
  )
    throw new Error('the header is incomplete');
  if (parts !== lines.length - 1)
    throw new Error(`expected ${String(parts)} parts, found ${lines.length - 1}`);
  const hash = createHash('sha256');
  for (let index = 1; index < lines.length; index += 1) hash.update(`${lines[index]}\n`);
  const actual = hash.digest('hex');
  if (actual !== sha256) throw new Error(`the parts hash to ${actual}, the header says ${sha256}`);
  return {
    operationId,
    stateVersion,
    revision,
    headHash,
    parts: lines.slice(1).map((line) => JSON.parse(line) as JsonValue),
  };
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
