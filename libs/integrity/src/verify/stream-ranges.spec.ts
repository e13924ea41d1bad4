import fc from 'fast-check';
import type { RecordedEvent } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import type { JsonObject } from '@timeline/kernel';
import { computeEventHash } from '../chain/hash-chain';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { verifyOperationStream } from './store-verification';
import {
  joinStreamRanges,
  splitRevisions,
  verifyStreamRange,
  type RangeVerification,
  type RevisionRange,
} from './stream-ranges';

/**
 * What someone with write access to the store could do to one stored event;
 * `at` picks the event (modulo the stream's length).
 */
type Tampering =
  | { readonly kind: 'edit-data'; readonly at: number }
  | { readonly kind: 'edit-hash'; readonly at: number; readonly hash: string }
  | { readonly kind: 'reseal'; readonly at: number }
  | { readonly kind: 'remove'; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly with: number }
  | { readonly kind: 'edit-revision'; readonly at: number; readonly revision: number }
  | { readonly kind: 'edit-operation'; readonly at: number }
  | { readonly kind: 'drop-prev-hash'; readonly at: number };

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const tampering: fc.Arbitrary<Tampering> = fc.oneof(
  fc.record({ kind: fc.constant('edit-data' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('edit-hash' as const),
    at: fc.nat(),
    hash: fc.oneof(hex64, fc.constant('nope')),
  }),
  fc.record({ kind: fc.constant('reseal' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('edit-revision' as const), at: fc.nat(), revision: fc.nat({ max: 60 }) }),
  fc.record({ kind: fc.constant('edit-operation' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop-prev-hash' as const), at: fc.nat() }),
);

function resealed(event: RecordedEvent): RecordedEvent {
  const envelope = { ...event.metadata, hash: undefined } as never;
  const hash = computeEventHash({ eventId: event.eventId, type: event.type, data: event.data, envelope });
  return { ...event, metadata: { ...event.metadata, hash } };
}

/** Applies one tampering to the stored log; a stored event keeps its place (revision, position) unless removed. */
function tamper(log: RecordedEvent[], change: Tampering): void {
  if (log.length === 0) return;
  const at = change.at % log.length;
  const event = log[at];
  switch (change.kind) {
    case 'edit-data':
      log[at] = { ...event, data: { ...event.data, subjectId: `SUBJ-EDITED-${at}` } };
      return;
    case 'edit-hash':
      log[at] = { ...event, metadata: { ...event.metadata, hash: change.hash } };
      return;
    case 'reseal':
      log[at] = resealed({ ...event, data: { ...event.data, force: 'XXX' } });
      return;
    case 'remove':
      log.splice(at, 1);
      return;
    case 'swap': {
      // Rows' contents exchanged: each place keeps its revision and position, as in a table keyed by them.
      const other = log[change.with % log.length];
      log[at] = { ...other, revision: event.revision, position: event.position };
      log[change.with % log.length] = { ...event, revision: other.revision, position: other.position };
      return;
    }
    case 'edit-revision':
      log[at] = resealed({ ...event, metadata: { ...event.metadata, streamRevision: change.revision } });
      return;
    case 'edit-operation':
      log[at] = { ...event, metadata: { ...event.metadata, operationId: 'elsewhere' } };
      return;
    case 'drop-prev-hash': {
      const { prevHash: _prevHash, ...rest } = event.metadata;
      log[at] = { ...event, metadata: rest as JsonObject };
      return;
    }
  }
}

/** Ranges cut at the given revisions (any, duplicates and out-of-range ones ignored). */
function rangesCutAt(cuts: readonly number[], lastRevision: number): RevisionRange[] {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut <= lastRevision))].sort((a, b) => a - b);
  const starts = [0, ...points];
  return starts.map((from, index) => ({ from, to: index + 1 < starts.length ? starts[index + 1] : null }));
}

async function verifiedInRanges(
  store: InMemoryEventStore,
  ranges: readonly RevisionRange[],
  pageSize: number,
): Promise<ReturnType<typeof joinStreamRanges>> {
  const results: RangeVerification[] = [];
  for (const range of ranges) results.push(await verifyStreamRange(store, 'venetic', range, { pageSize }));
  return joinStreamRanges('venetic', results);
}

describe('verifying a stream in ranges', () => {
  it('reports what one thread reports, whatever was tampered with and wherever the ranges are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(tampering, { maxLength: 3 }),
        fc.array(fc.nat({ max: 45 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 7 }),
        async (length, changes, cuts, pageSize) => {
          const store = new InMemoryEventStore();
          await appendSealed(store, 'venetic', aHistory('venetic', length), 5);
          for (const change of changes) if (store.log.length > 1) tamper(store.log, change);
          const lastRevision = store.log[store.log.length - 1].revision;
          const single = await verifyOperationStream(store, 'venetic', { pageSize });
          const ranged = await verifiedInRanges(store, rangesCutAt(cuts, lastRevision), pageSize);
          expect(ranged).toEqual(single);
          // The cut the threads use: equal ranges.
          const threads = 1 + (cuts.length % 4);
          expect(await verifiedInRanges(store, splitRevisions(lastRevision, threads), pageSize)).toEqual(
            single,
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('joins a break at a range boundary: an event removed just before a range starts', async () => {
    const store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 10));
    store.log.splice(5, 1);
    const ranged = await verifiedInRanges(store, rangesCutAt([5], 9), 3);
    expect(ranged).toEqual({
      ok: false,
      operationId: 'venetic',
      events: 5,
      brokenAt: expect.objectContaining({ revision: 6, reason: 'revision-gap', expected: 5, actual: 6 }),
    });
    expect(ranged).toEqual(await verifyOperationStream(store, 'venetic', { pageSize: 3 }));
  });

  it('splits revisions into nearly equal ranges, the last open-ended', () => {
    expect(splitRevisions(9, 3)).toEqual([
      { from: 0, to: 3 },
      { from: 3, to: 6 },
      { from: 6, to: null },
    ]);
    expect(splitRevisions(1, 4)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: null },
    ]);
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.integer({ min: 1, max: 64 }), (last, count) => {
        const ranges = splitRevisions(last, count);
        expect(ranges[0].from).toBe(0);
        expect(ranges[ranges.length - 1].to).toBeNull();
        for (let i = 1; i < ranges.length; i += 1) {
          expect(ranges[i].from).toBe(ranges[i - 1].to);
          expect(ranges[i].from).toBeGreaterThan(ranges[i - 1].from);
        }
      }),
    );
  });
});
