import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import { HealthRegistry } from './health.registry';

/**
 * Reports the event store in GET /health: its kind, where it lives and the head of the global log;
 * `degraded` with the reason while it refuses writes (disk full, read-only file, write queue full):
 * reads are still served.
 */
@Injectable()
export class StoreHealth implements OnModuleInit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register('store', async () => {
      const description = await this.store.describe();
      return {
        status: description.writesRefused ? 'degraded' : 'up',
        kind: description.kind,
        location: description.location,
        headPosition: description.headPosition === null ? null : formatPosition(description.headPosition),
        ...(description.writesRefused && { writesRefused: description.writesRefused }),
      };
    });
  }
}
