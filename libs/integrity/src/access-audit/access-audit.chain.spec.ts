import fc from 'fast-check';
import type { RecordedEvent } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { anAudit } from '../testing/access-audit.fixture';
import { fixedEventId } from '../testing/sealed-history.fixture';
import { accessRecordHash, verifyAccessAudit, type AccessRecord } from './access-audit.chain';

/** The index in the store's log of the audit record at `sequence` (the audit is the only stream here). */
function change(store: InMemoryEventStore, sequence: number, edit: (event: RecordedEvent) => RecordedEvent) {
  store.log[sequence] = edit(store.log[sequence]);
}

describe('the access audit chain', () => {
  it('verifies an intact audit and gives its head', async () => {
    const store = new InMemoryEventStore();
    await anAudit(store, 7);
    expect(await verifyAccessAudit(store, { pageSize: 2 })).toEqual({
      ok: true,
      records: 7,
      head: { sequence: 6, hash: store.log[6].metadata['hash'] },
    });
  });

  it('reports an audit with no record as intact and empty', async () => {
    expect(await verifyAccessAudit(new InMemoryEventStore())).toEqual({ ok: true, records: 0, head: null });
  });

  it('names the first record whose content, place or link was changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }).chain((count) =>
          fc.record({
            count: fc.constant(count),
            at: fc.integer({ min: 0, max: count - 1 }),
            how: fc.constantFrom('content', 'rehashed', 'sequence'),
          }),
        ),
        async ({ count, at, how }) => {
          const store = new InMemoryEventStore();
          await anAudit(store, count);
          change(store, at, (event) => {
            const data = { ...event.data, outcome: 'denied' };
            if (how === 'content') return { ...event, data };
            if (how === 'sequence') return { ...event, metadata: { ...event.metadata, sequence: at + 1 } };
            // Re-hashed consistently by someone who can write the store: the next record no longer follows.
            const hash = accessRecordHash(
              data as unknown as AccessRecord,
              at,
              String(event.metadata['prevHash']),
            );
            return { ...event, data, metadata: { ...event.metadata, hash } };
          });
          const result = await verifyAccessAudit(store, { pageSize: 4 });
          const expected =
            how === 'content'
              ? { sequence: at, reason: 'hash-mismatch' }
              : how === 'sequence'
                ? { sequence: at, reason: 'sequence-mismatch' }
                : at === count - 1
                  ? null
                  : { sequence: at + 1, reason: 'prev-hash-mismatch' };
          if (expected === null) {
            // The last record re-hashed cannot be told from the chain alone: its head changed.
            expect(result.ok && result.head?.hash).toBe(store.log[at].metadata['hash']);
          } else {
            expect(
              !result.ok && { sequence: result.brokenAt.sequence, reason: result.brokenAt.reason },
            ).toEqual(expected);
            expect(!result.ok && result.records).toBe(expected.sequence);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names a record that is not an access record', async () => {
    const store = new InMemoryEventStore();
    await anAudit(store, 3);
    change(store, 1, (event) => ({ ...event, metadata: { sequence: 1 } }));
    const result = await verifyAccessAudit(store);
    expect(!result.ok && result.brokenAt).toEqual({
      sequence: 1,
      eventId: fixedEventId(7, 1),
      reason: 'malformed-record',
      expected: 'metadata with prevHash and hash',
      actual: '{"sequence":1}',
    });
  });
});
