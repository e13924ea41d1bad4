import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/**
 * Where the event loop's stalls go. A 10 ms timer notes each turn; a turn that
 * comes more than `thresholdMs` late is a stall, and the stall's time is split by
 * what the main thread was doing meanwhile, from the kernel's own accounting
 * (Linux `/proc/thread-self/schedstat`: time on a CPU and time runnable but
 * waiting on a run queue), the garbage collections that started in it
 * (`PerformanceObserver` 'gc'), and the machine's steal time (`/proc/stat`,
 * time a virtual CPU was ready but the hypervisor ran something else). What is
 * left (neither on a CPU nor waiting for one) is time the thread slept in a
 * blocking call. On other systems the /proc figures read 0.
 */
export interface StallFigures {
  /** Stalls seen since the last reset. */
  readonly count: number;
  /** The longest stall, split by the main thread's time in it (all in ms). */
  readonly longest: StallSplit | null;
  /** Sums over every stall (ms). */
  readonly total: StallSplit;
}

export interface StallSplit {
  readonly stallMs: number;
  /** The main thread on a CPU (JavaScript, collections on the main thread, native code). */
  readonly onCpuMs: number;
  /** The main thread runnable but waiting for a CPU: descheduled by other work on the machine. */
  readonly runQueueWaitMs: number;
  /** Garbage collections that started in the stall (they may run partly on helper threads). */
  readonly gcMs: number;
  /** Steal time of the whole machine (all CPUs) over the stall. */
  readonly stealMs: number;
}

const TICK_MS = 10;
/** USER_HZ: /proc/stat counts in hundredths of a second on Linux. */
const MS_PER_CLOCK_TICK = 10;

interface ThreadTimes {
  readonly onCpuNs: number;
  readonly waitNs: number;
}

function threadTimes(): ThreadTimes {
  try {
    const [onCpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { onCpuNs: Number(onCpu), waitNs: Number(wait) };
  } catch {
    return { onCpuNs: 0, waitNs: 0 };
  }
}

function stealTicks(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    // "cpu user nice system idle iowait irq softirq steal …"
    return Number(cpu[8] ?? 0);
  } catch {
    return 0;
  }
}

const ZERO: StallSplit = { stallMs: 0, onCpuMs: 0, runQueueWaitMs: 0, gcMs: 0, stealMs: 0 };

export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  /** Collections as [start, end] in performance.now() time, kept for the last few seconds. */
  private collections: { start: number; duration: number }[] = [];
  private lastTick = 0;
  private lastTimes: ThreadTimes = { onCpuNs: 0, waitNs: 0 };
  private lastSteal = 0;
  private count = 0;
  private longest: StallSplit | null = null;
  private total: StallSplit = ZERO;

  constructor(private readonly thresholdMs = 50) {}

  start(): void {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        this.collections.push({ start: entry.startTime, duration: entry.duration });
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.mark(performance.now());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.observer?.disconnect();
  }

  /** The figures since the last call, then starts afresh. */
  takeFigures(): StallFigures {
    const figures = { count: this.count, longest: this.longest, total: this.total };
    this.count = 0;
    this.longest = null;
    this.total = ZERO;
    return figures;
  }

  private mark(now: number): void {
    this.lastTick = now;
    this.lastTimes = threadTimes();
    this.lastSteal = stealTicks();
  }

  private tick(): void {
    const now = performance.now();
    const late = now - this.lastTick - TICK_MS;
    if (late > this.thresholdMs) {
      const times = threadTimes();
      const from = this.lastTick;
      const gcMs = this.collections
        .filter((collection) => collection.start >= from && collection.start < now)
        .reduce((sum, collection) => sum + collection.duration, 0);
      const split: StallSplit = {
        stallMs: late,
        onCpuMs: (times.onCpuNs - this.lastTimes.onCpuNs) / 1e6,
        runQueueWaitMs: (times.waitNs - this.lastTimes.waitNs) / 1e6,
        gcMs,
        stealMs: (stealTicks() - this.lastSteal) * MS_PER_CLOCK_TICK,
      };
      this.count += 1;
      if (this.longest === null || split.stallMs > this.longest.stallMs) this.longest = split;
      this.total = {
        stallMs: this.total.stallMs + split.stallMs,
        onCpuMs: this.total.onCpuMs + split.onCpuMs,
        runQueueWaitMs: this.total.runQueueWaitMs + split.runQueueWaitMs,
        gcMs: this.total.gcMs + split.gcMs,
        stealMs: this.total.stealMs + split.stealMs,
      };
    }
    // Collections older than a few seconds can no longer fall in a stall.
    if (this.collections.length > 1000)
      this.collections = this.collections.filter((collection) => collection.start > now - 5000);
    this.mark(now);
  }
}
