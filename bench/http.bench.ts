/**
 * `npm run bench:http [-- --quick]`: POST /operations/{id}/events over HTTP with
 * autocannon (single-event bodies, 50 connections), beside the same app's
 * throughput on a route that validates the same body the same way (same
 * authentication, same validation, same logging) but stores nothing — measured
 * in the same run, for two workloads:
 *
 * - spread: each request goes to one of many operations;
 * - hot: every request goes to one operation that already holds 100,000 events
 *   (10,000 with --quick), served by an api started after the seeding, so its
 *   state is rebuilt once from the store and then only kept up to date.
 *
 * On platform-fastify each round also measures, first, a bare NestJS + fastify
 * endpoint that validates the same body with class-validator DTOs (its own child
 * process, the same layout), the reference of the issue's target: durable appends
 * at ≥ 50 % of its req/s with ≤ 2× its server CPU per request; both ratios are
 * reported (median round) and written to the results.
 *
 * Both on platform-fastify (the api's platform) and platform-express, to show
 * which one serves this app faster. The api runs in a child process (one core
 * for it, one for autocannon), on a real file-backed SQLite store with
 * synchronous=FULL. Each workload is measured in rounds (`--rounds N`, default 3,
 * 1 with --quick): validation alone, then durable appends, back to back; the share
 * reported is the median round's, beside every round's. Prints a table and writes
 * bench/results/http.json (http.quick.json with --quick). Last, in its own
 * process, the CPU per event of validating the runs' event data with the
 * compiled validator the api uses and with class-validator (alternating rounds).
 *
 * `--without-projections` stops the projection runner in the server (a diagnostic:
 * what applying events and keeping the read models on the request thread costs);
 * its results go to http.without-projections.json so they never stand for the api's.
 */
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { launchesOperation, validateRecordEventsBody } from '@timeline/application';
import {
  OPERATION_ID_PATTERN,
  validateEventData,
  validateEventDataWithClassValidator,
} from '@timeline/events';
import { ProjectionRunner } from '@timeline/projections';
import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../apps/api/src/app.factory';
import { Allow, AllowOnOperation } from '../apps/api/src/auth/access-policy.decorator';
import { readAuthConfiguration } from '../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../apps/api/src/config/api.config';
import { InvalidRequestError } from '../libs/application/src/record-events/record-events.errors';
import { bearerFor, testAuthEnvironment } from '../test/support/auth.tokens';
import { BenchReport, type BenchRow } from './support/bench-report';
import { summariseCpuProfile } from './support/cpu-profile';
import { StallWatch, type StallFigures } from './support/stall-watch';

type Platform = 'fastify' | 'express';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  readonly duration: number;
  readonly requests: { readonly total: number; readonly average: number };
  readonly latency: Readonly<Record<string, number>>;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: string; setupRequest: (request: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;

const quick = process.argv.includes('--quick');
/** `--platform fastify` (or express) measures one platform only. */
const onlyPlatform = process.argv.includes('--platform')
  ? process.argv[process.argv.indexOf('--platform') + 1]
  : undefined;
const CPU_PROFILE = process.argv.includes('--cpu-prof') || process.env['BENCH_CPU_PROFILE'] === '1';
const WITHOUT_PROJECTIONS =
  process.argv.includes('--without-projections') || process.env['BENCH_WITHOUT_PROJECTIONS'] === '1';
/**
 * `--semi-space MiB`: the api's server (not the bare reference) runs with V8's
 * `--max-semi-space-size` at that size, to measure what a larger young generation
 * does to the request path's garbage collection.
 */
const SEMI_SPACE_MIB = process.argv.includes('--semi-space')
  ? Number(process.argv[process.argv.indexOf('--semi-space') + 1])
  : undefined;
const CONNECTIONS = 50;
// The quick run stays well inside the umbrella bench's 100 s limit per benchmark.
const DURATION_SECONDS = quick ? 2 : 15;
const HOT_EVENTS = quick ? 10_000 : 100_000;
/** `--rounds N`: validate-only and durable runs measured back to back N times per workload (default 3; 1 with --quick). */
const ROUNDS = process.argv.includes('--rounds')
  ? Number(process.argv[process.argv.indexOf('--rounds') + 1])
  : quick
    ? 1
    : 3;
const SPREAD_OPERATIONS = quick ? 50 : 500;
const SEED_BATCH = 1000;
const MAX_BATCH_EVENTS = 1000;

// ————— the server side (a child process) —————

/**
 * The baseline: the same route shape, the same access policy and the same
 * validation as POST /operations/{id}/events, then an answer of the same shape
 * without deciding or storing anything.
 */
@Controller('bench/no-store/operations/:operationId/events')
class NoStoreController {
  private revision = 0;

  @Post()
  @HttpCode(201)
  @AllowOnOperation(['recorder'], { createsOperation: launchesOperation })
  record(@Param('operationId') operationId: string, @Body() body: unknown): unknown {
    const validated = validateRecordEventsBody(body, {
      maxBatchEvents: MAX_BATCH_EVENTS,
      latestOccurredAt: Date.now() + 30_000,
    });
    if (validated.errors !== undefined || !OPERATION_ID_PATTERN.test(operationId)) {
      throw new InvalidRequestError(
        validated.errors ?? [{ path: 'operationId', constraint: 'pattern', message: 'bad operation id' }],
      );
    }
    this.revision += 1;
    return {
      operationId,
      streamRevision: this.revision,
      position: String(this.revision),
      events: validated.body.events.map((event) => ({
        eventId: event.eventId ?? '',
        type: event.type,
        streamRevision: this.revision,
        position: String(this.revision),
      })),
      replayed: false,
    };
  }
}

/** The server's event-loop delay since the last call (then reset): stalls delay every request. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
/** What the main thread was doing in each stall: on a CPU, waiting for one, collecting garbage. */
const stallWatch = new StallWatch();

interface LoopFigures {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly stalls: StallFigures;
}

function takeLoopFigures(): LoopFigures {
  const figures = {
    maxMs: loopDelay.max / 1e6,
    p99Ms: loopDelay.percentile(99) / 1e6,
    stalls: stallWatch.takeFigures(),
  };
  loopDelay.reset();
  return figures;
}

function watchLoop(): void {
  loopDelay.enable();
  stallWatch.start();
}

@Controller('bench/loop')
class LoopDelayController {
  @Get()
  @Allow('recorder')
  read(): LoopFigures {
    return takeLoopFigures();
  }
}

/** With --cpu-prof: a V8 CPU profile of the server over the first round's durable appends of each workload. */
@Controller('bench/profile')
class ProfileController {
  private readonly session = new Session();
  private readonly post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      this.session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );

  @Post('start')
  @HttpCode(204)
  @Allow('recorder')
  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  @Post('stop')
  @HttpCode(200)
  @Allow('recorder')
  async stop(@Body() body: { file: string }): Promise<{ file: string }> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: unknown };
    writeFileSync(body.file, JSON.stringify(profile));
    this.session.disconnect();
    return { file: body.file };
  }
}

@Module({
  controllers: [NoStoreController, LoopDelayController, ...(CPU_PROFILE ? [ProfileController] : [])],
})
class NoStoreModule {}

async function serve(platform: Platform): Promise<void> {
  const config = loadApiConfig(process.env);
  const app = await createApp(config, {
    auth: readAuthConfiguration(process.env, config.dataDir),
    imports: [NoStoreModule],
    httpAdapter: platform === 'express' ? new ExpressAdapter() : undefined,
    logger: {
      log: () => undefined,
      warn: (message: unknown) => console.error(message),
      error: (message: unknown) => console.error(message),
    },
  });
  watchLoop();
  if (WITHOUT_PROJECTIONS) await app.get(ProjectionRunner).stop();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${port}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

// ————— the bare reference (another child process) —————

/**
 * The reference the issue sets the target against: a bare NestJS app on
 * platform-fastify whose endpoint validates the same body with class-validator
 * DTOs (a global ValidationPipe) and answers the same shape — no authentication,
 * no logging, no rate limiting, nothing stored.
 */
class BareRaidData {
  @IsString() @Matches(/^RAID-[0-9]+-[0-9]+$/) raidId!: string;
  @IsString() @Matches(/^[A-Z]{2,5}$/) force!: string;
  @IsString() @Matches(/^[A-Z]{1,2}[0-9][0-9A-Z]?$/) postcodeDistrict!: string;
  @IsString() @IsIn(['mda-s23-warrant', 'pace-s18', 'pace-s32']) legalPower!: string;
  @IsISO8601({ strict: true }) startedAt!: string;
  @IsISO8601({ strict: true }) endedAt!: string;
  @IsInt() @Min(0) officers!: number;
}

class BareEvent {
  @IsOptional() @IsUUID() eventId?: string;
  @IsIn(['RaidConducted']) type!: string;
  @IsISO8601({ strict: true }) occurredAt!: string;
  @IsObject() @ValidateNested() @Type(() => BareRaidData) data!: BareRaidData;
}

class BareRecordEventsBody {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_EVENTS)
  @ValidateNested({ each: true })
  @Type(() => BareEvent)
  events!: BareEvent[];
}

@Controller('bare/operations/:operationId/events')
class BareController {
  private revision = 0;

  @Post()
  @HttpCode(201)
  record(@Param('operationId') operationId: string, @Body() body: BareRecordEventsBody): unknown {
    if (!OPERATION_ID_PATTERN.test(operationId)) throw new BadRequestException('bad operation id');
    this.revision += 1;
    return {
      operationId,
      streamRevision: this.revision,
      position: String(this.revision),
      events: body.events.map((event) => ({
        eventId: event.eventId ?? '',
        type: event.type,
        streamRevision: this.revision,
        position: String(this.revision),
      })),
      replayed: false,
    };
  }
}

@Controller('bench/loop')
class BareLoopDelayController {
  @Get()
  read(): LoopFigures {
    return takeLoopFigures();
  }
}

@Module({ controllers: [BareController, BareLoopDelayController] })
class BareModule {}

async function serveBare(): Promise<void> {
  const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: ['warn', 'error'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  watchLoop();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`READY ${port}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

// ————— the driver —————

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  /** False for the bare reference, which has no projections to wait for. */
  readonly projections: boolean;
}

function startServer(
  platform: Platform | 'bare',
  dataDir: string,
  authEnv: Record<string, string>,
): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      ...(platform !== 'bare' && SEMI_SPACE_MIB !== undefined
        ? [`--max-semi-space-size=${SEMI_SPACE_MIB}`]
        : []),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      __filename,
      ...(platform === 'bare' ? ['--serve-bare'] : ['--serve', platform]),
    ],
    {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        ...authEnv,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        BODY_LIMIT_BYTES: String(8 * 1024 * 1024),
        MAX_BATCH_EVENTS: String(MAX_BATCH_EVENTS),
        // Rate limiting stays on (it is part of every request) but out of reach: a short window keeps its bookkeeping small.
        RATE_LIMIT_REQUESTS: '1000000',
        RATE_LIMIT_WINDOW_SECONDS: '1',
        TS_NODE_PROJECT: 'tsconfig.json',
        ...(CPU_PROFILE ? { BENCH_CPU_PROFILE: '1' } : {}),
        ...(WITHOUT_PROJECTIONS ? { BENCH_WITHOUT_PROJECTIONS: '1' } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /READY (\d+)/.exec(chunk);
      if (match) resolve({ child, port: Number(match[1]), projections: platform !== 'bare' });
    });
    child.once('exit', (code) =>
      reject(new Error(`the ${platform} server exited with ${code} before it was ready`)),
    );
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

const token = (): string => bearerFor({ role: 'recorder', agency: 'NCA', subject: 'bench@nca' });
const adminToken = bearerFor({ role: 'admin', agency: 'NCA', subject: 'bench-admin@nca' });

let sequence = 0;
function raidEvent(): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'RaidConducted',
    occurredAt: '2020-06-15T05:30:00Z',
    data: {
      raidId: `RAID-${process.pid}-${sequence}`,
      force: 'NCA',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T07:30:00Z',
      officers: 6,
    },
  };
}

/**
 * CPU per event of validating the data the runs send (a RaidConducted), in this
 * process: the compiled validator the api uses against class-validator, the
 * reference it is tested against, in alternating rounds; medians in µs.
 */
function measureDataValidation(): { compiledUs: number; classValidatorUs: number; rounds: number } {
  const data = raidEvent()['data'];
  const rounds = quick ? 3 : 7;
  const calls = quick ? 5_000 : 20_000;
  const cpuUsPerCall = (validate: typeof validateEventData): number => {
    const started = process.cpuUsage();
    for (let call = 0; call < calls; call += 1)
      if (!validate('RaidConducted', 1, data).ok) throw new Error('the bench body is not valid');
    const used = process.cpuUsage(started);
    return (used.user + used.system) / calls;
  };
  const compiled: number[] = [];
  const reference: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    compiled.push(cpuUsPerCall(validateEventData));
    reference.push(cpuUsPerCall(validateEventDataWithClassValidator));
  }
  return { compiledUs: median(compiled), classValidatorUs: median(reference), rounds };
}

const launchEvent = {
  type: 'OperationLaunched',
  occurredAt: '2020-03-26T09:00:00Z',
  data: {
    codename: 'VENETIC',
    leadAgency: 'NCA',
    startedAt: '2020-03-26T09:00:00Z',
    description: 'HTTP benchmark',
  },
};

async function post(port: number, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: token() },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function expectStatus(port: number, path: string, body: unknown, status: number): Promise<void> {
  const response = await post(port, path, body);
  if (response.status !== status) throw new Error(`POST ${path}: ${response.status} ${response.text}`);
}

function expectCreated(port: number, path: string, body: unknown): Promise<void> {
  return expectStatus(port, path, body, 201);
}

/** Seeds the hot operation through the api itself, in batches. */
async function seedHot(port: number, operationId: string): Promise<void> {
  await expectCreated(port, `/operations/${operationId}/events`, { events: [launchEvent] });
  for (let written = 1; written < HOT_EVENTS; written += SEED_BATCH) {
    const size = Math.min(SEED_BATCH, HOT_EVENTS - written);
    await expectCreated(port, `/operations/${operationId}/events`, {
      events: Array.from({ length: size }, raidEvent),
    });
  }
}

/**
 * Waits until the projections of the api have applied everything written so far:
 * their catch-up must not run inside the next measurement (a durable run's own
 * projection work does count: the same process projects what it stores).
 */
async function projectionsCaughtUp(port: number): Promise<void> {
  if (WITHOUT_PROJECTIONS) return;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const health = (await (
      await fetch(`http://127.0.0.1:${port}/health/details`, { headers: { authorization: adminToken } })
    ).json()) as {
      projections?: { caughtUp?: boolean; position?: string | null; headPosition?: string | null };
    };
    const projections = health.projections;
    if (projections === undefined)
      throw new Error(`/health/details reports no projections: ${JSON.stringify(health)}`);
    if (projections.caughtUp === true && projections.position === projections.headPosition) return;
    if (Date.now() > deadline)
      throw new Error(`projections did not catch up: ${JSON.stringify(health.projections)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** CPU seconds the server process (all its threads) has used so far, from /proc (Linux; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the file, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function loopDelaySinceLastCall(port: number): Promise<LoopFigures> {
  const response = await fetch(`http://127.0.0.1:${port}/bench/loop`, {
    headers: { Authorization: token() },
  });
  return (await response.json()) as LoopFigures;
}

interface Measurement {
  readonly result: AutocannonResult;
  /** Event-loop delay of the server while the load ran, and where its stalls went. */
  readonly loop: LoopFigures;
  /** Server CPU (all threads) per request, in ms: comparable even on a busy machine. */
  readonly cpuMsPerRequest: number;
}

async function measure(
  server: Server,
  paths: () => string,
  seconds = DURATION_SECONDS,
): Promise<Measurement> {
  const { port } = server;
  if (server.projections) await projectionsCaughtUp(port);
  const cpuBefore = cpuSeconds(server.child.pid!);
  await loopDelaySinceLastCall(port);
  const authorization = token();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({
          ...request,
          path: paths(),
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ events: [raidEvent()] }),
        }),
      },
    ],
  });
  const loop = await loopDelaySinceLastCall(port);
  // The projections of what was just written belong to its cost: count the CPU until they have caught up.
  if (server.projections) await projectionsCaughtUp(port);
  const cpuMsPerRequest =
    ((cpuSeconds(server.child.pid!) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0)
    throw new Error(
      `${failures} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  return { result, cpuMsPerRequest, loop };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Stops the server's CPU profile, saves it and prints where the time went. */
async function writeProfile(port: number, platform: Platform, workload: string): Promise<void> {
  const file = join(
    tmpdir(),
    `timeline-http-${platform}-${workload}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
  );
  await expectStatus(port, '/bench/profile/stop', { file }, 200);
  const summary = summariseCpuProfile(file, 40);
  process.stdout.write(
    `\n  server CPU profile ${file} (${platform}, ${workload} durable appends), self time:\n`,
  );
  for (const entry of summary.functions) {
    process.stdout.write(
      `  ${entry.selfPercent.toFixed(1).padStart(6)}% ${String(Math.round(entry.selfMs)).padStart(7)} ms  ${entry.name}  ${entry.location}\n`,
    );
  }
}

/** The stalls over 50 ms of a run, and how the longest splits (steal is the whole machine's). */
function stallNote({ count, longest, total }: StallFigures): string {
  if (longest === null) return 'no stall over 50 ms';
  const ms = (value: number) => value.toFixed(0);
  return (
    `${count} stall${count === 1 ? '' : 's'} over 50 ms (${ms(total.stallMs)} ms: ${ms(total.onCpuMs)} on a CPU, ` +
    `${ms(total.runQueueWaitMs)} waiting for one, ${ms(total.gcMs)} GC); longest ${ms(longest.stallMs)} ms: ` +
    `${ms(longest.onCpuMs)} on a CPU, ${ms(longest.runQueueWaitMs)} waiting for one, ${ms(longest.gcMs)} GC, ` +
    `machine steal ${ms(longest.stealMs)}`
  );
}

function row(
  scenario: string,
  subject: string,
  { result, cpuMsPerRequest, loop }: Measurement,
  note?: string,
): BenchRow {
  const latency = result.latency;
  return {
    scenario,
    subject,
    count: result.requests.total,
    seconds: result.duration,
    opsPerSecond: result.requests.total / result.duration,
    p50Ms: latency['p50'],
    p99Ms: latency['p99'],
    maxMs: latency['max'],
    loopMaxStallMs: loop.maxMs,
    loopP99DelayMs: loop.p99Ms,
    stallOnCpuMs: loop.stalls.longest?.onCpuMs,
    stallRunQueueWaitMs: loop.stalls.longest?.runQueueWaitMs,
    stallGcMs: loop.stalls.longest?.gcMs,
    note: [`server CPU ${cpuMsPerRequest.toFixed(2)} ms/request`, stallNote(loop.stalls), note]
      .filter(Boolean)
      .join('; '),
  };
}

async function drive(): Promise<void> {
  const report = new BenchReport(
    `HTTP benchmark${quick ? ' (quick)' : ''}: autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s per run, single-event bodies`,
    {
      quick,
      withoutProjections: WITHOUT_PROJECTIONS,
      connections: CONNECTIONS,
      durationSeconds: DURATION_SECONDS,
      hotEvents: HOT_EVENTS,
      spreadOperations: SPREAD_OPERATIONS,
      ...(SEMI_SPACE_MIB === undefined ? {} : { apiSemiSpaceMiB: SEMI_SPACE_MIB }),
    },
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-bench-http-'));
  const authEnv = testAuthEnvironment();
  const ratios: Record<string, number> = {};
  const sharesByRound: Record<string, number[]> = {};
  /** Durable req/s over the bare reference's, and server CPU per request over its, by round. */
  const bareRequestShares: Record<string, number[]> = {};
  const bareCpuRatios: Record<string, number[]> = {};
  let bare: Server | undefined;
  try {
    // Seed the hot operation once, with a server that is then stopped: each measured server starts cold.
    const seeder = await startServer('fastify', dataDir, authEnv);
    const seedStarted = Date.now();
    await seedHot(seeder.port, 'hot');
    process.stdout.write(
      `  seeded ${HOT_EVENTS.toLocaleString('en-GB')} events into operation hot in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s\n`,
    );
    await stopServer(seeder);
    bare = await startServer('bare', dataDir, authEnv);
    await measure(bare, () => `/bare/operations/${'warm-up'}/events`, quick ? 1 : 3);

    for (const platform of (['fastify', 'express'] as const).filter(
      (name) => onlyPlatform === undefined || name === onlyPlatform,
    )) {
      const server = await startServer(platform, dataDir, authEnv);
      try {
        const operations = Array.from({ length: SPREAD_OPERATIONS }, (_, index) => `${platform}-op-${index}`);
        for (const operationId of operations)
          await expectCreated(server.port, `/operations/${operationId}/events`, { events: [launchEvent] });
        // The first write to the hot operation rebuilds its state from the store, once.
        const rebuildStarted = Date.now();
        await expectCreated(server.port, '/operations/hot/events', { events: [raidEvent()] });
        const rebuildMs = Date.now() - rebuildStarted;
        let next = 0;
        const spread = () => operations[next++ % operations.length];
        // Warm up (JIT, connection pools) on both routes before anything is measured.
        await measure(server, () => `/bench/no-store/operations/${spread()}/events`, quick ? 1 : 3);
        await measure(server, () => `/operations/${spread()}/events`, quick ? 1 : 3);

        // Each round measures validation alone and then durable appends, back to back, so
        // both share the machine's state of the moment; the share reported is the median round's.
        const workloads = [
          { name: 'spread', path: spread, note: '' },
          {
            name: 'hot',
            path: () => 'hot',
            note: `; first write rebuilt ${HOT_EVENTS.toLocaleString('en-GB')} events in ${rebuildMs} ms`,
          },
        ] as const;
        for (const workload of workloads) {
          const shares: number[] = [];
          for (let round = 1; round <= ROUNDS; round += 1) {
            const label = ROUNDS > 1 ? ` (round ${round})` : '';
            const reference =
              platform === 'fastify'
                ? await measure(bare, () => `/bare/operations/${workload.path()}/events`)
                : undefined;
            if (reference !== undefined)
              report.add(row(workload.name, `bare Nest + fastify + class-validator${label}`, reference));
            const baseline = await measure(
              server,
              () => `/bench/no-store/operations/${workload.path()}/events`,
            );
            report.add(row(workload.name, `${platform}: validate only${label}`, baseline));
            const profiled = CPU_PROFILE && round === 1;
            if (profiled) await expectStatus(server.port, '/bench/profile/start', {}, 204);
            const durable = await measure(server, () => `/operations/${workload.path()}/events`);
            if (profiled) await writeProfile(server.port, platform, workload.name);
            const share = durable.result.requests.total / baseline.result.requests.total;
            shares.push(share);
            let ofBare = '';
            if (reference !== undefined) {
              const requestShare = durable.result.requests.total / reference.result.requests.total;
              const cpuRatio = durable.cpuMsPerRequest / reference.cpuMsPerRequest;
              (bareRequestShares[workload.name] ??= []).push(requestShare);
              (bareCpuRatios[workload.name] ??= []).push(cpuRatio);
              ofBare = `; ${(requestShare * 100).toFixed(0)}% of bare req/s, ${cpuRatio.toFixed(2)}× its CPU/request`;
            }
            report.add(
              row(
                workload.name,
                `${platform}: durable append${label}`,
                durable,
                `${(share * 100).toFixed(0)}% of validate only${ofBare}${workload.note}`,
              ),
            );
          }
          ratios[`${platform} ${workload.name}`] = median(shares);
          sharesByRound[`${platform} ${workload.name}`] = shares;
          if (ROUNDS > 1) {
            process.stdout.write(
              `  ${workload.name} | ${platform}: durable share by round ${shares.map((share) => `${(share * 100).toFixed(0)}%`).join(', ')}; median ${(median(shares) * 100).toFixed(0)}%\n`,
            );
          }
        }
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    if (bare !== undefined) await stopServer(bare);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const dataValidation = measureDataValidation();
  report.print();
  process.stdout.write(
    `event data validation, CPU per event (medians of ${dataValidation.rounds} alternating rounds): compiled ${dataValidation.compiledUs.toFixed(1)} µs, class-validator ${dataValidation.classValidatorUs.toFixed(1)} µs\n`,
  );
  const name = `http${WITHOUT_PROJECTIONS ? '.without-projections' : ''}${SEMI_SPACE_MIB === undefined ? '' : `.semi-space-${SEMI_SPACE_MIB}`}${quick ? '.quick' : ''}.json`;
  const output = join(__dirname, 'results', name);
  report.writeJson(output, {
    durableShareOfValidateOnly: ratios,
    durableShareByRound: sharesByRound,
    durableShareOfBare: Object.fromEntries(
      Object.entries(bareRequestShares).map(([name, values]) => [name, median(values)]),
    ),
    durableCpuPerRequestOverBare: Object.fromEntries(
      Object.entries(bareCpuRatios).map(([name, values]) => [name, median(values)]),
    ),
    durableShareOfBareByRound: bareRequestShares,
    durableCpuPerRequestOverBareByRound: bareCpuRatios,
    rounds: ROUNDS,
    dataValidationCpuUsPerEvent: dataValidation,
  });
  for (const [name, values] of Object.entries(bareRequestShares))
    process.stdout.write(
      `fastify ${name}: durable req/s ${(median(values) * 100).toFixed(0)}% of bare (target ≥ 50%), CPU/request ${median(bareCpuRatios[name]).toFixed(2)}× bare (target ≤ 2×)\n`,
    );
  if (ROUNDS > 1) {
    for (const [name, share] of Object.entries(ratios))
      process.stdout.write(`median durable share, ${name}: ${(share * 100).toFixed(0)}%\n`);
  }
  process.stdout.write(`Written to ${output}\n`);
}

const serveIndex = process.argv.indexOf('--serve');
if (process.argv.includes('--serve-bare')) {
  serveBare().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (serveIndex >= 0) {
  serve(process.argv[serveIndex + 1] as Platform).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  drive().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
