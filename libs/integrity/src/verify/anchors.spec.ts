import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { checkAnchors } from './anchors';

describe('checkAnchors', () => {
  it('tells present, missing (truncated) and different (rewritten) heads apart', async () => {
    const store = new InMemoryEventStore();
    const sealed = await appendSealed(store, 'venetic', aHistory('venetic', 4));
    const head = (revision: number) => ({
      operationId: 'venetic',
      revision,
      hash: sealed[revision].envelope.hash,
    });
    store.log.pop();
    expect(
      await checkAnchors(store, [
        head(2),
        head(3),
        { ...head(1), hash: 'a'.repeat(64) },
        { operationId: 'alpha', revision: 0, hash: 'b'.repeat(64) },
      ]),
    ).toEqual([
      { ...head(2), status: 'present', storedHash: sealed[2].envelope.hash },
      { ...head(3), status: 'missing', storedHash: null },
      {
        operationId: 'venetic',
        revision: 1,
        hash: 'a'.repeat(64),
        status: 'different',
        storedHash: sealed[1].envelope.hash,
      },
      { operationId: 'alpha', revision: 0, hash: 'b'.repeat(64), status: 'missing', storedHash: null },
    ]);
  });
});
