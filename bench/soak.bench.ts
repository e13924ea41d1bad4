/**
 * `npm run bench:soak [-- --minutes 30] [--subscribers 200] [--quick]`: a long run
 * of the api (its own process, the real application) at half its measured write
 * capacity with live subscribers on GET /events/live. The server samples its own
 * resident memory, heap, open file descriptors and event-loop delay at every
 * interval (a minute; 4 s with --quick); the result lists every sample and the
 * growth per minute of each figure (least-squares slope over the samples after the
 * first, which includes the warm-up), so a leak shows as a slope well above the
 * samples' own spread. The heap is sampled after a full collection (the server runs
 * with --expose-gc): what is retained. The read models hold every event in memory
 * by design, so their share grows with the log; the result gives the retained heap
 * per event written, to tell that growth from a leak. `npm run bench -- --quick` runs the short variant (24 s,
 * 50 subscribers, a sample every 4 s); bench/README.md has the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bearerFor, testAuthEnvironment } from '../test/support/auth.tokens';
import { BenchReport } from './support/bench-report';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
function numberArgument(name: string, fallback: number): number {
  const index = argv.indexOf(name);
  const value = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
// The quick run only proves the soak runs: six samples in 24 s, not a measure of growth.
const MINUTES = numberArgument('--minutes', QUICK ? 24 / 60 : 30);
const SUBSCRIBERS = numberArgument('--subscribers', QUICK ? 50 : 200);
const SAMPLE_MS = QUICK ? 4_000 : 60_000;
const CAPACITY_SECONDS = QUICK ? 3 : 20;
const OPERATIONS = 20;
const ROOT = join(__dirname, '..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** One sample, taken inside the server. */
interface Sample {
  readonly atSeconds: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly openFds: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
}

// ————— the server (a child process) —————

async function serve(): Promise<void> {
  const { createApp } = await import('../apps/api/src/app.factory');
  const { readAuthConfiguration } = await import('../apps/api/src/auth/auth.config');
  const { loadApiConfig } = await import('../apps/api/src/config/api.config');
  const config = loadApiConfig(process.env);
  const app = await createApp(config, {
    auth: readAuthConfiguration(process.env, config.dataDir),
    logger: {
      log: () => undefined,
      warn: (m: unknown) => console.error(m),
      error: (m: unknown) => console.error(m),
    },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const started = performance.now();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const collect = (globalThis as { gc?: () => void }).gc;
  setInterval(() => {
    // A full collection first: the heap sampled is what is retained, not garbage not yet collected.
    collect?.();
    const memory = process.memoryUsage();
    const sample: Sample = {
      atSeconds: Math.round((performance.now() - started) / 1000),
      rssMiB: round1(memory.rss / 2 ** 20),
      heapUsedMiB: round1(memory.heapUsed / 2 ** 20),
      openFds: readdirSync('/proc/self/fd').length,
      loopP99Ms: round1(delay.percentile(99) / 1e6),
      loopMaxMs: round1(delay.max / 1e6),
    };
    delay.reset();
    process.stdout.write(`SAMPLE ${JSON.stringify(sample)}\n`);
  }, Number(process.env['SOAK_SAMPLE_MS'])).unref();
  process.stdout.write(`READY ${port}\n`);
  process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

// ————— the driver —————

const recorder = bearerFor({ role: 'recorder', agency: 'NCA', subject: 'soak-writer@nca' });

function post(port: number, path: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          authorization: recorder,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(text);
  });
}

let raidNumber = 0;
function raid(): unknown {
  raidNumber++;
  return {
    events: [
      {
        type: 'RaidConducted',
        occurredAt: '2020-06-15T05:30:00Z',
        data: {
          raidId: `SOAK-${raidNumber}`,
          force: 'NCA',
          postcodeDistrict: 'LL11',
          legalPower: 'mda-s23-warrant',
          startedAt: '2020-06-15T05:30:00Z',
          endedAt: '2020-06-15T07:30:00Z',
          officers: 6,
        },
      },
    ],
  };
}

/** Opens the live streams and counts the events they receive. */
function subscribe(port: number, count: number): { received: () => number; close: () => void } {
  let received = 0;
  const responses: IncomingMessage[] = [];
  for (let i = 0; i < count; i++) {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/events/live',
      headers: {
        accept: 'text/event-stream',
        authorization: bearerFor({ role: 'analyst', agency: 'NCA', subject: `soak-analyst-${i}@nca` }),
      },
    });
    req.on('response', (response) => {
      responses.push(response);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (let at = chunk.indexOf('\nid: '); at >= 0; at = chunk.indexOf('\nid: ', at + 1)) received++;
        if (chunk.startsWith('id: ')) received++;
      });
    });
    req.on('error', () => undefined);
    req.end();
  }
  return { received: () => received, close: () => responses.forEach((response) => response.destroy()) };
}

async function measureCapacity(port: number): Promise<number> {
  const until = performance.now() + CAPACITY_SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 32 }, async (_, worker) => {
      while (performance.now() < until) {
        if ((await post(port, `/operations/soak-${worker % OPERATIONS}/events`, raid())) === 201) done++;
      }
    }),
  );
  return done / CAPACITY_SECONDS;
}

/** Least-squares slope of `values` against minutes. */
function slopePerMinute(samples: readonly Sample[], value: (sample: Sample) => number): number {
  const xs = samples.map((sample) => sample.atSeconds / 60);
  const ys = samples.map(value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function drive(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-soak-'));
  const samples: Sample[] = [];
  const server: ChildProcess = spawn(process.execPath, ['--expose-gc', ...TS_NODE, __filename, '--serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...testAuthEnvironment(),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'off',
      RATE_LIMIT_REQUESTS: '1000000',
      SOAK_SAMPLE_MS: String(SAMPLE_MS),
      TS_NODE_PROJECT: process.env.TS_NODE_PROJECT ?? 'tsconfig.json',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('READY ')) resolve(Number(line.slice(6)));
        if (line.startsWith('SAMPLE ')) samples.push(JSON.parse(line.slice(7)) as Sample);
      }
    });
    server.once('exit', (code) => reject(new Error(`the api exited with ${code} before it was ready`)));
  });
  try {
    const launch = (operation: string) => ({
      events: [
        {
          type: 'OperationLaunched',
          occurredAt: '2020-03-26T09:00:00Z',
          data: {
            codename: operation.toUpperCase(),
            leadAgency: 'NCA',
            startedAt: '2020-03-26T09:00:00Z',
            description: 'soak',
          },
        },
      ],
    });
    for (let i = 0; i < OPERATIONS; i++)
      await post(port, `/operations/soak-${i}/events`, launch(`soak-${i}`));
    const capacity = await measureCapacity(port);
    const rate = capacity / 2;
    process.stdout.write(
      `capacity ${Math.round(capacity)} appends/s; soaking at ${Math.round(rate)}/s for ${Math.round(MINUTES * 60)} s\n`,
    );
    const live = subscribe(port, SUBSCRIBERS);
    const firstSample = samples.length;
    const statuses = new Map<number, number>();
    const started = performance.now();
    const end = started + MINUTES * 60_000;
    let issued = 0;
    const inFlight = new Set<Promise<void>>();
    // Open loop: requests leave on schedule whatever the answers' latency, as clients would send them.
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; issued < due; issued++) {
        const sent = post(port, `/operations/soak-${issued % OPERATIONS}/events`, raid()).then((status) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          inFlight.delete(sent);
        });
        inFlight.add(sent);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS + 500));
    live.close();

    const soaked = samples.slice(firstSample);
    const steady = soaked.slice(1);
    const report = new BenchReport(
      `soak: ${MINUTES} min at half capacity with ${SUBSCRIBERS} live subscribers`,
      {
        minutes: MINUTES,
        subscribers: SUBSCRIBERS,
        sampleSeconds: SAMPLE_MS / 1000,
        capacityAppendsPerSecond: Math.round(capacity),
        rateAppendsPerSecond: Math.round(rate),
      },
    );
    for (const sample of soaked) {
      report.add({
        scenario: 'sample',
        subject: `${sample.atSeconds} s`,
        note: `rss ${sample.rssMiB} MiB, heap ${sample.heapUsedMiB} MiB, fds ${sample.openFds}, loop p99 ${sample.loopP99Ms} ms, max ${sample.loopMaxMs} ms`,
        loopP99DelayMs: sample.loopP99Ms,
        loopMaxStallMs: sample.loopMaxMs,
      });
    }
    const spread = (value: (sample: Sample) => number) =>
      steady.length === 0 ? 0 : Math.max(...steady.map(value)) - Math.min(...steady.map(value));
    const growth = (label: string, unit: string, value: (sample: Sample) => number) =>
      `${label} ${round2(slopePerMinute(steady, value))} ${unit}/min (spread ${round1(spread(value))})`;
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    report.add({
      scenario: 'growth',
      subject: `${steady.length} samples after the first`,
      count: answered,
      opsPerSecond: answered / MINUTES / 60,
      note: [
        `${answered} appends`,
        growth('rss', 'MiB', (s) => s.rssMiB),
        growth('heap', 'MiB', (s) => s.heapUsedMiB),
        `heap ${round2((slopePerMinute(steady, (s) => s.heapUsedMiB) * 1024) / (rate * 60) || 0)} KiB retained per event written`,
        growth('fds', '', (s) => s.openFds),
        `answers ${JSON.stringify(Object.fromEntries(statuses))}`,
        `live events received ${live.received()}`,
      ].join('; '),
    });
    report.print();
    report.writeJson(join(__dirname, 'results', QUICK ? 'soak.quick.json' : 'soak.json'), {
      samples: soaked,
    });
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

if (argv.includes('--serve')) void serve();
else
  drive().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
