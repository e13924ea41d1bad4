import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@timeline/kernel';
import {
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type RecordedEvent,
} from '@timeline/event-store';
import type { Principal } from '@timeline/auth';
import {
  ACCESS_AUDIT_STREAM,
  ACCESS_RECORDED,
  chainAccessRecords,
  type AccessRecord,
} from '@timeline/integrity';

/**
 * DI token of the store that holds the access audit. It is a store of its own
 * (by default a separate embedded file) so that audit records never mix with
 * the operations' history in the global log that projections fold.
 */
export const ACCESS_AUDIT_STORE = Symbol('ACCESS_AUDIT_STORE');
const MAX_ATTEMPTS = 5;

/** An access record as stored, with its place and its link in the audit's hash chain. */
export interface StoredAccessRecord extends AccessRecord {
  readonly sequence: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AccessAuditQuery {
  readonly subject?: string;
  readonly agency?: string;
  readonly action?: string;
  readonly operationId?: string;
  /** Inclusive ISO 8601 bounds on `at`. */
  readonly from?: string;
  readonly to?: string;
  /** Return records after this sequence (the previous page's `next`). */
  readonly after?: number;
  readonly limit: number;
  /** Only records the caller may know of (e.g. operations of its agency). */
  readonly visible: (record: StoredAccessRecord) => boolean;
}

export interface AccessAuditPage {
  readonly records: StoredAccessRecord[];
  /** Pass as `after` to continue (the page was full, or the scan cap reached); null at the end of the audit. */
  readonly next: number | null;
}

interface Pending {
  readonly record: AccessRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The append-only access audit. Records are hash-chained (each record's hash
 * covers its content and the previous hash) and appended through the store
 * port with an exact expected revision, so a gap or an edit is detectable and
 * two servers sharing the store never fork the chain. Concurrent records are
 * written in one append. A read is served only once its record is durable.
 */
@Injectable()
export class AccessAudit implements OnModuleInit {
  private head: { revision: number; hash: string } | null = null;
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(@Inject(ACCESS_AUDIT_STORE) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    await this.loadHead();
  }

  /** Records an access; resolves once it is stored. */
  record(access: Omit<AccessRecord, 'at'> & { at?: string }): Promise<void> {
    const record: AccessRecord = {
      ...access,
      roles: [...access.roles],
      at: access.at ?? new Date().toISOString(),
    };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Records a principal's access to a route. */
  recordFor(
    principal: Principal,
    access: Pick<AccessRecord, 'action' | 'method' | 'path' | 'operationId' | 'outcome' | 'correlationId'>,
  ): Promise<void> {
    return this.record({
      ...access,
      subject: principal.subject,
      agency: principal.agency,
      roles: principal.roles,
    });
  }

  /**
   * Records matching the query in sequence order. At most `maxScanned` records
   * are examined per call so that a narrow filter over a long audit stays a
   * bounded request: the page may then be short, and `next` continues the scan.
   */
  async query(query: AccessAuditQuery, maxScanned = 10_000): Promise<AccessAuditPage> {
    const records: StoredAccessRecord[] = [];
    let fromRevision = query.after === undefined ? 0 : query.after + 1;
    let scanned = 0;
    for (;;) {
      const batch = await this.readFrom(fromRevision, Math.min(1000, maxScanned - scanned));
      for (const event of batch) {
        const stored = toStored(event);
        scanned++;
        if (matches(stored, query)) {
          records.push(stored);
          if (records.length === query.limit) return { records, next: stored.sequence };
        }
      }
      if (batch.length === 0) return { records, next: null };
      const last = batch[batch.length - 1].revision;
      if (scanned >= maxScanned) return { records, next: last };
      fromRevision = last + 1;
    }
  }

  private async readFrom(fromRevision: number, maxCount: number): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(ACCESS_AUDIT_STREAM, { fromRevision, maxCount });
    } catch (error: unknown) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  private async loadHead(): Promise<void> {
    try {
      const [last] = await this.store.readStream(ACCESS_AUDIT_STREAM, {
        direction: 'backwards',
        maxCount: 1,
      });
      this.head = { revision: last.revision, hash: String(last.metadata['hash']) };
    } catch (error: unknown) {
      if (!(error instanceof StreamNotFoundError)) throw error;
      this.head = null;
    }
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.appendChained(batch.map((entry) => entry.record));
        for (const entry of batch) entry.resolve();
      } catch (error: unknown) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = null;
  }

  private async appendChained(records: AccessRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const chained = chainAccessRecords(
        this.head === null ? null : { sequence: this.head.revision, hash: this.head.hash },
        records,
      );
      const events = chained.map(({ record, link }) => ({
        eventId: randomUUID(),
        type: ACCESS_RECORDED,
        data: record as unknown as JsonObject,
        metadata: { ...link },
      }));
      try {
        const result = await this.store.append(ACCESS_AUDIT_STREAM, events, {
          expectedRevision: this.head === null ? 'no_stream' : this.head.revision,
        });
        this.head = { revision: result.nextExpectedRevision, hash: chained[chained.length - 1].link.hash };
        return;
      } catch (error: unknown) {
        // Another server appended meanwhile: chain after its records.
        if (!(error instanceof WrongExpectedRevisionError) || attempt === MAX_ATTEMPTS) throw error;
        await this.loadHead();
      }
    }
  }
}

function toStored(event: RecordedEvent): StoredAccessRecord {
  const record = event.data as unknown as AccessRecord;
  return {
    ...record,
    sequence: event.revision,
    prevHash: String(event.metadata['prevHash']),
    hash: String(event.metadata['hash']),
  };
}

function matches(record: StoredAccessRecord, query: AccessAuditQuery): boolean {
  if (query.subject !== undefined && record.subject !== query.subject) return false;
  if (query.agency !== undefined && record.agency !== query.agency) return false;
  if (query.action !== undefined && record.action !== query.action) return false;
  if (query.operationId !== undefined && record.operationId !== query.operationId) return false;
  if (query.from !== undefined && record.at < query.from) return false;
  if (query.to !== undefined && record.at > query.to) return false;
  return query.visible(record);
}
