import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import { HealthRegistry } from './health.registry';

/** Reports the event store in GET /health: its kind, where it lives and the head of the global log. */
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
        status: 'up',
        kind: description.kind,
        location: description.location,
        headPosition: description.headPosition === null ? null : formatPosition(description.headPosition),
      };
    });
  }
}
