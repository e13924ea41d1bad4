import fc from 'fast-check';
import { SseFrameScanner, SubscriberReceipts, deliveryOf } from '../bench/support/sse-receipts';

/** A frame as the api writes it: `id:` then one line of JSON, or a named event without id. */
function frame(id: number | null, event?: string): string {
  return (
    (id === null ? '' : `id: ${id}\n`) +
    (event === undefined ? '' : `event: ${event}\n`) +
    `data: {"eventId":"e-${id}","data":{"note":"id: 7\\n\\nevent: fake"},"position":"${id}"}\n\n`
  );
}

/** Cuts bytes into chunks at the given offsets. */
function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > from) chunks.push(bytes.subarray(from, offset));
    from = Math.max(from, offset);
  }
  return chunks;
}

/** Receives positions over several connections, as the bench's subscribers do. */
function receive(
  base: number,
  capacity: number,
  connections: readonly (readonly number[])[],
): SubscriberReceipts {
  const receipts = new SubscriberReceipts(base, capacity);
  let at = 0;
  for (const positions of connections) {
    receipts.connected();
    for (const position of positions) receipts.record(position, (at += 1));
  }
  return receipts;
}

describe('bench fan-out: scanning an event stream', () => {
  it('reads every whole frame once, in order, wherever the chunks are cut', () => {
    const item = fc.record({
      id: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
      event: fc.option(fc.constantFrom('overflow', 'error', 'shutdown'), { nil: undefined }),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (items, cuts) => {
        const text =
          'retry: 2000\n\n' +
          items
            .map(({ id, event, comment }) => (comment ? ': heartbeat\n\n' : '') + frame(id, event))
            .join('');
        const scanner = new SseFrameScanner();
        const ids: number[] = [];
        const events: string[] = [];
        for (const chunk of chunksOf(Buffer.from(text), cuts)) {
          const scanned = scanner.scan(chunk);
          ids.push(...scanned.ids);
          events.push(...scanned.events);
        }
        expect(ids).toEqual(items.flatMap(({ id }) => (id === null ? [] : [id])));
        expect(events).toEqual(items.flatMap(({ event }) => (event === undefined ? [] : [event])));
      }),
    );
  });

  it('holds a frame cut across chunks until its end arrives, and drops it on a new connection', () => {
    const scanner = new SseFrameScanner();
    const bytes = Buffer.from(frame(41) + frame(42));
    const cut = bytes.length - 10;
    expect(scanner.scan(bytes.subarray(0, cut)).ids).toEqual([41]);
    expect(scanner.scan(bytes.subarray(cut)).ids).toEqual([42]);
    expect(scanner.scan(bytes.subarray(0, cut)).ids).toEqual([41]);
    scanner.reset();
    expect(scanner.scan(Buffer.from(frame(43))).ids).toEqual([43]);
  });

  it('reads an id that is not a whole number as NaN, which the receipts count as unexpected', () => {
    const scanned = new SseFrameScanner().scan(Buffer.from('id: 12x\ndata: {}\n\n'));
    expect(scanned.ids).toHaveLength(1);
    const receipts = new SubscriberReceipts(0, 20);
    receipts.record(scanned.ids[0], 1);
    expect(receipts.unexpected).toBe(1);
  });
});

describe('bench fan-out: delivery across reconnections', () => {
  const inLog = (): boolean => true;

  it('a resume right after the last event received is exact', () => {
    const receipts = receive(100, 10, [
      [101, 102, 103, 104, 105],
      [106, 107, 108, 109, 110],
    ]);
    expect(receipts.lastEventId).toBe('110');
    expect(receipts.connections).toBe(2);
    expect(deliveryOf(receipts, 10, inLog)).toEqual({
      gaps: 0,
      gapsAtReconnection: 0,
      undelivered: 0,
      unexpected: 0,
      firstMissing: null,
    });
    expect([receipts.duplicates, receipts.outOfOrder, receipts.unexpected]).toEqual([0, 0, 0]);
  });

  it('catches a gap across a reconnection and says so', () => {
    const receipts = receive(100, 10, [
      [101, 102, 103, 104, 105],
      [107, 108, 109, 110],
    ]);
    expect(deliveryOf(receipts, 10, inLog)).toEqual({
      gaps: 1,
      gapsAtReconnection: 1,
      undelivered: 0,
      unexpected: 0,
      firstMissing: 106,
    });
  });

  it('tells a gap within a connection from one across a reconnection', () => {
    const receipts = receive(100, 10, [
      [101, 102, 104, 105],
      [108, 109, 110],
    ]);
    const delivery = deliveryOf(receipts, 10, inLog);
    expect(delivery.gaps).toBe(3);
    expect(delivery.gapsAtReconnection).toBe(2);
    expect(delivery.firstMissing).toBe(103);
  });

  it('catches an event sent again after a reconnection, and one out of order', () => {
    const duplicated = receive(0, 10, [
      [1, 2, 3],
      [3, 4, 5],
    ]);
    expect(duplicated.duplicates).toBe(1);
    expect(deliveryOf(duplicated, 5, inLog).gaps).toBe(0);
    const reordered = receive(0, 10, [
      [1, 3],
      [2, 4],
    ]);
    expect(reordered.outOfOrder).toBe(1);
    expect(deliveryOf(reordered, 4, inLog).gaps).toBe(0);
  });

  it('counts what never came after the last event received as undelivered, not lost', () => {
    const receipts = receive(0, 10, [[1, 2, 3], []]);
    expect(deliveryOf(receipts, 6, inLog)).toEqual({
      gaps: 0,
      gapsAtReconnection: 0,
      undelivered: 3,
      unexpected: 0,
      firstMissing: 4,
    });
  });

  it('counts a position that is no event of the log as unexpected', () => {
    const receipts = receive(0, 10, [[1, 2, 3, 4]]);
    const delivery = deliveryOf(receipts, 4, (index) => index !== 2);
    expect(delivery.unexpected).toBe(1);
    expect(delivery.gaps).toBe(0);
  });

  it('agrees with a plain count over sets on any receipts over any connections', () => {
    const log = 30;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -2, max: log + 3 }), { maxLength: 25 }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: log - 1 }), { maxLength: 5 }),
        (connections, notInLog) => {
          const base = 10;
          const capacity = log + 2;
          const receipts = receive(base, capacity, connections);
          const inTheLog = (index: number): boolean => !notInLog.includes(index);
          const delivery = deliveryOf(receipts, log, inTheLog);

          // The reference: sets and a running maximum over every receipt in arrival order.
          const seen = new Set<number>();
          let duplicates = 0;
          let outOfOrder = 0;
          let unexpected = 0;
          let last = base;
          for (const position of connections.flat()) {
            const index = position - base - 1;
            if (index < 0 || index >= capacity) {
              unexpected += 1;
              continue;
            }
            if (seen.has(position)) {
              duplicates += 1;
              continue;
            }
            if (position < last) outOfOrder += 1;
            seen.add(position);
            last = Math.max(last, position);
          }
          let gaps = 0;
          let undelivered = 0;
          for (let index = 0; index < capacity; index += 1) {
            const position = base + index + 1;
            const due = index < log && inTheLog(index);
            if (!due) {
              if (seen.has(position)) unexpected += 1;
            } else if (!seen.has(position)) {
              if (position < last) gaps += 1;
              else undelivered += 1;
            }
          }
          expect(receipts.duplicates).toBe(duplicates);
          expect(receipts.outOfOrder).toBe(outOfOrder);
          expect(receipts.unexpected + delivery.unexpected).toBe(unexpected);
          expect(delivery.gaps).toBe(gaps);
          expect(delivery.undelivered).toBe(undelivered);
          expect(receipts.received).toBe(seen.size);
          expect(receipts.connections).toBe(connections.length);
          expect(delivery.gapsAtReconnection).toBeLessThanOrEqual(delivery.gaps);
        },
      ),
    );
  });
});
