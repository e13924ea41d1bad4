import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { JsonObject } from '@timeline/kernel';
import { comparePositions, parsePosition } from '@timeline/event-store/port';
import { envelopeOf } from '../events/timeline-event.mapper';
import {
  StreamChainVerifier,
  recomputedHashOf,
  type ChainBreak,
  type ChainHead,
  type ChainLink,
} from '../verify/chain-verifier';
import type { ExportInclusionChecker } from './export-inclusion';
import type { ExportBoundary } from './export-manifest';
import { parseEventLine, type ExportProblem } from './export-lines';

/** Bytes of an export's NDJSON: `start` inclusive, `end` exclusive; both at line starts. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** One operation's chain as one range of the file shows it (stream-ranges.ts does the same for a store). */
export interface RangeChain {
  readonly operationId: string;
  /** The operation's first line in the range (range-relative line number), checked when joined. */
  readonly first: { readonly line: number; readonly link: ChainLink };
  /** The operation's last line in the range found intact. */
  readonly last: ChainHead | null;
  /** Its first break after its first line in the range. */
  readonly brokenAt: { readonly line: number; readonly brokenAt: ChainBreak } | null;
}

/** What scanning one byte range of an export found; line numbers are 1-based within the range. */
export interface ExportRangeScan {
  readonly lines: number;
  readonly events: number;
  readonly withheld: number;
  readonly countsByType: readonly (readonly [string, number])[];
  readonly first: ExportBoundary | null;
  readonly last: ExportBoundary | null;
  /** The range's first event's line and position, checked against the events before the range when joined. */
  readonly firstEvent: { readonly line: number; readonly position: string } | null;
  readonly lastPosition: string | null;
  /** Unparsable lines, positions out of order within the range, events out of scope. */
  readonly problems: readonly ExportProblem[];
  readonly chains: readonly RangeChain[];
  /** Each event's line, id and stored hash, when the export's inclusion proofs are to be checked. */
  readonly inclusion: readonly (readonly [number, string, unknown])[] | null;
}

export interface ExportRangeTask {
  readonly path: string;
  readonly range: ByteRange;
  /** The operation an export of one operation is of (from its manifest); null for a whole-log export. */
  readonly scopeOperationId: string | null;
  /** Collect what the inclusion proofs are checked against. */
  readonly withInclusion: boolean;
}

/** Scans one byte range of an export's NDJSON, line by line, holding one line at a time. */
export async function scanExportRange(task: ExportRangeTask): Promise<ExportRangeScan> {
  const { range } = task;
  const problems: ExportProblem[] = [];
  const countsByType = new Map<string, number>();
  const chains = new Map<
    string,
    { first: RangeChain['first']; verifier: StreamChainVerifier; brokenAt: RangeChain['brokenAt'] }
  >();
  const inclusion: [number, string, unknown][] | null = task.withInclusion ? [] : null;
  let lines = 0;
  let events = 0;
  let withheld = 0;
  let first: ExportBoundary | null = null;
  let last: ExportBoundary | null = null;
  let firstEvent: ExportRangeScan['firstEvent'] = null;
  let previous: ReturnType<typeof parsePosition> = null;
  let lastPosition: string | null = null;
  if (range.end > range.start) {
    const input = createReadStream(task.path, { start: range.start, end: range.end - 1 });
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lines += 1;
      const event = parseEventLine(text);
      if (typeof event === 'string') {
        problems.push({ code: 'line-unparsable', line: lines, message: event });
        continue;
      }
      events += 1;
      const isWithheld = event.line.withheld === true;
      if (isWithheld) withheld += 1;
      countsByType.set(event.type, (countsByType.get(event.type) ?? 0) + 1);
      const boundary = {
        position: event.positionText,
        recordedAt: typeof event.line.recordedAt === 'string' ? event.line.recordedAt : null,
      };
      first ??= boundary;
      last = boundary;
      firstEvent ??= { line: lines, position: event.positionText };
      if (previous && comparePositions(event.position, previous) <= 0) {
        problems.push({
          code: 'position-out-of-order',
          line: lines,
          message: `position ${event.positionText} does not follow the previous line's`,
        });
      }
      previous = event.position;
      lastPosition = event.positionText;
      const operationId = String(event.line.operationId);
      if (task.scopeOperationId !== null && operationId !== task.scopeOperationId) {
        problems.push({
          code: 'out-of-scope',
          line: lines,
          message: `event of operation ${operationId} in an export of ${task.scopeOperationId}`,
        });
      }
      inclusion?.push([lines, String(event.line.eventId), event.line.hash]);
      const link: ChainLink = {
        eventId: String(event.line.eventId),
        type: event.type,
        data: event.line.data as JsonObject,
        envelope: envelopeOf(event.line),
        revision: typeof event.line.streamRevision === 'number' ? event.line.streamRevision : -1,
        position: event.positionText,
        withheld: isWithheld,
      };
      const chain = chains.get(operationId);
      if (!chain) {
        chains.set(operationId, {
          first: {
            line: lines,
            link: isWithheld ? link : { ...link, recomputedHash: recomputedHashOf(link) },
          },
          verifier: new StreamChainVerifier(operationId, {
            revision: link.revision,
            hash: link.envelope.hash as string,
          }),
          brokenAt: null,
        });
      } else if (!chain.brokenAt) {
        const broken = chain.verifier.accept(link);
        if (broken) chain.brokenAt = { line: lines, brokenAt: broken };
      }
    }
  }
  return {
    lines,
    events,
    withheld,
    countsByType: [...countsByType],
    first,
    last,
    firstEvent,
    lastPosition,
    problems,
    chains: [...chains.entries()].map(([operationId, chain]) => ({
      operationId,
      first: chain.first,
      last: chain.verifier.head,
      brokenAt: chain.brokenAt,
    })),
    inclusion,
  };
}

/** What the ranges of an export show together, as one scan of the whole file shows it. */
export interface JoinedExportScan {
  readonly events: number;
  readonly withheld: number;
  readonly countsByType: Map<string, number>;
  readonly first: ExportBoundary | null;
  readonly last: ExportBoundary | null;
  readonly heads: { operationId: string; revision: number; hash: string }[];
  readonly brokenAt: ChainBreak | null;
  /** Every problem tied to a line, in the order one scan finds them. */
  readonly problems: ExportProblem[];
}

/** The order one scan reports a line's problems in. */
const PROBLEM_ORDER: Readonly<Record<string, number>> = {
  'line-unparsable': 0,
  'position-out-of-order': 1,
  'out-of-scope': 2,
  'inclusion-proof-fails': 3,
  'chain-broken': 4,
};

/**
 * Joins the ranges' scans in file order: line numbers made absolute, the
 * position order and each chain checked across the ranges' boundaries, the
 * first broken chain (by line) kept, inclusion proofs checked in file order.
 */
export function joinExportRanges(
  scans: readonly ExportRangeScan[],
  inclusion: ExportInclusionChecker | null,
): JoinedExportScan {
  const problems: ExportProblem[] = [];
  const countsByType = new Map<string, number>();
  const heads = new Map<string, ChainHead | null>();
  let events = 0;
  let withheld = 0;
  let first: ExportBoundary | null = null;
  let last: ExportBoundary | null = null;
  let previous: string | null = null;
  let broken: { line: number; brokenAt: ChainBreak } | null = null;
  let offset = 0;
  for (const scan of scans) {
    events += scan.events;
    withheld += scan.withheld;
    for (const [type, count] of scan.countsByType)
      countsByType.set(type, (countsByType.get(type) ?? 0) + count);
    first ??= scan.first;
    last = scan.last ?? last;
    for (const problem of scan.problems) problems.push({ ...problem, line: problem.line! + offset });
    if (scan.firstEvent && previous !== null) {
      if (comparePositions(parsePosition(scan.firstEvent.position)!, parsePosition(previous)!) <= 0) {
        problems.push({
          code: 'position-out-of-order',
          line: scan.firstEvent.line + offset,
          message: `position ${scan.firstEvent.position} does not follow the previous line's`,
        });
      }
    }
    previous = scan.lastPosition ?? previous;
    for (const [line, eventId, hash] of scan.inclusion ?? []) {
      const notIncluded = inclusion?.accept(eventId, hash);
      if (notIncluded)
        problems.push({ code: 'inclusion-proof-fails', line: line + offset, message: notIncluded });
    }
    for (const chain of scan.chains) {
      const found = new StreamChainVerifier(chain.operationId, heads.get(chain.operationId) ?? null).accept(
        chain.first.link,
      );
      // The first break by line is what one scan reports; a later one may rest on an earlier break.
      const candidate = found
        ? { line: chain.first.line + offset, brokenAt: found }
        : chain.brokenAt && { line: chain.brokenAt.line + offset, brokenAt: chain.brokenAt.brokenAt };
      if (candidate && (!broken || candidate.line < broken.line)) broken = candidate;
      heads.set(chain.operationId, found ? null : chain.last);
    }
    offset += scan.lines;
  }
  if (broken) {
    const { brokenAt } = broken;
    problems.push({
      code: 'chain-broken',
      line: broken.line,
      message: `chain of ${brokenAt.operationId} broken at revision ${brokenAt.revision} (event ${brokenAt.eventId}): ${brokenAt.reason}`,
    });
  }
  // Stable: problems of one line keep the order one scan finds them in.
  problems.sort((a, b) => a.line! - b.line! || PROBLEM_ORDER[a.code] - PROBLEM_ORDER[b.code]);
  return {
    events,
    withheld,
    countsByType,
    first,
    last,
    heads: broken
      ? []
      : [...heads.entries()]
          .map(([operationId, head]) => ({ operationId, ...head! }))
          .sort((a, b) => (a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0)),
    brokenAt: broken?.brokenAt ?? null,
    problems,
  };
}

/**
 * Cuts bytes 0 to `end` of a file into `count` ranges of nearly equal size,
 * each cut just after a newline, so every range holds whole lines.
 */
export async function splitAtLines(path: string, end: number, count: number): Promise<ByteRange[]> {
  const cuts: number[] = [0];
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let index = 1; index < count; index += 1) {
      let at = Math.max(Math.floor((end * index) / count), cuts[cuts.length - 1]);
      let cut: number | null = null;
      while (cut === null && at < end) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - at), at);
        if (bytesRead === 0) break;
        const newline = chunk.subarray(0, bytesRead).indexOf(0x0a);
        if (newline >= 0) cut = at + newline + 1;
        else at += bytesRead;
      }
      if (cut === null || cut >= end) break;
      if (cut > cuts[cuts.length - 1]) cuts.push(cut);
    }
  } finally {
    await handle.close();
  }
  return cuts.map((start, index) => ({ start, end: index + 1 < cuts.length ? cuts[index + 1] : end }));
}
