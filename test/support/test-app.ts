import type { INestApplication, LoggerService } from '@nestjs/common';
import { operationModel, type Clock, type OperationModel } from '@timeline/application';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig, type ApiConfig } from '../../apps/api/src/config/api.config';
import { testAuthEnvironment } from './auth.tokens';

export interface TestApp {
  readonly app: INestApplication;
  readonly config: ApiConfig;
  readonly dataDir: string;
  /** Closes the app (and its store) and removes its data directory. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables as the api reads them (DATA_DIR is a fresh temporary directory). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default: the real operation decider. */
  readonly model?: OperationModel<unknown>;
  readonly clock?: Clock;
  /** Collects log lines instead of printing them. */
  readonly logger?: LoggerService;
}

/** Quiet by default: errors only. */
const silentLogger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The real api on a real file-backed SQLite store in a temporary directory. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-e2e-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', ...options.env, DATA_DIR: dataDir });
  const app = await createApp(config, {
    auth: readAuthConfiguration({ ...testAuthEnvironment(), ...options.env }, dataDir),
    model: options.model ?? operationModel,
    clock: options.clock,
    logger: options.logger ?? silentLogger,
  });
  return {
    app,
    config,
    dataDir,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
