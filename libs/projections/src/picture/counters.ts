import type { CounterKey } from './counter-keys';

/**
 * Counter keys (`arrests`, `drugs.cocaine.kg`, …, declared in counter-keys.ts)
 * numbered in the order first seen, process-wide: the vocabulary is small and
 * fixed by the contract, so the table stays small. A fold adds to counters by
 * number, not by string.
 */
const idsByKey = new Map<string, number>();
const keysById: CounterKey[] = [];

export function counterIdOf(key: CounterKey): number {
  let id = idsByKey.get(key);
  if (id === undefined) {
    id = keysById.length;
    idsByKey.set(key, id);
    keysById.push(key);
  }
  return id;
}

/**
 * Counters of one scope: amounts by counter key, held in an array indexed by the
 * key's number. Reads like a map of the keys that are not zero.
 */
export class Counters implements Iterable<[CounterKey, number]> {
  private readonly values: number[] = [];
  private nonZero = 0;

  static from(entries: Iterable<readonly [CounterKey, number]>): Counters {
    const counters = new Counters();
    for (const [key, amount] of entries) counters.add(counterIdOf(key), amount);
    return counters;
  }

  /** Keys that are not zero. */
  get size(): number {
    return this.nonZero;
  }

  /** The amount of a key, undefined when it is zero. */
  get(key: CounterKey): number | undefined {
    const id = idsByKey.get(key);
    const value = id === undefined ? 0 : (this.values[id] ?? 0);
    return value === 0 ? undefined : value;
  }

  add(id: number, amount: number): void {
    const values = this.values;
    while (values.length <= id) values.push(0);
    const before = values[id];
    const after = before + amount;
    values[id] = after;
    if (before === 0) {
      if (after !== 0) this.nonZero += 1;
    } else if (after === 0) this.nonZero -= 1;
  }

  /** Adds every counter of `other` into this one. */
  addAll(other: Counters): void {
    const values = other.values;
    for (let id = 0; id < values.length; id += 1) if (values[id] !== 0) this.add(id, values[id]);
  }

  keys(): CounterKey[] {
    return [...this].map(([key]) => key);
  }

  *[Symbol.iterator](): Iterator<[CounterKey, number]> {
    const values = this.values;
    for (let id = 0; id < values.length; id += 1) if (values[id] !== 0) yield [keysById[id], values[id]];
  }
}
