import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DemoDataModule } from '@timeline/demo-data';
import { TimelineError } from '@timeline/kernel';
import { createApp, jsonLogger } from './app.factory';
import { AuthConfigurationError, readAuthConfiguration } from './auth/auth.config';
import { ConfigurationError, loadApiConfig, type ApiConfig } from './config/api.config';

/** Reads every setting once, here, before anything starts; a wrong one stops start-up naming the variable. */
function readConfiguration(): { api: ApiConfig; auth: ReturnType<typeof readAuthConfiguration> } {
  try {
    const api = loadApiConfig(process.env);
    return { api, auth: readAuthConfiguration(process.env, api.dataDir) };
  } catch (error: unknown) {
    if (error instanceof ConfigurationError || error instanceof AuthConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const { api, auth } = readConfiguration();
  const logger = jsonLogger(api);
  // A newcomer's first start shows a populated operation: the demo is loaded into an empty
  // embedded store in local development (never in production mode unless asked for).
  const loadDemo =
    api.demoData === 'on' ||
    (api.demoData === 'auto' && auth.localDev !== null && api.eventStore.kind === 'sqlite');
  const app = await createApp(api, {
    auth,
    logger,
    imports: loadDemo ? [DemoDataModule.forRoot({ loadOnEmptyStore: true })] : [],
  });
  await app.listen(api.port, api.host);
  boundShutdown();
  const address = app.getHttpServer().address() as { port: number } | null;
  new Logger('Main').log({
    msg: 'listening',
    port: address?.port ?? api.port,
    host: api.host,
    store:
      api.eventStore.kind === 'sqlite'
        ? { kind: 'sqlite', file: api.eventStore.file }
        : { kind: 'eventstoredb' },
  });
}

/**
 * How long a graceful shutdown may take: the appends in flight finish, live streams are told to
 * reconnect, the projections write their checkpoints, the store closes. Past it the process exits
 * with code 1, which loses nothing acknowledged (every acknowledged append is durable when it is
 * acknowledged); the README's operations section states the bound.
 */
const SHUTDOWN_BOUND_MS = 10_000;

function boundShutdown(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`Shutdown did not finish within ${SHUTDOWN_BOUND_MS} ms; exiting\n`);
        process.exit(1);
      }, SHUTDOWN_BOUND_MS).unref();
    });
  }
}

main().catch((error: unknown) => {
  // A failure the project raises on purpose (the store is locked by another process, the file is
  // not an event store) is said in its own words; anything else with its stack.
  const said =
    error instanceof TimelineError
      ? `${error.message} [${error.code}]`
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`Start-up failed: ${said}\n`);
  process.exit(1);
});
