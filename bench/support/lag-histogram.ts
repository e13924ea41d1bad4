/**
 * Latency samples counted in fixed buckets, so that millions of them cost a few
 * megabytes and histograms taken in several processes can be merged (they cross
 * process boundaries as their non-empty buckets). Percentiles are nearest-rank
 * over buckets and reported as the bucket's upper edge: never below the truth,
 * at most one bucket above it. The maximum is kept exactly.
 */
export class LagHistogram {
  private readonly counts: Uint32Array;
  private total = 0;
  private max = Number.NEGATIVE_INFINITY;
  private negatives = 0;

  /**
   * @param bucketMs width of a bucket (default 0.1 ms)
   * @param rangeMs samples above this fall in the last bucket (default 120 s); the exact maximum is still kept
   */
  constructor(
    readonly bucketMs = 0.1,
    readonly rangeMs = 120_000,
  ) {
    this.counts = new Uint32Array(Math.ceil(rangeMs / bucketMs) + 1);
  }

  /** Records one sample; a negative one (clocks of two processes, a push before its own acknowledgement) counts in the first bucket and is counted apart. */
  record(ms: number): void {
    if (ms < 0) this.negatives += 1;
    const index = Math.min(this.counts.length - 1, Math.max(0, Math.floor(ms / this.bucketMs)));
    this.counts[index] += 1;
    this.total += 1;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.total;
  }

  /** Nearest-rank percentile, as the upper edge of its bucket; 0 when empty. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.min(this.total, Math.max(1, Math.ceil((p / 100) * this.total)));
    let seen = 0;
    for (let index = 0; index < this.counts.length; index += 1) {
      seen += this.counts[index];
      if (seen >= rank) return Math.min((index + 1) * this.bucketMs, this.max);
    }
    return this.max;
  }

  summary(): { count: number; p50Ms: number; p99Ms: number; maxMs: number; negative: number } {
    return {
      count: this.total,
      p50Ms: round3(this.percentile(50)),
      p99Ms: round3(this.percentile(99)),
      maxMs: round3(this.total === 0 ? 0 : this.max),
      negative: this.negatives,
    };
  }

  /** The histogram as plain data: its non-empty buckets as [index, count] pairs. */
  toJSON(): SerializedLagHistogram {
    const buckets: [number, number][] = [];
    for (let index = 0; index < this.counts.length; index += 1) {
      if (this.counts[index] > 0) buckets.push([index, this.counts[index]]);
    }
    return {
      bucketMs: this.bucketMs,
      rangeMs: this.rangeMs,
      buckets,
      max: this.max,
      negatives: this.negatives,
    };
  }

  /** Adds the samples of a histogram with the same bucket width and range. */
  merge(other: SerializedLagHistogram): this {
    if (other.bucketMs !== this.bucketMs || other.rangeMs !== this.rangeMs) {
      throw new Error(
        `cannot merge histograms of ${other.bucketMs} ms / ${other.rangeMs} ms into ${this.bucketMs} ms / ${this.rangeMs} ms`,
      );
    }
    for (const [index, count] of other.buckets) {
      this.counts[index] += count;
      this.total += count;
    }
    if (other.max !== null && other.max > this.max) this.max = other.max;
    this.negatives += other.negatives;
    return this;
  }
}

export interface SerializedLagHistogram {
  readonly bucketMs: number;
  readonly rangeMs: number;
  readonly buckets: readonly (readonly [number, number])[];
  /** -Infinity serialises as null in JSON. */
  readonly max: number | null;
  readonly negatives: number;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
