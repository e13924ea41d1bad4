import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ThreadCpuWindow } from '../bench/support/thread-cpu';

/** CPU time the calling thread has used, in ms (Linux). */
function threadCpuMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

/** Keeps this thread busy until it has used `ms` of CPU, however long a loaded machine makes that take. */
function spin(ms: number): void {
  const until = threadCpuMs() + ms;
  while (threadCpuMs() < until) {
    // busy on purpose
  }
}

/**
 * The same, as the worker thread's source: it reports the CPU its thread has used in all
 * (start-up included), then stays until it is terminated, so that its CPU is still in
 * /proc/self/task when the window is read (a thread that ended on its own could be gone).
 */
const WORKER_SPINS_300_MS = `
  const { readFileSync } = require('node:fs');
  const used = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  const until = used() + 300;
  while (used() < until) {}
  require('node:worker_threads').parentPort.postMessage(used());
  setInterval(() => {}, 60_000);
`;

const linux = process.platform === 'linux';

describe('bench thread CPU window', () => {
  (linux ? it : it.skip)(
    'charges a worker thread’s work to it and the main thread’s to the main thread',
    async () => {
      const window = new ThreadCpuWindow();
      const mainBefore = threadCpuMs();
      spin(100);
      const worker = new Worker(WORKER_SPINS_300_MS, { eval: true });
      const workerMs = await new Promise<number>((resolve) => worker.once('message', resolve));
      const mainMs = threadCpuMs() - mainBefore;
      // Read while the worker still exists: an ended thread leaves /proc/self/task.
      const split = window.stop(10);
      await worker.terminate();

      expect(split).not.toBeNull();
      // The main thread's own account of its CPU, over 10 units, inside the window's: the window
      // began before it and ends after it, by a few reads of /proc (well under 50 ms of CPU).
      // Whatever else the main thread did meanwhile (the test runner, the collector) is in both.
      expect(mainMs).toBeGreaterThanOrEqual(100);
      expect(split!.mainMicros * 10).toBeGreaterThanOrEqual(mainMs * 1000 - 1);
      expect(split!.mainMicros * 10).toBeLessThanOrEqual(mainMs * 1000 + 50_000);
      // The worker's own account (its 300 ms spin and its start-up) is charged to another thread:
      // the busiest other one used at least that much.
      expect(workerMs).toBeGreaterThanOrEqual(300);
      expect(split!.busiestOtherMicros * 10).toBeGreaterThanOrEqual(workerMs * 1000 - 1);
    },
  );

  it('gives no split for no work', () => {
    expect(new ThreadCpuWindow().stop(0)).toBeNull();
  });
});
