import { Global, Module } from '@nestjs/common';
import { Map as ImmutableMap } from 'immutable';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@timeline/application';
import type { OperationDecider } from '@timeline/domain';
import { createApp } from '../../apps/api/src/app.factory';
import { readAuthConfiguration } from '../../apps/api/src/auth/auth.config';
import { loadApiConfig } from '../../apps/api/src/config/api.config';
import { HISTORY_OPTIONS_OVERRIDES } from '../../apps/api/src/history/history.module';
import type { HistoryOptions } from '../../apps/api/src/history/history.service';
import { testAuthEnvironment } from './auth.tokens';
import type { TestApp } from './test-app';

/**
 * Records whatever it is given, as given: a history the operation's rules would
 * refuse. Its state is only the events' revisions, by id, so a retry is still a replay.
 */
const acceptEverything: OperationDecider<ImmutableMap<string, number>> = {
  initialState: () => ImmutableMap<string, number>(),
  evolve: (revisions, event) => revisions.set(event.eventId, revisions.size),
  revisionOf: (revisions, eventId) => revisions.get(eventId),
  decide: (command) =>
    command.events.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      occurredAt: event.occurredAt,
      agency: command.recorder.agency,
      recordedBy: command.recorder.subject,
      classification: event.classification ?? 'OFFICIAL',
      causationId: event.causationId ?? null,
      data: event.data,
    })),
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
    decider: acceptEverything,
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
