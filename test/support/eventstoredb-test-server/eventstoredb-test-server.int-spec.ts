import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  jsonEvent,
  streamNameFilter,
  type AppendExpectedRevision,
  type Position,
} from '@eventstore/db-client';
import { EventStoreDbTestServer, type EventStoreDbTestServerOptions } from './eventstoredb-test-server';

// gRPC round trips on a shared, loaded machine: far above Jest's 5 s default, far below a hang.
jest.setTimeout(60_000);

// The test server's claims, checked through the real @eventstore/db-client.

const CLOCK = Date.UTC(2020, 5, 13, 9, 30, 15, 123);
const anEvent = (type: string, data: Record<string, unknown> = {}, id?: string) =>
  jsonEvent({ type, data, metadata: { by: 'test' }, ...(id ? { id } : {}) });

async function expectWrongVersion(
  attempt: Promise<unknown>,
  expected: AppendExpectedRevision,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect({
    expected: (error as WrongExpectedVersionError).expectedVersion,
    actual: (error as WrongExpectedVersionError).actualVersion,
  }).toEqual({ expected, actual });
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

describe.each<[string, EventStoreDbTestServerOptions, 'batchAppend' | 'append']>([
  ['with server features (BatchAppend)', {}, 'batchAppend'],
  ['without server features (UNIMPLEMENTED, Append)', { serverFeatures: false }, 'append'],
])('EventStoreDbTestServer %s', (_label, options, appendPath) => {
  let server: EventStoreDbTestServer;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    server = await EventStoreDbTestServer.start({ ...options, clock: () => CLOCK });
    client = EventStoreDBClient.connectionString(server.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await server.stop();
  });

  it('is reached over the path the client chooses for the advertised features', async () => {
    await client.appendToStream('s', anEvent('A'));
    expect(server.calls[appendPath]).toBe(1);
    expect(server.calls[appendPath === 'append' ? 'batchAppend' : 'append']).toBe(0);
    expect(server.calls.features).toBe(1);
  });

  it('honours every expected-revision mode and reports the wrong expected version the client decodes', async () => {
    expect(
      (await client.appendToStream('s', [anEvent('A'), anEvent('B')], { expectedRevision: NO_STREAM }))
        .nextExpectedRevision,
    ).toBe(1n);
    await expectWrongVersion(
      client.appendToStream('s', anEvent('C'), { expectedRevision: NO_STREAM }),
      NO_STREAM,
      1n,
    );
    await expectWrongVersion(client.appendToStream('s', anEvent('C'), { expectedRevision: 0n }), 0n, 1n);
    await expectWrongVersion(client.appendToStream('s', anEvent('C'), { expectedRevision: 7n }), 7n, 1n);
    await expectWrongVersion(
      client.appendToStream('new', anEvent('C'), { expectedRevision: STREAM_EXISTS }),
      STREAM_EXISTS,
      'no_stream',
    );
    await expectWrongVersion(
      client.appendToStream('new', anEvent('C'), { expectedRevision: 0n }),
      0n,
      'no_stream',
    );
    expect(
      (await client.appendToStream('s', anEvent('C'), { expectedRevision: 1n })).nextExpectedRevision,
    ).toBe(2n);
    expect(
      (await client.appendToStream('s', anEvent('D'), { expectedRevision: STREAM_EXISTS }))
        .nextExpectedRevision,
    ).toBe(3n);
    expect(
      (await client.appendToStream('s', anEvent('E'), { expectedRevision: ANY })).nextExpectedRevision,
    ).toBe(4n);
    expect((await collect(client.readStream('s'))).map((e) => e.event?.type)).toEqual([
      'A',
      'B',
      'C',
      'D',
      'E',
    ]);
  });

  it('treats a resend of the same event ids as an idempotent retry returning the original result', async () => {
    const batch = [anEvent('A'), anEvent('B')];
    const original = await client.appendToStream('s', batch, { expectedRevision: NO_STREAM });
    await client.appendToStream('s', anEvent('C'));

    expect(await client.appendToStream('s', batch, { expectedRevision: NO_STREAM })).toEqual(original);
    expect(await client.appendToStream('s', batch, { expectedRevision: ANY })).toEqual(original);
    expect(await client.appendToStream('s', [batch[1]], { expectedRevision: 0n })).toEqual({
      ...original,
      success: true,
    });
    // Ids are all EventStoreDB compares: other content under the same id is still a retry.
    expect(
      await client.appendToStream('s', [{ ...batch[0], data: { other: true } }], {
        expectedRevision: NO_STREAM,
      }),
    ).toMatchObject({
      nextExpectedRevision: 0n,
    });
    // Part of a batch stored, part not: corrupted idempotency, answered as a wrong expected version.
    await expectWrongVersion(
      client.appendToStream('s', [batch[0], anEvent('X')], { expectedRevision: NO_STREAM }),
      NO_STREAM,
      2n,
    );
    await expectWrongVersion(
      client.appendToStream('s', [batch[0], anEvent('X')], { expectedRevision: ANY }),
      ANY,
      2n,
    );
    // An id known in another stream is not a retry for 'any': it is written again.
    expect(
      (await client.appendToStream('other', [batch[0]], { expectedRevision: ANY })).nextExpectedRevision,
    ).toBe(0n);
    expect((await collect(client.readStream('s'))).map((e) => e.event?.type)).toEqual(['A', 'B', 'C']);
  });

  it('writes events with the metadata the server records, and positions that commit where they prepare', async () => {
    const result = await client.appendToStream('s', [anEvent('A', { n: 1 }), anEvent('B', { n: 2 })]);
    const [first, second] = await collect(client.readStream('s'));

    expect(first.event).toMatchObject({
      streamId: 's',
      revision: 0n,
      type: 'A',
      isJson: true,
      data: { n: 1 },
      metadata: { by: 'test' },
      created: new Date(CLOCK),
    });
    const stored = server.log.stream('s')!;
    expect(stored[0].createdTicks).toBe(BigInt(CLOCK) * 10_000n);
    expect(stored[0].contentType).toBe('application/json');
    expect(first.event!.position!.commit).toBe(first.event!.position!.prepare);
    expect(second.event!.position).toEqual(result.position);
    expect(first.event!.position!.commit < second.event!.position!.commit).toBe(true);
  });

  it('reads streams forwards and backwards, from a revision, with a count, and reports a missing stream as not found', async () => {
    await client.appendToStream(
      's',
      [0, 1, 2, 3, 4, 5].map((i) => anEvent('N', { i })),
    );
    const revisions = async (read: ReturnType<EventStoreDBClient['readStream']>) =>
      (await collect(read)).map((e) => Number(e.event!.revision));

    expect(await revisions(client.readStream('s', { fromRevision: 2n, maxCount: 3 }))).toEqual([2, 3, 4]);
    expect(
      await revisions(client.readStream('s', { direction: BACKWARDS, fromRevision: END, maxCount: 2 })),
    ).toEqual([5, 4]);
    expect(await revisions(client.readStream('s', { direction: BACKWARDS, fromRevision: 1n }))).toEqual([
      1, 0,
    ]);
    expect(await revisions(client.readStream('s', { fromRevision: 9n }))).toEqual([]);
    await expect(collect(client.readStream('missing'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads $all from a position inclusively (forwards) or before it (backwards), system events included, filters applied', async () => {
    await client.appendToStream('operation-1', [anEvent('A'), anEvent('B')]);
    await client.appendToStream('audit-1', anEvent('A'));
    const all = (await collect(client.readAll())).map((e) => e.event!);
    expect(all.map((e) => `${e.streamId}:${e.type}`)).toEqual([
      '$users:$User',
      '$user-admin:$user',
      '$settings:$settings',
      'operation-1:A',
      'operation-1:B',
      'audit-1:A',
    ]);
    const from = all[4].position as Position;
    expect((await collect(client.readAll({ fromPosition: from }))).map((e) => e.event!.type)).toEqual([
      'B',
      'A',
    ]);
    expect(
      (await collect(client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: 2 }))).map(
        (e) => e.event!.type,
      ),
    ).toEqual(['A', '$settings']);
    expect(
      (await collect(client.readAll({ direction: FORWARDS, maxCount: 1 }))).map((e) => e.event!.type),
    ).toEqual(['$User']);
  });

  it('subscribes: confirmation, the backlog after the start (exclusive), checkpoints, caught-up, then live events', async () => {
    await client.appendToStream('operation-1', [anEvent('A'), anEvent('B'), anEvent('C')]);
    const [, b] = (await collect(client.readAll({ maxCount: 5 }))).slice(3).map((e) => e.event!.position!);
    const seen: string[] = [];
    const checkpoints: Position[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: b,
      filter: streamNameFilter({
        prefixes: ['operation-'],
        checkpointReached: (_s, position) => void checkpoints.push(position),
      }),
    });
    subscription.on('confirmation', () => seen.push('confirmation'));
    subscription.on('caughtUp', () => seen.push('caught-up'));
    subscription.on('data', (e) => seen.push(e.event!.type));
    await waitUntil(() => seen.includes('caught-up'));
    await client.appendToStream('audit-1', anEvent('Ignored'));
    await client.appendToStream('operation-2', anEvent('D'));
    await waitUntil(() => seen.includes('D'));
    await subscription.unsubscribe();

    expect(seen).toEqual(['confirmation', 'C', 'caught-up', 'D']);
    expect(checkpoints.at(-1)).toEqual(server.log.stream('operation-1')![2].position);
    await waitUntil(() => server.openSubscriptions === 0);
  });

  it('filters subscriptions by an event-type regex, and sends no CaughtUp when configured as a pre-23.10 server', async () => {
    await server.stop();
    server = await EventStoreDbTestServer.start({ ...options, caughtUp: false });
    await client.dispose();
    client = EventStoreDBClient.connectionString(server.connectionString);
    await client.appendToStream('operation-1', [anEvent('Keep'), anEvent('Drop'), anEvent('Keep')]);
    const seen: string[] = [];
    const subscription = client.subscribeToAll({ filter: eventTypeFilter({ regex: '^Keep$' }) });
    subscription.on('caughtUp', () => seen.push('caught-up'));
    subscription.on('data', (e) => seen.push(e.event!.type));
    await waitUntil(() => seen.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subscription.unsubscribe();
    expect(seen).toEqual(['Keep', 'Keep']);
  });

  it('injects faults the client decodes as a real node’s: access denied, not leader, unavailable, dropped subscriptions', async () => {
    server.injectFault('append', 'access-denied');
    await expect(client.appendToStream('s', anEvent('A'))).rejects.toMatchObject({ type: 'access-denied' });
    server.injectFault('read', 'not-leader');
    await expect(collect(client.readStream('s'))).rejects.toMatchObject({
      type: 'not-leader',
      leader: { address: '127.0.0.1', port: Number(server.endpoint.split(':')[1]) },
    });
    server.injectFault('read', 'unavailable');
    await expect(collect(client.readAll())).rejects.toMatchObject({ type: 'unavailable' });

    const errors: unknown[] = [];
    const subscription = client.subscribeToAll();
    subscription.on('error', (error) => errors.push(error));
    await waitUntil(() => server.openSubscriptions === 1);
    server.dropSubscriptions();
    await waitUntil(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ type: 'unavailable' });
  });
});

describe('EventStoreDbTestServer positions of legacy transactions and old servers', () => {
  it('commits an explicit transaction after its prepares; stream reads then know no position', async () => {
    const server = await EventStoreDbTestServer.start({ streamReadCommitPosition: 'unknown' });
    const client = EventStoreDBClient.connectionString(server.connectionString);
    try {
      const payload = (i: number) => ({
        eventId: crypto.randomUUID(),
        type: 'Legacy',
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ i })),
        metadata: new Uint8Array(),
      });
      server.log.appendLegacyTransaction('legacy', [payload(1), payload(2)]);
      await client.appendToStream('modern', anEvent('Modern'));

      const all = (await collect(client.readAll()))
        .map((e) => e.event!)
        .filter((e) => !e.type.startsWith('$'));
      expect(all[0].position!.commit).toBe(all[1].position!.commit);
      expect(all[0].position!.prepare < all[1].position!.prepare).toBe(true);
      expect(all[1].position!.prepare < all[1].position!.commit).toBe(true);
      const u64 = (1n << 64n) - 1n;
      expect((await collect(client.readStream('legacy'))).map((e) => e.event!.position)).toEqual([
        { commit: u64, prepare: u64 },
        { commit: u64, prepare: u64 },
      ]);
      const [modern] = await collect(client.readStream('modern'));
      expect(modern.event!.position).toEqual({ commit: u64, prepare: all[2].position!.prepare });
    } finally {
      await client.dispose();
      await server.stop();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
