import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  type OptionalFactoryDependency,
} from '@nestjs/common';
import { createEventStore, type EventStoreOptions } from './event-store.factory';
import { EVENT_STORE, type EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite.event-store';

/** Options resolved from other providers (e.g. the api's validated configuration). */
export interface EventStoreModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => EventStoreOptions | Promise<EventStoreOptions>;
}

const EVENT_STORE_OPTIONS = Symbol('EVENT_STORE_OPTIONS');

/**
 * Closes the store when the application shuts down. Nest runs this hook after
 * the HTTP server has stopped taking requests, and the store's close() lets the
 * appends still in flight commit before it releases the file.
 */
@Injectable()
class EventStoreLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  onModuleInit(): void {
    if (!(this.store instanceof SqliteEventStore)) return;
    const logger = new Logger('EventStore');
    const readOnly = this.store.readOnly;
    if (readOnly !== null) {
      logger.warn({ msg: 'the store refuses every write; reads are served', reason: readOnly });
    }
    const previous = this.store.previousLockHolder;
    if (previous) {
      logger.warn({
        msg: 'the previous holder of the store ended without releasing it (killed?); its lock was released by the OS and taken over',
        previousHolder: previous,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** Binds the configured adapter to the EVENT_STORE token for the whole application. */
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreOptions): DynamicModule {
    return EventStoreModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: EventStoreModuleAsyncOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: EVENT_STORE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: EVENT_STORE,
          inject: [EVENT_STORE_OPTIONS],
          useFactory: (resolved: EventStoreOptions) => createEventStore(resolved),
        },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE],
    };
  }
}
