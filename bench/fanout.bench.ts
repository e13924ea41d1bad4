/**
 * `npm run bench:fanout [-- --quick] [--subscribers N] [--rate EVENTS_PER_S] [--batch EVENTS_PER_REQUEST]
 * [--seconds S] [--client-processes K] [--rounds N] [--no-reconnect] [--cpu-prof]`: Server-Sent Events fan-out of the api,
 * beside a bare node:http server doing the same (serveBare below) in the same run.
 *
 * The api runs in its own process (the real application: Fastify, bearer
 * authentication with test keys, the embedded SQLite store in a temporary
 * directory, synchronous=FULL) on 127.0.0.1. N subscribers, each a distinct
 * analyst of the NCA with its own connection, hold `GET /events/live` open from
 * separate client process(es). This process appends RaidConducted events through
 * `POST /operations/{id}/events` at a steady, open-loop rate (default 1,000
 * events/s as 100 requests/s of 10 events, round-robin over 10 operations) for a
 * fixed time, then waits (bounded) for the last pushes to arrive.
 *
 * Measured:
 * - delivery lag of every message at every subscriber: from the event's
 *   `recordedAt` (set by the write path before the durable commit; millisecond
 *   precision, so up to 1 ms high) and from the moment this process had the
 *   append's acknowledgement, and after the event's first arrival at any
 *   subscriber (the fan-out alone) — p50 / p99 / max over all messages;
 * - exactness: each subscriber must receive every event the store holds after
 *   the run's start exactly once, in log order, over all its connections: a
 *   subscriber the server disconnects as too slow (`event: overflow`) reconnects
 *   with Last-Event-ID after the dashboard's back-off, as a dashboard does, and
 *   the reconnections are counted and reported. A lost (gap, across a
 *   reconnection or not), duplicated, out-of-order or unknown message, one still
 *   undelivered 30 s after the last append, an overflow the subscriber was not
 *   told of, an error event or a connection lost without being told why is a
 *   failure (exit code 1 for the api; the reference's is reported in its row).
 *   With --no-reconnect an overflow is a failure too;
 * - the write rate the server actually took (appends are bounded in time: what
 *   the writer could not send within 60 s past the planned duration is reported);
 * - CPU (share of one core, and per delivered message) and peak RSS of the
 *   server, of the client process(es) and of this driver; the server's
 *   event-loop delay over the window; bytes per message.
 *
 * Server and clients share the machine's cores: on a 2-core machine the client
 * side takes a large share of what the server could use, so the figures are a
 * floor for the server on its own machine. The subscribers are split over two
 * processes by default (--client-processes): at a million messages a second one
 * Node process reading them takes a whole core on an Intel Xeon host and falls
 * behind by seconds even against the bare server (bench/README.md, "Live
 * fan-out"), so with one the run measures the client; with two the subscribers
 * can use whatever either core has left.
 *
 * The api and the reference alternate in rounds (which goes first flips every
 * round), each on a fresh server and subscriber process(es); every row is the
 * median over its subject's rounds, the api's notes give the per-round ratios.
 *
 * Defaults: 1,000 subscribers in 2 processes, 1,000 events/s, 20 s, 3 rounds. --quick: 200
 * subscribers, 200 events/s, 5 s, 1 round. --cpu-prof writes the server's V8 CPU profile of the
 * measured window to the temporary directory (open it in Chrome DevTools) and
 * prints where its time went.
 * Prints a table and writes bench/results/fanout.json (fanout.quick.json with --quick).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createServer, request, type ClientRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { bearerFor, testAuthEnvironment } from '../test/support/auth.tokens';
import { BenchReport, type BenchRow } from './support/bench-report';
import { summariseCpuProfile } from './support/cpu-profile';
import { LagHistogram, type SerializedLagHistogram } from './support/lag-histogram';
import { ProcessCpuWindow, memoryOf } from './support/process-stats';
import { SseFrameScanner, SubscriberReceipts, deliveryOf } from './support/sse-receipts';
import { median } from './support/statistics';

// ————— parameters —————

function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} takes a positive integer; got ${process.argv[index + 1]}`);
  return value;
}

const quick = process.argv.includes('--quick');
const SUBSCRIBERS = numberArgument('subscribers', quick ? 200 : 1_000);
const EVENTS_PER_SECOND = numberArgument('rate', quick ? 200 : 1_000);
const BATCH = numberArgument('batch', 10);
const DURATION_SECONDS = numberArgument('seconds', quick ? 5 : 20);
const CLIENT_PROCESSES = numberArgument('client-processes', 2);
const CPU_PROFILE = process.argv.includes('--cpu-prof');
/**
 * A subscriber told `overflow` reconnects with Last-Event-ID and resumes, as a
 * dashboard does; with --no-reconnect it stays disconnected and the overflow
 * fails the run.
 */
const RECONNECT = !process.argv.includes('--no-reconnect');
/** Waits before each reconnection attempt in a row: the dashboard's (apps/dashboard/src/live-feed.ts). */
const RECONNECT_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000] as const;
/** Rounds of each subject, alternating which goes first. */
const ROUNDS = numberArgument('rounds', quick ? 1 : 3);
/** The project's api, and its same-run reference. */
const SUBJECTS = { api: 'api', bare: 'bare node:http server' } as const;
type Subject = keyof typeof SUBJECTS;
const OPERATIONS = 10;
const REQUESTS = Math.round((EVENTS_PER_SECOND * DURATION_SECONDS) / BATCH);
const EXPECTED_EVENTS = REQUESTS * BATCH;
/** Appends in flight at once; beyond it the writer falls behind its schedule (and says so) rather than piling up. */
const MAX_IN_FLIGHT = 64;
/** How long past the planned duration the writer waits for its appends to be answered. */
const WRITE_GRACE_SECONDS = 60;
/** How long the last pushes may take to arrive once the writes are done. */
const DRAIN_LIMIT_MS = 30_000;
/** How long a read of the server's state may go unanswered before the run gives up. */
const SERVER_READ_LIMIT_MS = 120_000;
const CONNECT_CONCURRENCY = 50;
const CONNECT_LIMIT_MS = 60_000;
const ROOT = join(__dirname, '..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

// ————— the server (a child process) —————

async function serve(): Promise<void> {
  // Loaded here only: the client processes and the driver never load the application.
  const { createApp } = await import('../apps/api/src/app.factory');
  const { readAuthConfiguration } = await import('../apps/api/src/auth/auth.config');
  const { loadApiConfig } = await import('../apps/api/src/config/api.config');
  const config = loadApiConfig(process.env);
  const app = await createApp(config, {
    auth: readAuthConfiguration(process.env, config.dataDir),
    logger: {
      log: () => undefined,
      warn: (message: unknown) => console.error(message),
      error: (message: unknown) => console.error(message),
    },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  if (process.send) profileOnRequest();
  process.stdout.write(`READY ${port}\n`);
  process.once('SIGTERM', () => {
    const exit = setTimeout(() => process.exit(0), 10_000);
    void app.close().finally(() => {
      clearTimeout(exit);
      process.exit(0);
    });
  });
}

/**
 * With --cpu-prof the driver asks the server (over IPC) to profile the measured
 * window only, not the start-up: 'profile-start', then 'profile-stop' with the
 * file to write the V8 CPU profile to; the server answers 'profile-written'.
 */
function profileOnRequest(): void {
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  process.on('message', (message: { kind: string; file?: string }) => {
    if (message.kind === 'profile-start') {
      void post('Profiler.enable')
        .then(() => post('Profiler.start'))
        .then(() => process.send!({ kind: 'profile-started' }));
    } else if (message.kind === 'profile-stop' && message.file !== undefined) {
      const file = message.file;
      void post('Profiler.stop').then((result) => {
        writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
        process.send!({ kind: 'profile-written' });
      });
    }
  });
  // The IPC channel must not keep the server alive on its own.
  process.channel?.unref();
}

// ————— the reference: a bare node:http server (a child process) —————

/** Stands for the hashes of the chain: the reference computes none, but its frames carry as many bytes. */
const PLACEHOLDER_HASH = '0123456789abcdef'.repeat(4);

/**
 * The fan-out's same-run reference: what Node alone costs to take the same
 * POSTs and write the same Server-Sent Events frames to the same subscribers,
 * with nothing of the project in between (no store, no authentication, no
 * validation, no projections, no redaction). Each request's events get a
 * position and one recordedAt (an ISO string to the millisecond, as the api's
 * write path sets it); their frames (the api's fields, so the same size) are
 * joined and written to every subscriber at once, then the request is
 * answered. It serves the part of the api the driver uses:
 * `POST /operations/{id}/events`, `GET /events/live`, `GET /events` (positions
 * and recordedAt), `GET /health/details` (the head) and `GET /metrics` (open
 * clients, event-loop delay since the previous scrape).
 */
function serveBare(): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  /** recordedAt by position − 1. */
  const recordedAt: string[] = [];
  const revisions = new Map<string, number>();
  const subscribers = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const appendTo = /^\/operations\/([^/]+)\/events$/.exec(url.pathname);
    if (req.method === 'POST' && appendTo) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { events } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          events: { type: string; occurredAt: string; data: Record<string, unknown> }[];
        };
        const operationId = appendTo[1];
        const at = new Date().toISOString();
        let revision = revisions.get(operationId) ?? -1;
        const frames: string[] = [];
        const positions: { position: string }[] = [];
        for (const event of events) {
          recordedAt.push(at);
          revision += 1;
          const position = String(recordedAt.length);
          const visible = {
            schemaVersion: 1,
            operationId,
            occurredAt: event.occurredAt,
            recordedAt: at,
            recordedBy: 'bench-writer@nca',
            agency: 'NCA',
            correlationId: randomUUID(),
            causationId: null,
            classification: 'OFFICIAL',
            streamRevision: revision,
            prevHash: PLACEHOLDER_HASH,
            hash: PLACEHOLDER_HASH,
            eventId: randomUUID(),
            type: event.type,
            data: event.data,
            position,
          };
          frames.push(`id: ${position}\ndata: ${JSON.stringify(visible)}\n\n`);
          positions.push({ position });
        }
        revisions.set(operationId, revision);
        const joined = Buffer.from(frames.join(''));
        for (const subscriber of subscribers) subscriber.write(joined);
        json(201, { position: positions[positions.length - 1]?.position, events: positions });
      });
      return;
    }
    if (req.method !== 'GET') return json(405, { title: 'method not allowed' });
    if (url.pathname === '/events/live') {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
      });
      res.write('retry: 3000\n\n');
      subscribers.add(res);
      res.on('close', () => subscribers.delete(res));
      return;
    }
    if (url.pathname === '/events') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const end = Math.min(recordedAt.length, after + limit);
      const events = recordedAt
        .slice(after, end)
        .map((at, index) => ({ position: String(after + index + 1), recordedAt: at }));
      return json(200, { events, next: end < recordedAt.length ? { after: String(end) } : null });
    }
    if (url.pathname === '/health/details') {
      const head = String(recordedAt.length);
      return json(200, { projections: { caughtUp: true, position: head, headPosition: head } });
    }
    if (url.pathname === '/metrics') {
      const text =
        `timeline_live_clients{stream="events"} ${subscribers.size}\n` +
        `timeline_live_disconnects{stream="events",reason="overflow"} 0\n` +
        `timeline_nodejs_eventloop_lag_p99_seconds ${delay.percentile(99) / 1e9}\n` +
        `timeline_nodejs_eventloop_lag_max_seconds ${delay.max / 1e9}\n`;
      delay.reset();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(text);
      return;
    }
    json(404, { title: 'not found' });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`READY ${port}\n`);
  });
  process.once('SIGTERM', () => {
    for (const subscriber of subscribers) subscriber.destroy();
    server.close(() => process.exit(0));
  });
}

// ————— the subscribers (client child processes) —————

type ToClient =
  | {
      kind: 'start';
      port: number;
      /** Each subscriber of this process: its number in the run and its bearer token. */
      subscribers: { id: number; token: string }[];
      base: number;
      capacity: number;
    }
  | { kind: 'status' }
  | { kind: 'close' }
  | { kind: 'firsts' }
  | {
      kind: 'analyse';
      recordedAtMs: (number | null)[];
      ackMs: (number | null)[];
      firstMs: (number | null)[];
    };

type FromClient =
  | { kind: 'connected'; connected: number; failures: string[] }
  | { kind: 'status'; received: number; bytes: number; lost: number; reconnections: number }
  | { kind: 'closed' }
  | { kind: 'firsts'; firstMs: (number | null)[] }
  | { kind: 'result'; result: ClientResult };

interface ClientResult {
  readonly subscribers: number;
  readonly received: number;
  /** Events a subscriber never received although it received a later one: lost. */
  readonly gaps: number;
  /** Of the gaps, those between a subscriber's last event before a reconnection and its first after. */
  readonly gapsAtReconnection: number;
  /** Events after the last one a subscriber received: still undelivered when the run stopped waiting. */
  readonly undelivered: number;
  readonly subscribersMissing: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  /** Messages whose id is no acknowledged event of the run. */
  readonly unexpected: number;
  /** `event: overflow` received: the server ended the connection as too slow. */
  readonly overflows: number;
  /** Subscribers told overflow at least once. */
  readonly subscribersOverflowed: number;
  /** Connections opened again with Last-Event-ID after an overflow. */
  readonly reconnections: number;
  /** Reconnection attempts the server refused or that failed (each retried after a back-off). */
  readonly reconnectFailures: number;
  /** Subscribers told overflow whose reconnection was not yet answered when the run stopped waiting. */
  readonly reconnecting: number;
  readonly errors: number;
  /** Connections that ended, with no overflow, before the run closed them. */
  readonly lost: number;
  readonly examples: string[];
  readonly lagFromRecorded: SerializedLagHistogram;
  readonly lagFromAck: SerializedLagHistogram;
  readonly lagFromFirst: SerializedLagHistogram;
}

interface Subscriber {
  readonly id: number;
  readonly token: string;
  /** What it received, over all its connections. */
  readonly receipts: SubscriberReceipts;
  readonly scanner: SseFrameScanner;
  request: ClientRequest | null;
  reconnectTimer: NodeJS.Timeout | null;
  /** Between an overflow and the answer to its reconnection. */
  reconnecting: boolean;
  /** Failed reconnection attempts in a row (the back-off's step). */
  attempts: number;
  reconnectFailures: number;
  error: boolean;
  lost: boolean;
}

const now = (): number => performance.timeOrigin + performance.now();

function runClients(): void {
  const subscribers: Subscriber[] = [];
  let port = 0;
  let closing = false;
  let bytes = 0;
  const send = (message: FromClient): void => {
    process.send!(message);
  };

  /** One receipt time per chunk: the frames it completes arrived together. */
  const onChunk = (subscriber: Subscriber, chunk: Buffer, told: { overflow: boolean }): void => {
    const at = now();
    bytes += chunk.length;
    const { ids, events } = subscriber.scanner.scan(chunk);
    for (const id of ids) subscriber.receipts.record(id, at);
    for (const event of events) {
      if (event === 'overflow') {
        told.overflow = true;
        subscriber.receipts.overflows += 1;
      } else if (event === 'error') subscriber.error = true;
    }
  };

  /**
   * Opens one connection, resuming after the last event received (if any) as a
   * dashboard does; resolves once the server answered 200.
   */
  const connect = (subscriber: Subscriber): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const lastEventId = subscriber.receipts.lastEventId;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/events/live',
          agent: false,
          headers: {
            accept: 'text/event-stream',
            authorization: subscriber.token,
            ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
          },
        },
        (response) => {
          if (response.statusCode !== 200) {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            response.on('end', () =>
              reject(new Error(`subscriber ${subscriber.id}: ${response.statusCode} ${body.slice(0, 300)}`)),
            );
            return;
          }
          subscriber.scanner.reset();
          subscriber.receipts.connected();
          const told = { overflow: false };
          let ended = false;
          response.on('data', (chunk: Buffer) => onChunk(subscriber, chunk, told));
          const end = (): void => {
            if (ended || closing) return;
            ended = true;
            if (told.overflow && RECONNECT) {
              subscriber.reconnecting = true;
              scheduleReconnect(subscriber);
            } else if (!told.overflow) subscriber.lost = true;
          };
          response.on('end', end);
          response.on('close', end);
          resolve();
        },
      );
      subscriber.request = req;
      req.on('error', (error) => {
        if (closing) return;
        reject(error);
      });
      req.setTimeout(CONNECT_LIMIT_MS, () =>
        req.destroy(new Error(`subscriber ${subscriber.id}: no answer in ${CONNECT_LIMIT_MS} ms`)),
      );
      req.end();
    }).then(() => {
      subscriber.request?.setTimeout(0);
    });

  const scheduleReconnect = (subscriber: Subscriber): void => {
    const delay = RECONNECT_BACKOFF_MS[Math.min(subscriber.attempts, RECONNECT_BACKOFF_MS.length - 1)];
    subscriber.reconnectTimer = setTimeout(() => {
      subscriber.reconnectTimer = null;
      if (closing) return;
      connect(subscriber).then(
        () => {
          subscriber.reconnecting = false;
          subscriber.attempts = 0;
        },
        () => {
          if (closing) return;
          subscriber.attempts += 1;
          subscriber.reconnectFailures += 1;
          scheduleReconnect(subscriber);
        },
      );
    }, delay);
  };

  /** The earliest receipt of each event by any subscriber of this process. */
  const firsts = (): (number | null)[] => {
    const length = subscribers[0]?.receipts.receipts.length ?? 0;
    const first = new Float64Array(length).fill(Number.POSITIVE_INFINITY);
    for (const subscriber of subscribers) {
      const receipts = subscriber.receipts.receipts;
      for (let index = 0; index < length; index += 1) {
        if (receipts[index] < first[index]) first[index] = receipts[index];
      }
    }
    return Array.from(first, (value) => (Number.isFinite(value) ? value : null));
  };

  const analyse = (
    recordedAtMs: (number | null)[],
    ackMs: (number | null)[],
    firstMs: (number | null)[],
  ): ClientResult => {
    const lagFromRecorded = new LagHistogram();
    const lagFromAck = new LagHistogram();
    const lagFromFirst = new LagHistogram();
    let gaps = 0;
    let gapsAtReconnection = 0;
    let undelivered = 0;
    let subscribersMissing = 0;
    let unexpected = 0;
    const examples: string[] = [];
    const example = (text: string): void => {
      if (examples.length < 10) examples.push(text);
    };
    for (const subscriber of subscribers) {
      const { receipts, last, duplicates, outOfOrder, overflows } = subscriber.receipts;
      const delivery = deliveryOf(
        subscriber.receipts,
        recordedAtMs.length,
        (index) => recordedAtMs[index] !== null,
      );
      gaps += delivery.gaps;
      gapsAtReconnection += delivery.gapsAtReconnection;
      undelivered += delivery.undelivered;
      unexpected += delivery.unexpected;
      if (delivery.gaps + delivery.undelivered > 0) subscribersMissing += 1;
      if (delivery.gaps > 0)
        example(
          `subscriber ${subscriber.id} never received ${delivery.gaps} event(s) from position ${delivery.firstMissing} (${delivery.gapsAtReconnection} across a reconnection) but did receive ${last}`,
        );
      else if (delivery.undelivered > 0)
        example(
          `subscriber ${subscriber.id} had not received positions ${delivery.firstMissing}.. when the run stopped waiting`,
        );
      if (delivery.unexpected > 0)
        example(
          `subscriber ${subscriber.id} received ${delivery.unexpected} position(s) that are no acknowledged event`,
        );
      if (duplicates > 0) example(`subscriber ${subscriber.id} received ${duplicates} duplicate(s)`);
      if (outOfOrder > 0)
        example(`subscriber ${subscriber.id} received ${outOfOrder} message(s) out of order`);
      if (overflows > 0 && !RECONNECT)
        example(`subscriber ${subscriber.id} was disconnected as too slow (event: overflow)`);
      if (subscriber.lost) example(`subscriber ${subscriber.id} lost its connection`);
      if (subscriber.reconnecting)
        example(
          `subscriber ${subscriber.id} was told overflow after position ${last} and its reconnection was not answered yet`,
        );
      for (let index = 0; index < receipts.length && index < recordedAtMs.length; index += 1) {
        const receipt = receipts[index];
        const recorded = recordedAtMs[index];
        if (recorded === null || Number.isNaN(receipt)) continue;
        lagFromRecorded.record(receipt - recorded);
        const ack = ackMs[index];
        if (ack !== null) lagFromAck.record(receipt - ack);
        const first = firstMs[index];
        if (first !== null) lagFromFirst.record(receipt - first);
      }
    }
    const sum = (pick: (subscriber: Subscriber) => number): number =>
      subscribers.reduce((total, subscriber) => total + pick(subscriber), 0);
    return {
      subscribers: subscribers.length,
      received: sum((subscriber) => subscriber.receipts.received),
      gaps,
      gapsAtReconnection,
      undelivered,
      subscribersMissing,
      duplicates: sum((subscriber) => subscriber.receipts.duplicates),
      outOfOrder: sum((subscriber) => subscriber.receipts.outOfOrder),
      unexpected: unexpected + sum((subscriber) => subscriber.receipts.unexpected),
      overflows: sum((subscriber) => subscriber.receipts.overflows),
      subscribersOverflowed: sum((subscriber) => (subscriber.receipts.overflows > 0 ? 1 : 0)),
      reconnections: sum((subscriber) => Math.max(0, subscriber.receipts.connections - 1)),
      reconnectFailures: sum((subscriber) => subscriber.reconnectFailures),
      reconnecting: sum((subscriber) => (subscriber.reconnecting ? 1 : 0)),
      errors: sum((subscriber) => (subscriber.error ? 1 : 0)),
      lost: sum((subscriber) => (subscriber.lost ? 1 : 0)),
      examples,
      lagFromRecorded: lagFromRecorded.toJSON(),
      lagFromAck: lagFromAck.toJSON(),
      lagFromFirst: lagFromFirst.toJSON(),
    };
  };

  process.on('message', (message: ToClient) => {
    switch (message.kind) {
      case 'start': {
        port = message.port;
        for (const { id, token } of message.subscribers) {
          subscribers.push({
            id,
            token,
            receipts: new SubscriberReceipts(message.base, message.capacity),
            scanner: new SseFrameScanner(),
            request: null,
            reconnectTimer: null,
            reconnecting: false,
            attempts: 0,
            reconnectFailures: 0,
            error: false,
            lost: false,
          });
        }
        void connectAll().then((failures) =>
          send({
            kind: 'connected',
            connected: subscribers.length - failures.length,
            failures: failures.slice(0, 10),
          }),
        );
        return;
      }
      case 'status':
        send({
          kind: 'status',
          received: subscribers.reduce((total, subscriber) => total + subscriber.receipts.received, 0),
          bytes,
          lost: subscribers.reduce((total, subscriber) => total + (subscriber.lost ? 1 : 0), 0),
          reconnections: subscribers.reduce(
            (total, subscriber) => total + Math.max(0, subscriber.receipts.connections - 1),
            0,
          ),
        });
        return;
      case 'close':
        closing = true;
        for (const subscriber of subscribers) {
          if (subscriber.reconnectTimer) clearTimeout(subscriber.reconnectTimer);
          subscriber.request?.destroy();
        }
        send({ kind: 'closed' });
        return;
      case 'firsts':
        send({ kind: 'firsts', firstMs: firsts() });
        return;
      case 'analyse':
        send({ kind: 'result', result: analyse(message.recordedAtMs, message.ackMs, message.firstMs) });
        return;
    }
  });

  const connectAll = async (): Promise<string[]> => {
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < subscribers.length) {
        const subscriber = subscribers[next++];
        await connect(subscriber).catch((error: unknown) => {
          subscriber.lost = true;
          failures.push(error instanceof Error ? error.message : String(error));
        });
      }
    };
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
    return failures;
  };
  process.on('disconnect', () => process.exit(0));
}

// ————— the driver —————

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

function startServer(dataDir: string, subject: Subject): Promise<Server> {
  const child = spawn(
    process.execPath,
    [...TS_NODE, __filename, subject === 'api' ? '--serve' : '--serve-bare'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...testAuthEnvironment(),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        // The log must hold the run's events only.
        DEMO_DATA: 'off',
        // Every subscriber is its own principal; the writer alone sends more than the default request budget.
        RATE_LIMIT_REQUESTS: '1000000',
        TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? 'tsconfig.json',
      },
      stdio: ['ignore', 'pipe', 'inherit', ...(CPU_PROFILE ? (['ipc'] as const) : [])],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /READY (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`the api exited with ${code} before it was ready`)));
  });
}

function askServer(server: Server, message: { kind: string; file?: string }, answer: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the api gave no ${answer} answer within 60 s`)), 60_000);
    const listener = (reply: { kind: string }): void => {
      if (reply.kind !== answer) return;
      clearTimeout(timer);
      server.child.off('message', listener);
      resolve();
    };
    server.child.on('message', listener);
    server.child.send(message);
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

class ClientProcess {
  private readonly waiting = new Map<FromClient['kind'], (message: FromClient) => void>();

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromClient) => {
      const waiter = this.waiting.get(message.kind);
      this.waiting.delete(message.kind);
      waiter?.(message);
    });
  }

  static start(): ClientProcess {
    const child = spawn(process.execPath, [...TS_NODE, __filename, '--clients'], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? 'tsconfig.json' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new ClientProcess(child);
  }

  /** Sends a message and waits (bounded) for the answer of the given kind. */
  ask<K extends FromClient['kind']>(
    message: ToClient,
    answer: K,
    limitMs: number,
  ): Promise<Extract<FromClient, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(answer);
        reject(new Error(`client process ${this.child.pid} gave no ${answer} answer within ${limitMs} ms`));
      }, limitMs);
      this.waiting.set(answer, (reply) => {
        clearTimeout(timer);
        resolve(reply as Extract<FromClient, { kind: K }>);
      });
      this.child.send(message);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

const recorder = bearerFor({ role: 'recorder', agency: 'NCA', subject: 'bench-writer@nca' });
const auditor = bearerFor({ role: 'auditor', agency: 'NCA', subject: 'bench-auditor@nca' });
const admin = bearerFor({ role: 'admin', agency: 'NCA', subject: 'bench-admin@nca' });

let sequence = 0;
function raidEvent(): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'RaidConducted',
    occurredAt: '2020-06-15T05:30:00Z',
    data: {
      raidId: `RAID-FANOUT-${sequence}`,
      force: 'NCA',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T07:30:00Z',
      officers: 6,
    },
  };
}

interface AppendAnswer {
  readonly position: string;
  readonly events: readonly { readonly position: string }[];
}

async function append(port: number, operationId: string, events: readonly unknown[]): Promise<AppendAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}/operations/${operationId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: recorder },
    body: JSON.stringify({ events }),
  });
  const text = await response.text();
  if (response.status !== 201)
    throw new Error(`POST /operations/${operationId}/events: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as AppendAnswer;
}

/**
 * A read of the server's state (health, metrics, the log): a server busy sending
 * backlogs to a crowd of reconnecting subscribers may take longer to accept a
 * connection than fetch waits (10 s), so a read that got no answer is tried
 * again, for up to SERVER_READ_LIMIT_MS. Appends are never retried.
 */
async function readFromServer(url: string, headers: Record<string, string>): Promise<Response> {
  const deadline = performance.now() + SERVER_READ_LIMIT_MS;
  for (;;) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      if (performance.now() > deadline) throw error;
      process.stdout.write(`  no answer from the server to ${new URL(url).pathname} yet; trying again\n`);
      await sleep(1_000);
    }
  }
}

async function getJson<T>(port: number, path: string, authorization?: string): Promise<T> {
  const response = await readFromServer(
    `http://127.0.0.1:${port}${path}`,
    authorization ? { authorization } : {},
  );
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

interface ProjectionsHealth {
  readonly caughtUp?: boolean;
  readonly position?: string | null;
  readonly headPosition?: string | null;
  readonly lag?: unknown;
}

async function projectionsHealth(port: number): Promise<ProjectionsHealth | undefined> {
  return (await getJson<{ projections?: ProjectionsHealth }>(port, '/health/details', admin)).projections;
}

async function projectionsCaughtUp(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const projections = await projectionsHealth(port);
    if (
      projections === undefined ||
      (projections.caughtUp === true && projections.position === projections.headPosition)
    )
      return;
    if (Date.now() > deadline)
      throw new Error(`projections did not catch up: ${JSON.stringify(projections)}`);
    await sleep(100);
  }
}

/** Gauges of the server's /metrics text by name and label set. */
async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const response = await readFromServer(`http://127.0.0.1:${port}/metrics`, { authorization: admin });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics: ${response.status} ${text.slice(0, 300)}`);
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

interface WriteOutcome {
  /** Acknowledgement time by event index (position − base − 1). */
  readonly ackMs: Map<number, number>;
  readonly seconds: number;
  /** Requests sent later than their slot in the schedule by more than one interval. */
  readonly late: number;
  /** Requests the time limit left unsent: the server could not take the offered rate. */
  readonly unfinished: number;
  /** Appends refused or broken (not 201). */
  readonly failures: string[];
  /** Resolves when no append is in flight any more (the time limit stops sending, not the answers). */
  readonly settled: () => Promise<void>;
}

/**
 * Appends REQUESTS batches at fixed times (open loop: a slow answer does not
 * slow the schedule down, up to MAX_IN_FLIGHT appends at once), round-robin
 * over the operations. Bounded in count and in time.
 */
async function write(port: number, base: number): Promise<WriteOutcome> {
  const intervalMs = (1000 * BATCH) / EVENTS_PER_SECOND;
  const ackMs = new Map<number, number>();
  const failures: string[] = [];
  const deadline = performance.now() + (DURATION_SECONDS + WRITE_GRACE_SECONDS) * 1000;
  const started = performance.now();
  let sent = 0;
  let inFlight = 0;
  let late = 0;
  let finished = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      while (sent < REQUESTS && sent * intervalMs <= elapsed && inFlight < MAX_IN_FLIGHT) {
        if (elapsed - sent * intervalMs > intervalMs) late += 1;
        const operationId = `fanout-${sent % OPERATIONS}`;
        const events = Array.from({ length: BATCH }, raidEvent);
        sent += 1;
        inFlight += 1;
        append(port, operationId, events)
          .then((answer) => {
            const at = now();
            for (const event of answer.events) ackMs.set(Number(event.position) - base - 1, at);
          })
          .catch((error: unknown) => {
            failed += 1;
            if (failures.length < 10) failures.push(error instanceof Error ? error.message : String(error));
          })
          .finally(() => {
            inFlight -= 1;
            finished += 1;
          });
      }
      if (finished === REQUESTS || performance.now() > deadline) {
        resolve();
        return;
      }
      const wait = sent < REQUESTS ? Math.max(0, started + sent * intervalMs - performance.now()) : 5;
      setTimeout(tick, inFlight >= MAX_IN_FLIGHT ? 1 : wait);
    };
    tick();
  });
  if (failed > failures.length) failures.push(`… ${failed} appends failed in all`);
  const settled = async (): Promise<void> => {
    while (inFlight > 0) await sleep(20);
  };
  return {
    ackMs,
    seconds: (performance.now() - started) / 1000,
    late,
    unfinished: REQUESTS - sent,
    failures,
    settled,
  };
}

/** Each event of the log after `base` with its recordedAt, read back as an auditor would. */
async function recordedTimes(port: number, base: number): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  let after = String(base);
  for (let page = 0; page < EXPECTED_EVENTS / 100 + 10; page += 1) {
    const answer = await getJson<{
      events: { position: string; recordedAt?: string; metadata?: { recordedAt?: string } }[];
      next: { after: string } | null;
    }>(port, `/events?after=${after}&limit=1000`, auditor);
    for (const event of answer.events) {
      const recordedAt = event.recordedAt ?? event.metadata?.recordedAt;
      if (recordedAt === undefined)
        throw new Error(`GET /events: event at ${event.position} has no recordedAt`);
      times.set(Number(event.position) - base - 1, Date.parse(recordedAt));
    }
    if (answer.next === null) return times;
    after = answer.next.after;
  }
  throw new Error('GET /events: the log did not end within the expected number of pages');
}

/** What one subject's round measured. */
interface RoundOutcome {
  readonly subject: Subject;
  readonly lagRecorded: LagSummary;
  readonly lagAck: LagSummary;
  readonly lagFirst: LagSummary;
  readonly delivery: Delivery;
  readonly deliveryFailed: boolean;
  readonly processes: Processes;
  readonly traffic: { readonly bytesPerMessage: number; readonly megabytesPerSecond: number };
  readonly writer: Record<string, number>;
  readonly profile: ReturnType<typeof summariseCpuProfile> | null;
}

type LagSummary = ReturnType<LagHistogram['summary']>;

/** One round's delivery against the log, summed over every subscriber. */
interface Delivery {
  readonly eventsAppended: number;
  readonly eventsInLog: number;
  readonly acknowledgedButNotInLog: number;
  readonly inLogButNotAcknowledged: number;
  readonly appendFailures: readonly string[];
  readonly appendsUnfinishedAtTheTimeLimit: number;
  readonly expectedMessages: number;
  readonly delivered: number;
  /** Gaps: events a subscriber never received although it received a later one. */
  readonly lost: number;
  readonly lostAcrossAReconnection: number;
  readonly undeliveredWhenTheRunStoppedWaiting: number;
  readonly subscribersMissingSome: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly unexpected: number;
  readonly overflowDisconnects: number;
  readonly subscribersOverflowed: number;
  readonly reconnections: number;
  readonly reconnectionsRefused: number;
  readonly stillReconnectingWhenTheRunStoppedWaiting: number;
  readonly errorEvents: number;
  readonly connectionsLost: number;
  readonly projectionsWhenTheRunStoppedWaiting: ProjectionsHealth | null;
  readonly serverOverflowDisconnects: number;
  readonly examples: readonly string[];
}

interface Processes {
  readonly windowSeconds: number;
  readonly server: {
    readonly cpuSeconds: number | null;
    readonly percentOfOneCore: number | null;
    readonly cpuMicrosecondsPerMessage: number | null;
    readonly peakRssMiBInWindow: number;
    readonly peakRssMiBSinceStart: number | null;
    readonly eventLoopP99MsInWindow: number | null;
    readonly eventLoopMaxMsInWindow: number | null;
  };
  readonly clients: {
    readonly processes: number;
    readonly cpuSeconds: number;
    readonly percentOfOneCore: number;
    readonly peakRssMiBInWindow: number;
    readonly peakRssMiBSinceStart: number;
  };
  readonly driver: { readonly cpuSeconds: number; readonly percentOfOneCore: number };
}

/** One round of one subject: a fresh server and subscriber process(es), the writes, the drain, the analysis. */
async function measureRound(subject: Subject, profileFile: string | null): Promise<RoundOutcome> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-bench-fanout-'));
  const server = await startServer(dataDir, subject);
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => ClientProcess.start());
  try {
    let base = 0;
    for (let index = 0; index < OPERATIONS; index += 1) {
      const launched = await append(server.port, `fanout-${index}`, [
        {
          type: 'OperationLaunched',
          occurredAt: '2020-03-26T09:00:00Z',
          data: {
            codename: `FANOUT-${index}`,
            leadAgency: 'NCA',
            startedAt: '2020-03-26T09:00:00Z',
            description: 'SSE fan-out benchmark',
          },
        },
      ]);
      base = Math.max(base, Number(launched.position));
    }
    // Subscribers start from the live position: it must be past the launches, or they would receive them too.
    await projectionsCaughtUp(server.port);

    const connectStarted = performance.now();
    const capacity = EXPECTED_EVENTS + 1_000;
    const connected = await Promise.all(
      clients.map((client, processIndex) => {
        const subscribers: { id: number; token: string }[] = [];
        for (let id = processIndex; id < SUBSCRIBERS; id += CLIENT_PROCESSES) {
          subscribers.push({
            id,
            token: bearerFor({ role: 'analyst', agency: 'NCA', subject: `analyst-${id}@nca` }),
          });
        }
        return client.ask(
          { kind: 'start', port: server.port, subscribers, base, capacity },
          'connected',
          CONNECT_LIMIT_MS * 2,
        );
      }),
    );
    const connectFailures = connected.flatMap((answer) => answer.failures);
    if (connectFailures.length > 0)
      throw new Error(`subscribers could not connect:\n  ${connectFailures.join('\n  ')}`);
    const metricsBefore = await scrapeMetrics(server.port);
    const open = metricsBefore.get('timeline_live_clients{stream="events"}');
    process.stdout.write(
      `  ${SUBSCRIBERS} subscribers connected in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s (server reports ${open} open)\n`,
    );
    if (open !== SUBSCRIBERS)
      throw new Error(`the server reports ${open} open live clients, expected ${SUBSCRIBERS}`);

    if (profileFile) await askServer(server, { kind: 'profile-start' }, 'profile-started');
    const serverCpu = new ProcessCpuWindow(server.child.pid!);
    const clientCpu = clients.map((client) => new ProcessCpuWindow(client.child.pid!));
    const driverCpuStart = process.cpuUsage();
    const windowStarted = performance.now();
    const peakRss = { server: 0, clients: 0 };
    const rssTimer = setInterval(() => {
      peakRss.server = Math.max(peakRss.server, memoryOf(server.child.pid!)?.rssMiB ?? 0);
      peakRss.clients = Math.max(
        peakRss.clients,
        clients.reduce((total, client) => total + (memoryOf(client.child.pid!)?.rssMiB ?? 0), 0),
      );
    }, 250);

    const written = await write(server.port, base);
    process.stdout.write(
      `  appended ${written.ackMs.size.toLocaleString('en-GB')} of ${EXPECTED_EVENTS.toLocaleString('en-GB')} events in ${written.seconds.toFixed(1)} s` +
        `${written.late > 0 ? `; ${written.late} requests later than their slot` : ''}` +
        `${written.unfinished > 0 ? `; ${written.unfinished} requests unsent when the writer's time limit (${DURATION_SECONDS + WRITE_GRACE_SECONDS} s) ran out` : ''}\n`,
    );

    // Drain: wait (bounded) until every subscriber has every acknowledged event.
    const drainStarted = performance.now();
    // Appends sent before the time limit may still be answered: every event they store is expected too.
    // (The timer must not keep the process alive once the run is over: unref'd.)
    await Promise.race([
      written.settled(),
      new Promise((resolve) => setTimeout(resolve, DRAIN_LIMIT_MS).unref()),
    ]);
    let expectedMessages = 0;
    let received = 0;
    let receivedBytes = 0;
    let lost = 0;
    let reconnections = 0;
    for (;;) {
      const head = Number((await projectionsHealth(server.port))?.headPosition ?? base);
      expectedMessages = Math.max(written.ackMs.size, head - base) * SUBSCRIBERS;
      const statuses = await Promise.all(
        // A subscribers' process that is far behind answers late, not never: as long as the drain may take.
        clients.map((client) => client.ask({ kind: 'status' }, 'status', DRAIN_LIMIT_MS)),
      );
      received = statuses.reduce((total, status) => total + status.received, 0);
      lost = statuses.reduce((total, status) => total + status.lost, 0);
      reconnections = statuses.reduce((total, status) => total + status.reconnections, 0);
      receivedBytes = statuses.reduce((total, status) => total + status.bytes, 0);
      if (received >= expectedMessages || performance.now() - drainStarted > DRAIN_LIMIT_MS) break;
      await sleep(50);
    }
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    const traffic = {
      bytesPerMessage: received === 0 ? 0 : Math.round(receivedBytes / received),
      megabytesPerSecond: Math.round(receivedBytes / windowSeconds / 1e5) / 10,
    };
    clearInterval(rssTimer);
    const serverUsage = serverCpu.stop();
    const clientUsage = clientCpu.map((window) => window.stop());
    const driverUsed = process.cpuUsage(driverCpuStart);
    if (profileFile) {
      mkdirSync(dirname(profileFile), { recursive: true });
      await askServer(server, { kind: 'profile-stop', file: profileFile }, 'profile-written');
    }
    const metricsAfter = await scrapeMetrics(server.port);
    // Where the live pushes come from: the runner's position against the store's head when the run stopped waiting.
    const runnerAtEnd = await projectionsHealth(server.port);
    const serverMemory = memoryOf(server.child.pid!);
    const clientMemory = clients.map((client) => memoryOf(client.child.pid!));
    process.stdout.write(
      `  ${received.toLocaleString('en-GB')} of ${expectedMessages.toLocaleString('en-GB')} messages received ` +
        `${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the last append${lost > 0 ? `; ${lost} connections lost` : ''}` +
        `${reconnections > 0 ? `; ${reconnections} reconnections after an overflow` : ''}; ` +
        `projections at ${runnerAtEnd?.position} of head ${runnerAtEnd?.headPosition}\n`,
    );

    await Promise.all(clients.map((client) => client.ask({ kind: 'close' }, 'closed', DRAIN_LIMIT_MS)));
    const recorded = await recordedTimes(server.port, base);
    const length = Math.max(recorded.size, written.ackMs.size);
    const recordedAtMs: (number | null)[] = Array.from({ length }, (_, index) => recorded.get(index) ?? null);
    const ackMs: (number | null)[] = Array.from({ length }, (_, index) => written.ackMs.get(index) ?? null);
    const notInLog = [...written.ackMs.keys()].filter((index) => !recorded.has(index));
    const notAcknowledged = [...recorded.keys()].filter((index) => !written.ackMs.has(index));
    // The first arrival of each event at any subscriber: what follows it is the fan-out alone, without the append.
    const firstMs: (number | null)[] = Array.from({ length }, () => null);
    for (const answer of await Promise.all(
      clients.map((client) => client.ask({ kind: 'firsts' }, 'firsts', 60_000)),
    )) {
      answer.firstMs.forEach((value, index) => {
        const known = firstMs[index];
        if (index < length && value !== null && (known === null || value < known)) firstMs[index] = value;
      });
    }
    const results = await Promise.all(
      clients.map((client) =>
        client
          .ask({ kind: 'analyse', recordedAtMs, ackMs, firstMs }, 'result', 120_000)
          .then((answer) => answer.result),
      ),
    );

    const fromRecorded = new LagHistogram();
    const fromAck = new LagHistogram();
    const fromFirst = new LagHistogram();
    for (const result of results) {
      fromRecorded.merge(result.lagFromRecorded);
      fromAck.merge(result.lagFromAck);
      fromFirst.merge(result.lagFromFirst);
    }
    const total = (pick: (result: ClientResult) => number): number =>
      results.reduce((sum, result) => sum + pick(result), 0);
    const delivery: Delivery = {
      eventsAppended: written.ackMs.size,
      eventsInLog: recorded.size,
      acknowledgedButNotInLog: notInLog.length,
      inLogButNotAcknowledged: notAcknowledged.length,
      appendFailures: written.failures,
      appendsUnfinishedAtTheTimeLimit: written.unfinished,
      expectedMessages: recorded.size * SUBSCRIBERS,
      delivered: total((result) => result.received),
      lost: total((result) => result.gaps),
      lostAcrossAReconnection: total((result) => result.gapsAtReconnection),
      undeliveredWhenTheRunStoppedWaiting: total((result) => result.undelivered),
      subscribersMissingSome: total((result) => result.subscribersMissing),
      duplicates: total((result) => result.duplicates),
      outOfOrder: total((result) => result.outOfOrder),
      unexpected: total((result) => result.unexpected),
      overflowDisconnects: total((result) => result.overflows),
      subscribersOverflowed: total((result) => result.subscribersOverflowed),
      reconnections: total((result) => result.reconnections),
      reconnectionsRefused: total((result) => result.reconnectFailures),
      stillReconnectingWhenTheRunStoppedWaiting: total((result) => result.reconnecting),
      errorEvents: total((result) => result.errors),
      connectionsLost: total((result) => result.lost),
      projectionsWhenTheRunStoppedWaiting: runnerAtEnd ?? null,
      serverOverflowDisconnects:
        metricsAfter.get('timeline_live_disconnects{stream="events",reason="overflow"}') ?? 0,
      examples: results.flatMap((result) => result.examples).slice(0, 10),
    };
    const deliveryFailed =
      delivery.appendFailures.length > 0 ||
      delivery.acknowledgedButNotInLog + delivery.inLogButNotAcknowledged > 0 ||
      delivery.delivered !== delivery.expectedMessages ||
      delivery.lost +
        delivery.undeliveredWhenTheRunStoppedWaiting +
        delivery.duplicates +
        delivery.outOfOrder +
        delivery.unexpected >
        0 ||
      delivery.errorEvents + delivery.connectionsLost > 0 ||
      // Reconnecting, an overflow is no failure, but every one the server counted must have been told.
      (RECONNECT
        ? delivery.serverOverflowDisconnects !== delivery.overflowDisconnects
        : delivery.overflowDisconnects + delivery.serverOverflowDisconnects > 0);

    const seconds = (value: number | undefined): number | null =>
      value === undefined ? null : Math.round(value * 1e5) / 100;
    const processes: Processes = {
      windowSeconds: Math.round(windowSeconds * 100) / 100,
      server: {
        ...serverUsage,
        // Steadier than wall-clock lag on a shared machine: what each delivered message cost the server.
        cpuMicrosecondsPerMessage:
          serverUsage.cpuSeconds === null || received === 0
            ? null
            : Math.round((serverUsage.cpuSeconds / received) * 1e8) / 100,
        peakRssMiBInWindow: peakRss.server,
        peakRssMiBSinceStart: serverMemory?.peakRssMiB ?? null,
        eventLoopP99MsInWindow: seconds(metricsAfter.get('timeline_nodejs_eventloop_lag_p99_seconds')),
        eventLoopMaxMsInWindow: seconds(metricsAfter.get('timeline_nodejs_eventloop_lag_max_seconds')),
      },
      clients: {
        processes: CLIENT_PROCESSES,
        cpuSeconds:
          Math.round(clientUsage.reduce((sum, usage) => sum + (usage.cpuSeconds ?? 0), 0) * 100) / 100,
        percentOfOneCore:
          Math.round(clientUsage.reduce((sum, usage) => sum + (usage.percentOfOneCore ?? 0), 0) * 10) / 10,
        peakRssMiBInWindow: peakRss.clients,
        peakRssMiBSinceStart: clientMemory.reduce((sum, memory) => sum + (memory?.peakRssMiB ?? 0), 0),
      },
      driver: {
        cpuSeconds: Math.round(((driverUsed.user + driverUsed.system) / 1e6) * 100) / 100,
        percentOfOneCore:
          Math.round(((driverUsed.user + driverUsed.system) / 1e6 / windowSeconds) * 1000) / 10,
      },
    };
    await stopServer(server);
    const profile = profileFile ? summariseCpuProfile(profileFile, 30) : null;
    if (deliveryFailed) {
      process.stderr.write(
        `Delivery by the ${SUBJECTS[subject]} was not exact:\n${JSON.stringify(delivery, null, 2)}\n`,
      );
    }
    return {
      subject,
      lagRecorded: fromRecorded.summary(),
      lagAck: fromAck.summary(),
      lagFirst: fromFirst.summary(),
      delivery,
      deliveryFailed,
      processes,
      traffic,
      writer: {
        requestsPlanned: REQUESTS,
        late: written.late,
        unfinishedAtTheTimeLimit: written.unfinished,
        seconds: Math.round(written.seconds * 100) / 100,
        eventsPerSecondAchieved: Math.round(written.ackMs.size / written.seconds),
      },
      profile,
    };
  } finally {
    for (const client of clients) client.stop();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function drive(): Promise<void> {
  const parameters = {
    quick,
    subscribers: SUBSCRIBERS,
    eventsPerSecond: EVENTS_PER_SECOND,
    eventsPerRequest: BATCH,
    requestsPerSecond: EVENTS_PER_SECOND / BATCH,
    durationSeconds: DURATION_SECONDS,
    operations: OPERATIONS,
    clientProcesses: CLIENT_PROCESSES,
    reconnectAfterOverflow: RECONNECT,
    rounds: ROUNDS,
    cpuProfile: CPU_PROFILE,
    store: 'embedded SQLite (file in a temporary directory, WAL, synchronous=FULL)',
    reference:
      'a bare node:http server in its own process: the same POSTs, no store, no authentication, no validation; the same frames (same fields, ids and size) written to every subscriber when the request arrives',
    cores: cpus().length,
  };
  const report = new BenchReport(
    `SSE fan-out${quick ? ' (quick)' : ''}: ${SUBSCRIBERS.toLocaleString('en-GB')} subscribers to GET /events/live, ` +
      `${EVENTS_PER_SECOND.toLocaleString('en-GB')} events/s (${EVENTS_PER_SECOND / BATCH} requests/s of ${BATCH}) for ${DURATION_SECONDS} s, ` +
      `against a bare node:http server, ${ROUNDS} alternating round${ROUNDS > 1 ? 's' : ''}`,
    parameters,
  );
  const outcomes: RoundOutcome[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // The order flips every round: neither subject always runs on the warmer (or more loaded) machine.
    const order: Subject[] = round % 2 === 0 ? ['api', 'bare'] : ['bare', 'api'];
    for (const subject of order) {
      process.stdout.write(`round ${round + 1} of ${ROUNDS}: ${SUBJECTS[subject]}\n`);
      const profileFile =
        CPU_PROFILE && subject === 'api'
          ? join(
              tmpdir(),
              `timeline-fanout-server-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
            )
          : null;
      outcomes.push(await measureRound(subject, profileFile));
    }
  }
  const api = outcomes.filter((outcome) => outcome.subject === 'api');
  const bare = outcomes.filter((outcome) => outcome.subject === 'bare');
  // Only the api's delivery decides the exit code: a reference that falls behind on a loaded
  // machine is reported in its row, it is no fault of the project.
  const deliveryFailed = api.some((outcome) => outcome.deliveryFailed);

  for (const outcome of api) {
    if (!outcome.profile) continue;
    process.stdout.write(
      `\n  server CPU profile ${outcome.profile.file} — self time by function over the measured window:\n`,
    );
    for (const entry of outcome.profile.functions) {
      process.stdout.write(
        `    ${entry.selfPercent.toFixed(1).padStart(5)}%  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.name}  ${entry.location}\n`,
      );
    }
  }

  const scenario = `${SUBSCRIBERS} subscribers × ${EVENTS_PER_SECOND} events/s`;
  const roundRatios = (pick: (outcome: RoundOutcome) => number | null): number[] =>
    api.flatMap((outcome, round) => {
      const subject = pick(outcome);
      const reference = bare[round] === undefined ? null : pick(bare[round]);
      return subject === null || reference === null || reference === 0 ? [] : [subject / reference];
    });
  const ratioNote = (what: string, ratios: readonly number[]): string =>
    ratios.length === 0
      ? ''
      : `${what} ${median(ratios).toFixed(2)}× the reference's${ratios.length > 1 ? ` (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×)` : ''}`;
  /** Reconnections after an overflow, by round: no failure when the delivery across them is exact. */
  const reconnectionNote = (outcomes: readonly RoundOutcome[]): string => {
    const counts = outcomes.map((outcome) => outcome.delivery.reconnections);
    if (counts.every((count) => count === 0)) return '';
    const subscribers = outcomes.map((outcome) => outcome.delivery.subscribersOverflowed);
    return ` across ${counts.join(', ')} reconnection(s) after an overflow (${subscribers.join(', ')} subscribers) by round`;
  };
  const exactness = (outcomes: readonly RoundOutcome[]): string => {
    const failed = outcomes.filter((outcome) => outcome.deliveryFailed);
    if (failed.length === 0)
      return `every subscriber got every event once, in order${reconnectionNote(outcomes)}`;
    const d = failed[0].delivery;
    return `FAILED in ${failed.length} round(s): ${d.lost} lost (gaps; ${d.lostAcrossAReconnection} across a reconnection), ${d.undeliveredWhenTheRunStoppedWaiting} undelivered ${DRAIN_LIMIT_MS / 1000} s after the last append, ${d.duplicates} duplicate, ${d.outOfOrder} out of order, ${d.unexpected} unexpected, ${d.overflowDisconnects} overflow (${d.serverOverflowDisconnects} counted by the server), ${d.reconnections} reconnection(s), ${d.connectionsLost} lost`;
  };
  /** A lag row per subject: medians over its rounds. */
  const lagRow = (
    measure: string,
    subject: Subject,
    rounds: readonly RoundOutcome[],
    pick: (outcome: RoundOutcome) => LagSummary,
    note: string,
  ): BenchRow & Record<string, unknown> => ({
    scenario: `${scenario}: ${measure}`,
    subject: SUBJECTS[subject],
    count: rounds.reduce((sum, outcome) => sum + pick(outcome).count, 0),
    p50Ms: median(rounds.map((outcome) => pick(outcome).p50Ms)),
    p99Ms: median(rounds.map((outcome) => pick(outcome).p99Ms)),
    maxMs: Math.max(...rounds.map((outcome) => pick(outcome).maxMs)),
    note,
  });
  const lagMeasures: readonly {
    measure: string;
    pick: (outcome: RoundOutcome) => LagSummary;
    note: (rounds: readonly RoundOutcome[]) => string;
  }[] = [
    {
      measure: 'lag from recordedAt',
      pick: (outcome) => outcome.lagRecorded,
      note: (rounds) => {
        const delivered = rounds.reduce((sum, outcome) => sum + outcome.delivery.delivered, 0);
        const expected = rounds.reduce((sum, outcome) => sum + outcome.delivery.expectedMessages, 0);
        return `${delivered.toLocaleString('en-GB')} of ${expected.toLocaleString('en-GB')} messages; ${exactness(rounds)}`;
      },
    },
    {
      measure: 'lag from append acknowledged',
      pick: (outcome) => outcome.lagAck,
      note: (rounds) =>
        `${rounds.reduce((sum, outcome) => sum + outcome.lagAck.negative, 0).toLocaleString('en-GB')} messages arrived before their append's answer (counted as 0)`,
    },
    {
      measure: 'spread after first arrival',
      pick: (outcome) => outcome.lagFirst,
      note: () =>
        'from the first subscriber receiving an event to each subscriber receiving it: the fan-out alone',
    },
  ];
  for (const { measure, pick, note } of lagMeasures) {
    report.add(lagRow(measure, 'bare', bare, pick, note(bare)));
    const p50 = ratioNote(
      'p50',
      roundRatios((outcome) => pick(outcome).p50Ms),
    );
    const p99 = ratioNote(
      'p99',
      roundRatios((outcome) => pick(outcome).p99Ms),
    );
    report.add(lagRow(measure, 'api', api, pick, `${note(api)}; ${p50}; ${p99}`));
  }
  const serverRow = (
    subject: Subject,
    rounds: readonly RoundOutcome[],
  ): BenchRow & Record<string, unknown> => {
    const known = (values: readonly (number | null)[]): number[] =>
      values.filter((value): value is number => value !== null);
    const cpu = median(known(rounds.map((outcome) => outcome.processes.server.cpuMicrosecondsPerMessage)));
    const share = median(known(rounds.map((outcome) => outcome.processes.server.percentOfOneCore)));
    const rss = Math.max(...rounds.map((outcome) => outcome.processes.server.peakRssMiBSinceStart ?? 0));
    const loopP99 = median(known(rounds.map((outcome) => outcome.processes.server.eventLoopP99MsInWindow)));
    const loopMax = Math.max(
      ...rounds.map((outcome) => outcome.processes.server.eventLoopMaxMsInWindow ?? 0),
    );
    return {
      scenario: `${scenario}: server process`,
      subject: SUBJECTS[subject],
      cpuMicrosecondsPerMessage: cpu,
      cpuPercentOfOneCore: share,
      peakRssMiB: rss,
      loopP99DelayMs: loopP99,
      note: `${cpu} µs CPU per message; CPU ${share}% of one core; peak RSS ${rss} MiB; event loop p99 ${loopP99} ms, max ${loopMax} ms; ${median(rounds.map((outcome) => outcome.traffic.bytesPerMessage))} B/message`,
    };
  };
  report.add(serverRow('bare', bare));
  const apiServer = serverRow('api', api);
  const cpuRatios = roundRatios((outcome) => outcome.processes.server.cpuMicrosecondsPerMessage);
  report.add({ ...apiServer, note: `${apiServer.note}; ${ratioNote('CPU per message', cpuRatios)}` });
  const subscribersRow = (
    subject: Subject,
    rounds: readonly RoundOutcome[],
  ): BenchRow & Record<string, unknown> => {
    const clients = rounds.map((outcome) => outcome.processes.clients);
    return {
      scenario: `${scenario}: subscribers' process${CLIENT_PROCESSES > 1 ? `es (${CLIENT_PROCESSES})` : ''}`,
      subject: SUBJECTS[subject],
      peakRssMiB: Math.max(...clients.map((entry) => entry.peakRssMiBSinceStart)),
      cpuPercentOfOneCore: median(clients.map((entry) => entry.percentOfOneCore)),
      note: `${median(rounds.map((outcome) => outcome.traffic.megabytesPerSecond))} MB/s over loopback; writer ${median(rounds.map((outcome) => outcome.processes.driver.percentOfOneCore))}% of one core; all on the same ${cpus().length} cores as the server`,
    };
  };
  report.add(subscribersRow('bare', bare));
  report.add(subscribersRow('api', api));

  report.print();
  const lagRecorded = api.map((outcome) => outcome.lagRecorded);
  const p99 = median(lagRecorded.map((lag) => lag.p99Ms));
  const target = { p99LagMs: 250, met: !deliveryFailed && p99 < 250 };
  process.stdout.write(
    `Target p99 lag < 250 ms (from recordedAt, median of rounds): ${target.met ? 'met' : 'MISSED'} — p99 ${p99} ms. ` +
      `Server, subscribers and writer shared ${cpus().length} cores.\n`,
  );
  const output = join(__dirname, 'results', quick ? 'fanout.quick.json' : 'fanout.json');
  const perRound = (outcome: RoundOutcome) => ({
    subject: SUBJECTS[outcome.subject],
    lagFromRecordedAt: outcome.lagRecorded,
    lagFromAppendAcknowledged: outcome.lagAck,
    spreadAfterFirstArrival: outcome.lagFirst,
    delivery: outcome.delivery,
    processes: outcome.processes,
    traffic: outcome.traffic,
    writer: outcome.writer,
    ...(outcome.profile
      ? { serverCpuProfile: { file: outcome.profile.file, functions: outcome.profile.functions } }
      : {}),
  });
  report.writeJson(output, {
    sharedCores: `server, ${CLIENT_PROCESSES} subscriber process(es) and the writer ran on the same ${cpus().length} cores`,
    target,
    ratios: {
      lagFromRecordedAtP50: roundRatios((outcome) => outcome.lagRecorded.p50Ms),
      lagFromRecordedAtP99: roundRatios((outcome) => outcome.lagRecorded.p99Ms),
      serverCpuPerMessage: cpuRatios,
    },
    rounds: outcomes.map(perRound),
  });
  process.stdout.write(`Written to ${relative(ROOT, output)}\n`);
  process.exitCode = deliveryFailed ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (process.argv.includes('--serve-bare')) {
  serveBare();
} else if (process.argv.includes('--serve')) {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (process.argv.includes('--clients')) {
  runClients();
} else {
  drive().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
