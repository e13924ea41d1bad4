import { intern } from '../core/intern';
import type { Contribution } from './picture-contribution';

/** A contribution as a checkpoint holds it: the counter numbers are derived on loading. */
export type ContributionFields = Omit<Contribution, 'ids'>;

/** What the fold remembers of each event a correction or retraction may target. Shared between alike events, never changed. */
export interface EventRecord {
  readonly type: string;
  readonly operationId: string;
  /** The recording agency of the original event. */
  readonly agency: string;
  /** The current contribution (null for types that add no counters). */
  readonly contribution: Contribution | null;
  readonly retracted: boolean;
}

/**
 * The picture's per-event records, shared by content: most events of a large log
 * are alike (a dissemination to one agency, an arrest by one force), so the
 * picture holds a map entry per event and few records. Records are never
 * changed; an amendment puts another one in place.
 *
 * A record is found by a 32-bit hash of its fields, each string field mixed in
 * as a small id (the vocabulary is small: types, operations, agencies, regions,
 * counter keys), then compared field by field. No string is built per event.
 */
export class EventRecordTable {
  private readonly ids = new Map<string, number>();
  private readonly buckets = new Map<number, EventRecord | EventRecord[]>();
  private distinct = 0;

  /** Distinct records held. */
  get size(): number {
    return this.distinct;
  }

  /** The shared record with these fields, created on first sight. */
  recordOf(
    type: string,
    operationId: string,
    agency: string,
    contribution: Contribution | null,
    retracted: boolean,
  ): EventRecord {
    const hash = this.hashOf(type, operationId, agency, contribution, retracted);
    const bucket = this.buckets.get(hash);
    if (bucket !== undefined) {
      if (!Array.isArray(bucket)) {
        if (same(bucket, type, operationId, agency, contribution, retracted)) return bucket;
      } else {
        for (const record of bucket)
          if (same(record, type, operationId, agency, contribution, retracted)) return record;
      }
    }
    const record: EventRecord = {
      type: intern(type),
      operationId: intern(operationId),
      agency: intern(agency),
      contribution: contribution && {
        agency: intern(contribution.agency),
        region: intern(contribution.region),
        ocg: contribution.ocg === null ? null : intern(contribution.ocg),
        audience: contribution.audience === null ? null : intern(contribution.audience),
        keys: contribution.keys.map(intern),
        ids: [...contribution.ids],
        amounts: [...contribution.amounts],
      },
      retracted,
    };
    if (bucket === undefined) this.buckets.set(hash, record);
    else if (Array.isArray(bucket)) bucket.push(record);
    else this.buckets.set(hash, [bucket, record]);
    this.distinct += 1;
    return record;
  }

  private idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(value, id);
    }
    return id;
  }

  private hashOf(
    type: string,
    operationId: string,
    agency: string,
    contribution: Contribution | null,
    retracted: boolean,
  ): number {
    let hash = mix(mix(mix(FNV_OFFSET, this.idOf(type)), this.idOf(operationId)), this.idOf(agency));
    hash = mix(hash, retracted ? 1 : 0);
    if (contribution === null) return hash;
    hash = mix(mix(hash, this.idOf(contribution.agency)), this.idOf(contribution.region));
    if (contribution.audience !== null) hash = mix(hash, this.idOf(contribution.audience) + 1);
    if (contribution.ocg !== null) hash = mix(hash, this.idOf(contribution.ocg) + 1);
    // The counter keys are already numbered (`Contribution.ids`): no lookup per key.
    const { ids, amounts } = contribution;
    for (let index = 0; index < ids.length; index += 1) {
      const amount = amounts[index];
      hash = mix(mix(mix(hash, ids[index]), amount | 0), (amount / 0x1_0000_0000) | 0);
    }
    return hash;
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const mix = (hash: number, value: number): number => Math.imul(hash ^ value, FNV_PRIME);

function same(
  record: EventRecord,
  type: string,
  operationId: string,
  agency: string,
  contribution: Contribution | null,
  retracted: boolean,
): boolean {
  if (
    record.type !== type ||
    record.operationId !== operationId ||
    record.agency !== agency ||
    record.retracted !== retracted
  )
    return false;
  const held = record.contribution;
  if (held === null || contribution === null) return held === contribution;
  if (
    held.agency !== contribution.agency ||
    held.region !== contribution.region ||
    held.audience !== contribution.audience ||
    held.ocg !== contribution.ocg ||
    held.keys.length !== contribution.keys.length
  )
    return false;
  for (let index = 0; index < held.keys.length; index += 1)
    if (held.keys[index] !== contribution.keys[index] || held.amounts[index] !== contribution.amounts[index])
      return false;
  return true;
}
