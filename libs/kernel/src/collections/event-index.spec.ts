import fc from 'fast-check';
import { EventIndex } from './event-index';

type Step =
  | { kind: 'set'; id: string; value: number }
  | { kind: 'add'; id: string; value: number }
  | { kind: 'get'; id: string };

describe('EventIndex', () => {
  it('answers like a Map for any sequence of sets, adds and gets, in insertion order', () => {
    const id = fc.oneof(fc.uuid(), fc.constantFrom('a', 'b', 'evt-1', 'evt-2', ''), fc.string());
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id, value: fc.integer() }),
      fc.record({ kind: fc.constant('add' as const), id, value: fc.integer() }),
      fc.record({ kind: fc.constant('get' as const), id }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 3_000 }), (steps) => {
        const index = new EventIndex<number>();
        const map = new Map<string, number>();
        for (const s of steps) {
          if (s.kind === 'set') {
            index.set(s.id, s.value);
            map.set(s.id, s.value);
          } else if (s.kind === 'add') {
            // add: insert-if-absent, telling whether it inserted; a held id keeps its value.
            expect(index.add(s.id, s.value)).toBe(!map.has(s.id));
            if (!map.has(s.id)) map.set(s.id, s.value);
          } else {
            expect(index.get(s.id)).toBe(map.get(s.id));
            expect(index.has(s.id)).toBe(map.has(s.id));
          }
        }
        expect(index.size).toBe(map.size);
        expect([...index]).toEqual([...map]);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every entry findable as it grows past many rehashes', () => {
    const index = new EventIndex<number>();
    const count = 200_000;
    for (let n = 0; n < count; n += 1) index.set(`event-${n}`, n);
    expect(index.size).toBe(count);
    for (let n = 0; n < count; n += 997) expect(index.get(`event-${n}`)).toBe(n);
    expect(index.get(`event-${count}`)).toBeUndefined();
    index.set('event-5', -5);
    expect(index.get('event-5')).toBe(-5);
    expect(index.size).toBe(count);
  });

  it('captures the entries as they are at the call', () => {
    const index = new EventIndex<string>();
    index.set('one', 'first');
    index.set('two', 'second');
    const captured = index.capture();
    index.set('one', 'amended');
    index.set('three', 'third');
    expect(captured.size).toBe(2);
    expect([...captured]).toEqual([
      ['one', 'first'],
      ['two', 'second'],
    ]);
    expect([...index]).toEqual([
      ['one', 'amended'],
      ['two', 'second'],
      ['three', 'third'],
    ]);
  });
});
