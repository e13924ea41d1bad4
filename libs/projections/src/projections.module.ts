import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import type { AnyProjectionHandle } from './core/projection';
import { FileProjectionCheckpointStore } from './checkpoint/file.projection-checkpoint-store';
import { InMemoryProjectionCheckpointStore } from './checkpoint/in-memory.projection-checkpoint-store';
import {
  PROJECTION_CHECKPOINT_STORE,
  type ProjectionCheckpointStore,
} from './checkpoint/projection-checkpoint-store.port';
import { ProjectionQueries } from './projection-queries';
import { READ_MODELS } from './read-models';
import { ProjectionRunner } from './runner/projection-runner';
import type { ProjectionLogger } from './runner/projection-runner.types';
import { TimeTravel } from './time-travel/time-travel';
import { StoreTimelinePayloads } from './timeline/timeline.payloads';

/** Options of the read side; read from configuration at the edge (apps/api), never from the environment here. */
export interface ProjectionsModuleOptions {
  /**
   * Directory of the checkpoint files (e.g. `<DATA_DIR>/projections`). When omitted,
   * checkpoints live in memory and every start rebuilds from the log.
   */
  readonly checkpointDirectory?: string;
  /** Checkpoint after this many events. Default 10,000. */
  readonly checkpointEveryEvents?: number;
  /** Checkpoint at least this often when something changed. Default 5,000 ms. */
  readonly checkpointIntervalMs?: number;
  /** Page size of rebuild reads. Default 250. */
  readonly rebuildPageSize?: number;
  /** First resubscription delay after the store subscription failed (doubles to 30 s). Default 500 ms. */
  readonly resubscribeDelayMs?: number;
  /** How long a query with `minPosition` waits by default. Default 2,000 ms. */
  readonly defaultWaitMs?: number;
  /** Projections to run beside the read models (`READ_MODELS`); time travel folds them too. */
  readonly extraProjections?: readonly AnyProjectionHandle[];
}

export interface ProjectionsModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => ProjectionsModuleOptions | Promise<ProjectionsModuleOptions>;
}

const PROJECTIONS_OPTIONS = Symbol('PROJECTIONS_OPTIONS');

/** The projections registered: the read models and the extra ones of the options. */
export const REGISTERED_PROJECTIONS = Symbol('REGISTERED_PROJECTIONS');

function nestLogger(): ProjectionLogger {
  const logger = new Logger('Projections');
  return {
    log: (message, context) => logger.log(context ? { message, ...context } : message),
    warn: (message, context) => logger.warn(context ? { message, ...context } : message),
    error: (message, context) => logger.error(context ? { message, ...context } : message),
  };
}

/**
 * Starts the runner once every module is initialised (so the store is open), and
 * stops it — with a last checkpoint — before the store closes on shutdown.
 */
@Injectable()
class ProjectionsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  /**
   * The last checkpoints reflect the log as shutdown left it: the writes in flight have finished
   * by now (the api's shutdown gate waits for them), so the runner first applies up to the head
   * (for at most two seconds; what it has not applied is read again at the next start).
   */
  async beforeApplicationShutdown(): Promise<void> {
    try {
      const { headPosition } = await this.store.describe();
      if (headPosition) await this.runner.waitForPosition(headPosition, 2_000);
    } catch {
      // A stopped, failed or slow runner still stops, with the checkpoint of where it got to.
    }
    await this.runner.stop();
  }
}

/**
 * The read side: provides `ProjectionRunner` (status, waits, rebuild, changes$),
 * `ProjectionQueries` (pictures, timelines, time travel, change streams) and
 * `TimeTravel`. Needs `EVENT_STORE` (EventStoreModule, global).
 */
@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions = {}): DynamicModule {
    return ProjectionsModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: ProjectionsModuleAsyncOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      imports: options.imports ?? [],
      providers: [
        { provide: PROJECTIONS_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: PROJECTION_CHECKPOINT_STORE,
          inject: [PROJECTIONS_OPTIONS],
          useFactory: (resolved: ProjectionsModuleOptions): ProjectionCheckpointStore => {
            if (resolved.checkpointDirectory === undefined) return new InMemoryProjectionCheckpointStore();
            const logger = new Logger('Projections');
            return new FileProjectionCheckpointStore({
              directory: resolved.checkpointDirectory,
              onUnreadable: (name, reason) =>
                logger.warn(`Checkpoint of ${name} is unreadable (${reason}); rebuilding it from the log`),
            });
          },
        },
        {
          provide: REGISTERED_PROJECTIONS,
          inject: [PROJECTIONS_OPTIONS],
          useFactory: (resolved: ProjectionsModuleOptions): readonly AnyProjectionHandle[] => [
            ...READ_MODELS,
            ...(resolved.extraProjections ?? []),
          ],
        },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, REGISTERED_PROJECTIONS, PROJECTION_CHECKPOINT_STORE, PROJECTIONS_OPTIONS],
          useFactory: (
            store: EventStore,
            projections: readonly AnyProjectionHandle[],
            checkpoints: ProjectionCheckpointStore,
            resolved: ProjectionsModuleOptions,
          ) =>
            new ProjectionRunner(store, projections, checkpoints, {
              checkpointEveryEvents: resolved.checkpointEveryEvents,
              checkpointIntervalMs: resolved.checkpointIntervalMs,
              rebuildPageSize: resolved.rebuildPageSize,
              resubscribeDelayMs: resolved.resubscribeDelayMs,
              logger: nestLogger(),
            }),
        },
        {
          provide: TimeTravel,
          inject: [EVENT_STORE, REGISTERED_PROJECTIONS],
          useFactory: (store: EventStore, projections: readonly AnyProjectionHandle[]) =>
            new TimeTravel(store, projections),
        },
        {
          provide: ProjectionQueries,
          inject: [ProjectionRunner, TimeTravel, EVENT_STORE, PROJECTIONS_OPTIONS],
          useFactory: (
            runner: ProjectionRunner,
            timeTravel: TimeTravel,
            store: EventStore,
            resolved: ProjectionsModuleOptions,
          ) =>
            new ProjectionQueries(
              runner,
              timeTravel,
              new StoreTimelinePayloads(store),
              resolved.defaultWaitMs,
            ),
        },
        ProjectionsLifecycle,
      ],
      exports: [ProjectionRunner, ProjectionQueries, TimeTravel],
    };
  }
}
