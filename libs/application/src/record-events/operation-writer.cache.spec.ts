import { OperationWriterCache } from './operation-writer.cache';

class Entry {
  constructor(
    readonly key: string,
    public idle = true,
  ) {}
}

describe('OperationWriterCache', () => {
  it('creates an entry once and returns the same one afterwards', () => {
    const created: string[] = [];
    const cache = new OperationWriterCache(2, (key) => (created.push(key), new Entry(key)));
    const first = cache.get('a');
    expect(cache.get('a')).toBe(first);
    expect(created).toEqual(['a']);
  });

  it('evicts the least recently used idle entry beyond its capacity', () => {
    const cache = new OperationWriterCache(2, (key) => new Entry(key));
    cache.get('a');
    cache.get('b');
    cache.get('a'); // a is now more recent than b
    cache.get('c');
    expect([...cache.values()].map((entry) => entry.key)).toEqual(['a', 'c']);
  });

  it('never evicts a busy entry, and shrinks back once entries are idle again', () => {
    const entries = new Map<string, Entry>();
    const cache = new OperationWriterCache(1, (key) => {
      const entry = new Entry(key, false);
      entries.set(key, entry);
      return entry;
    });
    cache.get('a');
    cache.get('b');
    expect(cache.size).toBe(2);
    entries.get('a')!.idle = true;
    entries.get('b')!.idle = true;
    cache.get('c');
    expect([...cache.values()].map((entry) => entry.key)).toEqual(['c']);
  });

  it('refuses a capacity below one', () => {
    expect(() => new OperationWriterCache(0, (key) => new Entry(key))).toThrow(RangeError);
  });
});
