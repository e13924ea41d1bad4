import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every mainstream Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, every thread) another process has used so far,
 * from Linux /proc; null when it is not readable (not Linux, process gone).
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Resident memory of another process: now (VmRSS) and its high-water mark since it started (VmHWM), MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakRssMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const peak = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !peak) return null;
    return { rssMiB: Math.round(Number(rss[1]) / 1024), peakRssMiB: Math.round(Number(peak[1]) / 1024) };
  } catch {
    return null;
  }
}

/** CPU used by a process between two moments, as seconds and as a share of one core. */
export class ProcessCpuWindow {
  private readonly startCpu: number | null;
  private readonly startedAt = performance.now();
  private stopped: { cpuSeconds: number | null; seconds: number } | null = null;

  constructor(readonly pid: number) {
    this.startCpu = cpuSecondsOf(pid);
  }

  stop(): { cpuSeconds: number | null; seconds: number; percentOfOneCore: number | null } {
    if (!this.stopped) {
      const now = cpuSecondsOf(this.pid);
      this.stopped = {
        cpuSeconds: now === null || this.startCpu === null ? null : now - this.startCpu,
        seconds: (performance.now() - this.startedAt) / 1000,
      };
    }
    const { cpuSeconds, seconds } = this.stopped;
    return {
      cpuSeconds: cpuSeconds === null ? null : Math.round(cpuSeconds * 100) / 100,
      seconds: Math.round(seconds * 100) / 100,
      percentOfOneCore: cpuSeconds === null ? null : Math.round((cpuSeconds / seconds) * 1000) / 10,
    };
  }
}
