import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { canonicalJson, type JsonObject } from '@timeline/kernel';
import { comparePositions, type GlobalPosition } from '@timeline/event-store/port';
import { envelopeOf } from '../events/timeline-event.mapper';
import { StreamChainVerifier, type ChainBreak } from '../verify/chain-verifier';
import { ExportInclusionChecker } from './export-inclusion';
import { parseEventLine, type ExportProblem } from './export-lines';
import {
  joinExportRanges,
  splitAtLines,
  type ByteRange,
  type ExportRangeScan,
  type ExportRangeTask,
} from './export-ranges';
import { runOnThread } from '../threads/integrity-thread';
import type { StreamHead } from '../verify/store-verification';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportBoundary,
  type ExportManifest,
} from './export-manifest';

export type { ExportProblem, ExportProblemCode } from './export-lines';

export interface ExportVerification {
  readonly ok: boolean;
  /** Every disagreement found, in the order found; empty when `ok`. */
  readonly problems: readonly ExportProblem[];
  /** The manifest as read, or null when it could not be read. */
  readonly manifest: ExportManifest | null;
  /** What the file itself shows, recomputed without trusting the manifest. */
  readonly recomputed: {
    readonly events: number;
    /** Lines marked withheld: linked into their chain, their content not recomputable here. */
    readonly withheld: number;
    readonly bytes: number;
    readonly sha256: string;
    readonly heads: readonly StreamHead[];
    readonly brokenAt: ChainBreak | null;
  };
}

export interface ExportFiles {
  /** The NDJSON file: events only (two-file layout), or events then a `{"manifest":…}` line (single-file layout). */
  readonly ndjsonPath: string;
  /** The manifest file of the two-file layout; omit for the single-file layout. */
  readonly manifestPath?: string;
  /** The Ed25519 key tree heads are signed with: when given, the manifest's tree head must carry its signature. */
  readonly treeHeadKey?: KeyObject;
}

export interface ExportVerificationOptions {
  /**
   * Threads scanning byte ranges of the NDJSON at once, each reading its own
   * range of the file; below 2: the calling thread. Default 1.
   */
  readonly threads?: number;
  /** Files with fewer bytes of events are scanned on the calling thread. Default 32 MiB. */
  readonly minBytes?: number;
}

/** Exports smaller than this are checked on the calling thread unless told otherwise (about 35,000 events). */
export const DEFAULT_THREADED_MIN_BYTES = 32 * 2 ** 20;

/**
 * Verifies an export offline, from the files alone: the NDJSON's SHA-256 and
 * size, every event's hash and its chain, revision continuity, position order,
 * and every figure of the manifest. Reads the file as a stream (constant memory
 * whatever its size) and reports every disagreement, not only the first. With
 * threads, byte ranges of the file are scanned on threads and joined in order,
 * with the same answer (docs/architecture.md, "Verification on threads").
 */
export async function verifyExportFiles(
  files: ExportFiles,
  options: ExportVerificationOptions = {},
): Promise<ExportVerification> {
  const threads = options.threads ?? 1;
  const minBytes = options.minBytes ?? DEFAULT_THREADED_MIN_BYTES;
  return verifyExportFilesWith(files, (path, end, manifest, problems, key) =>
    threads > 1 && end >= minBytes
      ? scanInRanges(path, manifest, problems, key, splitAtLines(path, end, threads), (task) =>
          runOnThread<ExportRangeScan>('export/export-range.worker', task, `the export ${path}`),
        )
      : scanEvents(path, end, manifest, problems, key),
  );
}

/**
 * `verifyExportFiles` scanning the given byte ranges with `scanRange` (on
 * threads, or here: the differential tests cut files at random lines).
 */
export function verifyExportFilesInRanges(
  files: ExportFiles,
  ranges: (end: number) => Promise<ByteRange[]>,
  scanRange: (task: ExportRangeTask) => Promise<ExportRangeScan>,
): Promise<ExportVerification> {
  return verifyExportFilesWith(files, (path, end, manifest, problems, key) =>
    scanInRanges(path, manifest, problems, key, ranges(end), scanRange),
  );
}

type Scanner = (
  path: string,
  end: number,
  manifest: ExportManifest | null,
  problems: ExportProblem[],
  treeHeadKey: KeyObject | undefined,
) => Promise<Scan>;

async function verifyExportFilesWith(files: ExportFiles, scanAll: Scanner): Promise<ExportVerification> {
  const problems: ExportProblem[] = [];
  let manifest: ExportManifest | null = null;
  // In the single-file layout the manifest is the last line and the events end where it starts.
  const tail = files.manifestPath === undefined ? await readLastLine(files.ndjsonPath) : null;
  const eventsEnd = tail ? tail.start : (await stat(files.ndjsonPath)).size;
  try {
    manifest = tail
      ? parseManifest((JSON.parse(tail.text) as { manifest?: unknown }).manifest)
      : parseManifest(JSON.parse(await readFile(files.manifestPath!, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    problems.push({
      code: 'manifest-unreadable',
      message: `the manifest cannot be read: ${(error as Error).message}`,
    });
  }
  if (manifest && (manifest.format !== EXPORT_FORMAT || manifest.formatVersion !== EXPORT_FORMAT_VERSION)) {
    problems.push({
      code: 'manifest-format',
      message: `unknown format ${String(manifest.format)} v${String(manifest.formatVersion)}; expected ${EXPORT_FORMAT} v${EXPORT_FORMAT_VERSION}`,
    });
    manifest = null;
  }

  const scan = await scanAll(files.ndjsonPath, eventsEnd, manifest, problems, files.treeHeadKey);
  if (manifest) compareWithManifest(manifest, scan, problems);
  return {
    ok: problems.length === 0,
    problems,
    manifest,
    recomputed: {
      events: scan.events,
      withheld: scan.withheld,
      bytes: scan.bytes,
      sha256: scan.sha256,
      heads: scan.heads,
      brokenAt: scan.brokenAt,
    },
  };
}

interface Scan {
  events: number;
  withheld: number;
  bytes: number;
  sha256: string;
  countsByType: Map<string, number>;
  first: ExportBoundary | null;
  last: ExportBoundary | null;
  heads: StreamHead[];
  brokenAt: ChainBreak | null;
}

async function scanEvents(
  path: string,
  end: number,
  manifest: ExportManifest | null,
  problems: ExportProblem[],
  treeHeadKey: KeyObject | undefined,
): Promise<Scan> {
  const inclusion = manifest?.inclusion ? new ExportInclusionChecker(manifest.inclusion) : null;
  const sha256 = createHash('sha256');
  const scan: Scan = {
    events: 0,
    withheld: 0,
    bytes: 0,
    sha256: '',
    countsByType: new Map(),
    first: null,
    last: null,
    heads: [],
    brokenAt: null,
  };
  const verifiers = new Map<string, StreamChainVerifier>();
  let previous: GlobalPosition | null = null;
  if (end > 0) {
    const input = createReadStream(path, { start: 0, end: end - 1 });
    // The digest is over the raw bytes, not over re-encoded lines.
    input.on('data', (chunk) => {
      sha256.update(chunk);
      scan.bytes += chunk.length;
    });
    let lineNumber = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber += 1;
      const event = parseEventLine(text);
      if (typeof event === 'string') {
        problems.push({ code: 'line-unparsable', line: lineNumber, message: event });
        continue;
      }
      scan.events += 1;
      const withheld = event.line.withheld === true;
      if (withheld) scan.withheld += 1;
      scan.countsByType.set(event.type, (scan.countsByType.get(event.type) ?? 0) + 1);
      const boundary = {
        position: event.positionText,
        recordedAt: typeof event.line.recordedAt === 'string' ? event.line.recordedAt : null,
      };
      scan.first ??= boundary;
      scan.last = boundary;

      if (previous && comparePositions(event.position, previous) <= 0) {
        problems.push({
          code: 'position-out-of-order',
          line: lineNumber,
          message: `position ${event.positionText} does not follow the previous line's`,
        });
      }
      previous = event.position;

      const operationId = String(event.line.operationId);
      if (manifest?.scope.kind === 'operation' && operationId !== manifest.scope.operationId) {
        problems.push({
          code: 'out-of-scope',
          line: lineNumber,
          message: `event of operation ${operationId} in an export of ${manifest.scope.operationId}`,
        });
      }
      const notIncluded = inclusion?.accept(String(event.line.eventId), event.line.hash);
      if (notIncluded)
        problems.push({ code: 'inclusion-proof-fails', line: lineNumber, message: notIncluded });
      if (!scan.brokenAt) {
        let verifier = verifiers.get(operationId);
        if (!verifier) verifiers.set(operationId, (verifier = new StreamChainVerifier(operationId)));
        const broken = verifier.accept({
          eventId: String(event.line.eventId),
          type: event.type,
          data: event.line.data as JsonObject,
          envelope: envelopeOf(event.line),
          revision: typeof event.line.streamRevision === 'number' ? event.line.streamRevision : -1,
          position: event.positionText,
          withheld,
        });
        if (broken) {
          scan.brokenAt = broken;
          problems.push({
            code: 'chain-broken',
            line: lineNumber,
            message: `chain of ${broken.operationId} broken at revision ${broken.revision} (event ${broken.eventId}): ${broken.reason}`,
          });
        }
      }
    }
  }
  for (const message of inclusion?.finish(treeHeadKey) ?? [])
    problems.push({ code: 'inclusion-mismatch', message });
  scan.sha256 = sha256.digest('hex');
  scan.heads = scan.brokenAt
    ? []
    : [...verifiers.values()]
        .map((verifier) => ({ operationId: verifier.operationId, ...verifier.head! }))
        .sort((a, b) => (a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0));
  return scan;
}

async function scanInRanges(
  path: string,
  manifest: ExportManifest | null,
  problems: ExportProblem[],
  treeHeadKey: KeyObject | undefined,
  ranges: Promise<ByteRange[]>,
  scanRange: (task: ExportRangeTask) => Promise<ExportRangeScan>,
): Promise<Scan> {
  const inclusion = manifest?.inclusion ? new ExportInclusionChecker(manifest.inclusion) : null;
  const cut = await ranges;
  const end = cut.length === 0 ? 0 : cut[cut.length - 1].end;
  // The digest is over the raw bytes, read here while the ranges are scanned elsewhere.
  const digest = digestOf(path, end);
  const scopeOperationId = manifest?.scope.kind === 'operation' ? manifest.scope.operationId : null;
  const scans = await Promise.all(
    cut.map((range) => scanRange({ path, range, scopeOperationId, withInclusion: inclusion !== null })),
  );
  const joined = joinExportRanges(scans, inclusion);
  problems.push(...joined.problems);
  for (const message of inclusion?.finish(treeHeadKey) ?? [])
    problems.push({ code: 'inclusion-mismatch', message });
  const { sha256, bytes } = await digest;
  return { ...joined, sha256, bytes };
}

async function digestOf(path: string, end: number): Promise<{ sha256: string; bytes: number }> {
  const sha256 = createHash('sha256');
  let bytes = 0;
  if (end > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: end - 1 }) as AsyncIterable<Buffer>) {
      sha256.update(chunk);
      bytes += chunk.length;
    }
  }
  return { sha256: sha256.digest('hex'), bytes };
}

function compareWithManifest(manifest: ExportManifest, scan: Scan, problems: ExportProblem[]): void {
  if (manifest.ndjson.sha256 !== scan.sha256) {
    problems.push({
      code: 'sha256-mismatch',
      message: `the events hash to ${scan.sha256}, the manifest says ${manifest.ndjson.sha256}`,
    });
  }
  if (manifest.ndjson.bytes !== scan.bytes) {
    problems.push({
      code: 'size-mismatch',
      message: `the events take ${scan.bytes} bytes, the manifest says ${manifest.ndjson.bytes}`,
    });
  }
  if (manifest.events !== scan.events || manifest.ndjson.lines !== scan.events) {
    problems.push({
      code: 'count-mismatch',
      message: `the file holds ${scan.events} events, the manifest says ${manifest.events}`,
    });
  }
  if ((manifest.withheld ?? 0) !== scan.withheld) {
    problems.push({
      code: 'count-mismatch',
      message: `the file withholds ${scan.withheld} events, the manifest says ${manifest.withheld}`,
    });
  }
  const counts = Object.fromEntries(
    [...scan.countsByType.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  if (canonicalJson(counts) !== canonicalJson(manifest.countsByType)) {
    problems.push({
      code: 'counts-by-type-mismatch',
      message: `counts by type ${canonicalJson(counts)} differ from the manifest's`,
    });
  }
  for (const [name, mine, theirs] of [
    ['first', scan.first, manifest.first],
    ['last', scan.last, manifest.last],
  ] as const) {
    if (canonicalJson(mine) !== canonicalJson(theirs ?? null)) {
      problems.push({
        code: 'boundary-mismatch',
        message: `the ${name} event is ${canonicalJson(mine)}, the manifest says ${canonicalJson(theirs ?? null)}`,
      });
    }
  }
  const claimed = manifest.chain.intact
    ? { heads: manifest.chain.heads }
    : { brokenAt: manifest.chain.brokenAt };
  const found = scan.brokenAt ? { brokenAt: scan.brokenAt } : { heads: scan.heads };
  if (canonicalJson(claimed) !== canonicalJson(found)) {
    problems.push({
      code: 'chain-heads-mismatch',
      message: `the chains recomputed from the file (${canonicalJson(found)}) differ from the manifest's`,
    });
  }
}

function parseManifest(value: unknown): ExportManifest {
  if (value === null || typeof value !== 'object') throw new Error('no manifest object');
  const manifest = value as ExportManifest;
  const shaped =
    typeof manifest.format === 'string' &&
    typeof manifest.events === 'number' &&
    typeof manifest.ndjson?.sha256 === 'string' &&
    typeof manifest.ndjson?.bytes === 'number' &&
    typeof manifest.chain?.intact === 'boolean' &&
    typeof manifest.countsByType === 'object' &&
    typeof manifest.scope?.kind === 'string';
  if (!shaped) throw new Error('the manifest lacks format, events, countsByType, scope, chain or ndjson');
  return manifest;
}

/** The last line of a file (ignoring one trailing newline) and the byte offset where it starts. */
async function readLastLine(path: string): Promise<{ start: number; text: string }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let end = size;
    const one = Buffer.alloc(1);
    if (end > 0 && (await handle.read(one, 0, 1, end - 1)).bytesRead === 1 && one[0] === 0x0a) end -= 1;
    const chunkSize = 64 * 1024;
    let start = end;
    const chunks: Buffer[] = [];
    while (start > 0) {
      const from = Math.max(0, start - chunkSize);
      const chunk = Buffer.alloc(start - from);
      await handle.read(chunk, 0, chunk.length, from);
      const newline = chunk.lastIndexOf(0x0a);
      if (newline >= 0) {
        chunks.unshift(chunk.subarray(newline + 1));
        start = from + newline + 1;
        return { start, text: Buffer.concat(chunks).toString('utf8') };
      }
      chunks.unshift(chunk);
      start = from;
    }
    return { start: 0, text: Buffer.concat(chunks).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * The manifest of an export: a `.manifest.json` file, or the last line of a
 * single-file download.
 * @throws Error when the file holds no readable manifest.
 */
export async function readExportManifest(path: string): Promise<ExportManifest> {
  if (path.endsWith('.json')) return parseManifest(JSON.parse(await readFile(path, 'utf8')));
  const tail = await readLastLine(path);
  return parseManifest((JSON.parse(tail.text) as { manifest?: unknown }).manifest);
}
