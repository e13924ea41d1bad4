import type { INestApplication, LoggerService } from '@nestjs/common';
import type { Clock } from '@timeline/application';
import type { OperationDecider } from '@timeline/domain';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig, type ApiConfig } from '../../apps/api/src/config/api.config';
import { testAuthEnvironment } from './auth.tokens';
import { e2eEventStore } from './e2e-event-store';
import { EventStoreDbTestServer } from './eventstoredb-test-server/eventstoredb-test-server';

export interface TestApp {
  readonly app: INestApplication;
  readonly config: ApiConfig;
  readonly dataDir: string;
  /** The EventStoreDB test server the api runs on, when E2E_EVENT_STORE=eventstoredb chose it. */
  readonly eventStoreDb?: EventStoreDbTestServer;
  /** Closes the app (and its store), stops its EventStoreDB test server, and removes its data directory. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Environment variables as the api reads them (DATA_DIR is a fresh temporary directory).
   * Without EVENT_STORE here, the store is the one E2E_EVENT_STORE names (SQLite by default).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Default: the real operation decider. */
  readonly decider?: OperationDecider<unknown>;
  readonly clock?: Clock;
  /** Collects log lines instead of printing them. */
  readonly logger?: LoggerService;
  /**
   * Another api instance on the store (and data directory) of this running app,
   * which keeps owning them: closing the new one leaves them in place.
   */
  readonly sharing?: TestApp;
}

/** Quiet by default: errors only. */
const silentLogger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The real api on a real store: file-backed SQLite in a temporary directory, or,
 * when E2E_EVENT_STORE=eventstoredb, the EventStoreDB adapter on an in-process
 * protocol test server of its own.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { sharing } = options;
  const dataDir = sharing?.dataDir ?? mkdtempSync(join(tmpdir(), 'timeline-e2e-'));
  // A test that names its store keeps it; the others follow E2E_EVENT_STORE.
  const eventStoreDb =
    sharing === undefined && options.env?.['EVENT_STORE'] === undefined && e2eEventStore() === 'eventstoredb'
      ? await EventStoreDbTestServer.start()
      : undefined;
  const sharedStore = sharing?.eventStoreDb
    ? { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: sharing.eventStoreDb.connectionString }
    : sharing?.config.eventStore.kind === 'eventstoredb'
      ? { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: sharing.config.eventStore.connectionString }
      : {};
  const release = async (): Promise<void> => {
    if (sharing !== undefined) return;
    await eventStoreDb?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadApiConfig({
      LOG_LEVEL: 'error',
      ...(eventStoreDb ? { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: eventStoreDb.connectionString } : {}),
      ...sharedStore,
      ...options.env,
      DATA_DIR: dataDir,
    });
    const app = await createApp(config, {
      auth: readAuthConfiguration({ ...testAuthEnvironment(), ...options.env }, dataDir),
      decider: options.decider,
      clock: options.clock,
      logger: options.logger ?? silentLogger,
    });
    return {
      app,
      config,
      dataDir,
      eventStoreDb,
      async close() {
        try {
          await app.close();
        } finally {
          await release();
        }
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** A clock the test sets; the write path stamps `recordedAt` from it. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  set(iso: string): void {
    this.current = new Date(iso);
  }
}
