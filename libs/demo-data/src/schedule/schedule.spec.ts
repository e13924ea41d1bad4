import { allocateByWeight, daysBetween } from './daily-allocation';
import { RecordingQueue } from './recording-queue';

describe('allocateByWeight', () => {
  it('splits exactly, in proportion, largest remainders first', () => {
    expect(allocateByWeight(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocateByWeight(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(allocateByWeight(100, [0.2, 0.3, 0.5])).toEqual([20, 30, 50]);
    expect(allocateByWeight(0, [1, 2])).toEqual([0, 0]);
    const counts = allocateByWeight(
      2_000,
      Array.from({ length: 93 }, (_, day) => 1 + Math.sin(day)),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2_000);
  });

  it('refuses what cannot be split', () => {
    expect(() => allocateByWeight(5, [0, 0])).toThrow(RangeError);
    expect(() => allocateByWeight(5, [1, -1])).toThrow(RangeError);
    expect(() => allocateByWeight(2.5, [1])).toThrow(RangeError);
  });
});

describe('daysBetween', () => {
  it('counts whole UTC days, leap years included', () => {
    expect(daysBetween('2020-04-01', '2020-07-03')).toBe(93);
    expect(daysBetween('2020-02-28', '2020-03-01')).toBe(2);
  });
});

describe('RecordingQueue', () => {
  it('releases items in recording order, ties in scheduling order, only before the given time', () => {
    const queue = new RecordingQueue<{ recordedAtMs: number; name: string }>();
    for (const [at, name] of [
      [30, 'c'],
      [10, 'a1'],
      [20, 'b'],
      [10, 'a2'],
      [50, 'e'],
      [10, 'a3'],
    ] as const) {
      queue.push({ recordedAtMs: at, name });
    }
    const released: string[] = [];
    for (let item = queue.popBefore(30); item; item = queue.popBefore(30)) released.push(item.name);
    expect(released).toEqual(['a1', 'a2', 'a3', 'b']);
    expect(queue.size).toBe(2);
    expect(queue.pop()?.name).toBe('c');
    expect(queue.pop()?.name).toBe('e');
    expect(queue.pop()).toBeUndefined();
  });
});
