import { join } from 'node:path';
import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import type { Clock, OperationModel } from '@timeline/application';
import { EventStoreModule, type EventStoreOptions } from '@timeline/event-store';
import type { AuthConfiguration } from './auth/auth.config';
import { AuthModule } from './auth/auth.module';
import type { ApiConfig } from './config/api.config';
import { API_CONFIG } from './config/api-config.token';
import { HealthModule } from './health/health.module';
import { ShutdownGate } from './http/shutdown.gate';
import { HistoryModule } from './history/history.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { RecordingHttpModule } from './recording/recording-http.module';

/** What the application is assembled from besides its configuration (tests and benchmarks vary these). */
export interface AppModuleOptions {
  /** The operation's decider as the write path uses it. */
  readonly model: OperationModel<unknown>;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Security configuration (readAuthConfiguration, at the edge): how bearer tokens are verified, limits. */
  readonly auth: AuthConfiguration;
  /** Extra modules mounted beside the application's own (e.g. a benchmark's baseline route). */
  readonly imports?: ModuleMetadata['imports'];
  /** Closes at the start of shutdown; the app factory consults it for every request. */
  readonly shutdownGate?: ShutdownGate;
}

export function eventStoreOptionsOf(config: ApiConfig): EventStoreOptions {
  return config.eventStore.kind === 'sqlite'
    ? { kind: 'sqlite', file: config.eventStore.file, maxQueuedEvents: config.eventStore.maxQueuedEvents }
    : { kind: 'eventstoredb', connectionString: config.eventStore.url };
}

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        EventStoreModule.forRoot(eventStoreOptionsOf(config)),
        AuthModule.forApi(options.auth, config.dataDir),
        HealthModule,
        RecordingHttpModule.forRoot({
          model: options.model,
          clock: options.clock,
          maxBatchEvents: config.maxBatchEvents,
        }),
        HistoryModule.forRoot(),
        ReadModelsModule.forRoot({
          projections: { checkpointDirectory: join(config.dataDir, 'projections') },
        }),
        MetricsModule,
        ...(options.imports ?? []),
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        // A root-module provider: its destroy hook runs before those of the other modules.
        { provide: ShutdownGate, useValue: options.shutdownGate ?? new ShutdownGate() },
      ],
      exports: [API_CONFIG],
    };
  }
}
