import { join } from 'node:path';
import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import type { Clock } from '@timeline/application';
import type { OperationDecider } from '@timeline/domain';
import { EventStoreModule } from '@timeline/event-store';
import type { AuthConfiguration } from './auth/auth.config';
import { AuthModule } from './auth/auth.module';
import type { ApiConfig } from './config/api.config';
import { API_CONFIG } from './config/api-config.token';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { ShutdownGate } from './http/shutdown.gate';
import { HistoryModule } from './history/history.module';
import { LiveModule } from './live/live.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { cursorSigningKey } from './read-models/timeline-cursors';
import { RecordingHttpModule } from './recording/recording-http.module';
import { TransparencyModule } from './transparency/transparency.module';

/** What the application is assembled from besides its configuration (tests and benchmarks vary these). */
export interface AppModuleOptions {
  /** The operation's decider. Default: `operationDecider` of libs/domain (tests give others). */
  readonly decider?: OperationDecider<unknown>;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Security configuration (readAuthConfiguration, at the edge): how bearer tokens are verified, limits. */
  readonly auth: AuthConfiguration;
  /** Extra modules mounted beside the application's own (e.g. a benchmark's baseline route). */
  readonly imports?: ModuleMetadata['imports'];
  /** Closes at the start of shutdown; the app factory consults it for every request. */
  readonly shutdownGate?: ShutdownGate;
}

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig, options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        EventStoreModule.forRoot(config.eventStore),
        AuthModule.forApi(options.auth, config),
        HealthModule,
        RecordingHttpModule.forRoot({
          decider: options.decider,
          clock: options.clock,
          maxBatchEvents: config.maxBatchEvents,
          ...(config.decidedStateSnapshotEvery === 0
            ? {}
            : {
                decidedState: {
                  directory: join(config.dataDir, 'decided-state'),
                  every: config.decidedStateSnapshotEvery,
                  warmUp: config.decidedStateWarmUp,
                },
              }),
        }),
        // Exports are stamped with the same clock as recordings.
        HistoryModule.forRoot({
          ...(options.clock ? { now: () => options.clock!.now() } : {}),
          verifyThreads: { store: config.eventStore, threads: config.verifyThreads },
        }),
        ReadModelsModule.forRoot({
          projections: { checkpointDirectory: join(config.dataDir, 'projections') },
          cursorSigningKey: cursorSigningKey(
            config.cursorSigningKey,
            join(config.dataDir, 'cursor-signing.key'),
          ),
        }),
        LiveModule.forRoot({ maxBufferedBytes: config.liveMaxBufferedBytes }),
        MetricsModule,
        DashboardModule.forRoot({
          directory: config.dashboardDir,
          localDevKey: options.auth.localDev?.key ?? null,
        }),
        TransparencyModule.forRoot(config.transparency),
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
