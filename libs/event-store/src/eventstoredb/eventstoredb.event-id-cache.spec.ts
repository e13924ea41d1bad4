import { DuplicateEventIdError } from '../event-store.errors';
import { prepareAppend } from './eventstoredb.append-validation';
import { EventIdCache } from './eventstoredb.event-id-cache';

const ID = '0190a8f0-0000-7000-8000-000000000001';
const batch = (data: Record<string, number> = { n: 1 }) =>
  prepareAppend('operation-1', [{ eventId: ID.toUpperCase(), type: 'A', data, metadata: {} }], 'any');

describe('EventIdCache', () => {
  it('lets a retry through and recognises it as one', () => {
    const cache = new EventIdCache(10);
    cache.remember('operation-1', 3, batch()[0].fingerprint, ID);
    expect(() => cache.assertNoConflict('operation-1', batch(), 2)).not.toThrow();
    expect(() => cache.assertNoConflict('operation-1', batch(), 'any')).not.toThrow();
    expect(cache.isKnownRetry('operation-1', batch())).toBe(true);
  });

  it.each([
    [
      'in another stream',
      'operation-2',
      batch(),
      'any' as const,
      'it is already stored in stream operation-1',
    ],
    [
      'with other content',
      'operation-1',
      batch({ n: 2 }),
      'any' as const,
      'it is stored at revision 3 with other type, data or metadata',
    ],
    [
      'at a later revision',
      'operation-1',
      batch(),
      3,
      'it is already stored at revision 3, before expected revision 3',
    ],
  ])('refuses an id reused %s', (_label, stream, events, expected, reason) => {
    const cache = new EventIdCache(10);
    cache.remember('operation-1', 3, batch()[0].fingerprint, ID);
    expect(() => cache.assertNoConflict(stream, events, expected)).toThrow(
      new DuplicateEventIdError(ID, stream, reason),
    );
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const cache = new EventIdCache(2);
    cache.remember('s', 0, 'f0', 'id-0');
    cache.remember('s', 1, 'f1', 'id-1');
    cache.remember('s', 2, 'f2', 'id-2');
    expect(cache.size).toBe(2);
    expect(() =>
      cache.assertNoConflict(
        'other',
        [{ eventId: 'id-0', type: 'A', data: {}, metadata: {}, fingerprint: 'f0' }],
        'any',
      ),
    ).not.toThrow();
    expect(() =>
      cache.assertNoConflict(
        'other',
        [{ eventId: 'id-2', type: 'A', data: {}, metadata: {}, fingerprint: 'f2' }],
        'any',
      ),
    ).toThrow(DuplicateEventIdError);
  });
});
