import type { JsonObject } from '@timeline/kernel';
import { StreamNotFoundError, type RecordedEvent } from '@timeline/event-store';
import { computeEventHash } from '../chain/hash-chain';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { aHistory, appendSealed, fixedEventId } from '../testing/sealed-history.fixture';
import { StreamChainVerifier, chainLinkOf, type ChainLink } from './chain-verifier';
import { verifyLog, verifyOperationStream } from './store-verification';

/** What an attacker with write access to the store's file could do, applied to the test double. */
function tamper(
  store: InMemoryEventStore,
  index: number,
  change: (event: RecordedEvent) => RecordedEvent,
): void {
  store.log[index] = change(store.log[index]);
}

function rehash(event: RecordedEvent): RecordedEvent {
  const envelope = { ...event.metadata, hash: undefined } as never;
  const hash = computeEventHash({ eventId: event.eventId, type: event.type, data: event.data, envelope });
  return { ...event, metadata: { ...event.metadata, hash } };
}

describe('verifyOperationStream', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 7));
  });

  it('reports ok with the head of an intact chain, reading page by page', async () => {
    const result = await verifyOperationStream(store, 'venetic', { pageSize: 3 });
    expect(result).toEqual({
      ok: true,
      operationId: 'venetic',
      events: 7,
      head: { revision: 6, hash: store.log[6].metadata.hash },
    });
    expect(store.reads.filter((read) => read.kind === 'stream').map((read) => read.maxCount)).toEqual([
      1, 3, 3, 3,
    ]);
  });

  it('names the event whose content was altered', async () => {
    tamper(store, 3, (event) => ({ ...event, data: { ...event.data, subjectId: 'SUBJ-X' } }));
    const tampered = store.log[3];
    const result = await verifyOperationStream(store, 'venetic', { pageSize: 2 });
    expect(result).toEqual({
      ok: false,
      operationId: 'venetic',
      events: 3,
      brokenAt: {
        operationId: 'venetic',
        revision: 3,
        eventId: tampered.eventId,
        position: '4',
        reason: 'hash-mismatch',
        expected: computeEventHash({
          eventId: tampered.eventId,
          type: tampered.type,
          data: tampered.data,
          envelope: tampered.metadata as never,
        }),
        actual: tampered.metadata.hash,
      },
    });
  });

  it('reports the gap where an event was removed', async () => {
    store.log.splice(2, 1);
    const result = await verifyOperationStream(store, 'venetic');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.brokenAt).toEqual({
      operationId: 'venetic',
      revision: 3,
      eventId: store.log[2].eventId,
      position: '4',
      reason: 'revision-gap',
      expected: 2,
      actual: 3,
    });
  });

  it('catches an altered event re-hashed by the attacker at the next link', async () => {
    tamper(store, 4, (event) => rehash({ ...event, data: { ...event.data, force: 'XXX' } }));
    const result = await verifyOperationStream(store, 'venetic');
    expect(!result.ok && [result.brokenAt.revision, result.brokenAt.reason, result.brokenAt.actual]).toEqual([
      5,
      'prev-hash-mismatch',
      store.log[5].metadata.prevHash,
    ]);
  });

  it('catches a re-sealed revision number and a moved operation id', async () => {
    tamper(store, 1, (event) => rehash({ ...event, metadata: { ...event.metadata, streamRevision: 9 } }));
    const moved = await verifyOperationStream(store, 'venetic');
    expect(
      !moved.ok && [
        moved.brokenAt.revision,
        moved.brokenAt.reason,
        moved.brokenAt.expected,
        moved.brokenAt.actual,
      ],
    ).toEqual([1, 'revision-mismatch', 1, 9]);

    tamper(store, 1, (event) =>
      rehash({ ...event, metadata: { ...event.metadata, streamRevision: 1, operationId: 'other' } }),
    );
    const renamed = await verifyOperationStream(store, 'venetic');
    expect(
      !renamed.ok && [renamed.brokenAt.reason, renamed.brokenAt.expected, renamed.brokenAt.actual],
    ).toEqual(['operation-mismatch', 'venetic', 'other']);
  });

  it('reports an envelope without a hash as malformed', async () => {
    tamper(store, 0, (event) => {
      const { hash: _hash, ...rest } = event.metadata;
      return { ...event, metadata: rest as JsonObject };
    });
    const result = await verifyOperationStream(store, 'venetic');
    expect(!result.ok && [result.brokenAt.revision, result.brokenAt.reason, result.brokenAt.actual]).toEqual([
      0,
      'malformed-envelope',
      null,
    ]);
  });

  it('refuses an operation without events with the store not-found error', async () => {
    await expect(verifyOperationStream(store, 'unknown')).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});

describe('verifyLog', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 3));
    await appendSealed(store, 'alpha', aHistory('alpha', 2));
    await store.append('access-audit', [
      { eventId: fixedEventId(9, 1), type: 'HistoryRead', data: {}, metadata: {} },
    ]);
    await appendSealed(store, 'venetic', aHistory('venetic', 2, 3));
  });

  it('verifies every operation chain in one pass and skips other streams', async () => {
    const result = await verifyLog(store, { pageSize: 2 });
    expect(result).toEqual({
      ok: true,
      events: 7,
      streams: [
        { operationId: 'alpha', revision: 1, hash: store.log[4].metadata.hash },
        { operationId: 'venetic', revision: 4, hash: store.log[7].metadata.hash },
      ],
      lastPosition: '8',
    });
  });

  it('names the first broken link in commit order', async () => {
    tamper(store, 6, (event) => ({ ...event, data: { ...event.data, arrestId: 'ARR-99' } }));
    tamper(store, 7, (event) => ({ ...event, data: { ...event.data, arrestId: 'ARR-98' } }));
    const result = await verifyLog(store);
    expect(
      !result.ok && [
        result.events,
        result.brokenAt.operationId,
        result.brokenAt.revision,
        result.brokenAt.position,
        result.brokenAt.reason,
      ],
    ).toEqual([5, 'venetic', 3, '7', 'hash-mismatch']);
  });

  it('reports an empty log as ok with no streams', async () => {
    expect(await verifyLog(new InMemoryEventStore())).toEqual({
      ok: true,
      events: 0,
      streams: [],
      lastPosition: null,
    });
  });
});

describe('StreamChainVerifier with a hash the reader recomputed', () => {
  const links = async (): Promise<ChainLink[]> => {
    const store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 3));
    return store.log.map((event) => chainLinkOf(event));
  };

  it('compares the given hash with the sealed one, as it would its own', async () => {
    const [first, second] = await links();
    const verifier = new StreamChainVerifier('venetic');
    expect(verifier.accept({ ...first, recomputedHash: first.envelope.hash as string })).toBeNull();
    expect(verifier.accept({ ...second, recomputedHash: 'a'.repeat(64) })).toMatchObject({
      revision: 1,
      reason: 'hash-mismatch',
      expected: 'a'.repeat(64),
      actual: second.envelope.hash,
    });
    expect(verifier.events).toBe(1);
  });

  it('still checks the link to the event before it first', async () => {
    const [first, second] = await links();
    const verifier = new StreamChainVerifier('venetic');
    verifier.accept(first);
    const relinked = {
      ...second,
      envelope: { ...second.envelope, prevHash: 'b'.repeat(64) },
      recomputedHash: second.envelope.hash as string,
    };
    expect(verifier.accept(relinked)).toMatchObject({ revision: 1, reason: 'prev-hash-mismatch' });
  });
});
