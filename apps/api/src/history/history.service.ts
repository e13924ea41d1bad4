import { Readable } from 'node:stream';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  EVENT_STORE,
  StreamNotFoundError,
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store';
import { OPERATION_STREAM_PREFIX, operationStreamName, type TimelineEvent } from '@timeline/events';
import {
  EvidentialExport,
  manifestLine,
  readLineage,
  toTimelineEvent,
  verifyLog,
  verifyOperationStream,
  type ChainBreak,
  type EventLineage,
  type ExportInclusionSource,
  type LogVerification,
  type SoftwareIdentity,
  type StreamVerification,
  type VerificationThreads,
} from '@timeline/integrity';
import { redactEventForPrincipal, redactLineageForPrincipal } from '../auth/handling-code.policy';
import { OperationMembership } from '../auth/operation-membership.service';
import type { Principal } from '@timeline/auth';
import { OperationHistoryNotFoundError } from './history.errors';
import type { LogHistoryQuery, StreamHistoryQuery } from './history-query';

/** Options of the history routes, resolved at the edge. */
export interface HistoryOptions {
  /** Name and version stamped on exports (from the api's package.json). */
  readonly software: SoftwareIdentity;
  /** Events the global log route examines at most per request before answering with a `next` link. Default 10,000. */
  readonly maxScannedPerRequest?: number;
  /** Events per store read when exporting or verifying. Default 500. */
  readonly pageSize?: number;
  /** How one operation's chain is verified on threads (VERIFY_THREADS); absent: on the request's thread. */
  readonly verifyThreads?: VerificationThreads;
  /** Default: the system clock. */
  readonly now?: () => Date;
}

export const HISTORY_OPTIONS = Symbol('HISTORY_OPTIONS');

/**
 * Optional, provided by the transparency module: a head signed for the export
 * and the tree to prove its events in (null when no head can be signed).
 */
export interface ExportInclusionProvider {
  exportInclusion(): Promise<ExportInclusionSource | null>;
}
export const EXPORT_INCLUSION = Symbol('EXPORT_INCLUSION');

export interface StreamHistoryPage {
  readonly operationId: string;
  readonly direction: 'forwards' | 'backwards';
  readonly events: readonly TimelineEvent[];
  /** null when there is no further event in this direction. */
  readonly next: { readonly fromRevision: number; readonly href: string } | null;
}

export interface LogHistoryPage {
  readonly events: readonly TimelineEvent[];
  /**
   * Position up to which the log was examined (the cursor to resume polling
   * from); null when nothing was examined.
   */
  readonly examinedUpTo: string | null;
  /** Present while the log continues: a page may hold fewer events than `limit` when filters are narrow. */
  readonly next: { readonly after: string; readonly href: string } | null;
}

export interface HistoryExport {
  readonly filename: string;
  readonly body: Readable;
}

/** A break in an operation the caller may not know of: why, not where. */
export type VisibleChainBreak =
  | ChainBreak
  | {
      readonly [K in keyof ChainBreak]: K extends 'reason' ? ChainBreak['reason'] : null;
    };

/** The log's verification as a caller without `admin` sees it: its operations' figures only. */
export type VisibleLogVerification =
  | Extract<LogVerification, { ok: true }>
  | { readonly ok: false; readonly events: null; readonly brokenAt: VisibleChainBreak };

/** The auditors' reads: history pages, lineage, verification and export, all through the store port. */
@Injectable()
export class HistoryService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(HISTORY_OPTIONS) private readonly options: HistoryOptions,
    @Inject(OperationMembership) private readonly membership: OperationMembership,
    @Optional() @Inject(EXPORT_INCLUSION) private readonly inclusion: ExportInclusionProvider | null = null,
  ) {}

  async operationEvents(
    operationId: string,
    query: StreamHistoryQuery,
    principal: Principal,
  ): Promise<StreamHistoryPage> {
    const recorded = await this.readStream(operationId, {
      direction: query.direction,
      fromRevision: query.fromRevision,
      // One more than asked tells whether a next page exists without a second read.
      maxCount: query.limit + 1,
    });
    const page = recorded.slice(0, query.limit);
    const following = recorded[query.limit];
    const next = following
      ? {
          fromRevision: following.revision,
          href: href(`/operations/${operationId}/events`, {
            direction: query.direction,
            fromRevision: String(following.revision),
            limit: String(query.limit),
          }),
        }
      : null;
    return {
      operationId,
      direction: query.direction,
      events: page.map((event) => this.visible(event, principal)),
      next,
    };
  }

  async logEvents(query: LogHistoryQuery, principal: Principal): Promise<LogHistoryPage> {
    const visible = new Set(await this.membership.operationsOf(principal.agency));
    if (query.operationId !== undefined && !visible.has(query.operationId)) {
      throw new OperationHistoryNotFoundError(query.operationId);
    }
    const maxScanned = this.options.maxScannedPerRequest ?? 10_000;
    const filter = {
      streamNamePrefixes: [
        query.operationId === undefined ? OPERATION_STREAM_PREFIX : operationStreamName(query.operationId),
      ],
      eventTypes: query.types,
    };
    const events: TimelineEvent[] = [];
    let after: GlobalPosition | undefined = query.after;
    let examined: GlobalPosition | undefined;
    let scanned = 0;
    let atEnd = false;
    while (events.length < query.limit && scanned < maxScanned) {
      const maxCount = Math.min(Math.max(query.limit, 100), maxScanned - scanned);
      const page = await this.store.readAll({ after, maxCount, filter });
      for (const event of page) {
        scanned += 1;
        examined = event.position;
        if (this.matches(event, query, visible)) {
          events.push(this.visible(event, principal));
          if (events.length === query.limit) break;
        }
      }
      if (events.length === query.limit) break;
      if (page.length < maxCount) {
        atEnd = true;
        break;
      }
      after = page[page.length - 1].position;
    }
    const cursor = examined ?? query.after;
    const next =
      atEnd || cursor === undefined
        ? null
        : {
            after: formatPosition(cursor),
            href: href('/events', { ...logQueryParameters(query), after: formatPosition(cursor) }),
          };
    return { events, examinedUpTo: cursor ? formatPosition(cursor) : null, next };
  }

  async lineage(operationId: string, eventId: string, principal: Principal): Promise<EventLineage> {
    const lineage = await this.notFoundAsOperation(operationId, () =>
      readLineage(this.store, operationId, eventId),
    );
    // Withheld (handling code C): the lineage shows who changed what when, never the data or why.
    return redactLineageForPrincipal(principal, lineage);
  }

  verifyOperation(operationId: string): Promise<StreamVerification> {
    return this.notFoundAsOperation(operationId, () =>
      verifyOperationStream(this.store, operationId, {
        pageSize: this.options.pageSize,
        threads: this.options.verifyThreads,
      }),
    );
  }

  /**
   * Verifies every chain of the log. Whole-log figures (how many events the log
   * holds, its last position, where a break outside the caller's operations lies)
   * are for callers who also hold `admin`, who run the store; every other caller
   * is shown the operations its agency takes part in only — their heads, their
   * events, their last position — and that the log is broken elsewhere, if it is,
   * without where.
   */
  async verifyLog(principal: Principal): Promise<LogVerification | VisibleLogVerification> {
    const result = await verifyLog(this.store, { pageSize: this.options.pageSize });
    if (principal.roles.includes('admin')) return result;
    const visible = new Set(await this.membership.operationsOf(principal.agency));
    if (!result.ok) {
      if (visible.has(result.brokenAt.operationId))
        return { ok: false, events: null, brokenAt: result.brokenAt };
      return {
        ok: false,
        events: null,
        brokenAt: {
          operationId: null,
          revision: null,
          eventId: null,
          position: null,
          reason: result.brokenAt.reason,
          expected: null,
          actual: null,
        },
      };
    }
    const streams = result.streams.filter((stream) => visible.has(stream.operationId));
    let lastPosition: GlobalPosition | null = null;
    for (const stream of streams) {
      const [last] = await this.store.readStream(operationStreamName(stream.operationId), {
        direction: 'backwards',
        maxCount: 1,
      });
      if (last && (lastPosition === null || comparePositions(last.position, lastPosition) > 0))
        lastPosition = last.position;
    }
    return {
      ok: true,
      events: streams.reduce((sum, stream) => sum + stream.revision + 1, 0),
      streams,
      lastPosition: lastPosition === null ? null : formatPosition(lastPosition),
    };
  }

  /**
   * An operation's export as NDJSON: one event per line, then the manifest line.
   * Resolves only once the first page was read, so an unknown operation is a 404
   * rather than a broken download; after that the body streams page by page.
   */
  async exportOperation(operationId: string, principal: Principal): Promise<HistoryExport> {
    const now = (this.options.now ?? (() => new Date()))();
    const inclusion = (await this.inclusion?.exportInclusion()) ?? undefined;
    const run = new EvidentialExport(
      this.store,
      { kind: 'operation', operationId },
      {
        exportedAt: now.toISOString(),
        exportedBy: `${principal.subject} (${principal.agency})`,
        software: this.options.software,
        pageSize: this.options.pageSize,
        // Handling code C: what the exporter may not see is exported withheld, still chained.
        redact: (event) => redactEventForPrincipal(principal, event) as TimelineEvent,
        inclusion,
      },
    );
    const lines = run.lines();
    const first = await this.notFoundAsOperation(operationId, () => lines.next());
    async function* body(): AsyncGenerator<string> {
      let current = first;
      while (!current.done) {
        yield current.value;
        current = await lines.next();
      }
      yield manifestLine(run.manifest());
    }
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return { filename: `${operationId}-${stamp}.ndjson`, body: Readable.from(body(), { objectMode: false }) };
  }

  private async readStream(
    operationId: string,
    options: Parameters<EventStore['readStream']>[1],
  ): Promise<RecordedEvent[]> {
    return this.notFoundAsOperation(operationId, () =>
      this.store.readStream(operationStreamName(operationId), options),
    );
  }

  private async notFoundAsOperation<T>(operationId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw new OperationHistoryNotFoundError(operationId);
      throw error;
    }
  }

  private matches(event: RecordedEvent, query: LogHistoryQuery, visible: ReadonlySet<string>): boolean {
    if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX)) return false;
    const operationId = event.streamName.slice(OPERATION_STREAM_PREFIX.length);
    // The store filters by name prefix: "operation-a" also matches "operation-ab".
    if (query.operationId !== undefined && operationId !== query.operationId) return false;
    if (!visible.has(operationId)) return false;
    if (query.agencies && !query.agencies.includes(String(event.metadata.agency))) return false;
    if (query.recordedFrom !== undefined || query.recordedTo !== undefined) {
      const recordedAt = Date.parse(String(event.metadata.recordedAt));
      if (Number.isNaN(recordedAt)) return false;
      if (query.recordedFrom !== undefined && recordedAt < query.recordedFrom) return false;
      if (query.recordedTo !== undefined && recordedAt >= query.recordedTo) return false;
    }
    return true;
  }

  private visible(event: RecordedEvent, principal: Principal): TimelineEvent {
    return redactEventForPrincipal(principal, toTimelineEvent(event)) as TimelineEvent;
  }
}

function logQueryParameters(query: LogHistoryQuery): Record<string, string> {
  const parameters: Record<string, string> = { limit: String(query.limit) };
  if (query.types) parameters.type = query.types.join(',');
  if (query.agencies) parameters.agency = query.agencies.join(',');
  if (query.operationId !== undefined) parameters.operationId = query.operationId;
  if (query.recordedFrom !== undefined) parameters.recordedFrom = new Date(query.recordedFrom).toISOString();
  if (query.recordedTo !== undefined) parameters.recordedTo = new Date(query.recordedTo).toISOString();
  return parameters;
}

function href(path: string, parameters: Record<string, string>): string {
  return `${path}?${new URLSearchParams(parameters).toString()}`;
}
