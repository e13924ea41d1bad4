import { StallWatch } from '../bench/support/stall-watch';

/** Keeps the event loop busy for `ms` of its own clock: a stall of at least that long. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

const nextTurns = (turns: number) =>
  new Promise<void>((resolve) => {
    let left = turns;
    const step = () => (--left <= 0 ? resolve() : setTimeout(step, 12));
    setTimeout(step, 12);
  });

describe('bench stall watch', () => {
  it('reports a blocked loop as a stall and splits its time by what the thread did', async () => {
    const watch = new StallWatch(50);
    watch.start();
    try {
      await nextTurns(3);
      watch.takeFigures();
      spin(150);
      await nextTurns(3);
      const { count, longest, total } = watch.takeFigures();
      expect(count).toBeGreaterThanOrEqual(1);
      expect(longest).not.toBeNull();
      // The watch's timer was due 10 ms after its last turn: at least 140 ms late.
      expect(longest!.stallMs).toBeGreaterThanOrEqual(140);
      expect(total.stallMs).toBeGreaterThanOrEqual(longest!.stallMs);
      if (process.platform === 'linux') {
        // A spinning thread never sleeps: it was on a CPU or waiting for one the whole time.
        expect(longest!.onCpuMs + longest!.runQueueWaitMs).toBeGreaterThanOrEqual(140);
        expect(longest!.onCpuMs).toBeGreaterThan(0);
      }
      // Figures are taken once: the next reading starts afresh.
      expect(watch.takeFigures()).toEqual({
        count: 0,
        longest: null,
        total: { stallMs: 0, onCpuMs: 0, runQueueWaitMs: 0, gcMs: 0, stealMs: 0 },
      });
    } finally {
      watch.stop();
    }
  });

  it('sees no stall while the loop turns freely', async () => {
    const watch = new StallWatch(1_000);
    watch.start();
    try {
      await nextTurns(5);
      expect(watch.takeFigures().count).toBe(0);
    } finally {
      watch.stop();
    }
  });
});
