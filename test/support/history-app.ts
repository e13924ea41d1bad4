import { Global, Module } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, OperationModel } from '@timeline/application';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { HISTORY_OPTIONS_OVERRIDES } from '../../apps/api/src/history/history.module';
import type { HistoryOptions } from '../../apps/api/src/history/history.service';
import { testAuthEnvironment } from './auth.tokens';
import type { TestApp } from './test-app';

const acceptEverything: OperationModel<null> = {
  initialState: () => null,
  evolve: () => null,
  decide: (state, request) => ({
    state,
    events: request.events.map((event) => ({ ...event, classification: event.classification ?? 'OFFICIAL' })),
  }),
};

/**
 * The real api (real tokens, real SQLite file) with history settings of the
 * test's choosing — a fixed export clock, a small scan cap — given through the
 * HistoryModule's override token.
 */
export async function startHistoryApp(
  options: { clock?: Clock; history?: Partial<HistoryOptions> } = {},
): Promise<TestApp> {
  @Global()
  @Module({
    providers: [{ provide: HISTORY_OPTIONS_OVERRIDES, useValue: options.history ?? {} }],
    exports: [HISTORY_OPTIONS_OVERRIDES],
  })
  class HistoryOverridesModule {}

  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-history-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir });
  const app = await createApp(config, {
    auth: readAuthConfiguration(testAuthEnvironment(), dataDir),
    model: acceptEverything as OperationModel<unknown>,
    clock: options.clock,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    imports: [HistoryOverridesModule],
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
