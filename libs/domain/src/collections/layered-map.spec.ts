import fc from 'fast-check';
import { Map as ImmutableMap } from 'immutable';
import { LayeredMap, SupersededLayeredMapError } from './layered-map';

/** Keys from a small universe, so sets often replace and reads often hit. */
const key = fc.integer({ min: 0, max: 40 }).map((n) => `key-${n}`);
const value = fc.integer({ min: 0, max: 1000 });

type Step =
  | { readonly kind: 'set'; readonly key: string; readonly value: number }
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'branch'; readonly sets: readonly (readonly [string, number])[] }
  | { readonly kind: 'settle'; readonly bound: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('set' as const), key, value }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('read' as const), key }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('branch' as const),
      sets: fc.array(fc.tuple(key, value), { maxLength: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('settle' as const), bound: fc.integer({ min: 0, max: 6 }) }),
    weight: 2,
  },
);

/** Every observable of the layered map equals the model's. */
function expectSame(map: LayeredMap<string, number>, model: ImmutableMap<string, number>): void {
  expect(map.size).toBe(model.size);
  const entries = [...map];
  expect(new Set(entries.map(([k]) => k)).size).toBe(entries.length);
  expect(entries.sort(byKey)).toEqual([...model.entries()].sort(byKey));
  const { keys, values } = map.capture();
  expect(keys.map((k, index): [string, number] => [k, values[index]!]).sort(byKey)).toEqual(
    [...model.entries()].sort(byKey),
  );
}

const byKey = ([a]: [string, number], [b]: [string, number]): number => (a < b ? -1 : a > b ? 1 : 0);

describe('LayeredMap', () => {
  it('behaves as an immutable map under sets, reads, dropped speculative branches and folds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value), { maxLength: 20 }),
        fc.array(step, { maxLength: 80 }),
        (start, steps) => {
          // A line starting either empty or built in place (a load), as the decided state's maps do.
          let map =
            start.length === 0
              ? LayeredMap.empty<string, number>()
              : LayeredMap.building(start).asImmutable();
          let model = ImmutableMap<string, number>(start);
          const superseded: LayeredMap<string, number>[] = [];
          for (const next of steps) {
            switch (next.kind) {
              case 'set': {
                const before = map;
                const beforeModel = model;
                map = map.set(next.key, next.value);
                model = model.set(next.key, next.value);
                // Persistent: the map it was derived from still reads as it did.
                expectSame(before, beforeModel);
                break;
              }
              case 'read':
                expect(map.get(next.key)).toBe(model.get(next.key));
                expect(map.has(next.key)).toBe(model.has(next.key));
                break;
              case 'branch': {
                // Evolved speculatively, then dropped: the line's map is untouched.
                let branch = map;
                let branchModel = model;
                for (const [k, v] of next.sets) {
                  branch = branch.set(k, v);
                  branchModel = branchModel.set(k, v);
                }
                expectSame(branch, branchModel);
                superseded.push(branch);
                break;
              }
              case 'settle': {
                const before = map;
                const overlay = map.overlaySize;
                map = map.settle(next.bound);
                const folded = overlay > 0 && overlay >= next.bound;
                expect(map === before).toBe(!folded);
                expect(map.overlaySize).toBe(folded ? 0 : overlay);
                if (folded) {
                  superseded.push(before);
                  // Every other map of the line is unreadable now, rather than see entries not its own.
                  for (const old of superseded) {
                    expect(() => old.get('key-0')).toThrow(SupersededLayeredMapError);
                    expect(() => old.set('key-0', 0)).toThrow(SupersededLayeredMapError);
                    expect(() => [...old]).toThrow(SupersededLayeredMapError);
                  }
                  superseded.length = 0;
                }
                break;
              }
            }
            expectSame(map, model);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lets a superseded branch fail loudly, not read the entries a newer map folded in', () => {
    const committed = LayeredMap.empty<string, number>().set('a', 1);
    const dropped = committed.set('b', 2);
    const kept = committed.set('c', 3).settle(1);
    expect([...kept].sort(byKey)).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(() => dropped.has('c')).toThrow(SupersededLayeredMapError);
    expect(() => committed.get('a')).toThrow(SupersededLayeredMapError);
    expect(() => committed.settle(0)).toThrow(SupersededLayeredMapError);
  });

  it('stops a builder once its result is persistent', () => {
    const builder = LayeredMap.building<string, number>([['a', 1]]);
    expect(builder.set('b', 2)).toBe(builder);
    const built = builder.asImmutable();
    expect(built.size).toBe(2);
    expect(() => builder.set('c', 3)).toThrow(SupersededLayeredMapError);
    expect(built.set('c', 3).get('c')).toBe(3);
    expect(built.get('c')).toBeUndefined();
  });

  it('captures its entries as they are, whatever its line does afterwards', () => {
    let map = LayeredMap.empty<string, number>().set('a', 1).set('b', 2);
    const captured = map.capture();
    map = map.set('a', 10).set('c', 3).settle(1);
    expect(
      captured.keys.map((k, index): [string, number] => [k, captured.values[index]!]).sort(byKey),
    ).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(map.toJSON()).toEqual({ a: 10, b: 2, c: 3 });
  });
});
