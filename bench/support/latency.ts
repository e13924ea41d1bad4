import { monitorEventLoopDelay, performance as perf, type EventLoopUtilization } from 'node:perf_hooks';

/** Latency samples in milliseconds, summarised by nearest-rank percentiles. */
export class LatencyRecorder {
  private samples: number[] = [];

  /** Times `work` and records its duration. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const result = await work();
    this.samples.push(performance.now() - start);
    return result;
  }

  record(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): { p50Ms: number; p99Ms: number; maxMs: number } {
    const sorted = Float64Array.from(this.samples).sort();
    return {
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? 0,
    };
  }
}

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/**
 * Watches the event loop while a scenario runs: Node's delay histogram (p99)
 * plus the largest lateness of a 1 ms timer, which catches single long stalls.
 */
export class EventLoopWatch {
  private readonly histogram = monitorEventLoopDelay({ resolution: 1 });
  private timer: NodeJS.Timeout | null = null;
  private maxStallMs = 0;
  private utilisationAtStart: EventLoopUtilization | null = null;

  start(): this {
    this.histogram.enable();
    this.utilisationAtStart = perf.eventLoopUtilization();
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxStallMs = Math.max(this.maxStallMs, now - last - 1);
      last = now;
    }, 1);
    return this;
  }

  /**
   * `loopUtilisation` is the share of the time the loop was busy rather than waiting for I/O;
   * unlike stalls it barely moves when other processes compete for the CPU.
   */
  stop(): { loopMaxStallMs: number; loopP99DelayMs: number; loopUtilisation: number } {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
    const utilisation = perf.eventLoopUtilization(this.utilisationAtStart ?? undefined).utilization;
    return {
      loopMaxStallMs: this.maxStallMs,
      loopP99DelayMs: this.histogram.percentile(99) / 1e6,
      loopUtilisation: Math.round(utilisation * 1000) / 1000,
    };
  }
}

/** Wall-clock and process CPU time since it was started, or until it was stopped. */
export class Stopwatch {
  private readonly startedAt = performance.now();
  private readonly cpuAtStart = process.cpuUsage();
  private stopped: { seconds: number; cpuSeconds: number } | null = null;

  static start(): Stopwatch {
    return new Stopwatch();
  }

  /** Freezes the readings at this moment. */
  stop(): this {
    this.stopped ??= { seconds: this.seconds(), cpuSeconds: this.cpuSeconds() };
    return this;
  }

  seconds(): number {
    return this.stopped?.seconds ?? (performance.now() - this.startedAt) / 1000;
  }

  /** User + system time of the whole process (every thread). */
  cpuSeconds(): number {
    if (this.stopped) return this.stopped.cpuSeconds;
    const used = process.cpuUsage(this.cpuAtStart);
    return (used.user + used.system) / 1e6;
  }
}
