import type { AddressInfo } from 'node:net';
import { request, type IncomingMessage } from 'node:http';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import { launch } from '@timeline/application/testing/record-events.fixtures';
import { LiveClients } from '../apps/api/src/live/live-clients.registry';
import { apiClient, type ApiClient } from './support/api-client';
import { bearerFor } from './support/auth.tokens';
import { intelligenceReport } from './support/event-bodies';
import { startTestApp, type TestApp } from './support/test-app';

const NCA = { role: 'recorder', agency: 'NCA' } as const;

const report = (n: number) => intelligenceReport(`VEN-RES-${n}`, `SUBJ-${n}`);

/**
 * One connection to /events/live that a test can stop reading (as a stalled
 * dashboard does), parsing the stream as EventSource would.
 */
interface LiveStream {
  readonly status: number;
  /** Ids of the messages received, in order. */
  readonly ids: string[];
  /** `event: overflow` notices received (their `data`). */
  readonly overflows: { lastEventId: string | null }[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Called on each message received. */
  onMessage: (id: string) => void;
  pause(): void;
  resume(): void;
  close(): void;
}

function openLive(
  base: string,
  subject: string,
  lastEventId?: string,
  onMessage: (id: string) => void = () => undefined,
): Promise<LiveStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/events/live`,
      {
        agent: false,
        headers: {
          accept: 'text/event-stream',
          authorization: bearerFor({ role: 'analyst', agency: 'NCA', subject }),
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
      },
      (response: IncomingMessage) => {
        let buffer = '';
        let endStream!: () => void;
        const stream: LiveStream = {
          status: response.statusCode ?? 0,
          ids: [],
          overflows: [],
          ended: new Promise<void>((resolveEnd) => (endStream = resolveEnd)),
          // Given here: the first messages may arrive before the caller's next turn.
          onMessage,
          pause: () => response.pause(),
          resume: () => response.resume(),
          close: () => req.destroy(),
        };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | undefined;
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (event === 'overflow')
              stream.overflows.push(JSON.parse(data) as { lastEventId: string | null });
            else if (event === 'message' && id !== undefined) {
              stream.ids.push(id);
              stream.onMessage(id);
            }
          }
        });
        response.on('end', endStream);
        response.on('close', endStream);
        resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * A dashboard: told `overflow`, it reconnects with the last id it received, as
 * EventSource does; `ids` holds what all its connections received.
 */
interface Dashboard {
  readonly ids: string[];
  readonly overflows: number;
  /** Resolves once `id` has been received. */
  reached(id: string): Promise<void>;
  close(): void;
}

async function dashboard(
  base: string,
  subject: string,
  lastEventId: string,
  onMessage: (id: string) => void = () => undefined,
): Promise<Dashboard> {
  const ids: string[] = [];
  const waiting = new Map<string, () => void>();
  let overflows = 0;
  let current: LiveStream;
  let closed = false;
  const connect = async (after: string): Promise<void> => {
    current = await openLive(base, subject, after, (id) => {
      ids.push(id);
      waiting.get(id)?.();
      onMessage(id);
    });
    expect(current.status).toBe(200);
    const stream = current;
    void stream.ended.then(() => {
      if (closed) return;
      // Only an overflow may end a stream here, and it says where to resume from.
      expect(stream.overflows).toHaveLength(1);
      expect(stream.overflows[0].lastEventId ?? lastEventId).toBe(ids.at(-1) ?? lastEventId);
      overflows += 1;
      void connect(ids.at(-1) ?? lastEventId);
    });
  };
  await connect(lastEventId);
  return {
    ids,
    get overflows() {
      return overflows;
    },
    reached: (id) =>
      ids.includes(id) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(id, resolve)),
    close: () => {
      closed = true;
      current.close();
    },
  };
}

describe('Live pushes: overflow, then resumption with Last-Event-ID', () => {
  let test: TestApp;
  let api: ApiClient;
  let base: string;
  let store: EventStore;
  let clients: LiveClients;
  let written = 0;

  beforeAll(async () => {
    // A small bound, so that a client that stops reading overflows after a few hundred KiB.
    test = await startTestApp({ env: { LIVE_MAX_BUFFERED_BYTES: '16384' } });
    await test.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(test.app.getHttpServer().address() as AddressInfo).port}`;
    api = apiClient(test.app);
    store = test.app.get<EventStore>(EVENT_STORE);
    clients = test.app.get(LiveClients);
    const launched = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({ events: [launch()] });
    expect(launched.status).toBe(201);
  });

  afterAll(async () => {
    await test.close();
  });

  const append = async (count: number): Promise<void> => {
    const events = Array.from({ length: count }, (_, index) => report(written + index));
    const response = await api.as(NCA).post('/operations/venetic/events').send({ events });
    expect(response.status).toBe(201);
    written += count;
  };

  const overflowed = (): number =>
    clients.endedByStreamAndReason().find((entry) => entry.stream === 'events' && entry.reason === 'overflow')
      ?.count ?? 0;

  /** Appends until `count` more clients have been told `overflow` (they have stopped reading). */
  const appendUntilOverflowed = async (count: number): Promise<void> => {
    const target = overflowed() + count;
    for (let appended = 0; overflowed() < target; appended += 100) {
      // Bounded, so a client that never overflows fails the test rather than hanging it.
      expect(appended).toBeLessThan(100_000);
      await append(100);
    }
  };

  /** Resolves once the stream has received `id`. */
  const received = (stream: LiveStream, id: string): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stream.ids.includes(id)) return resolve();
      const previous = stream.onMessage;
      stream.onMessage = (got) => {
        previous(got);
        if (got === id) resolve();
      };
    });

  const storedIdsAfter = async (after: string | undefined): Promise<string[]> => {
    const ids = (await store.readAll())
      .filter((event) => event.streamName === 'operation-venetic')
      .map((event) => formatPosition(event.position));
    return after === undefined ? ids : ids.slice(ids.indexOf(after) + 1);
  };

  it('tells a client that stopped reading where it got to, and resumes it from there with no gap and no duplicate', async () => {
    const start = (await storedIdsAfter(undefined)).at(-1);
    const stream = await openLive(base, 'resumer@nca');
    expect(stream.status).toBe(200);
    stream.pause();
    await appendUntilOverflowed(1);
    stream.resume();
    await stream.ended;
    expect(stream.overflows).toHaveLength(1);
    expect(stream.overflows[0].lastEventId).toBe(stream.ids.at(-1));

    const resumed = await openLive(base, 'resumer@nca', stream.ids.at(-1));
    expect(resumed.status).toBe(200);
    await append(50);
    await received(resumed, (await storedIdsAfter(undefined)).at(-1)!);
    resumed.close();
    expect([...stream.ids, ...resumed.ids]).toEqual(await storedIdsAfter(start));
  });

  it('resumes a crowd from nearby positions at once, each exactly once and in order, while a new client is served', async () => {
    const crowdSize = 50;
    for (let round = 0; round < 30; round += 1) await append(100);
    const behind = await storedIdsAfter(undefined);
    const target = behind.at(-1)!;
    // Each client resumes from a different position among the last 3,000 events, as a crowd that overflowed together does.
    const resumePoints = Array.from(
      { length: crowdSize },
      (_, index) => behind[behind.length - 1 - Math.floor((index * 3_000) / crowdSize)],
    );
    const readAll = jest.spyOn(store, 'readAll');
    let crowdDone = 0;
    const counted = (id: string): void => {
      if (id === target) crowdDone += 1;
    };

    // A new client connects together with the crowd, and is answered while the crowd's backlogs are being sent.
    const [crowd, newcomer] = await Promise.all([
      Promise.all(resumePoints.map((point, index) => dashboard(base, `crowd-${index}@nca`, point, counted))),
      openLive(base, 'newcomer@nca').then((stream) => ({ stream, crowdDone })),
    ]);
    expect(newcomer.stream.status).toBe(200);
    expect(newcomer.crowdDone).toBeLessThan(crowdSize);
    const health = await api.as(NCA).get('/health');
    expect(health.status).toBe(200);
    // Events keep coming while the crowd resumes.
    for (let round = 0; round < 5; round += 1) await append(20);
    const head = (await storedIdsAfter(undefined)).at(-1)!;
    await Promise.all([...crowd.map((member) => member.reached(head)), received(newcomer.stream, head)]);

    for (const [index, member] of crowd.entries()) {
      expect(member.ids).toEqual(await storedIdsAfter(resumePoints[index]));
      member.close();
    }
    expect(newcomer.stream.ids).toEqual(await storedIdsAfter(target));
    newcomer.stream.close();
    // The crowd shared its backlog reads: each connection starts one read where it resumes (cut short where
    // another's starts), then all go on with the same pages of 500, instead of each reading its own 1-7.
    const backlogPageReads = readAll.mock.calls.filter(([options]) => options?.maxCount === 500).length;
    const connections = crowdSize + crowd.reduce((total, member) => total + member.overflows, 0);
    expect(backlogPageReads).toBeLessThanOrEqual(connections + 3_000 / 500 + 2);
    readAll.mockRestore();
  });
});
