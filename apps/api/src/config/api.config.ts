import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { readStoreConfig, StoreConfigurationError, type EventStoreOptions } from '@timeline/event-store';
import { readTransparencyConfig, type TransparencyConfig } from './transparency.config';

/** The api's configuration, read once from the environment at start-up (loadApiConfig). */
export interface ApiConfig {
  /** PORT: TCP port to listen on. Default 3000. */
  readonly port: number;
  /** HOST: interface to bind. Default 0.0.0.0 (all). */
  readonly host: string;
  /** DATA_DIR: where the embedded store (and other local state) lives. Default `./data` under the working directory. */
  readonly dataDir: string;
  /**
   * EVENT_STORE (`sqlite` | `eventstoredb`), EVENTSTORE_URL (required iff eventstoredb),
   * WRITE_QUEUE_MAX_EVENTS, EVENTSTORE_RETRY_BUDGET_MS, EVENTSTORE_DEADLINE_MS: read by
   * readStoreConfig, the one reader the CLI and the benchmarks share.
   */
  readonly eventStore: EventStoreOptions;
  /** DASHBOARD_DIR: where `npm run build:dashboard` wrote the dashboard served at `/`. Default `./dist/dashboard`. */
  readonly dashboardDir: string;
  /** LOG_LEVEL: the most verbose level logged (error, warn, info, debug, verbose). Default info. */
  readonly logLevels: readonly LogLevel[];
  /** BODY_LIMIT_BYTES: largest request body accepted; larger is refused with 413. Default 1 MiB. */
  readonly bodyLimitBytes: number;
  /** MAX_BATCH_EVENTS: most events one request may record. Default 100. */
  readonly maxBatchEvents: number;
  /**
   * LIVE_MAX_BUFFERED_BYTES: unsent bytes one live (SSE) client may hold before it is
   * told `overflow` and disconnected. Default 1 MiB.
   */
  readonly liveMaxBufferedBytes: number;
  /**
   * DECIDED_STATE_SNAPSHOT_EVERY: an operation's decided state is snapshotted to
   * `DATA_DIR/decided-state` once it has this many events more than its last
   * snapshot, and a tenth more (and at shutdown); 0 turns snapshots off. Default 10,000.
   */
  readonly decidedStateSnapshotEvery: number;
  /**
   * DECIDED_STATE_WARM_UP: how many operations, those snapshotted most recently,
   * have their decided state loaded in the background after a start, so that their
   * first write does not wait for it; 0: none. Default 8.
   */
  readonly decidedStateWarmUp: number;
  /**
   * VERIFY_THREADS: threads verifying one long operation's chain at once, each
   * opening the store and reading its own range of the stream; 1: the request's
   * thread only. Default: the machine's cores.
   */
  readonly verifyThreads: number;
  /**
   * DEMO_DATA: load the demo operation into an empty embedded store at start-up.
   * `auto` (default): only in local development mode; `on`; `off`.
   */
  readonly demoData: 'auto' | 'on' | 'off';
  /**
   * HEALTH_DETAILS: who sees each part's report (store location and head,
   * projection positions and failures) on GET /health. `admin` (default): the
   * public route gives each part's status only and the reports are at GET
   * /health/details for admins; `public`: anyone, for a service reachable only on
   * a private network.
   */
  readonly healthDetails: 'public' | 'admin';
  /** TREE_HEAD_*: the Merkle log's signing key, publication targets and schedule (transparency.config.ts). */
  readonly transparency: TransparencyConfig;
  /**
   * CURSOR_SIGNING_KEY: the secret timeline cursors are signed with (at least 32
   * characters), the same on every instance behind one load balancer. Unset: a key
   * the api creates in DATA_DIR (cursors then hold across restarts, not across instances).
   */
  readonly cursorSigningKey?: string;
}

/** Start-up stops with this when a variable is wrong; each problem names its variable. */
export class ConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

const LOG_LEVELS: Record<string, readonly LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration. Every problem is collected before
 * failing so that one start-up attempt reports all of them.
 */
export function loadApiConfig(env: Env, cwd: string = process.cwd()): ApiConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return Number(raw);
  };

  const port = integer('PORT', 3000, 0, 65535);
  const host = value('HOST') ?? '0.0.0.0';
  const bodyLimitBytes = integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const maxBatchEvents = integer('MAX_BATCH_EVENTS', 100, 1, 10_000);
  const liveMaxBufferedBytes = integer('LIVE_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const decidedStateSnapshotEvery = integer('DECIDED_STATE_SNAPSHOT_EVERY', 10_000, 0, 100_000_000);
  const decidedStateWarmUp = integer('DECIDED_STATE_WARM_UP', 8, 0, 100_000);
  const verifyThreads = integer('VERIFY_THREADS', availableParallelism(), 1, 64);

  const dashboardDir = resolve(cwd, value('DASHBOARD_DIR') ?? join('dist', 'dashboard'));

  const level = (value('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevels = LOG_LEVELS[level === 'log' ? 'info' : level];
  if (logLevels === undefined) {
    problems.push(
      `LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}; got ${JSON.stringify(level)}`,
    );
  }

  let store: ReturnType<typeof readStoreConfig> | null = null;
  try {
    store = readStoreConfig(env, cwd);
  } catch (error: unknown) {
    if (!(error instanceof StoreConfigurationError)) throw error;
    problems.push(...error.problems);
  }

  const demoData = value('DEMO_DATA') ?? 'auto';
  if (demoData !== 'auto' && demoData !== 'on' && demoData !== 'off') {
    problems.push(`DEMO_DATA must be auto, on or off; got ${JSON.stringify(demoData)}`);
  }

  const healthDetails = value('HEALTH_DETAILS') ?? 'admin';
  if (healthDetails !== 'public' && healthDetails !== 'admin') {
    problems.push(`HEALTH_DETAILS must be public or admin; got ${JSON.stringify(healthDetails)}`);
  }

  const dataDir = store?.dataDir ?? cwd;
  const transparency = readTransparencyConfig(value, dataDir, cwd, problems);
  const cursorSigningKey = value('CURSOR_SIGNING_KEY');
  if (cursorSigningKey !== undefined && cursorSigningKey.length < 32) {
    problems.push('CURSOR_SIGNING_KEY must be at least 32 characters (e.g. openssl rand -base64 32)');
  }

  if (problems.length > 0 || store === null) throw new ConfigurationError(problems);
  return {
    port,
    host,
    dataDir,
    dashboardDir,
    eventStore: store.eventStore,
    logLevels: logLevels!,
    bodyLimitBytes,
    maxBatchEvents,
    liveMaxBufferedBytes,
    decidedStateSnapshotEvery,
    decidedStateWarmUp,
    verifyThreads,
    demoData: demoData as ApiConfig['demoData'],
    healthDetails: healthDetails as ApiConfig['healthDetails'],
    transparency,
    cursorSigningKey,
  };
}
