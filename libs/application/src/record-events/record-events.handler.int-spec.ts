import {
  createEventStore,
  type EventStore,
  type ReadStreamOptions,
  type RecordedEvent,
} from '@timeline/event-store';
import { operationStreamName, type EventEnvelope } from '@timeline/events';
import { computeEventHash } from '@timeline/integrity';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock/clock';
import { agencyJoins, arrest, body, fixedId, launch, raid, seizure } from '../testing/record-events.fixtures';
import { operationDecider } from '@timeline/domain';
import type { RecordEventsRequest } from './record-events.request';
import {
  ConcurrencyRetriesExhaustedError,
  IdempotencyConflictError,
  InvalidRequestError,
  OperationRevisionConflictError,
} from './record-events.errors';
import { RecordEventsHandler } from './record-events.handler';
import { DEFAULT_RECORDING_OPTIONS, type RecordingOptions } from './recording.options';

// A busy machine (the suite shares two cores) must not turn a slow store start-up into a failure.
jest.setTimeout(60_000);

const clock: Clock = { now: () => new Date('2020-07-02T12:00:00.000Z') };
const NCA = { subject: 'analyst-01', agency: 'NCA' };
const NWP = { subject: 'officer-17', agency: 'NWP' };

/** Counts the stream reads the write path makes, and from where. */
function spying(store: EventStore): { store: EventStore; reads: ReadStreamOptions[] } {
  const reads: ReadStreamOptions[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readStream') {
        return (name: string, options?: ReadStreamOptions) => {
          reads.push(options ?? {});
          return target.readStream(name, options);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, reads };
}

describe('RecordEventsHandler on a file-backed SQLite store', () => {
  let dir: string;
  let store: EventStore;
  let raw: EventStore;
  let reads: ReadStreamOptions[];
  let handler: RecordEventsHandler;

  const make = (target: EventStore, options: Partial<RecordingOptions> = {}): RecordEventsHandler =>
    new RecordEventsHandler(target, operationDecider, clock, {
      ...DEFAULT_RECORDING_OPTIONS,
      ...options,
    });

  const command = (
    operationId: string,
    requestBody: unknown,
    extra: Partial<RecordEventsRequest> = {},
  ): RecordEventsRequest => ({
    operationId,
    body: requestBody,
    recorder: NCA,
    correlationId: 'corr-1',
    ...extra,
  });

  const stored = (operationId: string): Promise<RecordedEvent[]> =>
    raw.readStream(operationStreamName(operationId)).catch(() => []);

  // One store for the suite (opening one takes a while); each test writes operations of its own.
  let op: string;
  let counter = 0;
  /** Event ids of this test only (the store is shared). */
  const eid = (n: number): string => fixedId(counter * 1000 + n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-write-'));
    raw = await createEventStore({ kind: 'sqlite', file: join(dir, 'events.db') });
  });

  beforeEach(() => {
    counter += 1;
    op = `op-${counter}`;
    ({ store, reads } = spying(raw));
    handler = make(store);
  });

  afterAll(async () => {
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a batch atomically with the server envelope, sealed into the chain', async () => {
    const result = await handler.execute(
      command(op, body([launch({ eventId: eid(1) }), agencyJoins('NWP', 'wales', { eventId: eid(2) })])),
    );
    expect(result).toEqual({
      operationId: op,
      streamRevision: 1,
      position: result.events[1].position,
      replayed: false,
      events: [
        {
          eventId: eid(1),
          type: 'OperationLaunched',
          streamRevision: 0,
          position: result.events[0].position,
        },
        { eventId: eid(2), type: 'AgencyJoined', streamRevision: 1, position: result.position },
      ],
    });
    const events = await stored(op);
    expect(events.map((event) => event.position.commit.toString())).toEqual(
      result.events.map((event) => event.position),
    );
    const envelopes = events.map((event) => event.metadata as unknown as EventEnvelope);
    expect(envelopes.map(({ hash: _hash, prevHash: _prev, ...rest }) => rest)).toEqual([
      {
        schemaVersion: 1,
        operationId: op,
        occurredAt: '2020-03-26T09:00:00.000Z',
        recordedAt: '2020-07-02T12:00:00.000Z',
        recordedBy: 'analyst-01',
        agency: 'NCA',
        correlationId: 'corr-1',
        causationId: null,
        classification: 'OFFICIAL',
        streamRevision: 0,
      },
      {
        schemaVersion: 1,
        operationId: op,
        occurredAt: '2020-04-01T09:00:00.000Z',
        recordedAt: '2020-07-02T12:00:00.000Z',
        recordedBy: 'analyst-01',
        agency: 'NCA',
        correlationId: 'corr-1',
        causationId: null,
        classification: 'OFFICIAL',
        streamRevision: 1,
      },
    ]);
    expect(envelopes[0].prevHash).toBe('0'.repeat(64));
    expect(envelopes[1].prevHash).toBe(envelopes[0].hash);
    for (const event of events) {
      expect(
        computeEventHash({
          eventId: event.eventId,
          type: event.type,
          data: event.data,
          envelope: event.metadata as never,
        }),
      ).toBe((event.metadata as unknown as EventEnvelope).hash);
    }
  });

  it('generates time-ordered UUIDv7 ids when the client gives none', async () => {
    const first = await handler.execute(command(op, body([launch()])));
    const second = await handler.execute(command(op, body([agencyJoins('NWP')])));
    const ids = [first.events[0].eventId, second.events[0].eventId];
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the decided state and reads only events newer than it', async () => {
    await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
    for (let index = 0; index < 20; index += 1) {
      await handler.execute(command(op, body([raid(`RAID-${index}`)]), { recorder: NWP }));
    }
    // One read to build the state (nothing stored yet); single-event appends need no read at all.
    // (The batch of two is read back once for the positions of its events.)
    expect(reads).toEqual([
      { fromRevision: 0, maxCount: DEFAULT_RECORDING_OPTIONS.readPageSize },
      { fromRevision: 0, maxCount: 2 },
    ]);
    expect((await stored(op)).length).toBe(22);
  });

  it('rebuilds the state of an evicted operation from the store and keeps enforcing its rules', async () => {
    const small = make(store, { maxCachedOperations: 1 });
    await small.execute(command(op, body([launch(), agencyJoins('NWP')])));
    await small.execute(command(`${op}-other`, body([launch()])));
    await expect(small.execute(command(op, body([launch()])))).rejects.toMatchObject({
      code: 'operation.already-launched',
    });
    const raidResult = await small.execute(command(op, body([raid('RAID-1')]), { recorder: NWP }));
    expect(raidResult.streamRevision).toBe(2);
    expect(small.cachedOperations).toBe(1);
  });

  it('refuses a request the rules refuse and writes nothing', async () => {
    await handler.execute(command(op, body([launch()])));
    await expect(
      handler.execute(command(op, body([raid('RAID-1')]), { recorder: NWP })),
    ).rejects.toMatchObject({
      code: 'operation.agency-not-joined',
      category: 'rule-violated',
    });
    expect((await stored(op)).map((event) => event.type)).toEqual(['OperationLaunched']);
  });

  it('reports every invalid field at once and reads nothing', async () => {
    const error = await handler
      .execute(
        command('bad id!', { events: [{ type: 'Nope', occurredAt: 'yesterday', data: {} }], extra: true }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(
      (error as InvalidRequestError).errors.map((problem) => [problem.path, problem.constraint]),
    ).toEqual([
      ['operationId', 'pattern'],
      ['extra', 'whitelistValidation'],
      ['events[0].type', 'isKnownEventType'],
      ['events[0].occurredAt', 'isUtcTimestamp'],
    ]);
    expect(reads).toEqual([]);
  });

  describe('idempotent retries', () => {
    it('returns the original result for the same event ids and writes nothing', async () => {
      const request = body([launch({ eventId: eid(1) }), agencyJoins('NWP', 'wales', { eventId: eid(2) })]);
      const original = await handler.execute(command(op, request));
      await handler.execute(command(op, body([raid('RAID-1')]), { recorder: NWP }));
      const retry = await handler.execute(command(op, request, { correlationId: 'corr-retry' }));
      expect(retry).toEqual({ ...original, replayed: true });
      expect((await stored(op)).length).toBe(3);
    });

    it('refuses a reused event id with other content, naming what differs', async () => {
      await handler.execute(command(op, body([launch({ eventId: eid(1) })])));
      const changed = launch({ eventId: eid(1) });
      const error = await handler
        .execute(command(op, body([{ ...changed, data: { ...changed.data, codename: 'OTHER' } }])))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(IdempotencyConflictError);
      expect((error as IdempotencyConflictError).message).toBe(
        `Event id ${eid(1)} is already recorded with different content (data); use a new event id for a new event`,
      );
      expect((await stored(op)).length).toBe(1);
    });

    it('refuses an event id already used in another operation', async () => {
      await handler.execute(command(op, body([launch({ eventId: eid(1) })])));
      const error = await handler
        .execute(command(`${op}-other`, body([launch({ eventId: eid(1) })])))
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'event-store.duplicate-event-id', category: 'illegal-state' });
      expect(await stored(`${op}-other`)).toEqual([]);
    });

    it('refuses a request of which only some events are stored', async () => {
      await handler.execute(command(op, body([launch({ eventId: eid(1) })])));
      await expect(
        handler.execute(
          command(op, body([launch({ eventId: eid(1) }), agencyJoins('NWP', 'wales', { eventId: eid(2) })])),
        ),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      expect((await stored(op)).length).toBe(1);
    });

    it('binds an Idempotency-Key to the body: same key and body replay, another body conflicts', async () => {
      const request = body([launch(), agencyJoins('NWP')]);
      const original = await handler.execute(command(op, request, { idempotencyKey: 'key-1' }));
      const retry = await handler.execute(command(op, request, { idempotencyKey: 'key-1' }));
      expect(retry).toEqual({ ...original, replayed: true });
      await expect(
        handler.execute(
          command(op, body([launch(), agencyJoins('GMP', 'north-west')]), { idempotencyKey: 'key-1' }),
        ),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      // The key is scoped to the recorder: another principal's key-1 is another request.
      await expect(
        handler.execute(
          command(op, body([agencyJoins('GMP', 'north-west')]), {
            idempotencyKey: 'key-1',
            recorder: { subject: 'x', agency: 'NCA' },
          }),
        ),
      ).resolves.toMatchObject({ streamRevision: 2, replayed: false });
      expect((await stored(op)).length).toBe(3);
    });

    it('answers concurrent identical retries once written, the others as replays', async () => {
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      const request = body([raid('RAID-1', { eventId: eid(9) })]);
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => handler.execute(command(op, request, { recorder: NWP }))),
      );
      expect(results.map((result) => [result.streamRevision, result.replayed])).toEqual([
        [2, false],
        [2, true],
        [2, true],
        [2, true],
      ]);
      expect((await stored(op)).length).toBe(3);
    });
  });

  describe('concurrency', () => {
    it('with an expected revision, refuses a stale one stating expected and actual', async () => {
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      const error = await handler
        .execute(command(op, body([raid('RAID-1')], 0), { recorder: NWP }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OperationRevisionConflictError);
      expect((error as OperationRevisionConflictError).message).toBe(
        `Operation ${op} was expected at revision 0 but is at revision 1`,
      );
      await expect(
        handler.execute(command(op, body([raid('RAID-1')], 5), { recorder: NWP })),
      ).rejects.toMatchObject({
        expectedRevision: 5,
        actualRevision: 1,
      });
      await expect(handler.execute(command(`${op}-fresh`, body([launch()], 0)))).rejects.toMatchObject({
        message: `Operation ${op}-fresh was expected at revision 0 but is at revision -1 (it has no events yet)`,
      });
      await expect(handler.execute(command(`${op}-fresh`, body([launch()], -1)))).resolves.toMatchObject({
        streamRevision: 0,
      });
    });

    it('lets exactly one of many writers with the same expected revision win', async () => {
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) =>
          handler.execute(command(op, body([raid(`RAID-${index}`)], 1), { recorder: NWP })),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBe(1);
      const refused = outcomes.filter(
        (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
      );
      expect(refused.length).toBe(9);
      for (const outcome of refused)
        expect(outcome.reason).toMatchObject({ expectedRevision: 1, actualRevision: 2 });
      expect((await stored(op)).length).toBe(3);
    });

    it('writes concurrent requests on one operation together, each with its own result or refusal', async () => {
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      const requests = Array.from({ length: 30 }, (_, index) =>
        // Every tenth refers to a raid that does not exist: refused alone.
        index % 10 === 9
          ? body([arrest(`ARR-${index}`, 'RAID-NONE')])
          : body([raid(`RAID-${index}`), seizure(`SZ-${index}`, `RAID-${index}`)]),
      );
      const outcomes = await Promise.allSettled(
        requests.map((request) => handler.execute(command(op, request, { recorder: NWP }))),
      );
      const written = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      const refused = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason as { code: string }] : [],
      );
      expect(refused.map((error) => error.code)).toEqual([
        'operation.unknown-reference',
        'operation.unknown-reference',
        'operation.unknown-reference',
      ]);
      expect(written.length).toBe(27);
      const revisions = written
        .flatMap((result) => result.events.map((event) => event.streamRevision))
        .sort((a, b) => a - b);
      expect(revisions).toEqual(Array.from({ length: 54 }, (_, index) => index + 2));
      const events = await stored(op);
      expect(events.length).toBe(56);
      // Each request's events are adjacent and the positions reported are the stored ones.
      for (const result of written) {
        expect(result.events[1].streamRevision).toBe(result.events[0].streamRevision + 1);
        for (const summary of result.events) {
          expect(summary.position).toBe(events[summary.streamRevision].position.commit.toString());
        }
      }
      // The chain holds across combined appends.
      for (let index = 1; index < events.length; index += 1) {
        expect((events[index].metadata as unknown as EventEnvelope).prevHash).toBe(
          (events[index - 1].metadata as unknown as EventEnvelope).hash,
        );
      }
    });

    it("stamps each request's own recording time, when given, in place of the clock, also when written together", async () => {
      await handler.execute(
        command(op, body([launch(), agencyJoins('NWP')]), { recordedAt: new Date('2020-04-01T10:00:00Z') }),
      );
      const times = Array.from({ length: 12 }, (_, index) => new Date(Date.UTC(2020, 5, 15, 12, index)));
      const append = jest.spyOn(raw, 'append');
      try {
        await Promise.all(
          times.map((recordedAt, index) =>
            handler.execute(command(op, body([raid(`RAID-${index}`)]), { recorder: NWP, recordedAt })),
          ),
        );
        // Combined into fewer appends than requests.
        expect(append.mock.calls.length).toBeLessThan(times.length);
      } finally {
        append.mockRestore();
      }
      const events = await stored(op);
      expect(events.map((event) => (event.metadata as unknown as EventEnvelope).recordedAt)).toEqual([
        '2020-04-01T10:00:00.000Z',
        '2020-04-01T10:00:00.000Z',
        ...times.map((time) => time.toISOString()),
      ]);
      for (let index = 1; index < events.length; index += 1) {
        expect((events[index].metadata as unknown as EventEnvelope).prevHash).toBe(
          (events[index - 1].metadata as unknown as EventEnvelope).hash,
        );
      }
      // The request's time, not the clock's, bounds what may have occurred: a raid after it is refused.
      const early = handler.execute(
        command(op, body([raid('RAID-EARLY')]), {
          recorder: NWP,
          recordedAt: new Date('2020-06-14T12:00:00Z'),
        }),
      );
      await expect(early).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(
        handler.execute(
          command(op, body([raid('RAID-X')]), { recorder: NWP, recordedAt: new Date(Number.NaN) }),
        ),
      ).rejects.toMatchObject({ errors: [{ path: 'recordedAt', constraint: 'isDate' }] });
    });

    it('keeps two writers of the same store (two api instances) correct: retries on conflict, reads only what is new', async () => {
      const other = make(store);
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? handler : other).execute(
            command(op, body([raid(`RAID-${index}`)]), { recorder: NWP }),
          ),
        ),
      );
      expect(results.map((result) => result.streamRevision).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 2),
      );
      const events = await stored(op);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(22);
      expect(events.map((event) => event.revision)).toEqual(Array.from({ length: 22 }, (_, index) => index));
      // Each writer read from the start once (to build its state); every later read starts past what it knew.
      const rebuilds = reads.filter((options) => options.maxCount === DEFAULT_RECORDING_OPTIONS.readPageSize);
      expect(rebuilds.filter((options) => options.fromRevision === 0).length).toBe(2);
      for (const options of rebuilds) expect(options.fromRevision).toBeLessThanOrEqual(22);
    });

    it('gives up after the retry budget when other writers keep winning', async () => {
      await handler.execute(command(op, body([launch(), agencyJoins('NWP')])));
      // Another writer appends whenever the stubborn one reads, so its state is always one step behind.
      let interfering = 0;
      const racing = new Proxy(store, {
        get(target, property, receiver) {
          if (property !== 'readStream') return Reflect.get(target, property, receiver) as unknown;
          return async (name: string, options?: ReadStreamOptions) => {
            const page = await target.readStream(name, options);
            interfering += 1;
            await handler.execute(command(op, body([raid(`RAID-X${interfering}`)]), { recorder: NWP }));
            return page;
          };
        },
      });
      const stubborn = make(racing, { maxConflictRetries: 2 });
      const error = await stubborn
        .execute(command(op, body([raid('RAID-Z')]), { recorder: NWP }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConcurrencyRetriesExhaustedError);
      expect((error as ConcurrencyRetriesExhaustedError).message).toBe(
        `Operation ${op} kept changing under concurrent writers; gave up after 3 attempts`,
      );
    });
  });
});
