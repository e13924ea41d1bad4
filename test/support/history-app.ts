import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, OperationModel } from '@timeline/application';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { HistoryModule } from '../../apps/api/src/history/history.module';
import type { HistoryOptions } from '../../apps/api/src/history/history.service';
import { testAuthEnvironment } from './auth.tokens';
import type { TestApp } from './test-app';

const acceptEverything: OperationModel<null> = {
  initialState: () => null,
  evolve: () => null,
  decide: (_state, proposal) => ({
    type: proposal.type,
    schemaVersion: proposal.schemaVersion,
    data: proposal.data,
  }),
};

/**
 * The api with the history routes mounted and options of the test's choosing
 * (a fixed export clock, a small scan cap), on a fresh file-backed SQLite store.
 */
export async function startHistoryApp(
  options: { clock?: Clock; history?: Partial<HistoryOptions> } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'timeline-history-'));
  const config = loadApiConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir });
  const app = await createApp(config, {
    auth: readAuthConfiguration(testAuthEnvironment(), dataDir),
    model: acceptEverything as unknown as OperationModel<unknown>,
    clock: options.clock,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    imports: [HistoryModule.forRoot(options.history)],
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
