/** Small statistics of benchmark rounds, shared by the benches that compare subjects round by round. */

/** The median of `values` (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The 95 % confidence interval of the median of `values`, from their order
 * statistics (the binomial rule: the k-th smallest and the k-th largest,
 * k = ⌊(n − 1.96·√n) / 2⌋). It assumes nothing about how the values spread: a
 * burst of load in a few rounds widens it little, rounds that disagree widen it
 * a lot. Below 6 values it is the whole range (no narrower interval reaches 95 %).
 */
export function medianConfidenceInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [NaN, NaN];
  const k = Math.floor((sorted.length - 1.96 * Math.sqrt(sorted.length)) / 2);
  if (k < 1) return [sorted[0], sorted[sorted.length - 1]];
  return [sorted[k - 1], sorted[sorted.length - k]];
}
