import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreUnavailableError, SqliteEventStore } from '@timeline/event-store';
import { FileProjectionCheckpointStore } from '@timeline/projections';
import { mountTmpfs, type Tmpfs } from './tmpfs';

const anEvent = (n: number, bytes = 200) => ({
  eventId: uuidv7(),
  type: 'Recorded',
  data: { n, note: 'x'.repeat(bytes) },
  metadata: {},
});

/** Fills the file system with one file until it is full; returns the file (remove it to free the space). */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

/** Appends one at a time until one is refused; returns the ns acknowledged and the refusal. */
async function appendUntilRefused(store: SqliteEventStore, from: number, limit: number) {
  const acknowledged: number[] = [];
  for (let n = from; n < from + limit; n++) {
    try {
      await store.append('full', [anEvent(n, 2000)]);
      acknowledged.push(n);
    } catch (error) {
      return { acknowledged, refusal: error as Error };
    }
  }
  return { acknowledged, refusal: null };
}

describe('a full disk', () => {
  it('(injected in the writer) refuses appends as unavailable, keeps reads, resumes without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeline-disk-full-'));
    const store = await SqliteEventStore.open({ file: join(dir, 'events.db') });
    try {
      await store.append('s', [anEvent(1)]);
      store.injectWriterFaults({ diskFull: true });
      const refused = await store.append('s', [anEvent(2)]).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EventStoreUnavailableError);
      expect((refused as Error).message).toBe(
        'The event store is unavailable: the transaction failed: the disk is full (database or disk is full)',
      );
      expect((await store.readAll()).map((event) => event.data['n'])).toEqual([1]);
      expect((await store.describe()).writesRefused?.reason).toContain('the disk is full');

      store.injectWriterFaults({});
      await store.append('s', [anEvent(3)]);
      expect((await store.readAll()).map((event) => event.data['n'])).toEqual([1, 3]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on a real, small file system', () => {
    let tmpfs: Tmpfs | undefined;
    beforeAll(() => {
      const mounted = mountTmpfs('3m');
      if ('cannot' in mounted) {
        console.log(`skipped: no size-limited file system for the disk-full test: ${mounted.cannot}`);
        return;
      }
      tmpfs = mounted;
    });
    afterAll(() => tmpfs?.unmount());

    it('refuses appends once full, keeps store and checkpoints readable, resumes once space returns', async () => {
      if (!tmpfs) return;
      const file = join(tmpfs.dir, 'events.db');
      const checkpoints = new FileProjectionCheckpointStore({ directory: join(tmpfs.dir, 'projections') });
      const state = Array.from({ length: 50 }, (_, i) => ({ part: i, text: 'y'.repeat(1000) }));
      await checkpoints.save({ name: 'picture', version: 1, position: '1', eventCount: 1, state });

      const store = await SqliteEventStore.open({ file });
      let filler: string | null = null;
      try {
        await store.append('full', [anEvent(0, 2000)]);
        filler = fill(tmpfs.dir);
        const first = await appendUntilRefused(store, 1, 2000);
        expect(first.refusal).toBeInstanceOf(EventStoreUnavailableError);
        expect(first.refusal!.message).toMatch(/the disk is full|the disk failed a read or write/);

        // Reads go on; the checkpoint cannot be replaced, and the old one is intact, with no leftover.
        expect((await store.readAll()).length).toBe(1 + first.acknowledged.length);
        await expect(
          checkpoints.save({ name: 'picture', version: 1, position: '2', eventCount: 2, state }),
        ).rejects.toMatchObject({ code: 'ENOSPC' });
        expect((await checkpoints.load('picture'))?.position).toBe('1');
        expect(readdirSync(join(tmpfs.dir, 'projections'))).toEqual(['picture.checkpoint.ndjson']);

        // Space returns: appends are taken again by the same store, no restart.
        unlinkSync(filler);
        filler = null;
        const resumed = await appendUntilRefused(store, 10_000, 5);
        expect([resumed.refusal, resumed.acknowledged.length]).toEqual([null, 5]);

        const expected = [0, ...first.acknowledged, ...resumed.acknowledged];
        expect((await store.readAll()).map((event) => event.data['n'])).toEqual(expected);
        await store.close();
        const check = new Database(file, { readonly: true });
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        check.close();
        const reopened = await SqliteEventStore.open({ file });
        expect((await reopened.readAll()).map((event) => event.data['n'])).toEqual(expected);
        await reopened.close();
      } finally {
        if (filler) unlinkSync(filler);
        await store.close();
      }
    }, 60_000);
  });
});
