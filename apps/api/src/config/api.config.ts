import { isAbsolute, join, resolve } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { readTransparencyConfig, type TransparencyConfig } from './transparency.config';

/** The event store the api runs on. */
export type EventStoreConfig =
  | {
      readonly kind: 'sqlite';
      readonly file: string;
      /** WRITE_QUEUE_MAX_EVENTS: events that may wait for the disk at once; beyond, writes get 503. Default 20,000. */
      readonly maxQueuedEvents: number;
    }
  | {
      readonly kind: 'eventstoredb';
      readonly url: string;
      /** EVENTSTORE_RETRY_BUDGET_MS: how long a transiently failed request is resent (a leader election). Default 15 000. */
      readonly retryBudgetMs: number;
      /** EVENTSTORE_DEADLINE_MS: the deadline of one request to the server. Default 10 000. */
      readonly deadlineMs: number;
    };

/** The api's configuration, read once from the environment at start-up (loadApiConfig). */
export interface ApiConfig {
  /** PORT: TCP port to listen on. Default 3000. */
  readonly port: number;
  /** HOST: interface to bind. Default 0.0.0.0 (all). */
  readonly host: string;
  /** DATA_DIR: where the embedded store (and other local state) lives. Default `./data` under the working directory. */
  readonly dataDir: string;
  /** DASHBOARD_DIR: where `npm run build:dashboard` wrote the dashboard served at `/`. Default `./dist/dashboard`. */
  readonly dashboardDir: string;
  /** EVENT_STORE (`sqlite` | `eventstoredb`) and EVENTSTORE_URL (required iff eventstoredb). */
  readonly eventStore: EventStoreConfig;
  /** LOG_LEVEL: the most verbose level logged (error, warn, info, debug, verbose). Default info. */
  readonly logLevels: readonly LogLevel[];
  /** BODY_LIMIT_BYTES: largest request body accepted; larger is refused with 413. Default 1 MiB. */
  readonly bodyLimitBytes: number;
  /** MAX_BATCH_EVENTS: most events one request may record. Default 100. */
  readonly maxBatchEvents: number;
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
  const maxQueuedEvents = integer('WRITE_QUEUE_MAX_EVENTS', 20_000, 1, 1_000_000);

  const dataDirRaw = value('DATA_DIR') ?? 'data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  const dashboardDir = resolve(cwd, value('DASHBOARD_DIR') ?? join('dist', 'dashboard'));

  const level = (value('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevels = LOG_LEVELS[level === 'log' ? 'info' : level];
  if (logLevels === undefined) {
    problems.push(
      `LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}; got ${JSON.stringify(level)}`,
    );
  }

  const kind = value('EVENT_STORE') ?? 'sqlite';
  const url = value('EVENTSTORE_URL');
  let eventStore: EventStoreConfig = { kind: 'sqlite', file: resolve(dataDir, 'events.db'), maxQueuedEvents };
  if (kind === 'eventstoredb') {
    if (url === undefined) {
      problems.push(
        'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb (e.g. esdb://localhost:2113?tls=false)',
      );
    } else if (!/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/.test(url)) {
      problems.push(
        `EVENTSTORE_URL must be an esdb:// or kurrentdb:// connection string; got ${JSON.stringify(url)}`,
      );
    } else {
      eventStore = {
        kind: 'eventstoredb',
        url,
        retryBudgetMs: integer('EVENTSTORE_RETRY_BUDGET_MS', 15_000, 0, 600_000),
        deadlineMs: integer('EVENTSTORE_DEADLINE_MS', 10_000, 100, 600_000),
      };
    }
  } else if (kind !== 'sqlite') {
    problems.push(`EVENT_STORE must be sqlite or eventstoredb; got ${JSON.stringify(kind)}`);
  } else if (url !== undefined) {
    problems.push('EVENTSTORE_URL is only used with EVENT_STORE=eventstoredb; unset it or set EVENT_STORE');
  }

  const demoData = value('DEMO_DATA') ?? 'auto';
  if (demoData !== 'auto' && demoData !== 'on' && demoData !== 'off') {
    problems.push(`DEMO_DATA must be auto, on or off; got ${JSON.stringify(demoData)}`);
  }

  const healthDetails = value('HEALTH_DETAILS') ?? 'admin';
  if (healthDetails !== 'public' && healthDetails !== 'admin') {
    problems.push(`HEALTH_DETAILS must be public or admin; got ${JSON.stringify(healthDetails)}`);
  }

  const transparency = readTransparencyConfig(value, dataDir, cwd, problems);
  const cursorSigningKey = value('CURSOR_SIGNING_KEY');
  if (cursorSigningKey !== undefined && cursorSigningKey.length < 32) {
    problems.push('CURSOR_SIGNING_KEY must be at least 32 characters (e.g. openssl rand -base64 32)');
  }

  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    port,
    host,
    dataDir,
    dashboardDir,
    eventStore,
    logLevels: logLevels!,
    bodyLimitBytes,
    maxBatchEvents,
    demoData: demoData as ApiConfig['demoData'],
    healthDetails: healthDetails as ApiConfig['healthDetails'],
    transparency,
    cursorSigningKey,
  };
}
