import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DecidedStateSnapshots, SNAPSHOT_GROWTH } from './decided-state.snapshots';

describe('when a snapshot of the decided state is due', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-snapshot-due-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const snapshots = (every: number) => new DecidedStateSnapshots({ directory, every });

  it('takes the first after `every` events and the next ones `every` apart while the operation is small', () => {
    const due = snapshots(10_000);
    expect(due.isDue(9_998, -1)).toBe(false);
    expect(due.isDue(9_999, -1)).toBe(true);
    expect(due.isDue(19_998, 9_999)).toBe(false);
    expect(due.isDue(19_999, 9_999)).toBe(true);
  });

  it('waits for a tenth more events than the last snapshot held once that exceeds `every`', () => {
    const due = snapshots(10_000);
    // The last snapshot held 1,000,000 events (revisions 0 to 999,999).
    expect(due.isDue(999_999 + 99_999, 999_999)).toBe(false);
    expect(due.isDue(999_999 + 100_000, 999_999)).toBe(true);
  });

  // Appends of random sizes, a snapshot whenever one is due: the entries encoded over the
  // operation's life stay within 11 per event, and the events past the last snapshot
  // within the interval (plus the batch that crossed it).
  it('keeps the encoding per event bounded and the unsnapshotted tail under a tenth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.array(fc.integer({ min: 1, max: 2_000 }), { minLength: 1, maxLength: 400 }),
        (every, batches) => {
          const due = snapshots(every);
          let revision = -1;
          let snapshotRevision = -1;
          let encoded = 0;
          for (const size of batches) {
            revision += size;
            if (due.isDue(revision, snapshotRevision)) {
              encoded += revision + 1;
              snapshotRevision = revision;
            }
            // A writer restarted now folds fewer than `every` events or a tenth of the operation.
            const bound = Math.max(every, Math.ceil((revision + 1) * SNAPSHOT_GROWTH));
            expect(revision - snapshotRevision).toBeLessThan(bound);
          }
          expect(encoded).toBeLessThanOrEqual(11 * (revision + 1));
        },
      ),
    );
  });
});
