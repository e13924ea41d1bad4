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
 * The same, as the worker thread's source; the thread then stays until it is
 * terminated, so that its CPU is still in /proc/self/task when the window is read
 * (a thread that ended on its own could be gone before the main thread looks).
 */
const WORKER_SPINS_300_MS = `
  const { readFileSync } = require('node:fs');
  const used = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  const until = used() + 300;
  while (used() < until) {}
  require('node:worker_threads').parentPort.postMessage('done');
  setInterval(() => {}, 60_000);
`;

const linux = process.platform === 'linux';

describe('bench thread CPU window', () => {
  (linux ? it : it.skip)(
    'charges a worker thread’s work to it and the main thread’s to the main thread',
    async () => {
      const window = new ThreadCpuWindow();
      spin(100);
      const worker = new Worker(WORKER_SPINS_300_MS, { eval: true });
      await new Promise((resolve) => worker.once('message', resolve));
      // Read while the worker still exists: an ended thread leaves /proc/self/task.
      const split = window.stop(10);
      await worker.terminate();

      expect(split).not.toBeNull();
      // 300 ms and 100 ms of CPU over 10 units.
      expect(split!.busiestOtherMicros).toBeGreaterThanOrEqual(30_000);
      expect(split!.mainMicros).toBeGreaterThanOrEqual(10_000);
      // The main thread slept while the worker spun: the busiest other thread is not the main one.
      expect(split!.busiestOtherMicros).toBeGreaterThan(split!.mainMicros);
    },
  );

  it('gives no split for no work', () => {
    expect(new ThreadCpuWindow().stop(0)).toBeNull();
  });
});
