import fc from 'fast-check';
import { median, medianConfidenceInterval } from '../bench/support/statistics';

describe('bench statistics', () => {
  it('the median lies inside its confidence interval, which lies inside the values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 80 }),
        (values) => {
          const [low, high] = medianConfidenceInterval(values);
          const m = median(values);
          expect(low).toBeLessThanOrEqual(m);
          expect(m).toBeLessThanOrEqual(high);
          expect(low).toBeGreaterThanOrEqual(Math.min(...values));
          expect(high).toBeLessThanOrEqual(Math.max(...values));
        },
      ),
    );
  });

  it('covers the true median in about 95 % of samples, whatever the spread', () => {
    // A seeded generator, so the test is deterministic: 4,000 samples of 24 rounds each
    // (the quick EventStoreDB run) from a skewed distribution whose median is known.
    let state = 0x2545f491;
    const uniform = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    // Exponential with rate 1 (median ln 2), shifted: a few rounds far out, as under bursts of load.
    const trueMedian = Math.log(2) + 10;
    for (const rounds of [12, 24, 48]) {
      let covered = 0;
      const samples = 4_000;
      for (let sample = 0; sample < samples; sample++) {
        const values = Array.from({ length: rounds }, () => 10 - Math.log(1 - uniform()));
        const [low, high] = medianConfidenceInterval(values);
        if (low <= trueMedian && trueMedian <= high) covered++;
      }
      // The binomial rule is conservative: its coverage is 95 % or a little more.
      expect(covered / samples).toBeGreaterThanOrEqual(0.93);
      expect(covered / samples).toBeLessThanOrEqual(0.995);
    }
  });

  it('is the whole range for a few values and empty for none', () => {
    expect(medianConfidenceInterval([3, 1, 2])).toEqual([1, 3]);
    expect(medianConfidenceInterval([])).toEqual([NaN, NaN]);
    expect(median([])).toBeNaN();
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
