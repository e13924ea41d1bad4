import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { filter as rxFilter, firstValueFrom, take, toArray } from 'rxjs';
import type { Worker } from 'node:worker_threads';
import type { EventToAppend, GlobalLogFilter, RecordedEvent } from '../event-store.port';
import { formatPosition, type GlobalPosition } from '../global-position';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store';

/**
 * The read-ahead thread only changes where pages of a long sequential read are
 * read. These tests page through logs while it is engaged and check that every
 * read returns what a read on the main thread returns at that moment.
 */
const directory = mkdtempSync(join(tmpdir(), 'timeline-sqlite-read-ahead-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let counter = 0;
const freshFile = () => join(directory, `store-${++counter}.db`);

function events(count: number, type = 'Counted'): EventToAppend[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: uuidv7(),
    type: i % 3 === 0 ? `${type}Third` : type,
    data: { i },
    metadata: { source: 'read-ahead-int-spec' },
  }));
}

async function appendMany(store: SqliteEventStore, count: number, streams = 5): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    await store.append(`s-${(done / 100) % streams}`, events(Math.min(100, count - done)));
  }
}

/** Opens a store on a fresh file, runs `body` with it and closes it, whatever happens. */
async function withStore(
  options: Omit<SqliteEventStoreOptions, 'file'>,
  body: (store: SqliteEventStore) => Promise<void>,
): Promise<void> {
  const store = await SqliteEventStore.open({ ...options, file: freshFile() });
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

const ids = (list: readonly RecordedEvent[]) => list.map((e) => e.eventId);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pages through the log from `after` until a page comes back empty. */
async function pageThrough(
  store: SqliteEventStore,
  pageSize: number,
  options: {
    after?: GlobalPosition;
    filter?: GlobalLogFilter;
    between?: (page: number) => Promise<void>;
  } = {},
): Promise<RecordedEvent[]> {
  const read: RecordedEvent[] = [];
  let after = options.after;
  for (let page = 0; ; page++) {
    const events = await store.readAll({ after, maxCount: pageSize, filter: options.filter });
    if (events.length === 0) return read;
    read.push(...events);
    after = events.at(-1)!.position;
    await options.between?.(page);
  }
}

/** Pages through until pages were handed over from the read-ahead thread (it starts on the first sequential read). */
async function engage(store: SqliteEventStore, pageSize: number, filter?: GlobalLogFilter): Promise<void> {
  for (let attempt = 0; attempt < 50 && store.metrics().readAheadPages === 0; attempt++) {
    await pageThrough(store, pageSize, { filter });
    await pause(20);
  }
  expect(store.metrics().readAheadPages).toBeGreaterThan(0);
}

describe('SqliteEventStore read-ahead', () => {
  it('pages read ahead are the pages a read on the main thread gives, filtered or not', () =>
    withStore({}, async (store) => {
      await appendMany(store, 2_000);
      const whole = await store.readAll();
      await engage(store, 50);
      const servedBefore = store.metrics().readAheadPages;
      expect(ids(await pageThrough(store, 50))).toEqual(ids(whole));
      // Once the thread runs, a read is sequential from its second page on: the rest come from the thread.
      expect(store.metrics().readAheadPages - servedBefore).toBeGreaterThanOrEqual(40 - 2);

      const filter = { eventTypes: ['CountedThird'] };
      const filtered = await store.readAll({ filter });
      expect(filtered.length).toBeGreaterThan(600);
      await engage(store, 40, filter);
      expect(ids(await pageThrough(store, 40, { filter }))).toEqual(ids(filtered));
      // The same page size without the filter is another read, not served from the filtered one.
      expect(ids(await pageThrough(store, 40))).toEqual(ids(whole));
      expect(store.metrics().readAheadFailures).toBe(0);
    }));

  it('appends made between pages are read once, in order, whatever was read ahead', () =>
    withStore({}, async (store) => {
      await appendMany(store, 1_500);
      await engage(store, 50);
      const read = await pageThrough(store, 50, {
        between: async (page) => {
          if (page % 4 === 0) await store.append('late', events(7, 'Late'));
          if (page % 5 === 0) await pause(5);
        },
      });
      const whole = await store.readAll();
      expect(ids(read)).toEqual(ids(whole));
      expect(new Set(ids(read)).size).toBe(read.length);
    }));

  it('never hands out a short page read ahead: an event acknowledged before a read is in it', () =>
    withStore({}, async (store) => {
      // 10 full pages of 50 and a short one of 5.
      await appendMany(store, 505, 1);
      await engage(store, 50);
      const all = await store.readAll();
      // Take 8 pages sequentially; the thread reads on to the end, short page included.
      let after: GlobalPosition | undefined;
      for (let page = 0; page < 8; page++) {
        const events = await store.readAll({ after, maxCount: 50 });
        after = events.at(-1)!.position;
      }
      await pause(200);
      const [acknowledged] = events(1, 'Acknowledged');
      await store.append('s-0', [acknowledged]);
      const ninth = await store.readAll({ after, maxCount: 50 });
      const tenth = await store.readAll({ after: ninth.at(-1)!.position, maxCount: 50 });
      const last = await store.readAll({ after: tenth.at(-1)!.position, maxCount: 50 });
      expect(ids([...ninth, ...tenth])).toEqual(ids(all.slice(400, 500)));
      expect(ids(last)).toEqual([...ids(all.slice(500)), acknowledged.eventId]);
    }));

  it('a subscription catching up over many pages while appends go on receives every event once, in order', () =>
    withStore({ subscriptionPageSize: 25 }, async (store) => {
      await appendMany(store, 3_000);
      await engage(store, 25);
      const servedBefore = store.metrics().readAheadPages;
      const received = firstValueFrom(
        store.subscribeToAll().pipe(
          rxFilter((message) => message.kind === 'event'),
          take(3_300),
          toArray(),
        ),
      );
      for (let i = 0; i < 30; i++) await store.append('live', events(10, 'Live'));
      const got = (await received).map((message) => (message.kind === 'event' ? message.event : null)!);
      const whole = await store.readAll();
      expect(ids(got)).toEqual(ids(whole));
      expect(got.map((e) => formatPosition(e.position))).toEqual(
        whole.map((e) => formatPosition(e.position)),
      );
      expect(store.metrics().readAheadPages).toBeGreaterThan(servedBefore);
    }));

  it('when the thread dies, readers waiting for a page read it themselves and the failure is counted', () =>
    withStore({}, async (store) => {
      await appendMany(store, 1_000);
      const whole = await store.readAll();
      await engage(store, 50);
      // The thread is internal; reaching it here is the only way to make it die mid-read.
      const worker = (store as unknown as { readAhead: { worker: Worker | null } }).readAhead.worker!;
      const read = await pageThrough(store, 50, {
        between: async (page) => {
          if (page === 3) await worker.terminate();
        },
      });
      expect(ids(read)).toEqual(ids(whole));
      expect(store.metrics().readAheadFailures).toBe(1);
      expect(ids(await pageThrough(store, 50))).toEqual(ids(whole));
    }));

  it('with readAheadPages 0 every page is read on the calling thread', () =>
    withStore({ readAheadPages: 0 }, async (store) => {
      await appendMany(store, 600);
      for (let pass = 0; pass < 3; pass++) await pageThrough(store, 50);
      expect(store.metrics().readAheadPages).toBe(0);
    }));
});
