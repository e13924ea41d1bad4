/**
 * Splits a whole number of events over days in proportion to per-day weights,
 * exactly (largest remainder): the counts always add up to `total`, and a day's
 * count never differs from its exact share by one or more.
 */
export function allocateByWeight(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0)
    throw new RangeError(`allocateByWeight: total ${total} is not a whole number`);
  const sum = weights.reduce((acc, weight) => {
    if (!(weight >= 0))
      throw new RangeError(`allocateByWeight: weight ${weight} is negative or not a number`);
    return acc + weight;
  }, 0);
  if (total === 0) return weights.map(() => 0);
  if (!(sum > 0)) throw new RangeError('allocateByWeight: weights must sum above zero');
  const shares = weights.map((weight) => (total * weight) / sum);
  const counts = shares.map(Math.floor);
  let missing = total - counts.reduce((acc, count) => acc + count, 0);
  // Ties go to the earlier day so the result never depends on sort stability.
  const order = shares
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of order) {
    if (missing === 0) break;
    counts[index]++;
    missing--;
  }
  return counts;
}

const DAY_MS = 86_400_000;

/** Whole UTC days from `from` (inclusive) to `to` (exclusive), both `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function addDays(epochMs: number, days: number): number {
  return epochMs + days * DAY_MS;
}

export { DAY_MS };
