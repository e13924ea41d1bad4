import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from '@timeline/kernel';
import { GENESIS_HASH } from '@timeline/events/envelope/event-envelope';
import { StreamNotFoundError, type EventStore, type RecordedEvent } from '@timeline/event-store/port';
import { UnreadableStoredEventError, walkStream } from '../reading/paged-reads';

/**
 * The access audit (docs/security.md "Access audit"): one stream of `AccessRecorded`
 * events, each record chained to the one before. The api appends to it; auditors
 * verify it with `verifyAccessAudit` (the CLI's `verify-audit`).
 */
export const ACCESS_AUDIT_STREAM = 'access-audit';
export const ACCESS_RECORDED = 'AccessRecorded';

/** One recorded access: who read what, when, and whether it was granted. */
export interface AccessRecord {
  readonly subject: string;
  readonly agency: string;
  readonly roles: readonly string[];
  /** What was done, e.g. `history.read`, `export.download`. */
  readonly action: string;
  readonly method: string;
  readonly path: string;
  /** The operation concerned, or null for global reads. */
  readonly operationId: string | null;
  readonly outcome: 'granted' | 'denied';
  readonly correlationId: string | null;
  /** ISO 8601, server clock. */
  readonly at: string;
}

/** The link each stored record carries in its metadata: its place and the chain's hashes. */
export interface AccessRecordLink {
  readonly sequence: number;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * SHA-256 (hex) over the canonical JSON of `{ record, sequence, prevHash }`: the
 * record's content, its place in the audit (its stream revision) and the previous
 * record's hash (`GENESIS_HASH` for the first).
 */
export function accessRecordHash(record: AccessRecord, sequence: number, prevHash: string): string {
  return createHash('sha256')
    .update(canonicalJson({ record: record as unknown as JsonObject, sequence, prevHash }))
    .digest('hex');
}

/** Chains records about to be appended after `head` (null: the audit is empty). */
export function chainAccessRecords(
  head: { readonly sequence: number; readonly hash: string } | null,
  records: readonly AccessRecord[],
): { readonly record: AccessRecord; readonly link: AccessRecordLink }[] {
  let prevHash = head?.hash ?? GENESIS_HASH;
  const first = head === null ? 0 : head.sequence + 1;
  return records.map((record, index) => {
    const sequence = first + index;
    const hash = accessRecordHash(record, sequence, prevHash);
    const link = { sequence, prevHash, hash };
    prevHash = hash;
    return { record, link };
  });
}

export type AccessAuditBreakReason =
  /** The record's content, place or previous hash is not what its hash covers. */
  | 'hash-mismatch'
  /** The record does not follow the one before (a record removed, replaced or re-hashed). */
  | 'prev-hash-mismatch'
  /** The record's stream revision or recorded sequence is not the next one. */
  | 'sequence-mismatch'
  /** The stored event is not an access record with its link. */
  | 'malformed-record'
  /** The store cannot hand the record over. */
  | 'unreadable-record';

/** The first record at which the audit's chain fails. */
export interface AccessAuditBreak {
  readonly sequence: number;
  readonly eventId: string;
  readonly reason: AccessAuditBreakReason;
  readonly expected: string | number | null;
  readonly actual: string | number | null;
}

export type AccessAuditVerification =
  | {
      readonly ok: true;
      readonly records: number;
      /** The last record's sequence and hash; null when nothing was ever recorded. */
      readonly head: { readonly sequence: number; readonly hash: string } | null;
    }
  | {
      readonly ok: false;
      /** Records found intact before the break. */
      readonly records: number;
      readonly brokenAt: AccessAuditBreak;
    };

/**
 * Recomputes the access audit's chain from its first record, reading the stream page
 * by page through the store port, and names the first broken link. The same check on
 * every store: the embedded audit file or the EventStoreDB cluster's `access-audit`
 * stream, which every api instance appends to.
 */
export async function verifyAccessAudit(
  store: EventStore,
  options: { readonly pageSize?: number; readonly onProgress?: (records: number) => void } = {},
): Promise<AccessAuditVerification> {
  let head: { sequence: number; hash: string } | null = null;
  let records = 0;
  try {
    for await (const event of walkStream(store, ACCESS_AUDIT_STREAM, { pageSize: options.pageSize })) {
      const broken = checkRecord(event, records, head?.hash ?? GENESIS_HASH);
      if (broken) return { ok: false, records, brokenAt: broken };
      head = { sequence: records, hash: String(event.metadata['hash']) };
      records += 1;
      if (options.onProgress && records % 1000 === 0) options.onProgress(records);
    }
  } catch (error: unknown) {
    if (error instanceof StreamNotFoundError) return { ok: true, records: 0, head: null };
    if (!(error instanceof UnreadableStoredEventError)) throw error;
    const brokenAt: AccessAuditBreak = {
      sequence: 'streamName' in error.location ? error.location.revision : records,
      eventId: 'unknown',
      reason: 'unreadable-record',
      expected: 'a stored record the store can read',
      actual: String((error.cause as Error)?.message ?? error.cause),
    };
    return { ok: false, records, brokenAt };
  }
  return { ok: true, records, head };
}

function checkRecord(event: RecordedEvent, sequence: number, prevHash: string): AccessAuditBreak | null {
  const broken = (
    reason: AccessAuditBreakReason,
    expected: AccessAuditBreak['expected'],
    actual: AccessAuditBreak['actual'],
  ): AccessAuditBreak => ({ sequence, eventId: event.eventId, reason, expected, actual });
  const { metadata } = event;
  if (event.type !== ACCESS_RECORDED) return broken('malformed-record', ACCESS_RECORDED, event.type);
  if (typeof metadata['hash'] !== 'string' || typeof metadata['prevHash'] !== 'string') {
    return broken('malformed-record', 'metadata with prevHash and hash', JSON.stringify(metadata));
  }
  if (event.revision !== sequence) return broken('sequence-mismatch', sequence, event.revision);
  if (metadata['sequence'] !== sequence) {
    return broken('sequence-mismatch', sequence, (metadata['sequence'] as number | undefined) ?? null);
  }
  if (metadata['prevHash'] !== prevHash) return broken('prev-hash-mismatch', prevHash, metadata['prevHash']);
  const hash = accessRecordHash(event.data as unknown as AccessRecord, sequence, prevHash);
  if (hash !== metadata['hash']) return broken('hash-mismatch', hash, metadata['hash']);
  return null;
}
