import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEAF_ID_BYTES, LeafIdIndex, leafIdOf } from './merkle-leaf-ids';

/** The event ids beside the leaf file: every id found at its leaf, across growth and reopening. */
describe('LeafIdIndex', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'timeline-leaf-ids-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const idOf = (n: number): string =>
    n % 7 === 3
      ? `not-a-uuid-${n}`
      : `0190a6f0-${(n % 65536).toString(16).padStart(4, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`;

  it('finds each of 5,000 ids at its leaf, after growing and after reopening cut to the leaf file', async () => {
    const file = join(dir, 'merkle', 'leaf-ids.bin');
    const index = LeafIdIndex.open(file, 0);
    for (let start = 0; start < 5_000; start += 313)
      index.append(Array.from({ length: Math.min(313, 5_000 - start) }, (_, i) => leafIdOf(idOf(start + i))));
    expect(index.size).toBe(5_000);
    for (let n = 0; n < 5_000; n += 1) expect(index.indexOf(idOf(n))).toBe(n);
    expect(index.indexOf(idOf(5_000))).toBeNull();
    expect(index.indexOf('0190A6F0-0000-7000-8000-000000000000')).toBe(0);
    index.close();

    // The leaf file holds fewer leaves (its torn tail was cut): the ids beyond them go too.
    const reopened = LeafIdIndex.open(file, 4_000);
    expect(reopened.size).toBe(4_000);
    expect((await stat(file)).size).toBe(4_000 * LEAF_ID_BYTES);
    expect(reopened.indexOf(idOf(3_999))).toBe(3_999);
    expect(reopened.indexOf(idOf(4_000))).toBeNull();
    reopened.append([leafIdOf(idOf(4_500))]);
    expect(reopened.indexOf(idOf(4_500))).toBe(4_000);
    reopened.close();
  });
});
