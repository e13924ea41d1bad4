import { v7 as uuidv7 } from 'uuid';
import type { Subscription } from 'rxjs';
import type { JsonObject } from '@timeline/kernel';
import type {
  AllSubscriptionMessage,
  AppendResult,
  EventStore,
  EventToAppend,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { comparePositions, type GlobalPosition } from '../global-position';

/** How an adapter is handed to the contract suite. */
export interface EventStoreContractHarness {
  /**
   * Opens a store. Called once for the whole suite and again by the tests that
   * need a store of their own (closing). Every call must reach the same data, so
   * a store opened later sees what an earlier one wrote. The data may be shared
   * with other users: every test isolates itself with its own random stream names.
   */
  create(): Promise<EventStore>;
  /** Upper bound for a live event to reach a subscriber. Defaults to 5000 ms. */
  readonly liveTimeoutMs?: number;
}

/**
 * The behaviour every EventStore adapter must show, asserted exactly. An adapter
 * is done when this suite passes unchanged against it.
 */
export function describeEventStoreContract(adapterName: string, harness: EventStoreContractHarness): void {
  const liveTimeoutMs = harness.liveTimeoutMs ?? 5000;

  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;

    beforeAll(async () => {
      store = await harness.create();
    });

    afterAll(async () => {
      await store?.close();
    });

    /** Appends one marker event to a stream of its own and returns its position: a fixed point of the log. */
    async function markPosition(prefix: string): Promise<GlobalPosition> {
      return (await store.append(`${prefix}-marker`, [anEvent('Marker')])).position;
    }

    async function readOwn(prefix: string, after: GlobalPosition): Promise<RecordedEvent[]> {
      return store.readAll({ after, filter: { streamNamePrefixes: [prefix] } });
    }

    describe('append and expected revisions', () => {
      it('appends to a new stream and reads back what it was given plus what the store assigned', async () => {
        const stream = uniqueStream();
        const event = anEvent('SeizureRecorded', { seizureId: 'S-1', cashPence: 125000 }, { agency: 'NWP' });

        const result = await store.append(stream, [event], { expectedRevision: 'no_stream' });

        expect(result.nextExpectedRevision).toBe(0);
        const [read] = await store.readStream(stream);
        expect(read).toEqual({
          streamName: stream,
          eventId: event.eventId,
          type: 'SeizureRecorded',
          revision: 0,
          position: result.position,
          data: { seizureId: 'S-1', cashPence: 125000 },
          metadata: { agency: 'NWP' },
          createdAt: expect.stringMatching(ISO_INSTANT),
        });
        expect(Number.isNaN(Date.parse(read.createdAt))).toBe(false);
      });

      it('returns the revision of the last event and the position of the last event of a batch', async () => {
        const stream = uniqueStream();
        const first = await store.append(stream, [anEvent('A'), anEvent('B')], {
          expectedRevision: 'no_stream',
        });
        const second = await store.append(stream, [anEvent('C'), anEvent('D'), anEvent('E')], {
          expectedRevision: 1,
        });

        expect(first.nextExpectedRevision).toBe(1);
        expect(second.nextExpectedRevision).toBe(4);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(events[1].position).toEqual(first.position);
        expect(events[4].position).toEqual(second.position);
      });

      it("'any' appends whether or not the stream exists, and is the default", async () => {
        const stream = uniqueStream();
        expect(
          (await store.append(stream, [anEvent('A')], { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(0);
        expect(
          (await store.append(stream, [anEvent('B')], { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(1);
        expect((await store.append(stream, [anEvent('C')])).nextExpectedRevision).toBe(2);
      });

      it("'no_stream' succeeds on a new stream and conflicts with the actual revision on an existing one", async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent('A'), anEvent('B')], { expectedRevision: 'no_stream' });

        const error = await captureError(
          store.append(stream, [anEvent('C')], { expectedRevision: 'no_stream' }),
        );

        expectWrongRevision(error, stream, 'no_stream', 1);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it("'stream_exists' conflicts with 'no_stream' on a new stream and succeeds on an existing one", async () => {
        const stream = uniqueStream();

        const error = await captureError(
          store.append(stream, [anEvent('A')], { expectedRevision: 'stream_exists' }),
        );

        expectWrongRevision(error, stream, 'stream_exists', 'no_stream');
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
        await store.append(stream, [anEvent('A')]);
        const result = await store.append(stream, [anEvent('B')], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision succeeds when it is current and conflicts with the actual revision otherwise', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent('A'), anEvent('B'), anEvent('C')]);

        expectWrongRevision(
          await captureError(store.append(stream, [anEvent('X')], { expectedRevision: 1 })),
          stream,
          1,
          2,
        );
        expectWrongRevision(
          await captureError(store.append(stream, [anEvent('X')], { expectedRevision: 3 })),
          stream,
          3,
          2,
        );
        expect(
          (await store.append(stream, [anEvent('D')], { expectedRevision: 2 })).nextExpectedRevision,
        ).toBe(3);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      });

      it("an exact revision on a stream that does not exist conflicts with 'no_stream'", async () => {
        const stream = uniqueStream();

        expectWrongRevision(
          await captureError(store.append(stream, [anEvent('A')], { expectedRevision: 0 })),
          stream,
          0,
          'no_stream',
        );
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('idempotency and event ids', () => {
      it('re-appending the same events with the same expected revision returns the original result and writes nothing', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}-s`;
        const start = await markPosition(prefix);
        const batch = [anEvent('A', { n: 1 }), anEvent('B', { n: 2 })];
        const original = await store.append(stream, batch, { expectedRevision: 'no_stream' });

        const retried = await store.append(stream, batch, { expectedRevision: 'no_stream' });

        expect(retried).toEqual(original);
        expect((await readOwn(prefix, start)).map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
      });

      it('re-appending after later writes returns the original result for exact and any revisions', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}-s`;
        const start = await markPosition(prefix);
        await store.append(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
        const second = anEvent('B', { n: 2 });
        const original = await store.append(stream, [second], { expectedRevision: 0 });
        await store.append(stream, [anEvent('C')], { expectedRevision: 1 });

        expect(await store.append(stream, [second], { expectedRevision: 0 })).toEqual(original);
        expect(await store.append(stream, [second], { expectedRevision: 'any' })).toEqual(original);
        expect(await readOwn(prefix, start)).toHaveLength(3);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('a reused event id with other data, type or metadata is a DuplicateEventIdError and writes nothing', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}-s`;
        const start = await markPosition(prefix);
        const event = anEvent('ArrestMade', { arrestId: 'A-1' }, { agency: 'NCA' });
        await store.append(stream, [event], { expectedRevision: 'no_stream' });

        for (const changed of [
          { ...event, data: { arrestId: 'A-2' } },
          { ...event, type: 'ChargeBrought' },
          { ...event, metadata: { agency: 'NWP' } },
        ]) {
          const error = await captureError(
            store.append(stream, [changed], { expectedRevision: 'no_stream' }),
          );
          expect(error).toBeInstanceOf(DuplicateEventIdError);
          expect((error as DuplicateEventIdError).code).toBe('event-store.duplicate-event-id');
          expect((error as DuplicateEventIdError).eventId).toBe(event.eventId);
        }
        expect((await readOwn(prefix, start)).map((e) => e.eventId)).toEqual([event.eventId]);
      });

      it('a reused event id in another stream is a DuplicateEventIdError and creates nothing', async () => {
        const prefix = uniquePrefix();
        const event = anEvent('A');
        await store.append(`${prefix}-one`, [event]);

        const error = await captureError(store.append(`${prefix}-two`, [event]));

        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((error as DuplicateEventIdError).eventId).toBe(event.eventId);
        await expect(store.readStream(`${prefix}-two`)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('a reused event id at another place of the same stream is a DuplicateEventIdError', async () => {
        const stream = uniqueStream();
        const event = anEvent('A');
        await store.append(stream, [event, anEvent('B')], { expectedRevision: 'no_stream' });

        const error = await captureError(store.append(stream, [event], { expectedRevision: 1 }));

        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('refuses an empty batch, a malformed event id and an id repeated within a batch, writing nothing', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}-s`;
        const start = await markPosition(prefix);
        const repeated = anEvent('A');

        for (const events of [
          [],
          [{ ...anEvent('A'), eventId: 'not-a-uuid' }],
          [repeated, { ...repeated, type: 'B' }],
        ]) {
          const error = await captureError(store.append(stream, events));
          expect(error).toBeInstanceOf(InvalidAppendError);
          expect((error as InvalidAppendError).code).toBe('event-store.invalid-append');
        }
        expect(await readOwn(prefix, start)).toEqual([]);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('atomicity', () => {
      it('a batch that fails on one event writes none of its events', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}-s`;
        const start = await markPosition(prefix);
        const existing = anEvent('Existing');
        await store.append(`${prefix}-other`, [existing]);
        const fresh = [anEvent('A'), anEvent('B')];

        const error = await captureError(store.append(stream, [fresh[0], fresh[1], existing, anEvent('C')]));

        expect(error).toBeInstanceOf(DuplicateEventIdError);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
        // The fresh ids were not kept: they can still be appended as new events.
        const result = await store.append(stream, fresh, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(1);
        expect((await readOwn(prefix, start)).map((e) => e.type)).toEqual(['Existing', 'A', 'B']);
      });

      it('a batch refused for its expected revision writes none of its events', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent('A')]);

        await expect(
          store.append(stream, [anEvent('B'), anEvent('C'), anEvent('D')], { expectedRevision: 5 }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A']);
      });
    });

    describe('global log', () => {
      it('assigns strictly increasing positions and reads back in exact commit order', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        const appended: { eventId: string; result: AppendResult }[] = [];
        for (const stream of ['x', 'y', 'x', 'z', 'y', 'x']) {
          const event = anEvent(`In-${stream}`);
          appended.push({
            eventId: event.eventId,
            result: await store.append(`${prefix}-${stream}`, [event]),
          });
        }

        const read = await readOwn(prefix, start);

        expect(read.map((e) => e.eventId)).toEqual(appended.map((a) => a.eventId));
        expect(read.map((e) => e.position)).toEqual(appended.map((a) => a.result.position));
        expect(read.map((e) => `${e.streamName.slice(prefix.length)}@${e.revision}`)).toEqual([
          '-x@0',
          '-y@0',
          '-x@1',
          '-z@0',
          '-y@1',
          '-x@2',
        ]);
        expectStrictlyIncreasing([start, ...read.map((e) => e.position)]);
      });

      it('reads after a position (exclusive), with maxCount, and with stream-prefix and event-type filters combined by AND', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        await store.append(`${prefix}-alpha-1`, [anEvent('X', { i: 1 }), anEvent('Y', { i: 2 })]);
        await store.append(`${prefix}-beta-1`, [anEvent('X', { i: 3 })]);
        await store.append(`${prefix}-alpha-2`, [anEvent('Y', { i: 4 }), anEvent('X', { i: 5 })]);
        await store.append(`${prefix}-gamma`, [anEvent('Z', { i: 6 })]);
        const all = await readOwn(prefix, start);
        const ids = (events: RecordedEvent[]) => events.map((e) => e.data.i);

        expect(ids(all)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(
          ids(await store.readAll({ after: all[2].position, filter: { streamNamePrefixes: [prefix] } })),
        ).toEqual([4, 5, 6]);
        expect(
          ids(await store.readAll({ after: start, maxCount: 2, filter: { streamNamePrefixes: [prefix] } })),
        ).toEqual([1, 2]);
        expect(
          ids(await store.readAll({ after: start, filter: { streamNamePrefixes: [`${prefix}-alpha`] } })),
        ).toEqual([1, 2, 4, 5]);
        expect(
          ids(
            await store.readAll({
              after: start,
              filter: { streamNamePrefixes: [`${prefix}-beta`, `${prefix}-gamma`] },
            }),
          ),
        ).toEqual([3, 6]);
        expect(
          ids(
            await store.readAll({
              after: start,
              filter: { streamNamePrefixes: [prefix], eventTypes: ['Y', 'Z'] },
            }),
          ),
        ).toEqual([2, 4, 6]);
        expect(
          ids(
            await store.readAll({
              after: start,
              maxCount: 1,
              filter: { streamNamePrefixes: [`${prefix}-alpha`], eventTypes: ['X'] },
            }),
          ),
        ).toEqual([1]);
        expect(
          ids(await store.readAll({ after: all[5].position, filter: { streamNamePrefixes: [prefix] } })),
        ).toEqual([]);
      });

      it('without options reads from the start of the log, in order, including this test’s events', async () => {
        const prefix = uniquePrefix();
        const events = [anEvent('A'), anEvent('B')];
        await store.append(`${prefix}-s`, events);

        const all = await store.readAll();

        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(all.filter((e) => e.streamName.startsWith(prefix)).map((e) => e.eventId)).toEqual(
          events.map((e) => e.eventId),
        );
      });

      it('round-trips data and metadata unchanged: unicode, escapes, nesting, numbers, key order', async () => {
        const stream = uniqueStream();
        const data: JsonObject = {
          codename: 'Venetic — Ωmega 日本 🚔',
          escapes: 'quote " backslash \\ newline \n tab \t separator \u2028 nul-free',
          numbers: [0, -1, 1.5, -273.15, 1e21, 5e-7, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
          nested: { z: { y: { x: [1, [2, [3, { deep: true }]]] } }, a: null, empty: {}, none: [] },
          flags: [true, false, null],
          'key with spaces & ünïcode': 'value',
        };
        const metadata: JsonObject = {
          recordedBy: 'analyst@nca',
          agency: 'NCA',
          nested: { list: [{ a: 1 }, { b: 'two' }] },
        };

        await store.append(stream, [{ eventId: uuidv7(), type: 'RoundTrip', data, metadata }]);
        const [read] = await store.readStream(stream);

        expect(read.data).toEqual(data);
        expect(read.metadata).toEqual(metadata);
        expect(JSON.stringify(read.data)).toBe(JSON.stringify(data));
        expect(JSON.stringify(read.metadata)).toBe(JSON.stringify(metadata));
      });
    });

    describe('readStream', () => {
      let stream: string;

      beforeAll(async () => {
        stream = uniqueStream();
        await store.append(
          stream,
          Array.from({ length: 10 }, (_, i) => anEvent('Numbered', { i })),
          { expectedRevision: 'no_stream' },
        );
      });

      const revisions = (events: RecordedEvent[]) => events.map((e) => e.revision);

      it('reads forwards from the start by default', async () => {
        const events = await store.readStream(stream);
        expect(revisions(events)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(events.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('reads forwards from a revision (inclusive) up to maxCount', async () => {
        expect(revisions(await store.readStream(stream, { fromRevision: 3, maxCount: 4 }))).toEqual([
          3, 4, 5, 6,
        ]);
        expect(revisions(await store.readStream(stream, { fromRevision: 8 }))).toEqual([8, 9]);
        expect(revisions(await store.readStream(stream, { maxCount: 2 }))).toEqual([0, 1]);
        expect(await store.readStream(stream, { fromRevision: 10 })).toEqual([]);
      });

      it('reads backwards from the end by default, or from a revision (inclusive), up to maxCount', async () => {
        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))).toEqual([
          9,
        ]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 5, maxCount: 3 })),
        ).toEqual([5, 4, 3]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 1 })),
        ).toEqual([1, 0]);
      });

      it('raises StreamNotFoundError, naming the stream, for a stream that holds no event', async () => {
        const missing = uniqueStream();

        const error = await captureError(store.readStream(missing));

        expect(error).toBeInstanceOf(StreamNotFoundError);
        expect((error as StreamNotFoundError).streamName).toBe(missing);
        expect((error as StreamNotFoundError).code).toBe('event-store.stream-not-found');
        await expect(store.readStream(missing, { direction: 'backwards' })).rejects.toBeInstanceOf(
          StreamNotFoundError,
        );
      });
    });

    describe('subscribeToAll', () => {
      const open: Subscription[] = [];
      afterEach(() => open.splice(0).forEach((s) => s.unsubscribe()));

      function follow(options: SubscribeToAllOptions): Recorder {
        const recorder = new Recorder(liveTimeoutMs);
        open.push(store.subscribeToAll(options).subscribe(recorder.observer));
        return recorder;
      }

      it('delivers the backlog, then exactly one caught-up marker, then live events, in commit order', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        const backlog = [anEvent('B1'), anEvent('B2')];
        await store.append(`${prefix}-a`, backlog);
        const backlog3 = anEvent('B3');
        const lastBacklog = await store.append(`${prefix}-b`, [backlog3]);

        const recorder = follow({ after: start, filter: { streamNamePrefixes: [prefix] } });
        await recorder.waitFor((m) => m.filter((x) => x.kind === 'caught-up').length === 1);
        const live = [anEvent('L1'), anEvent('L2')];
        await store.append(`${prefix}-a`, [live[0]]);
        await store.append(`${prefix}-c`, [live[1]]);
        await recorder.waitFor((m) => m.length === 6);
        await recorder.settle();

        expect(recorder.describe()).toEqual(['B1', 'B2', 'B3', 'caught-up', 'L1', 'L2']);
        const caughtUp = recorder.caughtUpPositions()[0];
        expect(caughtUp).not.toBeNull();
        expect(comparePositions(caughtUp!, lastBacklog.position)).toBeGreaterThanOrEqual(0);
        const liveEvents = recorder.events().slice(3);
        expect(liveEvents.every((e) => comparePositions(e.position, caughtUp!) > 0)).toBe(true);
        expectStrictlyIncreasing(recorder.events().map((e) => e.position));
        expect(recorder.error).toBeUndefined();
      });

      it('starts after the given position and honours event-type filters', async () => {
        const prefix = uniquePrefix();
        await store.append(`${prefix}-s`, [anEvent('Keep', { i: 1 })]);
        const from = await store.append(`${prefix}-s`, [anEvent('Keep', { i: 2 })]);
        await store.append(`${prefix}-s`, [anEvent('Drop', { i: 3 }), anEvent('Keep', { i: 4 })]);

        const recorder = follow({
          after: from.position,
          filter: { streamNamePrefixes: [prefix], eventTypes: ['Keep'] },
        });
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caught-up'));
        await store.append(`${prefix}-s`, [anEvent('Drop', { i: 5 }), anEvent('Keep', { i: 6 })]);
        await recorder.waitFor((m) => m.length === 3);
        await recorder.settle();

        expect(recorder.describe((e) => String(e.data.i))).toEqual(['4', 'caught-up', '6']);
      });

      it('without a filter sees this test’s events among all others, in commit order', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        const events = [anEvent('U1'), anEvent('U2')];
        await store.append(`${prefix}-s`, [events[0]]);

        const recorder = follow({ after: start });
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caught-up'));
        await store.append(`${prefix}-s`, [events[1]]);
        await recorder.waitFor(
          () => recorder.events().filter((e) => e.streamName.startsWith(prefix)).length === 2,
        );

        const own = recorder.messages.filter(
          (m) => m.kind === 'caught-up' || m.event.streamName.startsWith(prefix),
        );
        expect(own.map((m) => (m.kind === 'event' ? m.event.type : m.kind))).toEqual([
          'U1',
          'caught-up',
          'U2',
        ]);
        expectStrictlyIncreasing(recorder.events().map((e) => e.position));
      });

      it('delivers events appended while it is catching up exactly once, without gaps', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        const expected: string[] = [];
        for (let batch = 0; batch < 12; batch++) {
          const events = Array.from({ length: 50 }, (_, i) => anEvent('Backlog', { batch, i }));
          expected.push(...events.map((e) => e.eventId));
          await store.append(`${prefix}-backlog-${batch % 3}`, events);
        }

        const recorder = follow({ after: start, filter: { streamNamePrefixes: [prefix] } });
        // Appended without waiting: some land during catch-up, some after it.
        const concurrent = Array.from({ length: 40 }, (_, i) => anEvent('During', { i }));
        const results = await Promise.all(
          concurrent.map((e, i) => store.append(`${prefix}-during-${i % 4}`, [e])),
        );
        const byPosition = concurrent
          .map((e, i) => ({ id: e.eventId, position: results[i].position }))
          .sort((a, b) => comparePositions(a.position, b.position));
        expected.push(...byPosition.map((e) => e.id));
        await recorder.waitFor(
          () => recorder.events().length === expected.length && recorder.caughtUpPositions().length === 1,
        );
        await recorder.settle();

        expect(recorder.events().map((e) => e.eventId)).toEqual(expected);
        expect(recorder.caughtUpPositions()).toHaveLength(1);
        expectStrictlyIncreasing(recorder.events().map((e) => e.position));
      });

      it('an empty backlog still gives one caught-up marker before live events', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);

        const recorder = follow({ after: start, filter: { streamNamePrefixes: [prefix] } });
        await recorder.waitFor((m) => m.length === 1);
        await store.append(`${prefix}-s`, [anEvent('Live')]);
        await recorder.waitFor((m) => m.length === 2);
        await recorder.settle();

        expect(recorder.describe()).toEqual(['caught-up', 'Live']);
      });

      it('stops delivering once unsubscribed', async () => {
        const prefix = uniquePrefix();
        const start = await markPosition(prefix);
        const recorder = follow({ after: start, filter: { streamNamePrefixes: [prefix] } });
        await recorder.waitFor((m) => m.some((x) => x.kind === 'caught-up'));
        await store.append(`${prefix}-s`, [anEvent('Before')]);
        await recorder.waitFor((m) => m.length === 2);

        open.splice(0).forEach((s) => s.unsubscribe());
        await store.append(`${prefix}-s`, [anEvent('After')]);
        await recorder.settle();

        expect(recorder.describe()).toEqual(['caught-up', 'Before']);
        expect(recorder.completed).toBe(false);
      });
    });

    describe('concurrency', () => {
      it('of writers racing with the same exact revision, exactly one wins each revision; losers learn the actual one', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent('Start')], { expectedRevision: 'no_stream' });
        const rounds = 15;
        const writers = 12;
        const winners: string[] = [];

        for (let expected = 0; expected < rounds; expected++) {
          const candidates = Array.from({ length: writers }, (_, w) => anEvent('Attempt', { expected, w }));
          const outcomes = await Promise.allSettled(
            candidates.map((e) => store.append(stream, [e], { expectedRevision: expected })),
          );

          const won = outcomes.flatMap((o, i) =>
            o.status === 'fulfilled' ? [{ outcome: o.value, id: candidates[i].eventId }] : [],
          );
          expect(won).toHaveLength(1);
          expect(won[0].outcome.nextExpectedRevision).toBe(expected + 1);
          winners.push(won[0].id);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected')
              expectWrongRevision(outcome.reason, stream, expected, expected + 1);
          }
        }

        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: rounds + 1 }, (_, i) => i));
        expect(events.slice(1).map((e) => e.eventId)).toEqual(winners);
      });

      it('free-running writers that read, decide and retry on conflict leave no duplicate and no gap', async () => {
        const stream = uniqueStream();
        await store.append(stream, [anEvent('Start')], { expectedRevision: 'no_stream' });
        const writers = 8;
        const appendsEach = 8;

        const wins = await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const mine: number[] = [];
            while (mine.length < appendsEach) {
              const [head] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
              try {
                const result = await store.append(stream, [anEvent('Work', { w, n: mine.length })], {
                  expectedRevision: head.revision,
                });
                expect(result.nextExpectedRevision).toBe(head.revision + 1);
                mine.push(result.nextExpectedRevision);
              } catch (error) {
                expect(error).toBeInstanceOf(WrongExpectedRevisionError);
                expect((error as WrongExpectedRevisionError).actual).toBeGreaterThan(head.revision);
              }
            }
            return mine;
          }),
        );

        const total = writers * appendsEach;
        expect(wins.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
        expect(new Set(events.map((e) => e.eventId)).size).toBe(total + 1);
        for (let w = 0; w < writers; w++) {
          expect(events.filter((e) => e.data.w === w).map((e) => e.data.n)).toEqual(
            Array.from({ length: appendsEach }, (_, n) => n),
          );
        }
      });
    });

    describe('describe and close', () => {
      it('describes its kind, location and a head at or beyond the last append', async () => {
        const result = await store.append(uniqueStream(), [anEvent('A')]);

        const description = await store.describe();

        expect(['sqlite', 'eventstoredb']).toContain(description.kind);
        expect(description.location.length).toBeGreaterThan(0);
        expect(description.headPosition).not.toBeNull();
        expect(comparePositions(description.headPosition!, result.position)).toBeGreaterThanOrEqual(0);
      });

      it('close finishes appends in flight, is idempotent, and refuses appends afterwards', async () => {
        const own = await harness.create();
        const stream = uniqueStream();
        const events = Array.from({ length: 20 }, (_, i) => anEvent('InFlight', { i }));

        const inFlight = events.map((e) => own.append(stream, [e]));
        await own.close();
        const settled = await Promise.allSettled(inFlight);
        await own.close();

        expect(settled.map((s) => s.status)).toEqual(events.map(() => 'fulfilled'));
        const refused = await captureError(own.append(stream, [anEvent('Late')]));
        expect(refused).toBeInstanceOf(EventStoreUnavailableError);
        expect((await store.readStream(stream)).map((e) => e.eventId).sort()).toEqual(
          events.map((e) => e.eventId).sort(),
        );
      });
    });
  });
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Random stream names keep each test independent of whatever else the store holds. */
function uniquePrefix(): string {
  return `contract_${uuidv7().replace(/-/g, '')}`;
}

function uniqueStream(): string {
  return `${uniquePrefix()}-s`;
}

function anEvent(
  type: string,
  data: JsonObject = {},
  metadata: JsonObject = { source: 'contract' },
): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata };
}

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

function expectWrongRevision(error: unknown, stream: string, expected: unknown, actual: unknown): void {
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  const conflict = error as WrongExpectedRevisionError;
  expect(conflict.code).toBe('event-store.wrong-expected-revision');
  expect({ streamName: conflict.streamName, expected: conflict.expected, actual: conflict.actual }).toEqual({
    streamName: stream,
    expected,
    actual,
  });
}

function expectStrictlyIncreasing(positions: GlobalPosition[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (comparePositions(positions[i - 1], positions[i]) >= 0) {
      throw new Error(
        `positions are not strictly increasing at index ${i}: ${String(positions[i - 1].commit)} then ${String(positions[i].commit)}`,
      );
    }
  }
}

/** Records what a subscription emits and waits for conditions on it. */
class Recorder {
  readonly messages: AllSubscriptionMessage[] = [];
  error: unknown;
  completed = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly timeoutMs: number) {}

  readonly observer = {
    next: (message: AllSubscriptionMessage) => {
      this.messages.push(message);
      this.waiters.forEach((wake) => wake());
    },
    error: (error: unknown) => {
      this.error = error;
      this.waiters.forEach((wake) => wake());
    },
    complete: () => {
      this.completed = true;
      this.waiters.forEach((wake) => wake());
    },
  };

  events(): RecordedEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
  }

  caughtUpPositions(): (GlobalPosition | null)[] {
    return this.messages.flatMap((m) => (m.kind === 'caught-up' ? [m.position] : []));
  }

  describe(label: (event: RecordedEvent) => string = (e) => e.type): string[] {
    return this.messages.map((m) => (m.kind === 'event' ? label(m.event) : m.kind));
  }

  waitFor(condition: (messages: AllSubscriptionMessage[]) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.error !== undefined) return finish(() => reject(this.error));
        if (condition(this.messages)) return finish(resolve);
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `subscription did not reach the expected state in ${this.timeoutMs} ms; got ${this.describe().join(', ')}`,
              ),
            ),
          ),
        this.timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        then();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Gives a subscription time to deliver anything it should not (a duplicate, a late event). */
  settle(ms = 150): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
