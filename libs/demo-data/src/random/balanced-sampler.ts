import type { SeededRandom } from './seeded-random';

const GOLDEN = (Math.sqrt(5) - 1) / 2;
const POOL_SIZE = 32;

/**
 * Draws values of a continuous distribution (given by its quantile function) so
 * that every prefix of the draws follows the distribution closely. The uniforms
 * are the golden-ratio Kronecker sequence from a seeded start — any n of them
 * cover [0, 1) with discrepancy O(log n / n) — passed through a small pool that
 * hands them out in seeded random order, so consecutive values look independent.
 *
 * Why: the demo's totals are dominated by a few large seizures (cash has a median
 * near £20k but a total near £54m). Independent draws would make the totals swing
 * by tens of per cent from seed to seed; this keeps them near the stated figures
 * for every seed, at O(1) memory, however many values the stream needs.
 */
export class BalancedSampler<T = number> {
  private readonly pool: number[] = [];
  private cursor: number;

  constructor(
    private readonly quantile: (u: number) => T,
    private readonly random: SeededRandom,
  ) {
    this.cursor = random.next();
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push(this.nextUniform());
  }

  next(): T {
    const index = this.random.int(0, POOL_SIZE - 1);
    const u = this.pool[index];
    this.pool[index] = this.nextUniform();
    return this.quantile(u);
  }

  private nextUniform(): number {
    this.cursor += GOLDEN;
    if (this.cursor >= 1) this.cursor -= 1;
    return Math.min(Math.max(this.cursor, 1e-9), 1 - 1e-9);
  }
}

/** Standard normal cumulative distribution. */
export function normalCdf(z: number): number {
  // Zelen & Severo (A&S 26.2.17) is accurate to 7.5e-8, which is plenty for calibrating demo data.
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  const tail =
    density *
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? 1 - tail : tail;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile(${p}): p must lie in (0, 1)`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** A log-normal distribution cut to [min, max], described by the median and σ of the uncut one. */
export interface TruncatedLogNormal {
  readonly median: number;
  readonly sigma: number;
  readonly min: number;
  readonly max: number;
}

/** Quantile function of a truncated log-normal, for `BalancedSampler`. */
export function truncatedLogNormalQuantile(spec: TruncatedLogNormal): (u: number) => number {
  const mu = Math.log(spec.median);
  const pMin = normalCdf((Math.log(spec.min) - mu) / spec.sigma);
  const pMax = normalCdf((Math.log(spec.max) - mu) / spec.sigma);
  return (u) => {
    const p = Math.min(Math.max(pMin + u * (pMax - pMin), 1e-12), 1 - 1e-12);
    return Math.min(spec.max, Math.max(spec.min, Math.exp(mu + spec.sigma * normalQuantile(p))));
  };
}

/** Expected value of a truncated log-normal: what a long run of draws averages to. */
export function truncatedLogNormalMean(spec: TruncatedLogNormal): number {
  const mu = Math.log(spec.median);
  const s = spec.sigma;
  const zMin = (Math.log(spec.min) - mu) / s;
  const zMax = (Math.log(spec.max) - mu) / s;
  const mass = normalCdf(zMax) - normalCdf(zMin);
  return (Math.exp(mu + (s * s) / 2) * (normalCdf(zMax - s) - normalCdf(zMin - s))) / mass;
}

/** Quantile function of a categorical distribution, for `BalancedSampler`: shares hold exactly over long prefixes. */
export function categoricalQuantile<T>(choices: readonly (readonly [T, number])[]): (u: number) => T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  if (!(total > 0)) throw new RangeError('categoricalQuantile: weights must sum above zero');
  const bounds: number[] = [];
  let cumulative = 0;
  for (const [, weight] of choices) {
    cumulative += weight / total;
    bounds.push(cumulative);
  }
  return (u) => {
    for (let i = 0; i < bounds.length; i++) if (u < bounds[i]) return choices[i][0];
    return choices[choices.length - 1][0];
  };
}
