import { v7 as uuidv7 } from 'uuid';
import type { Subscription } from 'rxjs';
import { EventStoreDbTestServer } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-server';
import type { AllSubscriptionMessage, EventToAppend } from '../event-store.port';
import {
  DuplicateEventIdError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { comparePositions, formatPosition, parsePosition } from '../global-position';
import { EventStoreDbEventStore, InvalidReadError } from './eventstoredb.event-store';
import type { EventStoreDbOptions } from './eventstoredb.options';

// gRPC round trips on a shared, loaded machine: far above Jest's 5 s default, far below a hang.
jest.setTimeout(60_000);

function anEvent(type: string, data: Record<string, number | string> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata: { source: 'eventstoredb-int-spec' } };
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

let counter = 0;
const streamName = (label: string) => `${label}-${++counter}-${uuidv7().slice(-12)}`;

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** Collects subscription messages and waits for conditions on them. */
class Messages {
  readonly received: AllSubscriptionMessage[] = [];
  error: unknown;
  readonly subscription: Subscription;

  constructor(source: ReturnType<EventStoreDbEventStore['subscribeToAll']>) {
    this.subscription = source.subscribe({
      next: (message) => this.received.push(message),
      error: (error) => (this.error = error),
    });
  }

  labels(): string[] {
    return this.received.map((m) => (m.kind === 'event' ? String(m.event.data.i ?? m.event.type) : m.kind));
  }

  async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.error !== undefined) throw this.error;
      if (Date.now() > deadline) throw new Error(`timed out; received ${this.labels().join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

describe('EventStoreDbEventStore (adapter specifics, over the protocol test server)', () => {
  let server: EventStoreDbTestServer;
  const open: EventStoreDbEventStore[] = [];
  const openStore = async (options: Partial<EventStoreDbOptions> = {}) => {
    const store = await EventStoreDbEventStore.open({
      connectionString: server.connectionString,
      ...options,
    });
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    server = await EventStoreDbTestServer.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await server.stop();
  });

  describe('error mapping', () => {
    it.each([
      ['BatchAppend', {}],
      ['Append', { serverFeatures: false }],
    ])('maps a refused %s to the port errors, each with its context', async (path, serverOptions) => {
      await server.stop();
      server = await EventStoreDbTestServer.start(serverOptions);
      const store = await openStore({ retry: { budgetMs: 0 } });
      const stream = streamName('errors');
      await store.append(stream, [anEvent('A')]);

      const conflict = await captureError(store.append(stream, [anEvent('B')], { expectedRevision: 5 }));
      expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
      expect(conflict).toMatchObject({ streamName: stream, expected: 5, actual: 0 });

      server.injectFault('append', 'access-denied');
      const denied = await captureError(store.append(stream, [anEvent('B')]));
      expect(denied).toBeInstanceOf(EventStoreAccessDeniedError);
      expect((denied as Error).message).toBe(
        `The event store refused append to ${stream}: access denied for the configured credentials`,
      );

      server.injectFault('append', 'timeout');
      const timedOut = await captureError(store.append(stream, [anEvent('B')]));
      expect(timedOut).toBeInstanceOf(EventStoreUnavailableError);
      // The client decodes BatchAppend's Timeout status as a deadline, Append's ABORTED as a timeout.
      expect((timedOut as Error).message).toContain(
        path === 'BatchAppend' ? 'did not complete before its deadline' : 'timed out in the cluster',
      );

      server.injectFault('append', 'deadline-exceeded');
      const late = await captureError(store.append(stream, [anEvent('B')]));
      expect(late).toBeInstanceOf(EventStoreUnavailableError);
      expect((late as Error).message).toContain('did not complete before its deadline');

      server.injectFault('append', 'not-leader');
      const noLeader = await captureError(store.append(stream, [anEvent('B')]));
      expect(noLeader).toBeInstanceOf(EventStoreUnavailableError);
      expect((noLeader as Error).message).toContain(
        `the node is not the leader (leader: ${server.endpoint})`,
      );

      server.injectFault('append', 'unavailable');
      expect(await captureError(store.append(stream, [anEvent('B')]))).toBeInstanceOf(
        EventStoreUnavailableError,
      );

      // Nothing of the refused appends was written.
      expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A']);
      expect(path === 'BatchAppend' ? server.calls.batchAppend : server.calls.append).toBeGreaterThan(0);
      expect(path === 'BatchAppend' ? server.calls.append : server.calls.batchAppend).toBe(0);
    });

    it('resends an append after a lost leader or an unavailable node, and the resend is idempotent', async () => {
      const store = await openStore();
      const stream = streamName('retry');
      server.injectFault('append', 'not-leader');
      server.injectFault('append', 'unavailable');

      const result = await store.append(stream, [anEvent('A', { i: 1 })], { expectedRevision: 'no_stream' });

      expect(result.nextExpectedRevision).toBe(0);
      expect((await store.readStream(stream)).map((e) => e.data.i)).toEqual([1]);
    });

    it('maps access denied on reads, deleted streams and missing streams', async () => {
      const store = await openStore();
      const stream = streamName('deleted');
      await store.append(stream, [anEvent('A')]);
      server.log.tombstone(stream);

      expect(await captureError(store.append(stream, [anEvent('B')]))).toEqual(
        new StreamDeletedError(stream),
      );
      expect(await captureError(store.readStream(stream))).toEqual(new StreamDeletedError(stream));
      expect(await captureError(store.readStream(streamName('missing')))).toBeInstanceOf(StreamNotFoundError);
      server.injectFault('read', 'access-denied');
      expect(await captureError(store.readAll())).toBeInstanceOf(EventStoreAccessDeniedError);
    });

    it('refuses reserved names and bad read arguments before reaching the server', async () => {
      const store = await openStore();
      const appendsBefore = server.calls.batchAppend + server.calls.append;

      expect(await captureError(store.append('$$operation-1', [anEvent('A')]))).toBeInstanceOf(
        InvalidAppendError,
      );
      expect(await captureError(store.append('operation-1', [anEvent('$metadata')]))).toBeInstanceOf(
        InvalidAppendError,
      );
      expect(await captureError(store.readStream('operation-1', { maxCount: -1 }))).toBeInstanceOf(
        InvalidReadError,
      );
      expect(await captureError(store.readAll({ maxCount: 1.5 }))).toBeInstanceOf(InvalidReadError);
      expect(server.calls.batchAppend + server.calls.append).toBe(appendsBefore);
    });

    it('fails to open with a typed error when no node answers', async () => {
      await server.stop();
      const error = await captureError(
        EventStoreDbEventStore.open({ connectionString: server.connectionString, retry: { budgetMs: 0 } }),
      );
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      server = await EventStoreDbTestServer.start();
    });
  });

  describe('subscriptions', () => {
    it('hands the backlog on in pages, each in one go, then follows live on one subscription', async () => {
      const store = await openStore({ catchUpPageSize: 10 });
      const prefix = streamName('pages');
      for (let i = 0; i < 25; i++) await store.append(`${prefix}-${i % 2}`, [anEvent('Backlog', { i })]);
      const readsBefore = server.calls.read;
      const subscribesBefore = server.calls.subscribe;
      // What arrives within one turn of the event loop: a page is handed on synchronously.
      const turns: string[][] = [];
      let turn: string[] | null = null;
      const subscription = store.subscribeToAll({ filter: { streamNamePrefixes: [prefix] } }).subscribe({
        next: (message) => {
          if (turn === null) {
            turn = [];
            turns.push(turn);
            queueMicrotask(() => (turn = null));
          }
          turn.push(message.kind === 'event' ? String(message.event.data.i) : message.kind);
        },
      });
      const labels = () => turns.flat();
      const until = async (condition: () => boolean) => {
        for (const deadline = Date.now() + 5000; !condition(); await new Promise((r) => setTimeout(r, 10)))
          if (Date.now() > deadline) throw new Error(`timed out; received ${labels().join(', ')}`);
      };
      await until(() => labels().includes('caught-up'));
      const backlogReads = server.calls.read - readsBefore;
      await store.append(`${prefix}-live`, [anEvent('Live', { i: 25 })]);
      await until(() => labels().length === 27);
      subscription.unsubscribe();

      expect(labels()).toEqual([...Array.from({ length: 25 }, (_, i) => String(i)), 'caught-up', '25']);
      const backlogTurns = turns.filter((delivered) => delivered.some((label) => Number(label) < 25));
      expect(
        backlogTurns.map((delivered) => delivered.filter((label) => label !== 'caught-up').length),
      ).toEqual([10, 10, 5]);
      // Three pages (the last one short) besides the read of the backlog's end, then one subscription.
      expect(backlogReads).toBe(4);
      expect(server.calls.subscribe - subscribesBefore).toBe(1);
    });

    it('resumes after drops from the last delivered position, without a gap or a duplicate', async () => {
      const store = await openStore({ resubscribe: { initialDelayMs: 5, maxDelayMs: 20 } });
      const prefix = streamName('resume');
      // The backlog is read in pages; the live subscription is what the node drops.
      server.dropSubscriptionsAfter(7);
      const messages = new Messages(store.subscribeToAll({ filter: { streamNamePrefixes: [prefix] } }));
      await messages.until(() => messages.received.some((m) => m.kind === 'caught-up'));
      for (let i = 0; i < 30; i++) await store.append(`${prefix}-${i % 3}`, [anEvent('Live', { i })]);
      await messages.until(() => messages.received.length === 31);
      server.dropSubscriptionsAfter(null);
      server.dropSubscriptions();
      for (let i = 30; i < 35; i++) await store.append(`${prefix}-live`, [anEvent('Live', { i })]);
      await messages.until(() => messages.received.length === 36);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect(messages.labels()).toEqual(['caught-up', ...Array.from({ length: 35 }, (_, i) => String(i))]);
      expect(server.calls.subscribe).toBeGreaterThanOrEqual(4);
      messages.subscription.unsubscribe();
    });

    it('ends with the mapped error when the failure is permanent, and after its attempts when it persists', async () => {
      const store = await openStore({ resubscribe: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
      server.injectFault('subscribe', 'access-denied');
      const denied = new Messages(store.subscribeToAll());
      await denied.until(() => denied.error !== undefined).catch(() => undefined);
      expect(denied.error).toBeInstanceOf(EventStoreAccessDeniedError);

      // The same when the refusal comes on the read of the backlog's end, before subscribing.
      const subscribesBefore = server.calls.subscribe;
      server.injectFault('read', 'access-denied');
      const deniedRead = new Messages(store.subscribeToAll());
      await deniedRead.until(() => deniedRead.error !== undefined).catch(() => undefined);
      expect(deniedRead.error).toBeInstanceOf(EventStoreAccessDeniedError);
      expect(server.calls.subscribe).toBe(subscribesBefore);

      server.injectFault('subscribe', 'unavailable', 10);
      const persistent = new Messages(store.subscribeToAll());
      await persistent.until(() => persistent.error !== undefined).catch(() => undefined);
      expect(persistent.error).toBeInstanceOf(EventStoreUnavailableError);
      expect((persistent.error as Error).message).toBe(
        'The event store is unavailable: the $all subscription could not be resumed after 3 attempts',
      );
      server.clearFaults();
    });

    it('signals caught-up on servers that send no CaughtUp message', async () => {
      await server.stop();
      server = await EventStoreDbTestServer.start({ caughtUp: false });
      const store = await openStore();
      const prefix = streamName('old-server');
      const last = await store.append(`${prefix}-s`, [anEvent('A', { i: 1 }), anEvent('B', { i: 2 })]);

      const messages = new Messages(store.subscribeToAll({ filter: { streamNamePrefixes: [prefix] } }));
      await messages.until(() => messages.received.length === 3);
      await store.append(`${prefix}-s`, [anEvent('C', { i: 3 })]);
      await messages.until(() => messages.received.length === 4);

      expect(messages.labels()).toEqual(['1', '2', 'caught-up', '3']);
      expect(messages.received[2]).toEqual({ kind: 'caught-up', position: last.position });
      messages.subscription.unsubscribe();
    });

    it('releases the server-side subscription on unsubscribe and completes subscribers on close', async () => {
      const store = await openStore();
      let completed = false;
      const subscription = store.subscribeToAll().subscribe({ complete: () => (completed = true) });
      const other = store.subscribeToAll().subscribe();
      await new Messages(store.subscribeToAll()).until(() => server.openSubscriptions === 3);

      other.unsubscribe();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.openSubscriptions).toBe(2);
      await store.close();
      expect(completed).toBe(true);
      subscription.unsubscribe();
    });
  });

  describe('positions', () => {
    it('keeps commit and prepare apart through reads, formatting, parsing, resumed reads and subscriptions', async () => {
      const store = await openStore();
      const stream = streamName('legacy');
      // Events of an explicit transaction (the legacy TCP API) commit after their prepares.
      server.log.appendLegacyTransaction(stream, [
        {
          eventId: uuidv7(),
          type: 'Legacy',
          contentType: 'application/json',
          data: json({ i: 1 }),
          metadata: json({}),
        },
        {
          eventId: uuidv7(),
          type: 'Legacy',
          contentType: 'application/json',
          data: json({ i: 2 }),
          metadata: json({}),
        },
      ]);
      await store.append(stream, [anEvent('Modern', { i: 3 })]);

      const all = await store.readAll({ filter: { streamNamePrefixes: [stream] } });
      expect(all.map((e) => e.data.i)).toEqual([1, 2, 3]);
      expect(all[0].position.commit).toBe(all[1].position.commit);
      expect(all[0].position.commit > all[0].position.prepare).toBe(true);
      expect(all[2].position.commit).toBe(all[2].position.prepare);

      const text = formatPosition(all[0].position);
      expect(text).toBe(`${all[0].position.commit}/${all[0].position.prepare}`);
      expect(parsePosition(text)).toEqual(all[0].position);
      const after = parsePosition(text)!;
      expect(
        (await store.readAll({ after, filter: { streamNamePrefixes: [stream] } })).map((e) => e.data.i),
      ).toEqual([2, 3]);

      // Stream reads do not know where a transaction committed; the adapter finds it in $all.
      expect((await store.readStream(stream)).map((e) => e.position)).toEqual(all.map((e) => e.position));

      const messages = new Messages(
        store.subscribeToAll({ after, filter: { streamNamePrefixes: [stream] } }),
      );
      await messages.until(() => messages.received.length === 3);
      expect(messages.labels()).toEqual(['2', '3', 'caught-up']);
      messages.subscription.unsubscribe();
    });

    it('gives stream reads of pre-24 servers (no commit position) the $all position of each event', async () => {
      await server.stop();
      server = await EventStoreDbTestServer.start({ streamReadCommitPosition: 'unknown' });
      const store = await openStore();
      const stream = streamName('pre24');
      const appended = await store.append(stream, [anEvent('A'), anEvent('B')]);

      const read = await store.readStream(stream);

      expect(read[1].position).toEqual(appended.position);
      expect(read.map((e) => e.position)).toEqual(
        (await store.readAll({ filter: { streamNamePrefixes: [stream] } })).map((e) => e.position),
      );
    });
  });

  describe('system events', () => {
    it.each([
      ['filtered by the server', 'apply' as const],
      ['filtered by the adapter alone when the server refuses filters', 'reject' as const],
    ])('never appear in reads or subscriptions of $all, %s', async (_label, filters) => {
      await server.stop();
      server = await EventStoreDbTestServer.start({ filters });
      const store = await openStore();
      const stream = streamName('operation');
      await store.append(stream, [anEvent('A', { i: 1 })]);
      server.appendSystemEvent(`$$${stream}`, '$metadata', { $maxAge: 1 });
      server.appendSystemEvent(stream, '$>', { link: `0@${stream}` });
      server.appendSystemEvent(`$ce-${stream}`, '$>', { link: `0@${stream}` });
      await store.append(stream, [anEvent('B', { i: 2 })]);
      expect(server.log.allEvents().filter((e) => e.type.startsWith('$')).length).toBe(6);

      const unfiltered = await store.readAll();
      expect(unfiltered.filter((e) => e.type.startsWith('$'))).toEqual([]);
      expect(unfiltered.filter((e) => e.streamName === stream).map((e) => e.data.i)).toEqual([1, 2]);
      expect(
        (await store.readAll({ filter: { streamNamePrefixes: [stream] } })).map((e) => e.data.i),
      ).toEqual([1, 2]);
      expect(
        (await store.readAll({ filter: { streamNamePrefixes: ['$'], eventTypes: ['$metadata', 'A'] } }))
          .length,
      ).toBe(0);

      const messages = new Messages(store.subscribeToAll({ filter: { streamNamePrefixes: [stream] } }));
      await messages.until(() => messages.received.length === 3);
      expect(messages.labels()).toEqual(['1', '2', 'caught-up']);
      messages.subscription.unsubscribe();
    });
  });

  describe('reused event ids', () => {
    it('recognises a retry with other content after a restart, from the position the server returns', async () => {
      const first = await openStore();
      const stream = streamName('restart');
      const event = anEvent('ArrestMade', { arrestId: 'A-1' });
      const original = await first.append(stream, [event], { expectedRevision: 'no_stream' });
      await first.close();

      const restarted = await openStore();
      const error = await captureError(
        restarted.append(stream, [{ ...event, data: { arrestId: 'A-2' } }], {
          expectedRevision: 'no_stream',
        }),
      );
      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect(error).toMatchObject({ eventId: event.eventId, streamName: stream });
      expect(await restarted.append(stream, [event], { expectedRevision: 'no_stream' })).toEqual(original);
      expect((await restarted.readStream(stream)).map((e) => e.data.arrestId)).toEqual(['A-1']);
    });

    it("with 'every-append' also recognises a retry of a write this instance has never seen", async () => {
      const careful = await openStore({ duplicateEventIdCheck: 'every-append' });
      const relaxed = await openStore();
      const other = await openStore();
      const stream = streamName('unseen');
      const event = anEvent('SeizureRecorded', { cashPence: 100 });
      await other.append(stream, [event], { expectedRevision: 'no_stream' });
      const changed = { ...event, data: { cashPence: 999 } };

      expect(
        await captureError(careful.append(stream, [changed], { expectedRevision: 'no_stream' })),
      ).toBeInstanceOf(DuplicateEventIdError);
      // Documented limit of the default: the server takes it for a retry by id and the answer looks fresh.
      const accepted = await relaxed.append(stream, [changed], { expectedRevision: 'no_stream' });
      expect(accepted.nextExpectedRevision).toBe(0);
      expect((await careful.readStream(stream)).map((e) => e.data.cashPence)).toEqual([100]);
    });

    it("replays a retry under 'any' exactly, also once the server's own id cache has forgotten it", async () => {
      await server.stop();
      server = await EventStoreDbTestServer.start({ anyIdempotencyWindow: 2 });
      const store = await openStore();
      const stream = streamName('forgotten');
      const batch = [anEvent('A', { i: 1 }), anEvent('B', { i: 2 })];
      const original = await store.append(stream, batch);
      await store.append(stream, [anEvent('C', { i: 3 }), anEvent('D', { i: 4 }), anEvent('E', { i: 5 })]);

      expect(await store.append(stream, batch)).toEqual(original);
      expect(await store.append(stream, batch, { expectedRevision: 'stream_exists' })).toEqual(original);
      expect((await store.readStream(stream)).map((e) => e.data.i)).toEqual([1, 2, 3, 4, 5]);
      // What the server alone does with such a retry: it writes the events again.
      server.log.append(stream, { kind: 'any' }, server.log.stream(stream)!.slice(0, 1));
      expect(server.log.stream(stream)!.length).toBe(6);
    });

    it("appends concurrent 'any' appends of one instance one after another, in call order, without conflicts", async () => {
      await server.stop();
      server = await EventStoreDbTestServer.start({ serverFeatures: false });
      const store = await openStore();
      const stream = streamName('concurrent-any');
      const appendsBefore = server.calls.append;

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.append(stream, [anEvent('A', { i })])),
      );

      expect(results.map((result) => result.nextExpectedRevision)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
      expect((await store.readStream(stream)).map((e) => e.data.i)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
      // One Append call per append: none was refused for a revision another of them had taken.
      expect(server.calls.append - appendsBefore).toBe(20);
    });

    it('refuses an id this instance has read in another stream, without sending the append', async () => {
      const writer = await openStore();
      const reader = await openStore();
      const event = anEvent('A');
      const source = streamName('source');
      await writer.append(source, [event]);
      await reader.readAll({ filter: { streamNamePrefixes: [source] } });
      const appendsBefore = server.calls.batchAppend;

      const error = await captureError(reader.append(streamName('target'), [event]));

      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect((error as Error).message).toBe(
        `Event id ${event.eventId} is already stored with other content: it is already stored in stream ${source}`,
      );
      expect(server.calls.batchAppend).toBe(appendsBefore);
    });
  });

  it('reaches the leader through gossip when the connection string names several nodes', async () => {
    const port = server.endpoint.split(':')[1];
    const store = await EventStoreDbEventStore.open({
      connectionString: `esdb://127.0.0.1:${port},localhost:${port}?tls=false&nodePreference=leader`,
    });
    open.push(store);
    const result = await store.append(streamName('gossip'), [anEvent('A')]);

    expect(result.nextExpectedRevision).toBe(0);
    expect((await store.describe()).location).toBe(server.endpoint);
  });

  it('describes the node it is connected to and the head of the user log', async () => {
    const store = await openStore();
    const result = await store.append(streamName('describe'), [anEvent('A')]);
    server.appendSystemEvent('$settings', '$settings', {});

    const description = await store.describe();

    expect(description).toEqual({
      kind: 'eventstoredb',
      location: server.endpoint,
      headPosition: result.position,
    });
    expect(comparePositions(server.log.headPosition()!, result.position)).toBe(1);
  });
});
