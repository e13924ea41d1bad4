import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../json/json.types';

/**
 * The one file format of the read models' checkpoints and the decided state's
 * snapshots (docs/architecture.md): a header line, then one JSON line per part.
 * The header carries the part count and the SHA-256 of the part lines, both
 * filled in after the parts were written, so the parts may be produced lazily
 * and a large state is never one giant string. Imported from
 * `@timeline/kernel/files/parts-file` only: the kernel's index stays free of I/O.
 */

/** The header's own fields; the caller's fields come first. */
export interface PartsFileHeader {
  readonly parts: number;
  readonly sha256: string;
}

export interface PartsFileWritten {
  readonly bytes: number;
  readonly parts: number;
  /** The longest stretch spent producing and hashing one part without yielding to the event loop. */
  readonly longestBlockMs: number;
}

const HASH_PLACEHOLDER = '0'.repeat(64);
/** The part count is written with a fixed width, so it can be filled in once the parts are counted. */
const COUNT_WIDTH = 13;

/**
 * Writes `header` (with the part count and hash added) and the parts, one by one as
 * the iterable yields them, yielding to the event loop after each. Written to a
 * temporary file of its own, fsynced, renamed over `path` and the directory
 * fsynced: a crash leaves the old file or the new one, whole, and two writers at
 * once leave one of theirs. On failure the temporary file is removed and the old
 * file stays as it was.
 */
export async function writePartsFile(
  path: string,
  header: Readonly<Record<string, JsonValue>>,
  parts: Iterable<JsonValue>,
): Promise<PartsFileWritten> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let count = 0;
  let bytes = 0;
  let longestBlockMs = 0;
  try {
    const file = await open(temporary, 'w');
    try {
      const headerLine = `${JSON.stringify({ ...header, parts: 0, sha256: HASH_PLACEHOLDER })}\n`.replace(
        '"parts":0,',
        `"parts":${'0'.padStart(COUNT_WIDTH, ' ')},`,
      );
      await file.write(headerLine);
      bytes += Buffer.byteLength(headerLine);
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
      const offsetOf = (text: string): number =>
        Buffer.byteLength(headerLine.slice(0, headerLine.indexOf(text)));
      await file.write(String(count).padStart(COUNT_WIDTH, ' '), offsetOf('"parts":') + '"parts":'.length);
      await file.write(hash.digest('hex'), offsetOf(HASH_PLACEHOLDER));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // A full or failing disk: the partial copy must not hold on to the little space there is.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
  return { bytes, parts: count, longestBlockMs };
}

/**
 * The header and parts of a parts file's text, the part count and (when the
 * header has one) the SHA-256 checked.
 * @throws Error naming what is wrong: truncated, not JSON, a part missing or added, a changed byte.
 */
export function readPartsFile(text: string): {
  readonly header: Readonly<Record<string, unknown>>;
  readonly parts: JsonValue[];
} {
  const { header, lines } = headerAndLines(text);
  const sha256 = header['sha256'];
  if (sha256 !== undefined) {
    const hash = createHash('sha256');
    for (const line of lines) hash.update(`${line}\n`);
    checkHash(hash.digest('hex'), sha256);
  }
  return { header, parts: lines.map((line) => JSON.parse(line) as JsonValue) };
}

/**
 * As `readPartsFile` for a large file, without blocking the event loop for long:
 * the count and SHA-256 (which this form requires) are checked a few parts at a
 * time, yielding in between, and the parts are returned as their JSON text, for
 * the caller to parse one at a time.
 */
export async function readPartsFileLines(text: string): Promise<{
  readonly header: Readonly<Record<string, unknown>>;
  readonly lines: readonly string[];
  /** The longest stretch spent without yielding to the event loop (splitting and hashing). */
  readonly longestBlockMs: number;
}> {
  let started = performance.now();
  const { header, lines } = headerAndLines(text);
  let longestBlockMs = performance.now() - started;
  const sha256 = header['sha256'];
  if (typeof sha256 !== 'string') throw new Error('the header has no sha256');
  const hash = createHash('sha256');
  started = performance.now();
  for (const line of lines) {
    hash.update(line);
    hash.update('\n');
    if (performance.now() - started >= YIELD_AFTER_MS) {
      longestBlockMs = Math.max(longestBlockMs, performance.now() - started);
      await new Promise<void>((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
  checkHash(hash.digest('hex'), sha256);
  longestBlockMs = Math.max(longestBlockMs, performance.now() - started);
  return { header, lines, longestBlockMs };
}

/** How long `readPartsFileLines` hashes before it yields to the event loop. */
const YIELD_AFTER_MS = 5;

function headerAndLines(text: string): { header: Record<string, unknown>; lines: string[] } {
  if (!text.endsWith('\n')) throw new Error('the file is truncated');
  const lines = text.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new Error('the header is not an object');
  if (header['parts'] !== lines.length - 1)
    throw new Error(`expected ${String(header['parts'])} parts, found ${lines.length - 1}`);
  return { header, lines: lines.slice(1) };
}

function checkHash(actual: string, expected: unknown): void {
  if (actual !== expected)
    throw new Error(`the parts hash to ${actual}, the header says ${String(expected)}`);
}

/** Makes a rename in `directory` durable; some platforms cannot open a directory, and there is nothing more to do there. */
export async function syncDirectory(directory: string): Promise<void> {
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
