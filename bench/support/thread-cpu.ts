import { readdirSync, readFileSync } from 'node:fs';

/** CPU time of one thread of this process so far, in ns (Linux `schedstat`: time on a CPU). */
function threadCpuNs(tid: string): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    // The thread ended between listing and reading.
    return null;
  }
}

function readAll(): Map<string, number> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const times = new Map<string, number>();
  for (const tid of tids) {
    const ns = threadCpuNs(tid);
    if (ns !== null) times.set(tid, ns);
  }
  return times;
}

/** CPU used in a window, split by thread, in µs per unit of work (event, message, …). */
export interface ThreadCpuSplit {
  /** The main thread (the event loop). */
  readonly mainMicros: number;
  /** The busiest other thread: in `bench:store`'s write rows, the libuv pool thread syncing the WAL or the checkpoint thread. */
  readonly busiestOtherMicros: number;
  /** Every other thread together (the collector's helpers, the libuv pool, other workers). */
  readonly restMicros: number;
}

/**
 * The process's CPU between construction and `stop`, split by thread (Linux only; null
 * elsewhere). Process-wide figures (`process.cpuUsage`) add every thread together; this
 * says which side of a thread hand-off the time went to.
 */
export class ThreadCpuWindow {
  private readonly start = readAll();

  stop(units: number): ThreadCpuSplit | null {
    const end = readAll();
    if (this.start === null || end === null || units <= 0) return null;
    const main = String(process.pid);
    let mainNs = 0;
    const others: number[] = [];
    for (const [tid, ns] of end) {
      const used = ns - (this.start.get(tid) ?? 0);
      if (tid === main) mainNs = used;
      else others.push(used);
    }
    others.sort((a, b) => b - a);
    const busiest = others[0] ?? 0;
    const rest = others.slice(1).reduce((sum, ns) => sum + ns, 0);
    const perUnit = (ns: number) => Math.round(ns / units / 100) / 10;
    return { mainMicros: perUnit(mainNs), busiestOtherMicros: perUnit(busiest), restMicros: perUnit(rest) };
  }
}
