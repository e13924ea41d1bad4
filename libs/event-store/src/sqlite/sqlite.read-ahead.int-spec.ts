import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { filter as rxFilter, firstValueFrom, take, toArray } from 'rxjs';
import type { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import type { JsonObject } from '@timeline/kernel';
import type { EventToAppend, GlobalLogFilter, RecordedEvent } from '../event-store.port';
import { formatPosition, type GlobalPosition } from '../global-position';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store';
import { SqliteReadAhead } from './sqlite.read-ahead';
import type { SequentialRead } from './sqlite.reader';

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

/**
 * Opens a store on a fresh file, runs `body` with it and closes it, whatever happens. Pages are
 * read ahead whatever the machine's load, unless the options say otherwise.
 */
async function withStore(
  options: Omit<SqliteEventStoreOptions, 'file'>,
  body: (store: SqliteEventStore) => Promise<void>,
): Promise<void> {
  const store = await SqliteEventStore.open({ readAheadWhen: 'always', ...options, file: freshFile() });
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

/** Walks a stream forwards in pages of `pageSize` until a page comes back short. */
async function walkStream(
  store: SqliteEventStore,
  stream: string,
  pageSize: number,
): Promise<RecordedEvent[]> {
  const read: RecordedEvent[] = [];
  for (let fromRevision = 0; ;) {
    const events = await store.readStream(stream, { fromRevision, maxCount: pageSize });
    read.push(...events);
    if (events.length < pageSize) return read;
    fromRevision = events.at(-1)!.revision + 1;
  }
}

/** Pages through until pages were handed over from the read-ahead thread (it starts on the first sequential read). */
async function engage(store: SqliteEventStore, pageSize: number, filter?: GlobalLogFilter): Promise<void> {
  // The thread compiles its sources with SWC here, which takes a while on a loaded machine.
  for (let attempt = 0; attempt < 500 && store.metrics().readAheadPages === 0; attempt++) {
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
  it('a walk through one stream in pages is read on the calling thread, never ahead', () =>
    withStore({}, async (store) => {
      await appendMany(store, 3_000, 3);
      const whole = await store.readStream('s-1');
      expect(whole).toHaveLength(1_000);
      // The thread is up and serving the log, yet a stream's pages are read where they are asked for.
      await engage(store, 20);
      const served = store.metrics().readAheadPages;
      for (let pass = 0; pass < 5; pass++) {
        expect(await walkStream(store, 's-1', 50)).toEqual(whole);
        await pause(20);
      }
      expect(store.metrics().readAheadPages).toBe(served);
    }));

  it('a walk that never yields to the event loop still gets its pages read ahead once the thread is up', () =>
    withStore({}, async (store) => {
      await appendMany(store, 1_000, 1);
      const whole = await store.readAll();
      // Only awaits of reads that settle at once: no timer, no I/O between walks. The thread
      // compiles its sources with SWC here, slow on a loaded machine: the bound is generous.
      for (let walk = 0; walk < 30_000 && store.metrics().readAheadPages === 0; walk++)
        expect(await pageThrough(store, 50)).toHaveLength(whole.length);
      expect(store.metrics().readAheadPages).toBeGreaterThan(0);
      expect(await pageThrough(store, 50)).toEqual(whole);
    }));

  it('under a-core-is-free, pages are read on the calling thread while no core is free, and counted', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open({ file });
    await appendMany(store, 300, 1);
    let free = false;
    const readAhead = new SqliteReadAhead(file, 2, 'a-core-is-free', () => free);
    const log: SequentialRead = { filter: undefined };
    try {
      // Two sequential full pages: the second would start a cursor.
      readAhead.noteRead(log, 0, 50, 50, 50);
      readAhead.noteRead(log, 50, 50, 50, 100);
      readAhead.noteRead(log, 100, 50, 50, 150);
      expect(readAhead.metrics.readAheadDeclinedPages).toBe(2);
      expect(readAhead.take(log, 150, 50)).toBeUndefined();
      // Once a core is free, the next sequential page starts the thread and then a cursor.
      free = true;
      for (let attempt = 0; attempt < 500 && readAhead.metrics.readAheadPages === 0; attempt++) {
        readAhead.noteRead(log, 0, 50, 50, 50);
        readAhead.noteRead(log, 50, 50, 50, 100);
        const page = await readAhead.take(log, 100, 50);
        if (page) expect(page.map((row) => row[0])).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
        else await pause(20);
      }
      expect(readAhead.metrics.readAheadPages).toBe(1);
      expect(readAhead.metrics.readAheadDeclinedPages).toBe(2);
    } finally {
      await readAhead.close();
      await store.close();
    }
  });
});

/** Text that is hard to carry intact: any code point, lone surrogates, escapes, and large. */
const awkwardText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
    maxLength: 4,
  }),
  fc.constantFrom('', '"', '\\', '\u0000', '\n\t', '\u2028\u2029', '🚓 Ωmega ñ 中文', '],["'),
  fc
    .tuple(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
      fc.integer({ min: 20_000, max: 60_000 }),
    )
    .map(([unit, times]) => unit.repeat(times)),
);
/** A body as JSON carries it (the store keeps JSON text: a generated -0, for one, is stored as 0). */
const body: fc.Arbitrary<JsonObject> = fc
  .record({
    text: awkwardText,
    value: fc.jsonValue({ maxDepth: 2 }),
    members: fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), awkwardText, { maxKeys: 3 }),
  })
  .map((value) => JSON.parse(JSON.stringify(value)) as JsonObject);

describe('SqliteEventStore read-ahead hand-off', () => {
  it('hands every page over intact and in order: random bodies, unicode, large bodies, empty and exact ends (property)', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open({ file, readAheadWhen: 'always' });
    // The oracle reads the same file on its own thread only.
    const oracle = await SqliteEventStore.open({ file, readOnly: true, readAheadPages: 0 });
    try {
      await appendMany(store, 400, 1);
      await engage(store, 20);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(body, body), { maxLength: 40 }),
          fc.integer({ min: 1, max: 8 }),
          async (bodies, pageSize) => {
            const stream = `hand-off-${++run}/stream`;
            const after = (await store.describe()).headPosition ?? undefined;
            for (let at = 0; at < bodies.length; at += 7)
              await store.append(
                stream,
                bodies
                  .slice(at, at + 7)
                  .map(([data, metadata]) => ({ eventId: uuidv7(), type: 'Carried', data, metadata })),
              );
            const filter = { streamNamePrefixes: [`hand-off-${run}/`] };
            const log = await oracle.readAll({ after, filter });
            expect(log).toHaveLength(bodies.length);
            expect(log.map((event) => [event.data, event.metadata])).toEqual(bodies);
            for (let pass = 0; pass < 3; pass++) {
              expect(await pageThrough(store, pageSize, { after, filter })).toEqual(log);
            }
          },
        ),
        // Large bodies make shrinking slow; the first counterexample says enough.
        { numRuns: 30, endOnFailure: true },
      );
      // The property held over pages that crossed from the thread, not only over pages read here.
      expect(store.metrics().readAheadPages).toBeGreaterThan(20);
      expect(store.metrics().readAheadFailures).toBe(0);
    } finally {
      await oracle.close();
      await store.close();
    }
  }, 120_000);
});

describe('a process reading with the read-ahead thread', () => {
  const ROOT = join(__dirname, '..', '..', '..', '..');

  it('runs until its read ends, though the thread never keeps it alive on its own', async () => {
    const file = freshFile();
    const writer = await SqliteEventStore.open({ file });
    await appendMany(writer, 3_000);
    await writer.close();
    // A read-only store has no writer: while the reader awaits a page from the
    // read-ahead thread, nothing else keeps the child's event loop alive.
    const script = `
      const { SqliteEventStore } = require(${JSON.stringify(join(__dirname, 'sqlite.event-store.ts'))});
      (async () => {
        const store = await SqliteEventStore.open({ file: ${JSON.stringify(file)}, readOnly: true, readAheadWhen: 'always' });
        // Walks the log until pages come from the thread (it starts on the first walk), then once more.
        const walk = async () => {
          let after;
          let count = 0;
          for (;;) {
            const page = await store.readAll({ after, maxCount: 50 });
            if (page.length === 0) return count;
            count += page.length;
            after = page[page.length - 1].position;
          }
        };
        for (let walks = 0; walks < 2000 && store.metrics().readAheadPages === 0; walks++) await walk();
        const count = await walk();
        process.stdout.write('read ' + count + ' ' + (store.metrics().readAheadPages > 0) + '\\n');
        await store.close();
      })().catch((error) => { console.error(error); process.exit(2); });
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
      { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
    );
    expect(stdout).toBe('read 3000 true\n');
  });
});
