import { DuplicateEventIdError } from '../event-store.errors';
import { EventIdCache } from './eventstoredb.event-id-cache';

const ID = '0190a8f0-0000-7000-8000-000000000001';

describe('EventIdCache', () => {
  it('lets a retry through and recognises it as one', () => {
    const cache = new EventIdCache(10);
    cache.remember(ID, 'operation-1', 3);
    expect(cache.assertNoConflict('operation-1', [ID], 2)).toBe(true);
    expect(cache.assertNoConflict('operation-1', [ID], 'any')).toBe(true);
    expect(cache.assertNoConflict('operation-1', [ID], 'no_stream')).toBe(true);
    expect(cache.assertNoConflict('operation-1', ['0190a8f0-0000-7000-8000-000000000002'], 3)).toBe(false);
    expect(cache.revisionsIn('operation-1', ['0190a8f0-0000-7000-8000-000000000002', ID])).toEqual([
      undefined,
      3,
    ]);
    expect(cache.revisionsIn('operation-2', [ID])).toEqual([undefined]);
  });

  it.each([
    ['in another stream', 'operation-2', 'any' as const, 'it is already stored in stream operation-1'],
    [
      'at the current revision',
      'operation-1',
      3,
      'it is already stored at revision 3, before expected revision 3',
    ],
    [
      'at a later revision',
      'operation-1',
      9,
      'it is already stored at revision 3, before expected revision 9',
    ],
  ])('refuses an id reused %s', (_label, stream, expected, reason) => {
    const cache = new EventIdCache(10);
    cache.remember(ID, 'operation-1', 3);
    expect(() => cache.assertNoConflict(stream, [ID], expected)).toThrow(
      new DuplicateEventIdError(ID, stream, reason),
    );
  });

  it('remembers between half and all of its capacity, forgetting the oldest half at once, and nothing with capacity 0', () => {
    const cache = new EventIdCache(10);
    for (let i = 0; i < 10; i++) cache.remember(`id-${i}`, 's', i);
    expect(cache.size).toBe(10);
    cache.remember('id-10', 's', 10);
    expect(cache.size).toBe(6);
    expect(() => cache.assertNoConflict('other', ['id-0', 'id-4'], 'any')).not.toThrow();
    for (const id of ['id-5', 'id-9', 'id-10']) {
      expect(() => cache.assertNoConflict('other', [id], 'any')).toThrow(DuplicateEventIdError);
    }
    cache.remember('id-5', 's', 5);
    expect(cache.size).toBe(6);

    const none = new EventIdCache(0);
    none.remember('id-0', 's', 0);
    expect(none.size).toBe(0);
  });
});
