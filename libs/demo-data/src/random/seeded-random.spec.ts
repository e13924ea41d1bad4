import { SeededRandom, hashString } from './seeded-random';
import {
  BalancedSampler,
  normalCdf,
  normalQuantile,
  truncatedLogNormalMean,
  truncatedLogNormalQuantile,
} from './balanced-sampler';

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const first = new SeededRandom(2020);
    const second = new SeededRandom(2020);
    const other = new SeededRandom(2021);
    const a = Array.from({ length: 5 }, () => first.nextUint32());
    const b = Array.from({ length: 5 }, () => second.nextUint32());
    const c = Array.from({ length: 5 }, () => other.nextUint32());
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('is pinned: the algorithm and its seeding never change silently', () => {
    // Published demo data depends on these exact values; changing them changes every seeded dataset.
    const random = new SeededRandom(1);
    expect([random.nextUint32(), random.nextUint32(), random.nextUint32()]).toEqual([
      1828152527, 3394835397, 2967886022,
    ]);
    expect(hashString('venetic')).toBe(2230916899);
  });

  it('draws uniform integers over the whole inclusive range without bias', () => {
    const random = new SeededRandom(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[random.int(1, 6) - 1]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(() => random.int(3, 2)).toThrow(RangeError);
    expect(() => random.int(0.5, 2)).toThrow(RangeError);
  });

  it('picks by weight in the stated proportions', () => {
    const random = new SeededRandom(11);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 100_000; i++) {
      counts[
        random.weighted([
          ['a', 60],
          ['b', 35],
          ['c', 5],
        ] as const)
      ]++;
    }
    expect(counts.a / 100_000).toBeCloseTo(0.6, 2);
    expect(counts.b / 100_000).toBeCloseTo(0.35, 2);
    expect(counts.c / 100_000).toBeCloseTo(0.05, 2);
    expect(() => random.weighted([['x', 0]])).toThrow(RangeError);
  });

  it('forks independent streams by label', () => {
    const parent1 = new SeededRandom(5);
    const parent2 = new SeededRandom(5);
    expect(parent1.fork('raids').nextUint32()).toBe(parent2.fork('raids').nextUint32());
    expect(new SeededRandom(5).fork('raids').nextUint32()).not.toBe(
      new SeededRandom(5).fork('arrests').nextUint32(),
    );
  });

  it('makes well-formed, reproducible version 7 UUIDs carrying the given time', () => {
    const random = new SeededRandom(3);
    const at = Date.parse('2020-04-01T09:30:00.000Z');
    const ids = Array.from({ length: 200 }, () => random.uuidV7(at));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    }
    expect(new Set(ids).size).toBe(200);
    expect(new SeededRandom(3).uuidV7(at)).toBe(ids[0]);
  });

  it('samples distinct items', () => {
    const random = new SeededRandom(9);
    const chosen = random.sample(['a', 'b', 'c', 'd', 'e'], 3);
    expect(chosen).toHaveLength(3);
    expect(new Set(chosen).size).toBe(3);
    expect(random.sample(['a', 'b'], 5).sort()).toEqual(['a', 'b']);
  });
});

describe('normal distribution helpers', () => {
  it('inverts the CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    for (const z of [-3, -1.2, 0, 0.7, 2.5]) expect(normalQuantile(normalCdf(z))).toBeCloseTo(z, 4);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('BalancedSampler over a truncated log-normal', () => {
  const cash = { median: 16_000, sigma: 2.4, min: 1_000, max: 5_000_000 };

  it('stays inside the bounds', () => {
    const sampler = new BalancedSampler(truncatedLogNormalQuantile(cash), new SeededRandom(1));
    for (let i = 0; i < 5_000; i++) {
      const value = sampler.next();
      expect(value).toBeGreaterThanOrEqual(1_000);
      expect(value).toBeLessThanOrEqual(5_000_000);
    }
  });

  it('keeps the total of a few hundred heavy-tailed draws near its expectation for every seed', () => {
    const expected = 300 * truncatedLogNormalMean(cash);
    for (let seed = 1; seed <= 20; seed++) {
      const sampler = new BalancedSampler(truncatedLogNormalQuantile(cash), new SeededRandom(seed));
      let total = 0;
      for (let i = 0; i < 300; i++) total += sampler.next();
      expect(Math.abs(total / expected - 1)).toBeLessThan(0.12);
    }
  });

  it('reproduces the median of the distribution', () => {
    const sampler = new BalancedSampler(truncatedLogNormalQuantile(cash), new SeededRandom(4));
    const values = Array.from({ length: 1_001 }, () => sampler.next()).sort((a, b) => a - b);
    const truncatedMedian = truncatedLogNormalQuantile(cash)(0.5);
    expect(Math.abs(values[500] / truncatedMedian - 1)).toBeLessThan(0.05);
  });
});
